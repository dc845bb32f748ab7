// Many segments and many logs against the files they keep open and the checkpoints they write.
// Every segment held its .log, .index and .timeindex open for the life of the process, and
// retention wrote log-start-offset-checkpoint (with an fsync) once per log whose start moved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Log, LogManager, MemFileSystem, type FileSystem } from '../../src/storage/index.js';
import { CountingFs, makeBatch, splitBatches } from './helpers.js';

/** src/storage/open-files.ts MAX_OPEN_SEGMENTS (not imported: this test also runs against code without it). */
const MAX_OPEN_SEGMENTS = 1000;
const DIR = '/data/t-0';
/** One batch per segment: each append rolls. */
const tinySegments = { 'segment.bytes': 100, 'file.delete.delay.ms': 0 };
/** The value of a test batch's last record (it ends with the value and an empty header count). */
const lastValue = (b: Buffer): string => /([\w-]+)\x00$/.exec(b.toString('latin1'))?.[1] ?? '';

function open(fs: FileSystem, extra: Partial<Parameters<typeof Log.open>[0]> = {}): Log {
  return Log.open({ dir: DIR, topic: 't', partition: 0, fs, config: tinySegments, hadCleanShutdown: true, ...extra });
}

test(`a log of 1,200 segments holds at most ${MAX_OPEN_SEGMENTS} segments' files open while written, loaded and read in full`, async () => {
  const counting = new CountingFs(new MemFileSystem());
  const fs = counting.wrap();
  const bound = 3 * MAX_OPEN_SEGMENTS + 3;
  let log = open(fs);
  for (let i = 0; i < 1200; i++) {
    log.append(makeBatch([{ value: `v${i}` }]));
    // A broker yields between requests: the fsyncs of rolled segments run and let go of their files.
    if (i % 50 === 49) await log.whenRollsSynced();
  }
  await log.whenRollsSynced();
  assert.equal(log.numberOfSegments, 1200);
  assert.ok(counting.peak <= bound + 3 * 50, `${counting.peak} descriptors open at most while writing`);
  log.close();
  assert.equal(counting.open, 0);

  counting.peak = 0;
  log = open(fs, { recoveryPoint: 1200 });
  assert.ok(counting.peak <= bound, `${counting.peak} descriptors open at most while loading`);
  assert.equal(log.logEndOffset, 1200);
  let offset = 0;
  const values: string[] = [];
  while (offset < log.logEndOffset) {
    const r = log.read(offset, 64 * 1024);
    for (const b of splitBatches(log.copyRanges(r.ranges, r.size))) values.push(lastValue(b.bytes));
    offset = r.nextOffset;
  }
  assert.equal(values.length, 1200);
  assert.equal(values[0], 'v0');
  assert.equal(values[1199], 'v1199');
  assert.ok(counting.peak <= bound, `${counting.peak} descriptors open at most after reading every segment`);
  log.close();
  assert.equal(counting.open, 0);
});

test('retention over many logs writes log-start-offset-checkpoint once, not once per log', () => {
  const fs = new MemFileSystem();
  const m = LogManager.open({ dir: '/data', fs, configFor: () => ({ 'segment.bytes': 100, 'retention.ms': 1000, 'file.delete.delay.ms': 0 }) });
  const logs = Array.from({ length: 200 }, (_, p) => m.getOrCreateLog('r', p));
  for (const l of logs) {
    for (let i = 0; i < 3; i++) l.append(makeBatch([{ value: `v${i}`, timestamp: 1000 }]));
    l.updateHighWatermark(3);
  }
  const fsyncs = fs.fsyncCount;
  assert.equal(m.runRetention(10_000), 400);
  // the checkpoint (file and directory); it used to be two fsyncs per log
  assert.ok(fs.fsyncCount - fsyncs <= 2, `${fs.fsyncCount - fsyncs} fsyncs`);
  m.close({ clean: false });
  const again = LogManager.open({ dir: '/data', fs: fs.restart('process') });
  assert.equal(again.allLogs().length, 200);
  assert.ok(again.allLogs().every((l) => l.logStartOffset === 2));
  again.close();
});
