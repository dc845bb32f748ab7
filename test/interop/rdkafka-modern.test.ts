// A current librdkafka (node-rdkafka's bundled build, installed into .test-deps/ by
// scripts/test-deps.sh) against the broker: every librdkafka from 2.1 on sends bytes after an
// all-topics Metadata v9+, so metadata, regex subscriptions and everything after them used to be
// disconnected. Metadata, admin (create, add partitions, delete), acks=all produce with delivery
// reports, a consumer group on a regex subscription with committed offsets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess, waitFor } from '../helpers/broker-process.js';
import { loadNodeRdkafka } from '../helpers/node-rdkafka.js';
import { FAST_GROUPS } from '../group/helpers.js';

type Callback<T = void> = (err: Error | null | undefined, value: T) => void;
interface Metadata {
  brokers: Array<{ id: number; host: string; port: number }>;
  topics: Array<{ name: string; partitions: Array<{ id: number; leader: number; replicas: number[]; isrs: number[] }> }>;
}
interface Message { topic: string; partition: number; offset: number; key?: Buffer | null; value: Buffer | null }
interface Client {
  connect(opts: object, cb: Callback<unknown>): void;
  disconnect(cb: Callback<unknown>): void;
  getMetadata(opts: { topic?: string; timeout: number }, cb: Callback<Metadata>): void;
}
interface Producer extends Client {
  produce(topic: string, partition: number, value: Buffer, key: string): void;
  setPollInterval(ms: number): void;
  flush(timeoutMs: number, cb: Callback<unknown>): void;
  on(event: 'delivery-report', cb: (err: Error | null, report: Message) => void): void;
}
interface Consumer extends Client {
  subscribe(topics: string[]): void;
  consume(count: number, cb: Callback<Message[]>): void;
  commitSync(toppars: null): void;
  committed(toppars: Array<{ topic: string; partition: number }>, timeoutMs: number, cb: Callback<Array<{ topic: string; partition: number; offset: number }>>): void;
}
interface Admin {
  createTopic(t: { topic: string; num_partitions: number; replication_factor: number; config?: Record<string, string> }, timeoutMs: number, cb: (err: Error | null) => void): void;
  createPartitions(topic: string, total: number, timeoutMs: number, cb: (err: Error | null) => void): void;
  deleteTopic(topic: string, timeoutMs: number, cb: (err: Error | null) => void): void;
  disconnect(): void;
}
interface NodeRdkafka {
  librdkafkaVersion: string;
  Producer: new (conf: Record<string, unknown>) => Producer;
  KafkaConsumer: new (conf: Record<string, unknown>, topicConf: Record<string, unknown>) => Consumer;
  AdminClient: { create(conf: Record<string, unknown>): Admin };
}

const call = <T>(f: (cb: Callback<T>) => void): Promise<T> =>
  new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v))));
const done = (f: (cb: (err: Error | null) => void) => void): Promise<void> =>
  new Promise((resolve, reject) => f((err) => (err ? reject(err) : resolve())));

const rdkafka = loadNodeRdkafka<NodeRdkafka>();

describe('a current librdkafka (node-rdkafka)', { timeout: 120_000, skip: rdkafka.skip }, () => {
  let broker: BrokerProcess;
  let Kafka: NodeRdkafka;
  let admin: Admin;
  let producer: Producer;
  const conf = () => ({ 'metadata.broker.list': broker.bootstrap, 'client.id': 'samsa-rdkafka-test' });

  before(async () => {
    Kafka = rdkafka.module!;
    broker = await BrokerProcess.start({ settings: FAST_GROUPS });
    admin = Kafka.AdminClient.create(conf());
    producer = new Kafka.Producer({ ...conf(), dr_cb: true, acks: -1, 'linger.ms': 5 });
    await call((cb) => producer.connect({}, cb));
    producer.setPollInterval(20);
  });
  after(async () => {
    admin?.disconnect();
    if (producer) await call((cb) => producer.disconnect(cb)).catch(() => {});
    broker?.cleanup();
  });

  test('the bundled librdkafka is 2.1 or newer (the versions that send trailing bytes)', () => {
    const [major, minor] = Kafka.librdkafkaVersion.split('.').map(Number);
    assert.ok(major! > 2 || (major === 2 && minor! >= 1), Kafka.librdkafkaVersion);
  });

  test('admin creates a topic; all-topics metadata lists it with this broker leading every partition', async () => {
    await done((cb) => admin.createTopic({ topic: 'rdk-a', num_partitions: 3, replication_factor: 1, config: { 'retention.ms': '86400000' } }, 10_000, cb));
    const md = await call<Metadata>((cb) => producer.getMetadata({ timeout: 10_000 }, cb));
    assert.deepEqual(md.brokers.map((b) => `${b.host}:${b.port}`), [broker.bootstrap]);
    const t = md.topics.find((x) => x.name === 'rdk-a');
    assert.ok(t, `rdk-a listed among ${md.topics.map((x) => x.name)}`);
    assert.deepEqual(t.partitions.map((p) => [p.id, p.leader, p.isrs]).sort(), [[0, md.brokers[0]!.id, [md.brokers[0]!.id]], [1, md.brokers[0]!.id, [md.brokers[0]!.id]], [2, md.brokers[0]!.id, [md.brokers[0]!.id]]]);
  });

  test('acks=all produce, then a group on a regex subscription reads every record in order and commits', async () => {
    const reports: Message[] = [];
    producer.on('delivery-report', (err, r) => {
      assert.ifError(err);
      reports.push(r);
    });
    const N = 300;
    for (let i = 0; i < N; i++) producer.produce('rdk-a', i % 3, Buffer.from(`v-${i % 3}-${Math.floor(i / 3)}`), `k${i}`);
    await call((cb) => producer.flush(20_000, cb));
    await waitFor(() => reports.length === N, { timeoutMs: 20_000, what: 'delivery reports' });
    for (let p = 0; p < 3; p++) {
      assert.deepEqual(reports.filter((r) => r.partition === p).map((r) => r.offset), Array.from({ length: N / 3 }, (_, i) => i), `offsets of partition ${p}`);
    }

    const consumer = new Kafka.KafkaConsumer({ ...conf(), 'group.id': 'rdk-group', 'enable.auto.commit': false, 'session.timeout.ms': 6000, 'topic.metadata.refresh.interval.ms': 1000 }, { 'auto.offset.reset': 'earliest' });
    await call((cb) => consumer.connect({}, cb));
    try {
      consumer.subscribe(['^rdk-.*']);
      const got: Message[] = [];
      await waitFor(async () => {
        got.push(...(await call<Message[]>((cb) => consumer.consume(100, cb))));
        return got.length >= N;
      }, { timeoutMs: 60_000, intervalMs: 1, what: `${N} records (have ${got.length})` });
      assert.equal(got.length, N);
      for (let p = 0; p < 3; p++) {
        const mine = got.filter((m) => m.partition === p);
        assert.deepEqual(mine.map((m) => m.offset), Array.from({ length: N / 3 }, (_, i) => i));
        assert.deepEqual(mine.map((m) => m.value!.toString()), Array.from({ length: N / 3 }, (_, i) => `v-${p}-${i}`));
      }
      consumer.commitSync(null);
      const committed = await call<Array<{ topic: string; partition: number; offset: number }>>((cb) =>
        consumer.committed([0, 1, 2].map((partition) => ({ topic: 'rdk-a', partition })), 10_000, cb));
      assert.deepEqual(committed.map((c) => [c.partition, c.offset]).sort(), [[0, 100], [1, 100], [2, 100]]);
    } finally {
      await call((cb) => consumer.disconnect(cb));
    }
  });

  test('admin adds partitions and deletes the topic', async () => {
    await done((cb) => admin.createPartitions('rdk-a', 5, 10_000, cb));
    let md = await call<Metadata>((cb) => producer.getMetadata({ topic: 'rdk-a', timeout: 10_000 }, cb));
    assert.equal(md.topics.find((x) => x.name === 'rdk-a')?.partitions.length, 5);
    await done((cb) => admin.deleteTopic('rdk-a', 10_000, cb));
    md = await call<Metadata>((cb) => producer.getMetadata({ timeout: 10_000 }, cb));
    assert.equal(md.topics.some((x) => x.name === 'rdk-a'), false);
  });
});
