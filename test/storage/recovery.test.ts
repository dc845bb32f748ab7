// Recovery from damaged files (the storage rows of the hardening issue): an old segment that
// lost its tail, garbage after a clean shutdown, batch headers with impossible offsets, indexes
// that cannot be opened, and appends whose offsets no segment index can hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { InvalidBatchError, Log, MemFileSystem, segmentFileName, type FileSystem, type LogConfig } from '../../src/storage/index.js';
import { CRC, LAST_OFFSET_DELTA, RECORD_COUNT, computeBatchCrc, isBatchCrcValid, setBatchBaseOffset } from '../../src/record/batch-header.js';
import { makeBatch, seededBatch, splitBatches, tempDir } from './helpers.js';

const DIR = '/data/r-0';
const INT32_MAX = 0x7fff_ffff;
const cfg: Partial<LogConfig> = { 'segment.bytes': 10_000, 'index.interval.bytes': 1024, 'file.delete.delay.ms': 0 };

function open(fs: FileSystem | undefined, opts: { clean?: boolean; rp?: number; dir?: string } = {}): Log {
  return Log.open({
    dir: opts.dir ?? DIR,
    topic: 'r',
    partition: 0,
    fs,
    config: cfg,
    hadCleanShutdown: opts.clean ?? false,
    recoveryPoint: opts.rp ?? 0,
  });
}

/** 300 batches of 10 records (3000 offsets) over about a dozen segments; returns each stored batch by base offset. */
function build(fs?: FileSystem, dir = DIR): { log: Log; stored: Map<number, Buffer> } {
  const log = open(fs, { dir });
  const stored = new Map<number, Buffer>();
  for (let i = 0; i < 300; i++) {
    const b = seededBatch(i, 10, 20);
    const r = log.append(b);
    stored.set(r.baseOffset, Buffer.from(b));
  }
  return { log, stored };
}

const segPath = (base: number, suffix = '.log', dir = DIR): string => path.join(dir, segmentFileName(base, suffix));

function resize(fs: FileSystem, file: string, by: number): void {
  const fd = fs.open(file, false);
  fs.truncate(fd, fs.size(fd) + by);
  fs.close(fd);
}

function appendBytes(fs: FileSystem, file: string, bytes: Buffer): void {
  const fd = fs.open(file, false);
  fs.write(fd, bytes, 0, bytes.length, fs.size(fd));
  fs.close(fd);
}

function fileSize(fs: FileSystem, file: string): number {
  const fd = fs.open(file, false);
  try {
    return fs.size(fd);
  } finally {
    fs.close(fd);
  }
}

/** Every batch the log serves: whole, CRC-valid, increasing, and byte-identical to what was appended. */
function served(log: Log, stored: Map<number, Buffer>): number[] {
  const parts = splitBatches(log.readBuffer(log.logStartOffset, 1 << 30));
  let prev = -1;
  for (const p of parts) {
    assert.ok(p.base > prev, `offsets increase at ${p.base}`);
    assert.ok(isBatchCrcValid(p.bytes), `batch at ${p.base} is whole and valid`);
    assert.ok(stored.get(p.base)?.equals(p.bytes), `batch at ${p.base} is the one appended there`);
    prev = p.last;
  }
  return parts.map((p) => p.base);
}

/** A CRC-valid batch whose header claims `count` records (count - 1 as last offset delta). */
function claimingBatch(count: number, baseOffset = 0): Buffer {
  const b = makeBatch([{ value: 'x' }]);
  b.writeInt32BE(count - 1, LAST_OFFSET_DELTA);
  b.writeInt32BE(count, RECORD_COUNT);
  b.writeUInt32BE(computeBatchCrc(b), CRC);
  setBatchBaseOffset(b, baseOffset);
  return b;
}

for (const how of ['clean shutdown', 'unclean, damage below the recovery point'] as const) {
  test(`an old segment short by 100 bytes (${how}) loses only its torn tail; later segments and the log end offset stay`, () => {
    const fs0 = new MemFileSystem();
    const { log, stored } = build(fs0);
    const bases = log.segmentBaseOffsets();
    assert.ok(bases.length >= 8, `${bases.length} segments`);
    log.close();
    const fs = fs0.restart('process');
    const damaged = bases[2]!;
    resize(fs, segPath(damaged), -100);

    const reopened = open(fs, how === 'clean shutdown' ? { clean: true } : { rp: 3000 });
    assert.deepEqual(reopened.segmentBaseOffsets(), bases, 'every segment kept');
    assert.equal(reopened.logEndOffset, 3000, 'log end offset after the last segment');
    const got = served(reopened, stored);
    // only the torn last batch of the damaged segment is gone
    const lost = [...stored.keys()].filter((b) => !got.includes(b));
    assert.equal(lost.length, 1, `lost batches ${lost}`);
    assert.ok(lost[0]! >= damaged && lost[0]! < bases[3]!);
    // a read in the gap continues with the next segment; offsets are not handed out again
    assert.equal(splitBatches(reopened.readBuffer(lost[0]!, 1))[0]!.base, bases[3]);
    assert.equal(reopened.append(seededBatch(1000, 1, 5)).baseOffset, 3000);
    reopened.close();

    // the repair is on disk: the next open finds nothing to do
    const again = open(fs.restart('process'), { clean: true });
    assert.equal(again.logEndOffset, 3001);
    assert.equal(splitBatches(again.readBuffer(0, 1 << 30)).length, 300);
  });
}

test('past the recovery point Kafka recovery holds: a corrupt unflushed segment is truncated and the unflushed ones after it go', () => {
  const fs0 = new MemFileSystem();
  const { log, stored } = build(fs0);
  const bases = log.segmentBaseOffsets();
  log.close({ flush: false });
  const fs = fs0.restart('process');
  // damage below the recovery point (segment 1) and in the segment holding it (segment 5)
  resize(fs, segPath(bases[1]!), -100);
  const seg5 = fs.fileBytes(segPath(bases[5]!))!;
  seg5[seg5.length - 500] ^= 0xff;
  const rp = bases[5]! + 3;
  const reopened = open(fs, { rp });
  assert.deepEqual(reopened.segmentBaseOffsets(), bases.slice(0, 6));
  for (const b of bases.slice(6)) assert.ok(!fs.exists(segPath(b)), `unflushed segment ${b} deleted`);
  const got = served(reopened, stored);
  assert.ok(got.includes(bases[2]!) && got.includes(bases[5]!));
  assert.ok(reopened.logEndOffset > rp && reopened.logEndOffset < bases[6]!);
  assert.equal(reopened.append(seededBatch(1, 1, 5)).baseOffset, reopened.logEndOffset - 1);
});

test('300 bytes of garbage after a clean shutdown are cut on open: the log end offset stays and produces go on', () => {
  for (const garbage of [Buffer.alloc(300, 0x41), Buffer.alloc(300, 0xff), Buffer.alloc(300, 0)]) {
    for (const clean of [true, false]) {
      const fs0 = new MemFileSystem();
      const { log, stored } = build(fs0);
      const active = log.segmentBaseOffsets().at(-1)!;
      log.close();
      const fs = fs0.restart('process');
      const before = fileSize(fs, segPath(active));
      appendBytes(fs, segPath(active), garbage);
      const reopened = open(fs, { clean, rp: 3000 });
      assert.equal(reopened.logEndOffset, 3000, `garbage 0x${garbage[0]!.toString(16)}, clean ${clean}`);
      assert.equal(fileSize(fs, segPath(active)), before, 'the garbage is truncated');
      assert.equal(served(reopened, stored).length, 300);
      const r = reopened.append(seededBatch(7, 3, 10));
      assert.equal(r.baseOffset, 3000);
      assert.equal(reopened.logEndOffset, 3003);
    }
  }
});

test('CRC-valid batch headers with impossible offsets end the valid part, clean shutdown or not', () => {
  const cases: Array<[string, (leo: number, active: number) => Buffer]> = [
    ['base offset below the segment base', (_leo, active) => claimingBatch(1, active - 1)],
    ['base offset before the previous batch', (leo) => claimingBatch(1, leo - 5)],
    ['relative offset beyond the index int32', (leo, active) => claimingBatch(INT32_MAX - (leo - active) + 2, leo)],
    ['offset beyond 2^53', () => claimingBatch(1, 2 ** 60)],
  ];
  for (const [what, make] of cases) {
    for (const clean of [true, false]) {
      const fs0 = new MemFileSystem();
      const { log, stored } = build(fs0);
      const active = log.segmentBaseOffsets().at(-1)!;
      log.close();
      const fs = fs0.restart('process');
      const before = fileSize(fs, segPath(active));
      appendBytes(fs, segPath(active), make(3000, active));
      let reopened: Log;
      assert.doesNotThrow(() => {
        reopened = open(fs, { clean, rp: clean ? 3000 : 0 });
      }, what);
      assert.equal(reopened!.logEndOffset, 3000, `${what}, clean ${clean}`);
      assert.equal(fileSize(fs, segPath(active)), before, `${what}: cut`);
      assert.equal(served(reopened!, stored).length, 300);
      assert.equal(reopened!.append(seededBatch(7, 3, 10)).baseOffset, 3000);
    }
  }
});

test('an index or time index that cannot be opened is rebuilt, not a start failure', () => {
  const { dir, cleanup } = tempDir();
  try {
    const d = path.join(dir, 'r-0');
    const { log, stored } = build(undefined, d);
    const bases = log.segmentBaseOffsets();
    log.close();
    for (const [base, suffix] of [[bases[1]!, '.index'], [bases.at(-1)!, '.timeindex']] as const) {
      const p = segPath(base, suffix, d);
      nodeFs.rmSync(p);
      nodeFs.mkdirSync(p);
      nodeFs.writeFileSync(path.join(p, 'x'), 'x');
    }
    let reopened: Log;
    assert.doesNotThrow(() => {
      reopened = open(undefined, { dir: d, clean: true, rp: 3000 });
    });
    assert.equal(reopened!.logEndOffset, 3000);
    assert.equal(served(reopened!, stored).length, 300);
    assert.ok(nodeFs.statSync(segPath(bases[1]!, '.index', d)).isFile());
    assert.equal(reopened!.append(seededBatch(7, 1, 10)).baseOffset, 3000);
    reopened!.close();
  } finally {
    cleanup();
  }
});

test('an append whose offsets no segment index can hold fails before any byte is written', () => {
  const fs = new MemFileSystem();
  const log = open(fs);
  log.append(seededBatch(1, 5, 10));
  const bases = log.segmentBaseOffsets();
  const size = log.size;
  const huge = (): Buffer => claimingBatch(INT32_MAX);
  // one request, three batches claiming 2^31-1 records each: no segment can index all of them
  assert.throws(() => log.append(Buffer.concat([huge(), huge(), huge()])), InvalidBatchError);
  assert.equal(log.size, size, 'nothing written');
  assert.deepEqual(log.segmentBaseOffsets(), bases);
  assert.equal(log.logEndOffset, 5);
  // one at a time they fit, each in its own segment (a roll before the index would overflow)
  for (let i = 0; i < 3; i++) log.append(huge());
  const leo = 5 + 3 * INT32_MAX;
  assert.equal(log.logEndOffset, leo);
  const segs = log.segmentBaseOffsets();
  segs.forEach((b, i) => assert.ok((segs[i + 1] ?? leo) - 1 - b <= INT32_MAX, `segment ${b} indexable`));
  assert.equal(log.append(seededBatch(2, 2, 10)).baseOffset, leo);
  log.close({ flush: false });
  // and recovery of all of it (unclean, from offset 0) keeps every batch
  const reopened = open(fs.restart('process'));
  assert.equal(reopened.logEndOffset, leo + 2);
  assert.equal(splitBatches(reopened.readBuffer(0, 1 << 30)).length, 5);
});

test('follower appends: a segment rolls before its index overflows, even when empty; offsets beyond 2^53 are refused', () => {
  const fs = new MemFileSystem();
  const log = open(fs);
  log.truncateFullyAndStartAt(0);
  const far = 2 ** 31 + 5;
  log.appendAsFollower(makeBatch([{ value: 'a' }, { value: 'b' }], { baseOffset: far }));
  assert.deepEqual(log.segmentBaseOffsets(), [0, far]);
  assert.equal(log.logEndOffset, far + 2);
  const size = log.size;
  assert.throws(() => log.appendAsFollower(makeBatch([{ value: 'c' }], { baseOffset: 2 ** 53 + 8 })), InvalidBatchError);
  assert.equal(log.size, size);
  log.close({ flush: false });
  const reopened = open(fs.restart('process'));
  assert.equal(reopened.logEndOffset, far + 2);
  assert.deepEqual(splitBatches(reopened.readBuffer(far, 1 << 20)).map((p) => p.base), [far]);
});
