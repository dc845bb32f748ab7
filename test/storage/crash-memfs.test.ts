import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Log, MemFileSystem, SimulatedCrash } from '../../src/storage/index.js';
import { isBatchCrcValid } from '../../src/record/batch-header.js';
import { seededBatch, splitBatches } from './helpers.js';

const DIR = '/data/c-0';
const cfg = { 'segment.bytes': 3000, 'index.interval.bytes': 200, 'file.delete.delay.ms': 0 };

function open(fs: MemFileSystem, clean = false): Log {
  return Log.open({ dir: DIR, topic: 'c', partition: 0, fs, config: cfg, hadCleanShutdown: clean });
}

/** Appends batches 0..n-1 (seeded) and returns each stored batch's bytes. */
function build(fs: MemFileSystem, n: number): { log: Log; stored: Buffer[] } {
  const log = open(fs);
  const stored: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const b = seededBatch(i, 1 + (i % 3), 100 + (i % 5) * 40);
    log.append(b, { leaderEpoch: i < 4 ? 1 : 2 });
    stored.push(Buffer.from(b));
  }
  return { log, stored };
}

function checkLog(log: Log, stored: Buffer[], mustHave: number): void {
  const parts = splitBatches(log.readBuffer(0, 1 << 30));
  assert.ok(parts.length >= mustHave, `lost acknowledged batches: ${parts.length} < ${mustHave}`);
  let next = 0;
  parts.forEach((p, i) => {
    assert.equal(p.base, next, 'offsets dense');
    next = p.last + 1;
    assert.ok(isBatchCrcValid(p.bytes));
    assert.ok(i < stored.length, 'nothing but appended batches');
    assert.ok(p.bytes.equals(stored[i]!), `batch ${i} identical`);
  });
  assert.equal(log.logEndOffset, next);
}

test('a crash at every operation inside an append (including a roll) loses nothing acknowledged', () => {
  const probe = new MemFileSystem();
  const { log: probeLog } = build(probe, 12);
  const before = probe.opCount;
  probeLog.append(seededBatch(12, 3, 900), { leaderEpoch: 3 }); // rolls and records a new epoch
  const opsInAppend = probe.opCount - before;
  assert.ok(opsInAppend > 3, `append with roll used ${opsInAppend} ops`);
  for (const mode of ['process', 'power'] as const) {
    for (let k = 1; k <= opsInAppend; k++) {
      const fs = new MemFileSystem();
      const { stored, log } = build(fs, 12);
      if (mode === 'power') log.flush();
      fs.injectFault(fs.opCount + k, 'crash');
      const last = seededBatch(12, 3, 900);
      let crashed = false;
      try {
        log.append(last, { leaderEpoch: 3 });
      } catch (e) {
        assert.ok(e instanceof SimulatedCrash || (e as Error).name === 'LogOfflineError', String(e));
        crashed = true;
      }
      // after a flush the append needs fewer operations; past its last one it simply succeeds
      if (!crashed) assert.equal(mode, 'power');
      for (let seed = 0; seed < 3; seed++) {
        let s = seed;
        const rand = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
        const after = fs.restart(mode, rand);
        const reopened = open(after);
        checkLog(reopened, [...stored, last], 12);
        // the log keeps working after recovery
        const r = reopened.append(seededBatch(99, 1, 10));
        assert.equal(r.baseOffset, reopened.logEndOffset - 1);
        reopened.close();
      }
    }
  }
});

test('power loss keeps at least what was flushed, and only whole batches', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const fs = new MemFileSystem();
    const { log, stored } = build(fs, 10);
    log.flush();
    const more: Buffer[] = [];
    for (let i = 10; i < 20; i++) {
      const b = seededBatch(i, 2, 150);
      log.append(b);
      more.push(Buffer.from(b));
    }
    let s = seed;
    const rand = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const reopened = open(fs.restart('power', rand));
    checkLog(reopened, [...stored, ...more], 10);
    reopened.close();
  }
});

test('a failed write is undone and the log stays usable; short writes are completed', () => {
  const fs = new MemFileSystem();
  const { log, stored } = build(fs, 3);
  fs.injectFault(fs.opCount + 1, 'eio');
  assert.throws(() => log.append(seededBatch(50, 1, 10)), /EIO/);
  const leo = log.logEndOffset;
  fs.injectFault(fs.opCount + 1, 'short');
  const b = seededBatch(51, 2, 300);
  assert.equal(log.append(b).baseOffset, leo);
  checkLog(log, [...stored, b], 4);
  // a write that fails and cannot be undone takes the log offline
  fs.injectFault(fs.opCount + 1, 'crash');
  assert.throws(() => log.append(seededBatch(52, 1, 10)));
  assert.throws(() => log.append(seededBatch(53, 1, 10)), /offline/);
});
