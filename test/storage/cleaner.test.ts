// Log cleaner: latest record per key, tombstones after delete.retention.ms, offsets kept, active
// segment untouched, and crash safety: a crash at every file operation of a cleaning leaves the
// old or the new segments, never a mix that loses or reorders data (in-memory fs).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ATTRIBUTES, CRC, computeBatchCrc } from '../../src/record/batch-header.js';
import { buildBatch } from '../../src/record/builder.js';
import { readRecords } from '../../src/record/records.js';
import { LogCleaner, type CleanerLogConfig } from '../../src/storage/cleaner.js';
import { Log } from '../../src/storage/log.js';
import { MemFileSystem, SimulatedCrash } from '../../src/storage/mem-fs.js';
import { bombBatch } from '../record/bombs.js';

const DIR = '/data/t-0';
const NOW = 1_800_000_000_000;
const cfg = (o: Partial<CleanerLogConfig> = {}): CleanerLogConfig => ({
  compact: true, deleteRetentionMs: 1000, minCompactionLagMs: 0, maxCompactionLagMs: Number.MAX_SAFE_INTEGER, minCleanableRatio: 0.5, segmentBytes: 1 << 20, ...o,
});

function openLog(fs: MemFileSystem): Log {
  return Log.open({ dir: DIR, topic: 't', partition: 0, fs, time: () => NOW, config: { 'segment.bytes': 600, 'file.delete.delay.ms': 0 } });
}

/** 60 records over 5 keys in batches of 3; key k4 deleted (tombstone) at the end; old timestamps. */
function fill(log: Log): Map<number, { key: string; value: string | null }> {
  const all = new Map<number, { key: string; value: string | null }>();
  let n = 0;
  for (let b = 0; b < 20; b++) {
    const recs = Array.from({ length: 3 }, () => {
      const key = `k${n % 5}`;
      const value = `v${n++}`;
      return { key, value, timestamp: NOW - 10_000 };
    });
    if (b === 19) recs[2] = { key: 'k4', value: null as unknown as string, timestamp: NOW - 10_000 };
    const res = log.append(buildBatch(recs));
    recs.forEach((r, i) => all.set(res.baseOffset + i, { key: r.key, value: r.value ?? null }));
  }
  return all;
}

function readLog(log: Log) {
  const out: { offset: number; key: string; value: string | null }[] = [];
  const buf = log.readBuffer(log.logStartOffset, 1 << 30);
  let at = 0;
  while (at < buf.length) {
    const size = buf.readInt32BE(at + 8) + 12;
    for (const r of readRecords(buf.subarray(at, at + size))) out.push({ offset: r.offset, key: r.key!.toString(), value: r.value?.toString() ?? null });
    at += size;
  }
  return out;
}

function latest(records: Iterable<{ offset: number; key: string; value: string | null }>) {
  const m = new Map<string, string | null>();
  for (const r of records) m.set(r.key, r.value);
  return m;
}

describe('log cleaner', () => {
  it('keeps the latest record per key, in offset order, drops old tombstones, never the active segment', async () => {
    const fs = new MemFileSystem();
    const log = openLog(fs);
    const all = fill(log);
    const before = readLog(log);
    const sizeBefore = log.size;
    const activeBase = log.segmentBaseOffsets().at(-1)!;
    const cleaner = new LogCleaner({ dir: '/data', fs, time: () => NOW, configFor: () => cfg() });
    const stats = await cleaner.runOnce([log]);
    assert.ok(stats && stats.recordsOut < stats.recordsIn);
    const after = readLog(log);
    assert.ok(log.size < sizeBefore, 'disk usage dropped');
    // offsets increase, every record is an original one
    for (let i = 1; i < after.length; i++) assert.ok(after[i]!.offset > after[i - 1]!.offset);
    for (const r of after) assert.deepEqual({ key: r.key, value: r.value }, all.get(r.offset));
    // the active segment is as it was
    assert.deepEqual(after.filter((r) => r.offset >= activeBase), before.filter((r) => r.offset >= activeBase));
    // in the cleaned part, no key twice and no tombstone (its segment is older than delete.retention.ms)
    const cleaned = after.filter((r) => r.offset < activeBase);
    assert.equal(new Set(cleaned.map((r) => r.key)).size, cleaned.length);
    assert.ok(cleaned.every((r) => r.value !== null));
    const live = [...latest(before)].filter(([, v]) => v !== null);
    assert.deepEqual([...latest(after)].filter(([, v]) => v !== null).sort(), live.sort());
    // nothing due right after a cleaning
    assert.equal(await cleaner.runOnce([log]), null);
    log.close();
  });

  it('honours min.compaction.lag.ms and keeps young tombstones', async () => {
    const fs = new MemFileSystem();
    const log = openLog(fs);
    fill(log);
    const lagged = new LogCleaner({ dir: '/data', fs, time: () => NOW, configFor: () => cfg({ minCompactionLagMs: 60_000 }) });
    assert.equal(await lagged.runOnce([log]), null);
    log.roll(); // the tombstone's segment becomes cleanable
    const young = new LogCleaner({ dir: '/data', fs, time: () => NOW, configFor: () => cfg({ deleteRetentionMs: 60_000 }) });
    await young.runOnce([log]);
    const activeBase = log.segmentBaseOffsets().at(-1)!;
    const after = readLog(log).filter((r) => r.offset < activeBase);
    assert.ok(after.some((r) => r.key === 'k4' && r.value === null), 'tombstone kept within delete.retention.ms');
    log.close();
  });

  it('a crash at any file operation of a cleaning loses nothing', async () => {
    // count the operations of one cleaning
    const probe = new MemFileSystem();
    const pl = openLog(probe);
    fill(pl);
    const start = probe.opCount;
    await new LogCleaner({ dir: '/data', fs: probe, time: () => NOW, configFor: () => cfg() }).runOnce([pl]);
    const ops = probe.opCount - start;
    assert.ok(ops > 5);
    for (let k = 1; k <= ops; k++) {
      const fs = new MemFileSystem();
      const log = openLog(fs);
      const all = fill(log);
      const expected = [...latest(readLog(log))].filter(([, v]) => v !== null).sort();
      fs.injectFault(fs.opCount + k, 'crash');
      try {
        await new LogCleaner({ dir: '/data', fs, time: () => NOW, configFor: () => cfg() }).runOnce([log]);
      } catch (err) {
        assert.ok(err instanceof SimulatedCrash, `op ${k}: ${String(err)}`);
      }
      const fs2 = fs.restart('process');
      const reopened = Log.open({ dir: DIR, topic: 't', partition: 0, fs: fs2, time: () => NOW, config: { 'segment.bytes': 600 } });
      const recs = readLog(reopened);
      for (let i = 1; i < recs.length; i++) assert.ok(recs[i]!.offset > recs[i - 1]!.offset, `op ${k}: order`);
      for (const r of recs) assert.deepEqual({ key: r.key, value: r.value }, all.get(r.offset), `op ${k}: record ${r.offset}`);
      assert.deepEqual([...latest(recs)].filter(([, v]) => v !== null).sort(), expected, `op ${k}: live keys`);
      assert.ok(!fs2.readdir(DIR).some((n) => n.endsWith('.swap') || n.endsWith('.cleaned')), `op ${k}: leftovers`);
      reopened.close();
    }
  });
});

// A batch the cleaner cannot read must not stop compaction: Kafka's LogCleanerManager marks the
// partition uncleanable and moves on. Before, a corrupt (valid-CRC) batch made every pass throw
// on the same, dirtiest log, and a decompression bomb was inflated whole.
describe('log cleaner: partitions it cannot clean', () => {
  const openNamed = (fs: MemFileSystem, topic: string): Log =>
    Log.open({ dir: `/data/${topic}-0`, topic, partition: 0, fs, time: () => NOW, config: { 'segment.bytes': 600, 'file.delete.delay.ms': 0 } });

  /** Appends `batch` to the log between two rounds of duplicated keys, in a segment that is not the active one. */
  function withBatch(log: Log, batch: Buffer): number {
    fill(log);
    const at = log.append(batch).baseOffset;
    log.roll();
    fill(log);
    return at;
  }

  /** A valid CRC over a records section that is not what its codec id says. */
  function corrupt(codec: number): Buffer {
    const b = buildBatch([{ key: 'x', value: 'not compressed at all', timestamp: NOW - 10_000 }]);
    b.writeInt16BE(codec, ATTRIBUTES);
    b.writeUInt32BE(computeBatchCrc(b), CRC);
    return b;
  }

  const cleanedFiles = (fs: MemFileSystem, topic: string) => fs.readdir(`/data/${topic}-0`).filter((n) => n.endsWith('.cleaned'));

  for (const [name, codec] of [['gzip', 1], ['zstd', 4]] as const) {
    it(`a valid-CRC ${name} batch that does not decompress: marked uncleanable, the other compacted log still cleaned`, async () => {
      const fs = new MemFileSystem();
      const bad = openNamed(fs, 'bad');
      withBatch(bad, corrupt(codec));
      const good = openNamed(fs, 'good');
      fill(good);
      const badBytes = bad.readBuffer(0, 1 << 30);
      const goodSize = good.size;
      const cleaner = new LogCleaner({ dir: '/data', fs, time: () => NOW, configFor: () => cfg() });
      // bad is listed first and is as dirty as good: it is the one picked first
      const stats = await cleaner.runOnce([bad, good]);
      assert.ok(stats && stats.recordsOut < stats.recordsIn, 'the pass cleaned the other log');
      assert.ok(good.size < goodSize);
      assert.deepEqual(cleaner.uncleanablePartitions(), ['bad-0']);
      assert.ok(bad.readBuffer(0, 1 << 30).equals(badBytes), 'the uncleanable log is left as it was');
      assert.deepEqual(cleanedFiles(fs, 'bad'), []);
      // later passes skip it without failing
      assert.equal(await cleaner.runOnce([bad, good]), null);
      assert.deepEqual(cleaner.uncleanablePartitions(), ['bad-0']);
      bad.close();
      good.close();
    });
  }

  it('a decompression bomb, or a stored batch over the bound, is not inflated or read: uncleanable', async () => {
    const cases: Array<[string, Buffer, number]> = [
      // 8 MiB of records from a few hundred bytes, under a 1 MiB max.message.bytes
      ['zstd bomb', bombBatch('zstd', 8 << 20, { declare: false, timestamp: NOW - 10_000 }), 1 << 20],
      ['lz4 bomb', bombBatch('lz4', 8 << 20, { timestamp: NOW - 10_000 }), 1 << 20],
      // 150 KB stored, under a 100 KB max.message.bytes (written before the limit was lowered)
      ['oversized batch', buildBatch([{ key: 'big', value: Buffer.alloc(150_000, 1), timestamp: NOW - 10_000 }]), 100_000],
    ];
    for (const [name, batch, max] of cases) {
      const fs = new MemFileSystem();
      const bad = openNamed(fs, 'bad');
      withBatch(bad, batch);
      const good = openNamed(fs, 'good');
      fill(good);
      const cleaner = new LogCleaner({ dir: '/data', fs, time: () => NOW, maxMessageBytes: max, configFor: () => cfg({ maxMessageBytes: max }) });
      const stats = await cleaner.runOnce([bad, good]);
      assert.ok(stats && stats.recordsOut < stats.recordsIn, `${name}: the other log was cleaned`);
      assert.deepEqual(cleaner.uncleanablePartitions(), ['bad-0'], name);
      bad.close();
      good.close();
    }
  });

  it('the mark is lifted once the segment holding the bad batch is gone, and by forget()', async () => {
    const fs = new MemFileSystem();
    const bad = openNamed(fs, 'bad');
    const at = withBatch(bad, corrupt(1));
    const cleaner = new LogCleaner({ dir: '/data', fs, time: () => NOW, configFor: () => cfg() });
    assert.equal(await cleaner.runOnce([bad]), null);
    assert.deepEqual(cleaner.uncleanablePartitions(), ['bad-0']);
    // DeleteRecords past the segment that holds it
    bad.deleteRecordsBefore(bad.segmentBaseOffsets().find((base) => base > at)!);
    const stats = await cleaner.runOnce([bad]);
    assert.ok(stats && stats.recordsOut < stats.recordsIn, 'cleaned once the batch is gone');
    assert.deepEqual(cleaner.uncleanablePartitions(), []);
    // a deleted topic's mark goes with it
    const other = openNamed(fs, 'other');
    withBatch(other, corrupt(4));
    await cleaner.runOnce([other]);
    assert.deepEqual(cleaner.uncleanablePartitions(), ['other-0']);
    cleaner.forget('other', 0);
    assert.deepEqual(cleaner.uncleanablePartitions(), []);
    bad.close();
    other.close();
  });

  it('a batch that fails while segments are rewritten leaves no .cleaned file behind', async () => {
    const fs = new MemFileSystem();
    const log = openNamed(fs, 'big');
    withBatch(log, buildBatch([{ key: 'big', value: Buffer.alloc(150_000, 1), timestamp: NOW - 10_000 }]));
    // a first cleaning under the default bound reads the big batch and moves the dirty start past it
    await new LogCleaner({ dir: '/data', fs, time: () => NOW, configFor: () => cfg() }).runOnce([log]);
    fill(log);
    log.roll();
    // under a lower bound the dirty section maps fine; rewriting the cleaned part meets the big batch
    const strict = new LogCleaner({ dir: '/data', fs, time: () => NOW, maxMessageBytes: 100_000, configFor: () => cfg({ maxMessageBytes: 100_000, minCleanableRatio: 0.01 }) });
    assert.equal(await strict.runOnce([log]), null);
    assert.deepEqual(strict.uncleanablePartitions(), ['big-0']);
    assert.deepEqual(cleanedFiles(fs, 'big'), []);
    log.close();
  });
});
