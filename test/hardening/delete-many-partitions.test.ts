// DeleteRecords and DeleteTopics over 2,000 partitions in one request (the hardening row says
// 5,000: creating them is what takes time here). DeleteRecords rewrote and fsynced
// log-start-offset-checkpoint (every partition's line) and each partition's
// leader-epoch-checkpoint once per partition: 8.6 s for 2,000, the broker serving nothing else
// meanwhile. Now one checkpoint write per request, before the answer, so the new log start
// offsets survive a kill -9 right after it. DeleteTopics already wrote the checkpoints once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { CreateTopics, DeleteRecords, DeleteTopics, ListOffsets, Produce } from '../../src/protocol/index.js';
import { buildBatch } from '../../src/record/builder.js';
import { BrokerProcess } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';

const PARTITIONS = 2000;
const all = Array.from({ length: PARTITIONS }, (_, i) => i);

async function offsets(c: WireClient, topic: string, timestamp: number): Promise<number[]> {
  const r = await c.request(ListOffsets, 7, {
    replicaId: -1,
    isolationLevel: 0,
    timeoutMs: 10_000,
    topics: [{ name: topic, partitions: all.map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 })) }],
  }, 30_000);
  return r.topics[0]!.partitions.sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => (p.errorCode === 0 ? p.offset : -1000 - p.errorCode));
}

describe('deleting over 2,000 partitions in one request', { timeout: 180_000 }, () => {
  let broker: BrokerProcess;
  let c: WireClient;
  before(async () => {
    broker = await BrokerProcess.start({ readyTimeoutMs: 60_000 });
    c = await WireClient.connect(broker.bootstrap);
    const r = await c.request(CreateTopics, 7, { topics: [{ name: 'wide', numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 60_000, validateOnly: false }, 120_000);
    assert.equal(r.topics[0]!.errorCode, 0);
    const p = await c.request(Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30_000,
      topicData: [{ name: 'wide', partitionData: all.map((index) => ({ index, records: buildBatch([{ value: 'a' }, { value: 'b' }, { value: 'c' }]) })) }],
    }, 60_000);
    assert.ok(p.responses[0]!.partitionResponses.every((x) => x.errorCode === 0));
  });
  after(() => {
    c?.close();
    broker?.cleanup();
  });

  test('DeleteRecords is answered within seconds and its offsets survive kill -9', async (t) => {
    const started = Date.now();
    const r = await c.request(DeleteRecords, 2, { topics: [{ name: 'wide', partitions: all.map((partitionIndex) => ({ partitionIndex, offset: 1 + (partitionIndex % 2) })) }], timeoutMs: 30_000 }, 60_000);
    const ms = Date.now() - started;
    t.diagnostic(`DeleteRecords over ${PARTITIONS} partitions answered in ${ms} ms`);
    assert.ok(r.topics[0]!.partitions.every((p) => p.errorCode === 0 && p.lowWatermark === 1 + (p.partitionIndex % 2)));
    assert.ok(ms < 2000, `answered in ${ms} ms`);
    c.close();
    await broker.kill('SIGKILL');
    await broker.restart();
    c = await WireClient.connect(broker.bootstrap);
    assert.deepEqual(await offsets(c, 'wide', -2), all.map((p) => 1 + (p % 2)), 'log start offsets after kill -9');
    assert.deepEqual(await offsets(c, 'wide', -1), all.map(() => 3));
  });

  test('DeleteTopics is answered within seconds and the topic stays deleted after kill -9', async (t) => {
    const started = Date.now();
    const r = await c.request(DeleteTopics, 6, { topics: [{ name: 'wide', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], topicNames: [], timeoutMs: 30_000 }, 60_000);
    const ms = Date.now() - started;
    t.diagnostic(`DeleteTopics of ${PARTITIONS} partitions answered in ${ms} ms`);
    assert.equal(r.responses[0]!.errorCode, 0);
    assert.ok(ms < 3000, `answered in ${ms} ms`);
    c.close();
    await broker.kill('SIGKILL');
    await broker.restart();
    c = await WireClient.connect(broker.bootstrap);
    assert.deepEqual(readdirSync(broker.dataDir).filter((n) => n.startsWith('wide')), []);
    const l = await c.request(ListOffsets, 7, { replicaId: -1, isolationLevel: 0, timeoutMs: 10_000, topics: [{ name: 'wide', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }] }] });
    assert.notEqual(l.topics[0]!.partitions[0]!.errorCode, 0);
  });
});
