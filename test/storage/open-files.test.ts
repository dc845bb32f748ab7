// Segment files are opened on use and bounded for the whole process (src/storage/open-files.ts):
// every segment used to hold its .log, .index and .timeindex open for the life of the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Log, MemFileSystem, type FileSystem } from '../../src/storage/index.js';
import { MAX_OPEN_SEGMENTS, OpenFiles, limitsFor, softOpenFileLimit } from '../../src/storage/open-files.js';
import { CountingFs, makeBatch } from './helpers.js';

const DIR = '/data/t-0';
/** The value of a test batch's last record (it ends with the value and an empty header count). */
const lastValue = (b: Buffer): string => /([\w-]+)\x00$/.exec(b.toString('latin1'))?.[1] ?? '';
/** One batch per segment: each append rolls. */
const tinySegments = { 'segment.bytes': 100, 'file.delete.delay.ms': 0 };

function open(fs: FileSystem, extra: Partial<Parameters<typeof Log.open>[0]> = {}): Log {
  return Log.open({ dir: DIR, topic: 't', partition: 0, fs, config: tinySegments, hadCleanShutdown: true, ...extra });
}

test('a closed segment opens again on the next read; the active segment keeps its .log; a range keeps its file past the close', async () => {
  const counting = new CountingFs(new MemFileSystem());
  const fs = counting.wrap();
  const files = new OpenFiles({ maxHolders: 2, maxFds: Number.POSITIVE_INFINITY });
  const log = open(fs, { openFiles: files });
  for (let i = 0; i < 10; i++) log.append(makeBatch([{ value: `v${i}` }]));
  // until then each roll's fsync holds the rolled segment's files
  await log.whenRollsSynced();
  assert.equal(files.holderCount, 2);
  // the active .log, plus at most two segments' three files
  assert.ok(counting.open <= 1 + 2 * 3, `${counting.open} open`);
  assert.equal(files.openFileCount, counting.open);
  const r = log.read(0, 1000, 1);
  assert.equal(r.ranges.length, 1);
  // reading segments 1..8 closes segment 0 again
  for (let o = 1; o < 9; o++) log.copyRanges(log.read(o, 1000, o + 1).ranges, 1000);
  assert.ok(counting.open <= 1 + 2 * 3 + 1);
  // the range still reads segment 0's bytes through the descriptor it holds
  const held = Buffer.alloc(r.size);
  counting.inner.read(r.ranges[0]!.fd, held, 0, r.size, r.ranges[0]!.position);
  assert.equal(lastValue(held), 'v0');
  const before = counting.open;
  r.ranges[0]!.release();
  assert.equal(counting.open, before - 1);
  assert.throws(() => counting.inner.read(r.ranges[0]!.fd, held, 0, 1, 0), /EBADF/);
  // the next read opens a fresh file
  assert.equal(lastValue(log.readBuffer(0, 1000, 1)), 'v0');
  // appends go on to the active segment whatever was closed
  log.append(makeBatch([{ value: 'last' }]));
  assert.equal(lastValue(log.readBuffer(10, 1000)), 'last');
  log.close();
  // the last roll's fsync lets go of what it holds once it has run
  await log.whenRollsSynced();
  assert.equal(counting.open, 0);
  assert.equal(files.openFileCount, 0);
});

test('a fetch at the tail of an active segment whose index files were closed opens nothing', async () => {
  const counting = new CountingFs(new MemFileSystem());
  const fs = counting.wrap();
  const files = new OpenFiles({ maxHolders: 1, maxFds: Number.POSITIVE_INFINITY });
  const config = { 'index.interval.bytes': 0, 'file.delete.delay.ms': 0 };
  const a = Log.open({ dir: '/data/a-0', topic: 'a', partition: 0, fs, config, openFiles: files });
  const b = Log.open({ dir: '/data/b-0', topic: 'b', partition: 0, fs, config, openFiles: files });
  // an index entry per batch: 700 of them, more than one flush of pending entries
  for (let i = 0; i < 700; i++) a.append(makeBatch([{ value: `a${i}` }]));
  const opensOfA = () => counting.opened.filter((f) => f.startsWith('/data/a-0/')).length;
  const opens = opensOfA();
  for (let i = 0; i < 3; i++) {
    // the other log's new segment closes this one's index files
    b.append(makeBatch([{ value: `b${i}` }]));
    b.roll();
    await b.whenRollsSynced();
    assert.equal(lastValue(a.readBuffer(699 + i, 1000)), i === 0 ? 'a699' : `tail${i - 1}`);
    a.append(makeBatch([{ value: `tail${i}` }]));
    assert.equal(lastValue(a.readBuffer(700 + i, 1000)), `tail${i}`);
  }
  assert.equal(opensOfA(), opens);
  // an older offset needs the index file again
  b.roll();
  assert.equal(lastValue(a.readBuffer(10, 100)), 'a10');
  assert.equal(opensOfA(), opens + 1);
  a.close();
  b.close();
  await b.whenRollsSynced();
  assert.equal(counting.open, 0);
});

test('the fsync after a roll goes through the files that wrote the segment, even if it was closed since', async () => {
  const mem = new MemFileSystem();
  const files = new OpenFiles({ maxHolders: 1, maxFds: Number.POSITIVE_INFINITY });
  const log = open(mem, { openFiles: files, recoveryPoint: 0, config: { 'segment.bytes': 1 << 20, 'file.delete.delay.ms': 0 } });
  log.append(makeBatch([{ value: 'a' }]));
  log.roll();
  log.append(makeBatch([{ value: 'b' }]));
  log.roll();
  // the second roll's segment closed the first one's files (one holder at most)
  const fsyncs = mem.fsyncCount;
  await log.whenRollsSynced();
  assert.equal(mem.fsyncCount - fsyncs, 6);
  assert.equal(log.recoveryPoint, 2);
  log.close();
  assert.equal(files.openFileCount, 0);
});

test('descriptors are bounded across logs; out of descriptors, idle segments are closed and the open retried', async () => {
  const counting = new CountingFs(new MemFileSystem());
  const fs = counting.wrap();
  const files = new OpenFiles({ maxHolders: 100, maxFds: 12 });
  const logs = Array.from({ length: 4 }, (_, p) => Log.open({ dir: `/data/t-${p}`, topic: 't', partition: p, fs, config: tinySegments, openFiles: files }));
  for (let i = 0; i < 5; i++) for (const l of logs) l.append(makeBatch([{ value: `${l.partition}-${i}` }]));
  for (const l of logs) await l.whenRollsSynced();
  assert.ok(files.openFileCount <= 12, `${files.openFileCount} open`);
  for (const l of logs) assert.equal(lastValue(l.readBuffer(0, 1000, 1)), `${l.partition}-0`);
  assert.ok(files.openFileCount <= 12);
  // Something else took the descriptors: the next open fails once, segments are closed, it succeeds.
  counting.failAt = counting.open;
  assert.equal(lastValue(logs[0]!.readBuffer(2, 1000, 3)), '0-2');
  assert.ok(counting.open <= counting.failAt);
  for (const l of logs) l.close();
  assert.equal(counting.open, 0);
});

test('a deleted segment lets go of its files at once; ranges read before keep theirs', async () => {
  const counting = new CountingFs(new MemFileSystem());
  const fs = counting.wrap();
  const files = new OpenFiles({ maxHolders: 100, maxFds: Number.POSITIVE_INFINITY });
  const log = open(fs, { openFiles: files, config: { ...tinySegments, 'file.delete.delay.ms': 60_000 } });
  for (let i = 0; i < 4; i++) log.append(makeBatch([{ value: `v${i}` }]));
  await log.whenRollsSynced();
  log.updateHighWatermark(4);
  const r = log.read(0, 1000, 1);
  const before = counting.open;
  log.deleteRecordsBefore(2);
  // two segments' three files, minus segment 0's .log that the range holds
  assert.equal(counting.open, before - 6 + 1);
  r.ranges[0]!.release();
  assert.equal(counting.open, before - 6);
  log.close();
  assert.equal(counting.open, 0);
});

test('limits come from the soft RLIMIT_NOFILE, leaving a reserve for connections', () => {
  assert.equal(softOpenFileLimit('Limit                     Soft Limit           Hard Limit           Units     \nMax open files            4096                 8192                 files     \n'), 4096);
  assert.equal(softOpenFileLimit('Max open files            unlimited            unlimited            files     \n'), null);
  assert.ok((softOpenFileLimit() ?? 1) > 0);
  assert.deepEqual(limitsFor(4096), { maxHolders: MAX_OPEN_SEGMENTS, maxFds: 4096 - 819 });
  assert.deepEqual(limitsFor(20_000), { maxHolders: MAX_OPEN_SEGMENTS, maxFds: 16_000 });
  assert.deepEqual(limitsFor(1024), { maxHolders: MAX_OPEN_SEGMENTS, maxFds: 768 });
  assert.equal(limitsFor(null).maxFds, Number.POSITIVE_INFINITY);
  assert.equal(new OpenFiles(limitsFor(4096)).partitionCapacity, 4096 - 819 - 192);
});
