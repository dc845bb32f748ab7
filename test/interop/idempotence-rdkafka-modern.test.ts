// A current librdkafka (node-rdkafka's bundled 2.12, see rdkafka-modern.test.ts) with
// enable.idempotence=true: 100,000 records produced while the broker stores requests whose
// responses are lost, is SIGKILLed and restarted; every record is delivered, stored once, in order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/broker-process.js';
import { loadNodeRdkafka } from '../helpers/node-rdkafka.js';
import { assertEachOnceInOrder, loseResponsesKillAndRestart, startBrokerBehindProxy, type BrokerBehindProxy } from '../helpers/exactly-once.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';

type Callback<T = void> = (err: Error | null | undefined, value: T) => void;
interface Producer {
  connect(opts: object, cb: Callback<unknown>): void;
  disconnect(cb: Callback<unknown>): void;
  produce(topic: string, partition: number | null, value: Buffer): void;
  setPollInterval(ms: number): void;
  flush(timeoutMs: number, cb: Callback<unknown>): void;
  on(event: 'delivery-report', cb: (err: Error | null) => void): void;
}
interface NodeRdkafka {
  librdkafkaVersion: string;
  Producer: new (conf: Record<string, unknown>) => Producer;
}

const call = <T>(f: (cb: Callback<T>) => void): Promise<T> =>
  new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v))));

const rdkafka = loadNodeRdkafka<NodeRdkafka>();

describe('a current librdkafka with enable.idempotence=true', { skip: rdkafka.skip }, () => {
  let b: BrokerBehindProxy;
  let producer: Producer;
  const N = 100_000;
  const TOPIC = 'idem-rdkafka';
  const PARTITIONS = 3;

  before(async () => {
    const Kafka = rdkafka.module!;
    b = await startBrokerBehindProxy();
    const c = await WireClient.connect(b.direct);
    assert.equal(await createTopic(c, TOPIC, PARTITIONS), 0);
    c.close();
    producer = new Kafka.Producer({
      'metadata.broker.list': b.bootstrap,
      'client.id': 'samsa-idempotence',
      'enable.idempotence': true,
      dr_cb: true,
      'linger.ms': 2,
      'batch.num.messages': 500,
      'message.timeout.ms': 60_000,
      'reconnect.backoff.max.ms': 200,
    });
    await call((cb) => producer.connect({}, cb));
    producer.setPollInterval(10);
  });

  after(async () => {
    if (producer) await call((cb) => producer.disconnect(cb)).catch(() => {});
    b?.broker.cleanup();
    await b?.proxy.close();
  });

  test('100,000 records through lost responses, a SIGKILL and a restart: each delivered and stored once, in order', { timeout: 90_000 }, async () => {
    let delivered = 0;
    const failures: string[] = [];
    producer.on('delivery-report', (err) => {
      if (err) failures.push(err.message);
      else delivered++;
    });
    const producing = (async () => {
      for (let i = 0; i < N; i++) {
        for (;;) {
          try {
            producer.produce(TOPIC, null, Buffer.from(String(i)));
            break;
          } catch {
            await new Promise((r) => setTimeout(r, 5)); // the local queue is full: let it drain
          }
        }
        if (i % 500 === 499) await new Promise((r) => setImmediate(r));
      }
    })();
    const { storedAtKill, lostProduceResponses } = await loseResponsesKillAndRestart(b, TOPIC, PARTITIONS, N / 4);
    await producing;
    await call((cb) => producer.flush(60_000, cb));
    await waitFor(() => delivered + failures.length === N, { timeoutMs: 30_000, what: 'every delivery report' });
    assert.deepEqual(failures.slice(0, 5), []);
    assert.ok(storedAtKill < N && lostProduceResponses > 0, 'the broker handled produce requests whose responses were lost, mid-stream');
    await assertEachOnceInOrder(b.direct, TOPIC, PARTITIONS, N);
  });
});
