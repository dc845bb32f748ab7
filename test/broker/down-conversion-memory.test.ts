// Down-conversion is bounded by what a fetch asks for: 1 GiB read by a consumer of message format
// v1 (Fetch v3, as kafka-python with api_version (0, 10, 1) sends it) keeps the broker's peak
// resident memory (VmHWM) under 200 MiB; segments are never copied whole into memory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BrokerProcess } from '../helpers/broker-process.js';
import { WireClient, createTopic, produceBatch } from '../helpers/wire-client.js';
import { buildBatch } from '../../src/record/builder.js';
import { Fetch } from '../../src/protocol/messages/index.js';
import { crc32 } from '../../src/record/legacy.js';

const MiB = 1024 * 1024;
const TOTAL = 1024 * MiB;
const VALUE = 1024;
const PER_BATCH = 500;

function peakRssBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, 'VmHWM in /proc/<pid>/status');
  return Number(m[1]) * 1024;
}

const valueFor = (i: number) => Buffer.alloc(VALUE, `record ${i % PER_BATCH} `);

describe('down-conversion memory', () => {
  let broker: BrokerProcess;
  let wire: WireClient;

  before(async () => {
    broker = await BrokerProcess.start();
    wire = await WireClient.connect(broker.bootstrap);
  });

  after(() => {
    wire?.close();
    broker?.cleanup();
  });

  test('1 GiB down-converted to message format v1 keeps the broker under 200 MiB resident', { timeout: 600_000 }, async () => {
    const topic = 'downconvert-1g';
    assert.equal(await createTopic(wire, topic, 1), 0);
    const batch = buildBatch(Array.from({ length: PER_BATCH }, (_, i) => ({ key: `k${i}`, value: valueFor(i), timestamp: 1_700_000_000_000 + i })));
    const batches = Math.ceil(TOTAL / batch.length);
    const records = batches * PER_BATCH;
    // Produced with a few requests in flight; each copy is the broker's to patch.
    let next = 0;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < batches) {
        next++;
        const r = await produceBatch(wire, topic, 0, batch, 1);
        assert.equal(r.errorCode, 0);
      }
    }));
    const afterProduce = peakRssBytes(broker.pid!);

    let offset = 0;
    let bytes = 0;
    let checked = 0;
    const started = Date.now();
    while (offset < records) {
      const r = await wire.request(Fetch, 3, {
        clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 0, minBytes: 0,
        maxBytes: 50 * MiB, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 4 * MiB, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
        forgottenTopicsData: [], rackId: '',
      }, 30_000);
      const p = r.responses[0]!.partitions[0]!;
      assert.equal(p.errorCode, 0);
      const set = p.records as Buffer;
      assert.ok(set.length > 0 && set.length <= 4 * MiB, `a response within the partition limit (${set.length})`);
      // Walk the v1 messages: offsets dense from the fetch offset, magic 1, CRCs intact; the
      // value of every 97th message compared in full.
      let pos = 0;
      while (pos + 12 <= set.length) {
        const size = set.readInt32BE(pos + 8);
        if (pos + 12 + size > set.length) break;
        const o = Number(set.readBigInt64BE(pos));
        assert.equal(o, offset, 'offsets dense and in order');
        const msg = set.subarray(pos + 12, pos + 12 + size);
        assert.equal(msg[4], 1, 'magic 1');
        if (o % 97 === 0) {
          assert.equal(crc32(msg.subarray(4)), msg.readUInt32BE(0));
          const keyLen = msg.readInt32BE(14);
          const value = msg.subarray(18 + keyLen + 4);
          assert.deepEqual(value, valueFor(o), `value at ${o}`);
          checked++;
        }
        offset++;
        pos += 12 + size;
      }
      bytes += pos;
    }
    const seconds = (Date.now() - started) / 1000;
    const peak = peakRssBytes(broker.pid!);
    console.log(`down-converted ${(bytes / MiB).toFixed(0)} MiB (${records} records) in ${seconds.toFixed(1)} s; broker peak RSS ${(afterProduce / MiB).toFixed(0)} MiB after produce, ${(peak / MiB).toFixed(0)} MiB after fetch`);
    assert.equal(offset, records);
    assert.ok(bytes >= TOTAL, `${bytes} bytes read`);
    assert.ok(checked > 1000);
    assert.ok(peak < 200 * MiB, `broker peak RSS ${(peak / MiB).toFixed(0)} MiB`);
  });
});
