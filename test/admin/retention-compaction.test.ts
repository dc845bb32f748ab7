// Retention and compaction end to end through the broker: small segments with retention.bytes
// lose their oldest segments (log start moves; a fetch below it is OFFSET_OUT_OF_RANGE and a
// kafkajs consumer resets to earliest); a compacted topic keeps the latest value per live key.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { buildBatch } from '../../src/record/builder.js';
import { waitFor } from '../helpers/broker-process.js';
import { WireClient, createTopic, fetchPartition, produceBatch, readAll } from '../helpers/wire-client.js';

describe('retention and compaction', () => {
  let b: StartedBroker;
  let c: WireClient;
  before(async () => {
    b = await startBroker({ 'log.retention.check.interval.ms': '50', 'log.cleaner.backoff.ms': '50' });
    c = await WireClient.connect(b.bootstrap);
  });
  after(async () => {
    c.close();
    await b.stop();
  });

  it('retention.bytes drops the oldest segments and moves the log start offset', async () => {
    assert.equal(await createTopic(c, 'ret', 1, { 'segment.bytes': '1000', 'retention.bytes': '3000', 'file.delete.delay.ms': '0' }), 0);
    for (let i = 0; i < 50; i++) {
      const r = await produceBatch(c, 'ret', 0, buildBatch([{ key: `k${i}`, value: 'x'.repeat(100) }]));
      assert.equal(r.errorCode, 0);
    }
    const p = b.broker.partition('ret', 0)!;
    await waitFor(() => p.logStartOffset > 0 && p.log.size <= 4000, { timeoutMs: 10_000, what: 'retention' });
    const lso = p.logStartOffset;
    const stale = await fetchPartition(c, 'ret', 0, 0);
    assert.equal(stale.errorCode, 1, 'OFFSET_OUT_OF_RANGE below the log start');
    const recs = await readAll(c, 'ret', 0, lso);
    assert.equal(recs[0]!.offset, lso);
    assert.equal(recs.at(-1)!.offset, 49);
  });

  it('a compacted topic keeps exactly the latest value per live key, and refuses keyless records', async () => {
    assert.equal(await createTopic(c, 'cmp', 1, { 'cleanup.policy': 'compact', 'segment.bytes': '2000', 'min.cleanable.dirty.ratio': '0.01', 'delete.retention.ms': '0', 'file.delete.delay.ms': '0' }), 0);
    const expected = new Map<string, string | null>();
    for (let i = 0; i < 200; i++) {
      const key = `key-${i % 7}`;
      const value = i % 50 === 49 && i % 7 === 3 ? null : `value-${i}`;
      expected.set(key, value);
      assert.equal((await produceBatch(c, 'cmp', 0, buildBatch([{ key, value }]))).errorCode, 0);
    }
    const keyless = await produceBatch(c, 'cmp', 0, buildBatch([{ key: null, value: 'x' }]));
    assert.equal(keyless.errorCode, 87);
    assert.match(keyless.errorMessage!, /Compacted topic cannot accept message without key/);
    // KIP-467: the keyless records of a batch are named by index; nothing of the batch is stored.
    const endBefore = b.broker.partition('cmp', 0)!.logEndOffset;
    const mixed = await produceBatch(c, 'cmp', 0, buildBatch([{ key: 'a', value: '1' }, { key: null, value: '2' }, { key: 'b', value: '3' }, { key: null, value: '4' }]));
    assert.equal(mixed.errorCode, 87);
    assert.deepEqual(mixed.recordErrors.map((e) => e.batchIndex), [1, 3]);
    assert.match(mixed.recordErrors[0]!.batchIndexErrorMessage!, /Compacted topic cannot accept message without key in topic partition cmp-0/);
    assert.match(mixed.errorMessage!, /2 record errors/);
    assert.equal(b.broker.partition('cmp', 0)!.logEndOffset, endBefore);
    // roll so everything is cleanable: one more record for an existing key lands in a new segment
    const p = b.broker.partition('cmp', 0)!;
    p.log.roll();
    expected.set('key-0', 'final');
    await produceBatch(c, 'cmp', 0, buildBatch([{ key: 'key-0', value: 'final' }]));
    const activeBase = p.log.segmentBaseOffsets().at(-1)!;
    await waitFor(async () => {
      const recs = (await readAll(c, 'cmp', 0, 0)).filter((r) => r.offset < activeBase);
      return recs.length === new Set(recs.map((r) => r.key)).size && recs.every((r) => r.value !== null);
    }, { timeoutMs: 15_000, what: 'compaction' });
    // Against everything ever appended: the background cleaner may have run before any reading here.
    assert.ok(p.log.size < p.appendedBytesTotal, `disk usage dropped (${p.log.size} of ${p.appendedBytesTotal} bytes appended)`);
    const recs = await readAll(c, 'cmp', 0, 0);
    for (let i = 1; i < recs.length; i++) assert.ok(recs[i]!.offset > recs[i - 1]!.offset);
    const seen = new Map<string, string | null>();
    for (const r of recs) seen.set(r.key!, r.value);
    const live = [...expected].filter(([, v]) => v !== null).sort();
    assert.deepEqual([...seen].filter(([, v]) => v !== null).sort(), live);
    assert.ok(recs.every((r) => r.value !== null), 'no tombstone after delete.retention.ms');
    assert.equal(recs.filter((r) => r.offset < activeBase).length, new Set(recs.filter((r) => r.offset < activeBase).map((r) => r.key)).size);
  });
});
