// Retention moves the log start offset past where consumers stand; they get OFFSET_OUT_OF_RANGE
// and reset as configured. confluent-kafka (test/admin/py/retention_reset.py): assigned below
// the log start or with a committed offset there, auto.offset.reset=earliest continues at the
// new log start, latest at the end, error surfaces the out-of-range error. kafkajs consumer
// groups with a committed offset below the log start: fromBeginning resets to the log start,
// otherwise to the end.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { buildBatch } from '../../src/record/builder.js';
import { python, repoRoot, runOk, waitFor } from '../helpers/broker-process.js';
import { WireClient, createTopic, fetchPartition, listOffsets, produceBatch } from '../helpers/wire-client.js';

const TOPIC = 'expiring';
const COUNT = 60;

interface ConsumeOut {
  offsets: number[];
  values: string[];
  error?: { name: string; str: string; code: number };
  reset_position?: number;
  produced?: number[];
}

const py = async (...args: string[]) => JSON.parse(await runOk(python, [join(repoRoot, 'test', 'admin', 'py', 'retention_reset.py'), ...args], { timeoutMs: 40_000 }));

describe('consumers at an expired offset reset as configured', () => {
  let b: StartedBroker;
  let c: WireClient;
  let logStart = 0;
  before(async () => {
    b = await startBroker({ 'log.retention.check.interval.ms': '50', 'group.initial.rebalance.delay.ms': '0' });
    c = await WireClient.connect(b.bootstrap);
    assert.equal(await createTopic(c, TOPIC, 1, { 'segment.bytes': '1000', 'retention.bytes': '3000', 'file.delete.delay.ms': '0' }), 0);
    for (let i = 0; i < COUNT; i++) {
      assert.equal((await produceBatch(c, TOPIC, 0, buildBatch([{ key: `k${i}`, value: `record ${i} ${'r'.repeat(100)}` }]))).errorCode, 0);
    }
    const p = b.broker.partition(TOPIC, 0)!;
    await waitFor(() => p.logStartOffset > 10 && p.log.size <= 4000, { timeoutMs: 10_000, what: 'retention to delete the oldest segments' });
    logStart = p.logStartOffset;
    assert.deepEqual(await listOffsets(c, TOPIC, [0], -2), [logStart]);
    const stale = await fetchPartition(c, TOPIC, 0, 5);
    assert.equal(stale.errorCode, 1, 'a fetch at an expired offset is OFFSET_OUT_OF_RANGE');
    assert.equal(stale.logStartOffset, logStart);
  });
  after(async () => {
    c.close();
    await b.stop();
  });

  const expectFromLogStart = (out: ConsumeOut, n: number) => {
    assert.equal(out.error, undefined, JSON.stringify(out.error));
    assert.deepEqual(out.offsets, Array.from({ length: n }, (_, i) => logStart + i));
    assert.deepEqual(out.values, out.offsets.map((o) => `record ${o} ${'r'.repeat(100)}`));
  };

  // Kafka answers a partition error with empty records (MemoryRecords.EMPTY). librdkafka takes a
  // null (size -1) as a protocol parse failure, never sees OFFSET_OUT_OF_RANGE and never resets.
  it('an out-of-range Fetch partition carries empty records, not null', async () => {
    const stale = await fetchPartition(c, TOPIC, 0, 5);
    assert.equal(stale.errorCode, 1);
    assert.notEqual(stale.records, null, 'records must be empty, not null: librdkafka rejects MessageSetSize -1 and never resets');
  });

  it('confluent-kafka, assigned below the log start, auto.offset.reset=earliest: continues at the new log start', async () => {
    expectFromLogStart(await py(b.bootstrap, TOPIC, 'assign', 'earliest', '5', '5'), 5);
  });

  it('confluent-kafka, committed offset below the log start, auto.offset.reset=earliest: continues at the new log start', async () => {
    const committed = await py(b.bootstrap, TOPIC, 'commit', 'g-earliest', '5');
    assert.equal(committed.committed, 5);
    expectFromLogStart(await py(b.bootstrap, TOPIC, 'subscribe', 'g-earliest', 'earliest', '5', '5'), 5);
  });

  it('confluent-kafka, auto.offset.reset=error: the consumer sees the out-of-range error', async () => {
    const out: ConsumeOut = await py(b.bootstrap, TOPIC, 'assign', 'error', '5', '1');
    assert.deepEqual(out.offsets, []);
    assert.equal(out.error?.name, '_AUTO_OFFSET_RESET');
    assert.match(out.error!.str, /out of range/i);
  });

  it('confluent-kafka, assigned below the log start, auto.offset.reset=latest: continues at the end', async () => {
    const end = (await listOffsets(c, TOPIC, [0], -1))[0]!;
    const out: ConsumeOut = await py(b.bootstrap, TOPIC, 'assign', 'latest', '5', '3');
    assert.equal(out.error, undefined, JSON.stringify(out.error));
    assert.equal(out.reset_position, end);
    assert.deepEqual(out.produced, [end, end + 1, end + 2]);
    assert.deepEqual(out.offsets, [end, end + 1, end + 2]);
    assert.deepEqual(out.values, ['after reset 0', 'after reset 1', 'after reset 2']);
  });

  it('confluent-kafka, committed offset below the log start, auto.offset.reset=latest: continues at the end', async () => {
    await py(b.bootstrap, TOPIC, 'commit', 'g-latest', '5');
    const end = (await listOffsets(c, TOPIC, [0], -1))[0]!;
    const out: ConsumeOut = await py(b.bootstrap, TOPIC, 'subscribe', 'g-latest', 'latest', '3', '5');
    assert.equal(out.error, undefined, JSON.stringify(out.error));
    assert.equal(out.reset_position, end);
    assert.deepEqual(out.offsets, [end, end + 1, end + 2]);
  });

  it('kafkajs consumer groups with a committed offset below the log start: fromBeginning → log start, otherwise → end', { timeout: 40_000 }, async () => {
    const kafka = new Kafka({ clientId: 'retention-reset', brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
    const admin = kafka.admin();
    await admin.connect();
    const consumers: Consumer[] = [];
    try {
      // committed with confluent-kafka: kafkajs admin.setOffsets joins the group first, which costs seconds
      for (const g of ['kjs-earliest', 'kjs-latest']) assert.equal((await py(b.bootstrap, TOPIC, 'commit', g, '5')).committed, 5);
      assert.deepEqual((await admin.fetchOffsets({ groupId: 'kjs-earliest', topics: [TOPIC] }))[0]!.partitions.map((p) => p.offset), ['5']);
      const start = b.broker.partition(TOPIC, 0)!.logStartOffset;

      // fromBeginning: true → earliest
      const early = kafka.consumer({ groupId: 'kjs-earliest', maxWaitTimeInMs: 100, sessionTimeout: 6000 });
      consumers.push(early);
      const seenEarly: number[] = [];
      await early.connect();
      await early.subscribe({ topic: TOPIC, fromBeginning: true });
      await early.run({ eachMessage: async ({ message }) => void seenEarly.push(Number(message.offset)) });
      await waitFor(() => seenEarly.length >= 3, { timeoutMs: 20_000, what: 'kafkajs fromBeginning consumer' });
      assert.equal(seenEarly[0], start, 'kafkajs reset to the log start');
      assert.deepEqual(seenEarly.slice(0, 3), [start, start + 1, start + 2]);

      // fromBeginning: false → latest: nothing before the end is delivered; new records are
      const end = (await listOffsets(c, TOPIC, [0], -1))[0]!;
      const late = kafka.consumer({ groupId: 'kjs-latest', maxWaitTimeInMs: 100, sessionTimeout: 6000 });
      consumers.push(late);
      const seenLate: Array<{ offset: number; value: string }> = [];
      await late.connect();
      await late.subscribe({ topic: TOPIC, fromBeginning: false });
      await late.run({ eachMessage: async ({ message }) => void seenLate.push({ offset: Number(message.offset), value: message.value!.toString() }) });
      // keep producing until the reset consumer picks records up (it cannot know when its reset happened)
      let n = 0;
      await waitFor(async () => {
        if (seenLate.length > 0) return true;
        assert.equal((await produceBatch(c, TOPIC, 0, buildBatch([{ key: 'late', value: `late ${n++}` }]))).errorCode, 0);
        return false;
      }, { timeoutMs: 20_000, intervalMs: 200, what: 'kafkajs latest consumer' });
      assert.ok(seenLate[0]!.offset >= end, `kafkajs reset to the end (${end}), not the log start: first ${seenLate[0]!.offset}`);
      assert.match(seenLate[0]!.value, /^late \d+$/);
      for (let i = 1; i < seenLate.length; i++) assert.equal(seenLate[i]!.offset, seenLate[i - 1]!.offset + 1);
    } finally {
      for (const k of consumers) await k.disconnect().catch(() => {});
      await admin.disconnect();
    }
  });
});
