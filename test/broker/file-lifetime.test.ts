// A fetch response queued on a connection that does not read holds the files its records come
// from: when the topic is deleted and another is created meanwhile (its files may take the freed
// descriptor numbers), the stalled consumer still receives the deleted topic's bytes — never the
// new topic's. Two fetches are pipelined so that the second waits behind the first, which fills
// the socket buffers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BrokerProcess, waitFor } from '../helpers/broker-process.js';
import { WireClient, createTopic, produceBatch, splitBatches } from '../helpers/wire-client.js';
import { CreateTopics, DeleteTopics, Fetch } from '../../src/protocol/index.js';
import { buildBatch } from '../../src/record/builder.js';
import { readRecords } from '../../src/record/records.js';

const MiB = 1 << 20;
const NO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** Bytes waiting in the receive queue of the local TCP socket on `port` (from /proc/net/tcp). */
function receiveQueue(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1]?.endsWith(`:${hexPort}`)) return parseInt(f[4]!.split(':')[1]!, 16);
  }
  return 0;
}

describe('file lifetime', { timeout: 120_000 }, () => {
  let broker: BrokerProcess;
  let admin: WireClient;
  before(async () => {
    broker = await BrokerProcess.start({ settings: { 'message.max.bytes': String(2 * MiB), 'socket.request.max.bytes': String(64 * MiB) } });
    admin = await WireClient.connect(broker.bootstrap);
  });
  after(() => {
    admin?.close();
    broker?.cleanup();
  });

  const fill = async (topic: string, partition: number, batches: number, letter: string) => {
    for (let i = 0; i < batches; i++) {
      const r = await produceBatch(admin, topic, partition, buildBatch([{ key: `${letter}${i}`, value: letter.repeat(MiB) }]));
      assert.equal(r.errorCode, 0);
    }
  };
  const fetchBody = (topic: string, partition: number, maxBytes: number) => ({
    clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 0, minBytes: 0, maxBytes, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, topicId: NO_ID, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: maxBytes, replicaDirectoryId: NO_ID }] }],
    forgottenTopicsData: [], rackId: '',
  });

  test('a stalled consumer gets the deleted topic\'s bytes, not the new topic\'s', async () => {
    assert.equal(await createTopic(admin, 'old', 2, { 'max.message.bytes': String(2 * MiB) }), 0);
    await fill('old', 0, 24, 'O');
    await fill('old', 1, 4, 'o');
    const slow = await WireClient.connect(broker.bootstrap);
    slow.socket.pause();
    // Both requests in one write, so the broker reads and answers both before the first stalls.
    const a = slow.encode(Fetch, 11, fetchBody('old', 0, 32 * MiB));
    const b = slow.encode(Fetch, 11, fetchBody('old', 1, 8 * MiB));
    const first = slow.expect(Fetch, 11, a.correlationId, null, 60_000);
    const second = slow.expect(Fetch, 11, b.correlationId, null, 60_000);
    slow.writeRaw(Buffer.concat([a.frame, b.frame]));
    // The first response fills the socket buffers; the second waits behind it, in the broker.
    await waitFor(() => receiveQueue(slow.socket.localPort!) > 16 * 1024, { timeoutMs: 10_000, what: 'the first response to stall in the receive queue' });

    const del = await admin.request(DeleteTopics, 6, { topics: [{ name: 'old', topicId: NO_ID }], topicNames: [], timeoutMs: 10_000 });
    assert.equal(del.responses[0]!.errorCode, 0);
    for (const name of ['new', 'newer']) {
      const c = await admin.request(CreateTopics, 7, { topics: [{ name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [{ name: 'max.message.bytes', value: String(2 * MiB) }] }], timeoutMs: 10_000, validateOnly: false });
      assert.equal(c.topics[0]!.errorCode, 0);
      await fill(name, 0, 8, 'N');
      await fill(name, 1, 8, 'n');
    }

    slow.socket.resume();
    const values = async (p: Promise<{ responses: Array<{ partitions: Array<{ errorCode: number; records: unknown }> }> }>) => {
      const r = await p;
      const part = r.responses[0]!.partitions[0]!;
      assert.equal(part.errorCode, 0);
      return splitBatches(part.records as Buffer).flatMap((b) => readRecords(b).map((x) => x.value!.toString('latin1')));
    };
    let got0: string[];
    let got1: string[];
    try {
      got0 = await values(first);
      got1 = await values(second);
    } catch (err) {
      // Failing the stalled responses is allowed; sending other bytes is not.
      assert.ok(slow.closed, `the responses failed without the connection closing: ${(err as Error).message}`);
      return;
    } finally {
      slow.close();
    }
    assert.equal(got0.length, 24);
    assert.ok(got0.every((v) => v === 'O'.repeat(MiB)), 'the first response holds only the deleted topic\'s records');
    assert.equal(got1.length, 4);
    assert.ok(got1.every((v) => v === 'o'.repeat(MiB)), 'the second response holds only the deleted topic\'s records');
  });
});
