// kafkajs with idempotent: true (and maxInFlightRequests: 1, as its documentation requires for
// idempotence): 100,000 records sent while the broker stores requests whose responses are lost,
// is SIGKILLed and restarted; kafkajs retries the request it had in flight with the same sequence
// numbers, and every acknowledged record is stored once, in order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { assertEachOnceInOrder, loseResponsesKillAndRestart, startBrokerBehindProxy, type BrokerBehindProxy } from '../helpers/exactly-once.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';

const { Kafka, logLevel, Partitioners } = kafkajs;

describe('kafkajs with idempotent: true', () => {
  let b: BrokerBehindProxy;
  let producer: kafkajs.Producer;
  const N = 100_000;
  const PER_SEND = 1000;
  const TOPIC = 'idem-kafkajs';
  const PARTITIONS = 3;

  before(async () => {
    b = await startBrokerBehindProxy({ settings: { 'auto.create.topics.enable': 'false' } });
    const c = await WireClient.connect(b.direct);
    assert.equal(await createTopic(c, TOPIC, PARTITIONS), 0);
    c.close();
    const kafka = new Kafka({
      clientId: 'samsa-idempotence',
      brokers: [b.bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
  });

  after(async () => {
    await producer?.disconnect().catch(() => {});
    b?.broker.cleanup();
    await b?.proxy.close();
  });

  test('100,000 records through lost responses, a SIGKILL and a restart: each stored once, in order', { timeout: 90_000 }, async () => {
    let acknowledged = 0;
    const sending = (async () => {
      for (let i = 0; i < N; i += PER_SEND) {
        // Keyed: kafkajs partitions keyless records round robin again on every retry, so a retried
        // request would carry different batches under the same sequence numbers, which Kafka, as
        // Samsa, refuses with OUT_OF_ORDER_SEQUENCE_NUMBER. A key's partition is the same each time.
        const messages = Array.from({ length: PER_SEND }, (_, j) => ({ key: `k${(i + j) % 97}`, value: String(i + j) }));
        const metadata = await producer.send({ topic: TOPIC, acks: -1, messages });
        for (const m of metadata) assert.equal(m.errorCode, 0);
        acknowledged += PER_SEND;
      }
    })();
    const { storedAtKill, lostProduceResponses } = await loseResponsesKillAndRestart(b, TOPIC, PARTITIONS, N / 4);
    await sending;
    assert.equal(acknowledged, N);
    assert.ok(storedAtKill < N && lostProduceResponses > 0, 'the broker handled produce requests whose responses were lost, mid-stream');
    await assertEachOnceInOrder(b.direct, TOPIC, PARTITIONS, N);
  });
});
