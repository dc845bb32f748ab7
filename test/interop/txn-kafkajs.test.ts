// kafkajs transactions (idempotent producer with a transactionalId) against a broker process:
// a committed transaction, an aborted one and another committed one; a read_committed consumer
// (kafkajs' default, readUncommitted: false) gets only the committed records, a read_uncommitted
// one all of them, each partition in produce order; offsets sent with sendOffsets count once their
// transaction commits and never when it aborts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { BrokerProcess, waitFor } from '../helpers/broker-process.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';

const { Kafka, logLevel } = kafkajs;

describe('kafkajs transactions', () => {
  let broker: BrokerProcess;
  let kafka: kafkajs.Kafka;
  const TOPIC = 'txn-kafkajs';

  before(async () => {
    broker = await BrokerProcess.start({ settings: { 'group.initial.rebalance.delay.ms': '0', 'auto.create.topics.enable': 'false' } });
    const c = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(c, TOPIC, 2), 0);
    c.close();
    kafka = new Kafka({ clientId: 'samsa-txn', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
  });

  after(() => broker?.cleanup());

  async function readAll(groupId: string, readUncommitted: boolean, expected: number): Promise<Array<{ partition: number; offset: number; value: string }>> {
    const consumer = kafka.consumer({ groupId, readUncommitted, maxWaitTimeInMs: 100 });
    const got: Array<{ partition: number; offset: number; value: string }> = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ partition, message }) => void got.push({ partition, offset: Number(message.offset), value: message.value!.toString() }) });
      await waitFor(() => got.length >= expected, { timeoutMs: 30_000, what: `${expected} records` });
      // Anything more (an aborted record leaking through) would arrive with the next fetches.
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await consumer.disconnect();
    }
    return got;
  }

  test('read_committed sees committed transactions only, read_uncommitted sees aborted ones too', { timeout: 90_000 }, async () => {
    const producer = kafka.producer({ transactionalId: 'kafkajs-txn', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const send = async (t: number, n: number, commit: boolean) => {
      const tx = await producer.transaction();
      await tx.send({ topic: TOPIC, messages: Array.from({ length: n }, (_, i) => ({ partition: i % 2, value: `${t}-${i}` })) });
      if (commit) await tx.commit();
      else await tx.abort();
    };
    try {
      await send(0, 4, true);
      await send(1, 4, false);
      await send(2, 2, true);
    } finally {
      await producer.disconnect();
    }
    const sorted = (rs: Array<{ partition: number; offset: number; value: string }>) =>
      [0, 1].map((p) => rs.filter((r) => r.partition === p).sort((a, b) => a.offset - b.offset).map((r) => [r.offset, r.value]));
    const committed = await readAll('kafkajs-rc', false, 6);
    // Each transaction's records, then its marker: partition 0 holds 0-0 0-2 | m | 1-0 1-2 | m | 2-0 | m.
    assert.deepEqual(sorted(committed), [[[0, '0-0'], [1, '0-2'], [6, '2-0']], [[0, '0-1'], [1, '0-3'], [6, '2-1']]]);
    const all = await readAll('kafkajs-ru', true, 10);
    assert.deepEqual(sorted(all), [
      [[0, '0-0'], [1, '0-2'], [3, '1-0'], [4, '1-2'], [6, '2-0']],
      [[0, '0-1'], [1, '0-3'], [3, '1-1'], [4, '1-3'], [6, '2-1']],
    ]);
  });

  test('sendOffsets: offsets committed in a transaction count once it commits, never when it aborts', { timeout: 60_000 }, async () => {
    const producer = kafka.producer({ transactionalId: 'kafkajs-offsets', idempotent: true, maxInFlightRequests: 1 });
    const admin = kafka.admin();
    await Promise.all([producer.connect(), admin.connect()]);
    try {
      const offsetsOf = async () => (await admin.fetchOffsets({ groupId: 'kafkajs-eos', topics: [TOPIC] }))[0]!.partitions.map((p) => [p.partition, p.offset]).sort();
      const withOffsets = async (offset: number, commit: boolean) => {
        const tx = await producer.transaction();
        await tx.send({ topic: TOPIC, messages: [{ partition: 0, value: `offsets-${offset}` }] });
        await tx.sendOffsets({ consumerGroupId: 'kafkajs-eos', topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: String(offset) }, { partition: 1, offset: String(offset + 1) }] }] });
        if (commit) await tx.commit();
        else await tx.abort();
      };
      await withOffsets(3, true);
      assert.deepEqual(await offsetsOf(), [[0, '3'], [1, '4']]);
      await withOffsets(5, false);
      assert.deepEqual(await offsetsOf(), [[0, '3'], [1, '4']]);
      await withOffsets(7, true);
      assert.deepEqual(await offsetsOf(), [[0, '7'], [1, '8']]);
    } finally {
      await Promise.all([producer.disconnect(), admin.disconnect()]);
    }
  });
});
