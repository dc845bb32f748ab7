// FrameAssembler: frames cut out of arbitrarily split socket chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameAssembler, FrameError } from '../../src/server/frame-assembler.js';

const frameOf = (body: Uint8Array) => {
  const b = Buffer.alloc(4 + body.length);
  b.writeInt32BE(body.length, 0);
  b.set(body, 4);
  return b;
};

/** Splits `buf` at the given cut points (sorted, deduplicated, within range). */
function split(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, buf.length]) {
    out.push(buf.subarray(prev, p)); // empty chunks included on purpose
    prev = p;
  }
  return out;
}

test('any split of a stream of frames yields exactly those frames, in order', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { minLength: 0, maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (bodies, cuts) => {
        const a = new FrameAssembler(1024);
        const stream = Buffer.concat(bodies.map(frameOf));
        const got: Buffer[] = [];
        for (const chunk of split(stream, cuts)) got.push(...a.push(chunk));
        assert.deepEqual(got.map((g) => Buffer.from(g)), bodies.map((b) => Buffer.from(b)));
        assert.equal(a.bufferedBytes, 0);
      },
    ),
    { numRuns: 500 },
  );
});

test('frames are returned as soon as complete; a partial frame stays buffered', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), (body, cut) => {
      const a = new FrameAssembler(1024);
      const f = frameOf(body);
      const at = cut % f.length; // strictly inside the frame
      assert.deepEqual(a.push(f.subarray(0, at)), []);
      assert.equal(a.bufferedBytes, at >= 4 ? at - 4 : at);
      const out = a.push(f.subarray(at));
      assert.equal(out.length, 1);
      assert.deepEqual(Buffer.from(out[0]!), Buffer.from(body));
    }),
    { numRuns: 300 },
  );
});

test('a frame inside one chunk is a view of that chunk, not a copy', () => {
  const a = new FrameAssembler(1024);
  const chunk = Buffer.concat([frameOf(Buffer.from('hello')), frameOf(Buffer.from('world!'))]);
  const [f1, f2] = a.push(chunk);
  assert.equal(f1!.buffer, chunk.buffer);
  assert.equal(f2!.buffer, chunk.buffer);
  assert.equal(f1!.toString(), 'hello');
  assert.equal(f2!.toString(), 'world!');
});

test('negative and oversized sizes throw FrameError wherever the prefix is split', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.integer({ min: -0x80000000, max: -1 }), fc.integer({ min: 1025, max: 0x7fffffff })),
      fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 5 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (size, before, cuts) => {
        const a = new FrameAssembler(1024);
        const bad = Buffer.alloc(4);
        bad.writeInt32BE(size);
        const stream = Buffer.concat([...before.map(frameOf), bad, Buffer.alloc(8)]);
        let good = 0;
        assert.throws(() => {
          for (const chunk of split(stream, cuts)) good += a.push(chunk).length;
        }, (e: unknown) => e instanceof FrameError && e.size === size && e.max === 1024);
        assert.ok(good <= before.length);
      },
    ),
    { numRuns: 300 },
  );
});

test('a frame of exactly the maximum size is accepted; zero-length frames too', () => {
  const a = new FrameAssembler(16);
  const out = a.push(Buffer.concat([frameOf(Buffer.alloc(16, 7)), frameOf(Buffer.alloc(0))]));
  assert.deepEqual(out.map((b) => b.length), [16, 0]);
});

test('a recycled frame\'s memory takes the next frame that spans chunks; views of socket chunks are never recycled', () => {
  const fa = new FrameAssembler(1 << 24);
  const big = (fill: number) => frameOf(Buffer.alloc(200_000, fill));
  const [a] = fa.push(big(1).subarray(0, 100_000)).concat(fa.push(big(1).subarray(100_000)));
  assert.ok(a && a.every((x) => x === 1));
  fa.recycle(a);
  const b = fa.push(big(2).subarray(0, 50_000)).concat(fa.push(big(2).subarray(50_000)))[0]!;
  assert.equal(b.buffer, a.buffer, 'the second spanning frame reuses the first one\'s memory');
  assert.ok(b.every((x) => x === 2));

  // Two small frames cut from one chunk are views of it: recycling one must not let a later
  // spanning frame overwrite the other.
  const chunk = Buffer.concat([frameOf(Buffer.alloc(70_000, 7)), frameOf(Buffer.alloc(70_000, 8))]);
  const [x, y] = fa.push(chunk);
  assert.ok(x && y);
  fa.recycle(x);
  fa.recycle(b);
  const c = fa.push(big(3).subarray(0, 10)).concat(fa.push(big(3).subarray(10)))[0]!;
  assert.ok(c.every((v) => v === 3));
  assert.notEqual(c.buffer, chunk.buffer);
  assert.ok(y.every((v) => v === 8), 'a view of a socket chunk is untouched');
});
