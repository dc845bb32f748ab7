// Log.read against a model: whatever the batch sizes, index density, segment size and read
// bounds, the ranges cover exactly the whole batches a header-by-header walk would pick.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Log, MemFileSystem } from '../../src/storage/index.js';
import { seededBatch, splitBatches } from './helpers.js';

interface Placed {
  base: number;
  last: number;
  size: number;
}

/** The batches a reader must get: from the one holding `start`, whole, within budget, below upTo, in one segment run. */
function expected(batches: Placed[], start: number, maxBytes: number, upTo: number): Placed[] {
  const out: Placed[] = [];
  let bytes = 0;
  for (const b of batches) {
    if (b.last < start) continue;
    if (b.last >= upTo) break;
    if (bytes + b.size > maxBytes && out.length > 0) break;
    out.push(b);
    bytes += b.size;
  }
  return out;
}

test('read picks exactly the whole batches within maxBytes and below upToOffset (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ count: fc.integer({ min: 1, max: 5 }), valueSize: fc.integer({ min: 1, max: 3000 }) }), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 0, max: 8192 }),
      fc.integer({ min: 2000, max: 200_000 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 150_000 }), fc.nat()), { minLength: 1, maxLength: 20 }),
      (specs, indexInterval, segmentBytes, reads) => {
        const fs = new MemFileSystem();
        const log = Log.open({ dir: '/d/t-0', topic: 't', partition: 0, fs, config: { 'index.interval.bytes': indexInterval, 'segment.bytes': segmentBytes, 'file.delete.delay.ms': 0 } });
        const placed: Placed[] = [];
        specs.forEach((s, i) => {
          const r = log.append(seededBatch(i, s.count, s.valueSize));
          placed.push({ base: r.baseOffset, last: r.lastOffset, size: r.size });
        });
        const end = log.logEndOffset;
        for (const [startSeed, maxBytes, upSeed] of reads) {
          const start = startSeed % end;
          const upTo = start + 1 + (upSeed % (end - start));
          const r = log.read(start, maxBytes, upTo, true);
          const got = splitBatches(log.copyRanges(r.ranges, r.size)).map((b) => [b.base, b.last]);
          if (got.length > 0) assert.equal(r.nextOffset, got.at(-1)![1]! + 1, 'nextOffset follows the last batch returned');
          // A read stops at the end of a segment; the model reads on from the next only when the
          // first segment was exhausted, so compare against the prefix the log returned.
          const want = expected(placed, start, maxBytes, upTo).map((b) => [b.base, b.last]);
          assert.ok(got.length >= 1 || want.length === 0, 'at least one batch when one exists');
          assert.deepEqual(got, want.slice(0, got.length), `read(${start}, ${maxBytes}, ${upTo})`);
          if (got.length < want.length) {
            // Only a segment boundary may cut the read short.
            const next = want[got.length]!;
            assert.ok(log.segmentBaseOffsets().includes(next[0]!), `read(${start}, ${maxBytes}, ${upTo}) stopped before ${next[0]}, which does not start a segment`);
          }
        }
        log.close();
      },
    ),
    { numRuns: 150 },
  );
});
