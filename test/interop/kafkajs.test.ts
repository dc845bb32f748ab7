// kafkajs: admin createTopics (incl. validateOnly and an existing topic), producer send with
// acks=-1 (plain and gzip), fetchTopicOffsets and fetchTopicOffsetsByTimestamp, deleteTopics
// (data removed from disk). kafkajs' consumer needs consumer groups: data is read back with kcat.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import kafkajs from 'kafkajs';
import { BrokerProcess, runOk, waitFor } from '../helpers/broker-process.js';

const { Kafka, logLevel, CompressionTypes, Partitioners } = kafkajs;

describe('kafkajs', () => {
  let broker: BrokerProcess;
  let admin: kafkajs.Admin;
  let producer: kafkajs.Producer;
  const TOPIC = 'kafkajs-data';

  before(async () => {
    broker = await BrokerProcess.start({ settings: { 'auto.create.topics.enable': 'false' } });
    const kafka = new Kafka({ clientId: 'samsa-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    admin = kafka.admin();
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await admin.connect();
    await producer.connect();
  });

  after(async () => {
    await producer?.disconnect().catch(() => {});
    await admin?.disconnect().catch(() => {});
    broker?.cleanup();
  });

  test('admin createTopics: creates, reports an existing topic, honours validateOnly', async () => {
    assert.equal(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }], waitForLeaders: true }), true);
    assert.equal(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }] }), false);
    // waitForLeaders would ask Metadata for a topic that (rightly) does not exist.
    await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'kafkajs-validate-only', numPartitions: 2 }] });
    const topics = await admin.listTopics();
    assert.ok(topics.includes(TOPIC));
    assert.ok(!topics.includes('kafkajs-validate-only'));
    const md = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    assert.deepEqual(md.topics[0]!.partitions.map((p) => [p.partitionId, p.leader]).sort(), [[0, 0], [1, 0], [2, 0]]);
  });

  test('producer send (acks=-1, plain and gzip) and fetchTopicOffsets; kcat reads it back', async () => {
    const sent: Array<{ partition: number; key: string; value: string; header: string }> = [];
    const before = Date.now();
    for (const compression of [CompressionTypes.None, CompressionTypes.GZIP]) {
      for (let round = 0; round < 3; round++) {
        const messages = Array.from({ length: 30 }, (_, j) => {
          const i = sent.length + j;
          return { partition: i % 3, key: `kj-${i}`, value: `kafkajs value ${i} ${'z'.repeat(i % 50)}`, headers: { h: `hv-${i}` } };
        });
        const meta = await producer.send({ topic: TOPIC, acks: -1, compression, messages });
        // One batch per partition per send: base offsets are where the partition stood.
        for (const m of meta) {
          assert.equal(m.errorCode, 0);
          assert.equal(Number(m.baseOffset), sent.filter((s) => s.partition === m.partition).length);
        }
        for (const m of messages) sent.push({ partition: m.partition, key: m.key, value: m.value, header: m.headers.h });
      }
    }
    const offsets = await admin.fetchTopicOffsets(TOPIC);
    assert.deepEqual(
      offsets.map((o) => [o.partition, Number(o.low), Number(o.high)]).sort(),
      [0, 1, 2].map((p) => [p, 0, sent.filter((s) => s.partition === p).length]),
    );
    const byTime = await admin.fetchTopicOffsetsByTimestamp(TOPIC, before - 1000);
    assert.deepEqual(byTime.map((o) => [o.partition, Number(o.offset)]).sort(), [[0, 0], [1, 0], [2, 0]]);

    for (const p of [0, 1, 2]) {
      const out = await runOk('kcat', ['-b', broker.bootstrap, '-C', '-t', TOPIC, '-p', String(p), '-o', 'beginning', '-e', '-q', '-f', '%o|%k|%h|%s\\n'], { timeoutMs: 30_000 });
      const got = out.split('\n').filter((l) => l !== '');
      const want = sent.filter((s) => s.partition === p).map((s, off) => `${off}|${s.key}|h=${s.header}|${s.value}`);
      assert.deepEqual(got, want);
    }
  });

  test('admin deleteTopics removes the topic and its data', async () => {
    const topic = 'kafkajs-doomed';
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true }), true);
    await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: 'a' }, { partition: 1, value: 'b' }] });
    const dirs = () => readdirSync(broker.dataDir).filter((d) => d.startsWith(`${topic}-`));
    assert.equal(dirs().length, 2, 'partition directories exist before the delete');
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
    assert.ok(!(await admin.listTopics()).includes(topic));
    await waitFor(() => dirs().length === 0, { timeoutMs: 10_000, what: `${topic} data removed from disk` });
    assert.ok(existsSync(broker.dataDir));
    // The other topic is untouched.
    const offsets = await admin.fetchTopicOffsets(TOPIC);
    assert.equal(offsets.reduce((a, o) => a + Number(o.high), 0), 180);
  });
});
