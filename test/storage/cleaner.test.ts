// Log cleaner: latest record per key, tombstones after delete.retention.ms, offsets kept, active
// segment untouched, and crash safety: a crash at every file operation of a cleaning leaves the
// old or the new segments, never a mix that loses or reorders data (in-memory fs).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildBatch } from '../../src/record/builder.js';
import { readRecords } from '../../src/record/records.js';
import { LogCleaner, type CleanerLogConfig } from '../../src/storage/cleaner.js';
import { Log } from '../../src/storage/log.js';
import { MemFileSystem, SimulatedCrash } from '../../src/storage/mem-fs.js';

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
