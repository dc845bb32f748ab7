// Consumers that stop reading never hold a thread of libuv's pool: a sendfile that meets a full
// socket waits on the event loop. With more stalled consumers than pool threads (4 by default),
// a consumer that does read still gets its data at once, and so does a produce.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../helpers/broker-process.js';
import { WireClient, createTopic, produceBatch, splitBatches } from '../helpers/wire-client.js';
import { Fetch } from '../../src/protocol/index.js';
import { buildBatch } from '../../src/record/builder.js';

const MiB = 1 << 20;
const NO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';
const fetchAll = (maxBytes: number) => ({
  clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 0, minBytes: 0, maxBytes, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
  topics: [{ topic: 'slow', topicId: NO_ID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: maxBytes, replicaDirectoryId: NO_ID }] }],
  forgottenTopicsData: [], rackId: '',
});

describe('slow consumers', { timeout: 120_000 }, () => {
  let broker: BrokerProcess;
  let admin: WireClient;
  const stalled: WireClient[] = [];
  before(async () => {
    broker = await BrokerProcess.start({ settings: { 'message.max.bytes': String(2 * MiB) }, env: { UV_THREADPOOL_SIZE: '4' } });
    admin = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(admin, 'slow', 1, { 'max.message.bytes': String(2 * MiB) }), 0);
    for (let i = 0; i < 16; i++) assert.equal((await produceBatch(admin, 'slow', 0, buildBatch([{ key: 'k', value: 's'.repeat(MiB) }]))).errorCode, 0);
  });
  after(() => {
    for (const c of stalled) c.close();
    admin?.close();
    broker?.cleanup();
  });

  test('eight stalled consumers do not delay one that reads', async () => {
    for (let i = 0; i < 8; i++) {
      const c = await WireClient.connect(broker.bootstrap);
      c.socket.pause();
      c.request(Fetch, 11, fetchAll(32 * MiB), 120_000).catch(() => {});
      stalled.push(c);
    }
    const reader = await WireClient.connect(broker.bootstrap);
    const started = Date.now();
    const r = await reader.request(Fetch, 11, fetchAll(32 * MiB), 60_000);
    const ms = Date.now() - started;
    const batches = splitBatches(r.responses[0]!.partitions[0]!.records as Buffer);
    assert.equal(batches.length, 16);
    // With the waits inside pool threads this took the stalled sends' 30 s poll timeout.
    assert.ok(ms < 10_000, `the reading consumer waited ${ms} ms`);
    assert.equal((await produceBatch(admin, 'slow', 0, buildBatch([{ key: 'k', value: 'after' }]))).errorCode, 0);
    reader.close();
  });
});
