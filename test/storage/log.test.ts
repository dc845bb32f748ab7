import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Log, MemFileSystem, OffsetOutOfRangeError, type LogConfig } from '../../src/storage/index.js';
import { batchLeaderEpoch, batchMaxTimestamp, isBatchCrcValid } from '../../src/record/batch-header.js';
import { makeBatch, seededBatch, splitBatches } from './helpers.js';

const DIR = '/data/t-0';

function openLog(fs: MemFileSystem, config: Partial<LogConfig> = {}, extra: { time?: () => number; clean?: boolean; rp?: number } = {}): Log {
  return Log.open({
    dir: DIR,
    topic: 't',
    partition: 0,
    fs,
    config: { 'file.delete.delay.ms': 0, ...config },
    time: extra.time,
    hadCleanShutdown: extra.clean ?? false,
    recoveryPoint: extra.rp ?? 0,
  });
}

function recs(n: number, ts = 1000): Array<{ value: string; timestamp: number }> {
  return Array.from({ length: n }, (_, i) => ({ value: `v${i}`, timestamp: ts + i }));
}

test('append assigns dense offsets with one write per append and patches in place', () => {
  const fs = new MemFileSystem();
  const log = openLog(fs);
  const a = makeBatch(recs(3));
  const r1 = log.append(a);
  assert.deepEqual([r1.baseOffset, r1.lastOffset, r1.logAppendTime], [0, 2, -1]);
  const two = Buffer.concat([makeBatch(recs(2)), makeBatch(recs(4))]);
  const before = fs.opCount;
  const r2 = log.append(two, { leaderEpoch: 5 });
  assert.ok(fs.opCount - before >= 1); // plus the leader-epoch checkpoint (new epoch)
  assert.deepEqual([r2.baseOffset, r2.lastOffset, r2.batchCount], [3, 8, 2]);
  assert.equal(log.logEndOffset, 9);
  const parts = splitBatches(log.readBuffer(0, 1 << 20));
  assert.deepEqual(parts.map((p) => [p.base, p.last]), [[0, 2], [3, 4], [5, 8]]);
  assert.equal(batchLeaderEpoch(parts[1]!.bytes), 5);
  for (const p of parts) assert.ok(isBatchCrcValid(p.bytes));
  // a plain append (no new epoch) is exactly one filesystem operation
  const before2 = fs.opCount;
  log.append(makeBatch(recs(1)), { leaderEpoch: 5 });
  assert.equal(fs.opCount - before2, 1);
});

test('read: mid-batch, maxBytes, minOneBatch, upToOffset, end and out of range', () => {
  const fs = new MemFileSystem();
  const log = openLog(fs);
  for (let i = 0; i < 5; i++) log.append(makeBatch(recs(10)));
  const all = splitBatches(log.readBuffer(0, 1 << 20));
  const size = all[0]!.bytes.length;
  // from the middle of the third batch: whole batch 20..29 first
  let parts = splitBatches(log.readBuffer(25, 1 << 20));
  assert.deepEqual(parts.map((p) => p.base), [20, 30, 40]);
  // maxBytes smaller than one batch still returns one whole batch
  parts = splitBatches(log.readBuffer(25, 10));
  assert.deepEqual(parts.map((p) => p.base), [20]);
  assert.equal(log.read(25, 10, undefined, false).size, 0);
  parts = splitBatches(log.readBuffer(0, size * 2 + 5));
  assert.equal(parts.length, 2);
  // upToOffset: batches reaching it are excluded
  parts = splitBatches(log.readBuffer(0, 1 << 20, 30));
  assert.deepEqual(parts.map((p) => p.base), [0, 10, 20]);
  assert.equal(log.read(0, 1 << 20, 5).size, 0);
  // at the end: empty; past the end / before the start: typed error
  assert.equal(log.read(50, 1000).size, 0);
  assert.throws(() => log.read(51, 1000), OffsetOutOfRangeError);
  assert.throws(() => log.read(-1, 1000), (e: unknown) => e instanceof OffsetOutOfRangeError && e.code === 'SAMSA_OFFSET_OUT_OF_RANGE');
  // ranges are file slices
  const r = log.read(0, 1 << 20);
  assert.equal(r.ranges.length, 1);
  assert.equal(r.ranges[0]!.position, 0);
  assert.ok(r.ranges[0]!.path.endsWith('00000000000000000000.log'));
});

test('roll by segment.bytes and reads across segments', () => {
  const fs = new MemFileSystem();
  const one = makeBatch(recs(5)).length;
  const log = openLog(fs, { 'segment.bytes': one * 3 });
  for (let i = 0; i < 10; i++) log.append(makeBatch(recs(5)));
  assert.deepEqual(log.segmentBaseOffsets(), [0, 15, 30, 45]);
  assert.ok(fs.exists(path.join(DIR, '00000000000000000015.log')));
  assert.ok(fs.exists(path.join(DIR, '00000000000000000015.index')));
  assert.ok(fs.exists(path.join(DIR, '00000000000000000015.timeindex')));
  const parts = splitBatches(log.readBuffer(12, 1 << 20));
  assert.deepEqual(parts.map((p) => p.base), [10, 15, 20, 25, 30, 35, 40, 45]);
  const r = log.read(12, 1 << 20);
  assert.equal(r.ranges.length, 4);
  // a read starting exactly at a segment's base
  assert.deepEqual(splitBatches(log.readBuffer(30, one * 2)).map((p) => p.base), [30, 35]);
});

test('roll by segment.ms uses the first batch timestamp', () => {
  const fs = new MemFileSystem();
  let now = 1_000_000;
  const log = openLog(fs, { 'segment.ms': 1000 }, { time: () => now });
  log.append(makeBatch(recs(1, now)));
  now += 500;
  log.append(makeBatch(recs(1, now)));
  assert.equal(log.numberOfSegments, 1);
  now += 600;
  log.append(makeBatch(recs(1, now)));
  assert.deepEqual(log.segmentBaseOffsets(), [0, 2]);
});

test('roll by full index', () => {
  const fs = new MemFileSystem();
  // index holds 4 entries; an entry every batch (interval 1 byte)
  const log = openLog(fs, { 'segment.index.bytes': 32, 'index.interval.bytes': 1 });
  for (let i = 0; i < 12; i++) log.append(makeBatch(recs(1)));
  assert.ok(log.numberOfSegments >= 2, `segments ${log.segmentBaseOffsets()}`);
  assert.deepEqual(splitBatches(log.readBuffer(0, 1 << 20)).map((p) => p.base), [...Array(12).keys()]);
});

test('retention by time uses the segment largest timestamp; by size keeps the newest', () => {
  const fs = new MemFileSystem();
  let now = 100_000;
  const one = makeBatch(recs(2)).length;
  const log = openLog(fs, { 'segment.bytes': one * 2, 'retention.ms': 10_000 }, { time: () => now });
  for (let i = 0; i < 8; i++) log.append(makeBatch(recs(2, i < 4 ? 50_000 : 95_000)));
  assert.deepEqual(log.segmentBaseOffsets(), [0, 4, 8, 12]);
  // Nothing above the high watermark is deleted: uncommitted records stay.
  log.updateHighWatermark(3);
  assert.equal(log.deleteOldSegments(now), 0);
  log.updateHighWatermark(log.logEndOffset);
  assert.equal(log.deleteOldSegments(now), 2);
  assert.deepEqual(log.segmentBaseOffsets(), [8, 12]);
  assert.equal(log.logStartOffset, 8);
  assert.throws(() => log.read(3, 100), OffsetOutOfRangeError);
  assert.ok(!fs.exists(path.join(DIR, '00000000000000000000.log')));
  // never the active segment
  now = 10_000_000;
  assert.equal(log.deleteOldSegments(now), 1);
  assert.deepEqual(log.segmentBaseOffsets(), [12]);

  const fs2 = new MemFileSystem();
  const log2 = openLog(fs2, { 'segment.bytes': one * 2, 'retention.bytes': one * 3, 'retention.ms': -1 });
  for (let i = 0; i < 8; i++) log2.append(makeBatch(recs(2)));
  log2.updateHighWatermark(log2.logEndOffset);
  assert.equal(log2.deleteOldSegments(), 2);
  assert.deepEqual(log2.segmentBaseOffsets(), [8, 12]);
  assert.equal(log2.size, one * 4);
});

test('truncateTo cuts at a batch boundary, across segments; truncateFullyAndStartAt', () => {
  const fs = new MemFileSystem();
  const one = makeBatch(recs(5)).length;
  const log = openLog(fs, { 'segment.bytes': one * 2, 'index.interval.bytes': 1 });
  for (let i = 0; i < 6; i++) log.append(makeBatch(recs(5)), { leaderEpoch: i });
  assert.deepEqual(log.segmentBaseOffsets(), [0, 10, 20]);
  assert.equal(log.truncateTo(30), false);
  log.truncateTo(17); // mid-batch 15..19: the whole batch goes
  assert.equal(log.logEndOffset, 15);
  assert.deepEqual(log.segmentBaseOffsets(), [0, 10]);
  assert.deepEqual(splitBatches(log.readBuffer(0, 1 << 20)).map((p) => p.base), [0, 5, 10]);
  assert.deepEqual(log.epochCache.all().map((e) => e.epoch), [0, 1, 2]);
  const r = log.append(makeBatch(recs(2)));
  assert.equal(r.baseOffset, 15);
  log.truncateFullyAndStartAt(100);
  assert.equal(log.logStartOffset, 100);
  assert.equal(log.logEndOffset, 100);
  assert.deepEqual(log.segmentBaseOffsets(), [100]);
  assert.equal(log.append(makeBatch(recs(1))).baseOffset, 100);
  assert.deepEqual(log.epochCache.all(), []);
});

test('deleteRecordsBefore advances the start offset and drops whole segments', () => {
  const fs = new MemFileSystem();
  const one = makeBatch(recs(5)).length;
  const log = openLog(fs, { 'segment.bytes': one * 2 });
  for (let i = 0; i < 6; i++) log.append(makeBatch(recs(5)));
  assert.equal(log.deleteRecordsBefore(12), 12);
  assert.deepEqual(log.segmentBaseOffsets(), [10, 20]);
  assert.throws(() => log.read(11, 100), OffsetOutOfRangeError);
  // the batch containing 12 is served whole
  assert.equal(splitBatches(log.readBuffer(12, 1))[0]!.base, 10);
  assert.equal(log.fetchOffsetByTimestamp(-2)!.offset, 12);
  assert.throws(() => log.deleteRecordsBefore(31), OffsetOutOfRangeError);
  assert.equal(log.deleteRecordsBefore(5), 12);
});

test('timestamp lookups: earliest, latest, by timestamp, max timestamp, LogAppendTime', () => {
  const fs = new MemFileSystem();
  const one = makeBatch(recs(3)).length;
  const log = openLog(fs, { 'segment.bytes': one * 3, 'index.interval.bytes': 1 });
  // timestamps not monotonic across batches
  log.append(makeBatch([{ value: 'a', timestamp: 100 }, { value: 'b', timestamp: 300 }, { value: 'c', timestamp: 200 }]));
  log.append(makeBatch([{ value: 'd', timestamp: 150 }, { value: 'e', timestamp: 400 }, { value: 'f', timestamp: 410 }]));
  for (let i = 0; i < 6; i++) log.append(makeBatch(recs(3, 1000 + i * 10)));
  log.append(makeBatch([{ value: 'x', timestamp: 5000 }, { value: 'y', timestamp: 9000 }, { value: 'z', timestamp: 10 }]));
  assert.ok(log.numberOfSegments > 1);
  assert.deepEqual(log.fetchOffsetByTimestamp(-2), { offset: 0, timestamp: -1 });
  assert.deepEqual(log.fetchOffsetByTimestamp(-1), { offset: 27, timestamp: -1 });
  assert.deepEqual(log.offsetForTimestamp(0), { offset: 0, timestamp: 100 });
  assert.deepEqual(log.offsetForTimestamp(250), { offset: 1, timestamp: 300 });
  assert.deepEqual(log.offsetForTimestamp(301), { offset: 4, timestamp: 400 });
  assert.deepEqual(log.offsetForTimestamp(1011), { offset: 10, timestamp: 1011 }); // batch 9..11 holds ts 1010..1012
  assert.deepEqual(log.offsetForTimestamp(1022), { offset: 14, timestamp: 1022 });
  assert.deepEqual(log.offsetForTimestamp(6000), { offset: 25, timestamp: 9000 });
  assert.equal(log.offsetForTimestamp(9001), null);
  assert.deepEqual(log.fetchOffsetByTimestamp(-3), { offset: 25, timestamp: 9000 });
  log.deleteRecordsBefore(2);
  assert.deepEqual(log.offsetForTimestamp(0), { offset: 2, timestamp: 200 });
  // compressed batches answer at batch granularity
  const fs2 = new MemFileSystem();
  const log2 = openLog(fs2);
  log2.append(makeBatch([{ value: 'a', timestamp: 10 }, { value: 'b', timestamp: 20 }], { attributes: 1 }));
  assert.deepEqual(log2.offsetForTimestamp(15), { offset: 0, timestamp: 20 });
  // LogAppendTime stamps the batch and keeps the CRC valid
  let now = 777_000;
  const fs3 = new MemFileSystem();
  const log3 = openLog(fs3, { 'message.timestamp.type': 'LogAppendTime' }, { time: () => now });
  const res = log3.append(makeBatch(recs(2, 5)));
  assert.equal(res.logAppendTime, 777_000);
  const stored = log3.readBuffer(0, 1000);
  assert.equal(batchMaxTimestamp(stored), 777_000);
  assert.ok(isBatchCrcValid(stored));
  assert.equal(stored.readInt16BE(21) & 0x08, 0x08);
  now++;
  assert.deepEqual(log3.offsetForTimestamp(1000), { offset: 0, timestamp: 777_000 });
});

test('follower append keeps offsets and learns epochs; rejects going backwards', () => {
  const fs = new MemFileSystem();
  const log = openLog(fs);
  const b1 = makeBatch(recs(3), { baseOffset: 0, leaderEpoch: 1 });
  const b2 = makeBatch(recs(2), { baseOffset: 10, leaderEpoch: 3 });
  const r = log.appendAsFollower(Buffer.concat([b1, b2]));
  assert.deepEqual([r.baseOffset, r.lastOffset], [0, 11]);
  assert.equal(log.logEndOffset, 12);
  assert.deepEqual(log.epochCache.all(), [{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 10 }]);
  assert.throws(() => log.appendAsFollower(makeBatch(recs(1), { baseOffset: 5 })), /log end offset/);
  assert.deepEqual(splitBatches(log.readBuffer(4, 1 << 20)).map((p) => p.base), [10]);
});

test('clean reopen keeps everything; a lost index is rebuilt; unclean reopen scans after the recovery point', () => {
  let fs = new MemFileSystem();
  const one = makeBatch(recs(4)).length;
  const cfg = { 'segment.bytes': one * 20, 'index.interval.bytes': 100 };
  let log = openLog(fs, cfg);
  for (let i = 0; i < 50; i++) log.append(makeBatch(recs(4, 1000 + i)));
  const expected = log.readBuffer(0, 1 << 30);
  log.close();
  fs = fs.restart('process');
  // corrupt the first segment's index: its last entry now points into the middle of a batch
  const idx = fs.fileBytes(path.join(DIR, '00000000000000000000.index'))!;
  assert.ok(idx.length >= 16);
  idx.writeInt32BE(idx.readInt32BE(idx.length - 4) + 3, idx.length - 4);
  log = openLog(fs, cfg, { clean: true, rp: 200 });
  assert.equal(log.logEndOffset, 200);
  assert.ok(log.readBuffer(0, 1 << 30).equals(expected));
  for (const off of [0, 37, 79, 80, 150, 199]) {
    const first = splitBatches(log.readBuffer(off, 1))[0]!;
    assert.ok(first.base <= off && off <= first.last, `offset ${off}`);
  }
  assert.deepEqual(log.offsetForTimestamp(1030), { offset: 111, timestamp: 1030 });
  log.close();
  // delete the indexes entirely: rebuilt on open
  fs = fs.restart('process');
  fs.unlink(path.join(DIR, '00000000000000000080.index'));
  fs.unlink(path.join(DIR, '00000000000000000080.timeindex'));
  log = openLog(fs, cfg, { clean: false, rp: 80 });
  assert.ok(log.readBuffer(0, 1 << 30).equals(expected));
  assert.deepEqual(log.offsetForTimestamp(1030), { offset: 111, timestamp: 1030 });
});

test('unclean reopen truncates a torn or corrupt tail and drops later segments', () => {
  let fs = new MemFileSystem();
  const one = makeBatch(recs(4)).length;
  const cfg = { 'segment.bytes': one * 5 };
  let log = openLog(fs, cfg);
  for (let i = 0; i < 12; i++) log.append(makeBatch(recs(4)));
  log.close({ flush: false });
  fs = fs.restart('process');
  // flip a byte inside batch 7 (offsets 28..31, segment 20): everything from there is dropped
  const seg = fs.fileBytes(path.join(DIR, '00000000000000000020.log'))!;
  seg[2 * one + 70] ^= 0xff;
  log = openLog(fs, cfg, { rp: 0 });
  assert.equal(log.logEndOffset, 28);
  assert.deepEqual(log.segmentBaseOffsets(), [0, 20]);
  assert.ok(!fs.exists(path.join(DIR, '00000000000000000040.log')));
  assert.equal(log.append(makeBatch(recs(1))).baseOffset, 28);
});

test('leader epoch bookkeeping: assign, endOffsetFor, persistence, truncation', () => {
  let fs = new MemFileSystem();
  let log = openLog(fs);
  log.append(makeBatch(recs(5)), { leaderEpoch: 0 });
  log.append(makeBatch(recs(5)), { leaderEpoch: 0 });
  log.append(makeBatch(recs(5)), { leaderEpoch: 2 });
  log.append(makeBatch(recs(5)), { leaderEpoch: 4 });
  assert.deepEqual(log.epochCache.all(), [
    { epoch: 0, startOffset: 0 },
    { epoch: 2, startOffset: 10 },
    { epoch: 4, startOffset: 15 },
  ]);
  assert.deepEqual(log.endOffsetForEpoch(4), { epoch: 4, endOffset: 20 });
  assert.deepEqual(log.endOffsetForEpoch(0), { epoch: 0, endOffset: 10 });
  assert.deepEqual(log.endOffsetForEpoch(1), { epoch: 0, endOffset: 10 });
  assert.deepEqual(log.endOffsetForEpoch(3), { epoch: 2, endOffset: 15 });
  assert.deepEqual(log.endOffsetForEpoch(7), { epoch: -1, endOffset: -1 });
  assert.deepEqual(log.endOffsetForEpoch(-1), { epoch: -1, endOffset: -1 });
  const text = fs.fileBytes(path.join(DIR, 'leader-epoch-checkpoint'))!.toString();
  assert.equal(text, '0\n3\n0 0\n2 10\n4 15\n');
  log.deleteRecordsBefore(12);
  assert.deepEqual(log.epochCache.all()[0], { epoch: 2, startOffset: 12 });
  log.truncateTo(15);
  assert.deepEqual(log.epochCache.all(), [{ epoch: 2, startOffset: 12 }]);
  log.close();
  fs = fs.restart('process');
  log = openLog(fs, {}, { clean: true, rp: 15 });
  assert.deepEqual(log.epochCache.all(), [{ epoch: 2, startOffset: 12 }]);
  // a lost checkpoint is re-learnt from the batches on unclean recovery
  log.close();
  fs = fs.restart('process');
  fs.unlink(path.join(DIR, 'leader-epoch-checkpoint'));
  log = openLog(fs, {}, { clean: false, rp: 0 });
  assert.deepEqual(log.epochCache.all().map((e) => e.epoch), [0, 2]);
});

test('updateConfig applies at runtime; flush.messages fsyncs and advances the recovery point', () => {
  const fs = new MemFileSystem();
  const log = openLog(fs, { 'flush.messages': 10 });
  log.append(makeBatch(recs(5)));
  assert.equal(log.recoveryPoint, 0);
  const syncs = fs.fsyncCount;
  log.append(makeBatch(recs(5)));
  assert.ok(fs.fsyncCount > syncs);
  assert.equal(log.recoveryPoint, 10);
  log.updateConfig({ 'segment.bytes': 1 });
  log.append(makeBatch(recs(1)));
  log.append(makeBatch(recs(1)));
  assert.deepEqual(log.segmentBaseOffsets(), [0, 10, 11]);
  assert.equal(log.config['flush.messages'], 10);
});

test('seeded batches are deterministic (helper sanity)', () => {
  assert.ok(seededBatch(3, 2, 10).equals(seededBatch(3, 2, 10)));
  assert.ok(isBatchCrcValid(seededBatch(3, 2, 10)));
});
