import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Log } from '../../src/storage/index.js';
import { isBatchCrcValid, setBatchBaseOffset, setBatchLeaderEpoch } from '../../src/record/batch-header.js';
import { makeBatch, seededBatch, splitBatches, tempDir } from './helpers.js';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-child.js');

interface Ack {
  base: number;
  last: number;
  seed: number;
  count: number;
  size: number;
}

function runAndKill(dir: string, seedBase: number, killAfterMs: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, dir, String(seedBase)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let timer: NodeJS.Timeout | null = null;
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (timer === null && out.includes('ready')) timer = setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    });
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child exited ${code} ${signal}: ${out.slice(-500)}`));
      const acks: Ack[] = [];
      for (const line of out.split('\n')) {
        const m = /^ack (\d+) (\d+) (\d+) (\d+) (\d+)$/.exec(line);
        if (m) acks.push({ base: +m[1]!, last: +m[2]!, seed: +m[3]!, count: +m[4]!, size: +m[5]! });
      }
      resolve(acks);
    });
  });
}

test('SIGKILL at random moments: offsets dense, every acknowledged append intact', { timeout: 120_000 }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const acked = new Map<number, Ack>();
    const runs = 55;
    let rand = 12345;
    let verifiedUpTo = 0;
    const next = (): number => ((rand = (rand * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let run = 0; run < runs; run++) {
      const acks = await runAndKill(dir, (run + 1) * 1_000_000, Math.floor(next() * 60));
      for (const a of acks) acked.set(a.base, a);
      const log = Log.open({ dir, topic: 'crash', partition: 0, config: { 'segment.bytes': 256 * 1024 } });
      try {
        // earlier runs verified what lies before; re-check the last stretch and everything new
        const from = run === runs - 1 ? 0 : Math.max(0, verifiedUpTo - 200);
        let expectNext = from === 0 ? 0 : splitBatches(log.readBuffer(from, 1))[0]!.base;
        let pos = expectNext;
        const seen = new Set<number>();
        while (pos < log.logEndOffset) {
          const buf = log.readBuffer(pos, 4 << 20);
          const parts = splitBatches(buf);
          assert.ok(parts.length > 0);
          for (const p of parts) {
            assert.equal(p.base, expectNext, `dense offsets (run ${run})`);
            assert.ok(isBatchCrcValid(p.bytes), 'no corrupt batch served');
            const a = acked.get(p.base);
            if (a) {
              const want = seededBatch(a.seed, a.count, a.size);
              setBatchBaseOffset(want, a.base);
              setBatchLeaderEpoch(want, 1 + Math.floor(a.seed / 1_000_000));
              assert.ok(p.bytes.equals(want), `acknowledged batch at ${a.base} identical`);
              seen.add(p.base);
            }
            expectNext = p.last + 1;
          }
          pos = expectNext;
        }
        assert.equal(expectNext, log.logEndOffset);
        verifiedUpTo = expectNext;
        for (const base of acked.keys()) if (base >= from) assert.ok(seen.has(base), `acknowledged append at ${base} survived (run ${run})`);
      } finally {
        // alternate: sometimes leave it as a crash would, sometimes shut down cleanly
        log.close({ flush: run % 2 === 0 });
      }
    }
    assert.ok(acked.size > runs, `only ${acked.size} appends acknowledged`);
  } finally {
    cleanup();
  }
});

test('recovery mends a corrupt tail and a corrupt index on disk', () => {
  const { dir, cleanup } = tempDir();
  try {
    const cfg = { 'segment.bytes': 20_000, 'index.interval.bytes': 500, 'file.delete.delay.ms': 0 };
    let log = Log.open({ dir, topic: 'x', partition: 0, config: cfg });
    for (let i = 0; i < 300; i++) log.append(makeBatch([{ value: `value-${i}`.repeat(20), timestamp: 1000 + i }]));
    const segs = log.segmentBaseOffsets();
    assert.ok(segs.length >= 3);
    const expected = log.readBuffer(0, 1 << 30);
    log.close();
    const active = segs.at(-1)!;
    const name = (base: number, ext: string): string => path.join(dir, String(base).padStart(20, '0') + ext);
    // tail: flip a byte inside the last batch
    const logFile = name(active, '.log');
    const size = fs.statSync(logFile).size;
    const fd = fs.openSync(logFile, 'r+');
    fs.writeSync(fd, Buffer.from([0xee]), 0, 1, size - 20);
    fs.closeSync(fd);
    // index of the active segment: garbage in the middle and end
    const idxFile = name(active, '.index');
    const idx = fs.readFileSync(idxFile);
    assert.ok(idx.length >= 16);
    idx.fill(0x7f, 8, 16);
    idx.fill(0x7f, idx.length - 8);
    fs.writeFileSync(idxFile, idx);
    // index of an older (already flushed) segment: last entry points nowhere sensible
    const oldIdx = name(segs[0]!, '.index');
    const o = fs.readFileSync(oldIdx);
    o.writeInt32BE(o.readInt32BE(o.length - 4) + 7, o.length - 4);
    fs.writeFileSync(oldIdx, o);

    log = Log.open({ dir, topic: 'x', partition: 0, config: cfg, recoveryPoint: active, hadCleanShutdown: false });
    assert.equal(log.logEndOffset, 299, 'the corrupt last batch is truncated');
    const got = log.readBuffer(0, 1 << 30);
    assert.ok(got.equals(expected.subarray(0, got.length)));
    assert.equal(splitBatches(got).length, 299);
    for (let off = 0; off < 299; off += 7) {
      const first = splitBatches(log.readBuffer(off, 1))[0]!;
      assert.equal(first.base, off);
    }
    assert.deepEqual(log.offsetForTimestamp(1100), { offset: 100, timestamp: 1100 });
    const r = log.append(makeBatch([{ value: 'after' }]));
    assert.equal(r.baseOffset, 299);
    log.close();
  } finally {
    cleanup();
  }
});
