// FrameReader: frames cut out of arbitrarily split socket chunks, and reads placed where they belong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameReader, FrameError } from '../../src/server/frame-reader.js';

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
        const a = new FrameReader(1024);
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
      const a = new FrameReader(1024);
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

test('reads into target() of any size yield exactly the frames sent, in order, and never run past a large frame', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.nat(300), fc.integer({ min: 16 * 1024, max: 200_000 })), { maxLength: 12 }),
      fc.array(fc.integer({ min: 1, max: 300_000 }), { minLength: 1, maxLength: 30 }),
      (sizes, reads) => {
        const r = new FrameReader(1 << 20);
        const bodies = sizes.map((n, i) => Buffer.alloc(n, i + 1));
        const stream = Buffer.concat(bodies.map(frameOf));
        const got: Buffer[] = [];
        let off = 0;
        for (let i = 0; off < stream.length; i++) {
          // Like a socket read: at most what the target has room for and what the peer sent.
          const t = r.target();
          assert.ok(t.length > 0, 'the target is never empty');
          const k = Math.min(t.length, reads[i % reads.length]!, stream.length - off);
          stream.copy(t, 0, off, off + k);
          off += k;
          got.push(...r.filled(k).map((f) => Buffer.from(f)));
        }
        assert.deepEqual(got, bodies);
        assert.equal(r.bufferedBytes, 0);
      },
    ),
    { numRuns: 300 },
  );
});

test('a large frame is read in place: after its first bytes, reads land in the buffer that is returned', () => {
  const r = new FrameReader(1 << 24);
  const body = Buffer.alloc(300_000);
  for (let i = 0; i < body.length; i++) body[i] = i % 251;
  const f = frameOf(body);
  const t0 = r.target();
  f.copy(t0, 0, 0, 1000);
  assert.deepEqual(r.filled(1000), []);
  const t1 = r.target();
  assert.equal(t1.length, body.length - 996, 'the target is the rest of the frame, exactly');
  f.copy(t1, 0, 1000);
  const [frame] = r.filled(t1.length);
  assert.ok(frame);
  assert.equal(frame.buffer, t1.buffer, 'the frame is the buffer the reads went into');
  assert.deepEqual(Buffer.from(frame), body);
});

test('small frames come out as views of one pool that is never written again once lent', () => {
  const r = new FrameReader(1024);
  const out: Buffer[] = [];
  for (let i = 0; i < 2000; i++) out.push(...r.push(frameOf(Buffer.alloc(100, i % 256))));
  assert.equal(out.length, 2000);
  out.forEach((f, i) => assert.ok(f.every((x) => x === i % 256), `frame ${i} intact`));
  assert.ok(new Set(out.map((f) => f.buffer)).size < 20, 'frames share pools');
});

test('negative and oversized sizes set a FrameError wherever the prefix is split; every frame before it is returned', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.integer({ min: -0x80000000, max: -1 }), fc.integer({ min: 1025, max: 0x7fffffff })),
      fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 5 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (size, before, cuts) => {
        const a = new FrameReader(1024);
        const bad = Buffer.alloc(4);
        bad.writeInt32BE(size);
        const stream = Buffer.concat([...before.map(frameOf), bad, frameOf(Buffer.alloc(8))]);
        const got: Buffer[] = [];
        for (const chunk of split(stream, cuts)) got.push(...a.push(chunk).map((f) => Buffer.from(f)));
        assert.ok(a.error instanceof FrameError && a.error.size === size && a.error.max === 1024);
        assert.deepEqual(got, before.map((b) => Buffer.from(b)), 'the frames before the bad prefix, and nothing after it');
        assert.deepEqual(a.filled(1), [], 'nothing is read after the error');
      },
    ),
    { numRuns: 300 },
  );
});

test('a frame of exactly the maximum size is accepted; zero-length frames too', () => {
  const a = new FrameReader(16);
  const out = a.push(Buffer.concat([frameOf(Buffer.alloc(16, 7)), frameOf(Buffer.alloc(0))]));
  assert.deepEqual(out.map((b) => b.length), [16, 0]);
});

test('a recycled frame\'s memory takes the next large frame; pool views and foreign buffers are never recycled', () => {
  const fa = new FrameReader(1 << 24);
  const big = (fill: number) => frameOf(Buffer.alloc(200_000, fill));
  const [a] = fa.push(big(1).subarray(0, 100_000)).concat(fa.push(big(1).subarray(100_000)));
  assert.ok(a && a.every((x) => x === 1));
  fa.recycle(a);
  const b = fa.push(big(2).subarray(0, 50_000)).concat(fa.push(big(2).subarray(50_000)))[0]!;
  assert.equal(b.buffer, a.buffer, 'the second large frame reuses the first one\'s memory');
  assert.ok(b.every((x) => x === 2));

  // Small frames are views of a shared pool, and a buffer the reader did not allocate is not its
  // to reuse: recycling either must not let a later large frame overwrite them.
  const [x, y] = fa.push(Buffer.concat([frameOf(Buffer.alloc(100, 7)), frameOf(Buffer.alloc(100, 8))]));
  assert.ok(x && y);
  fa.recycle(x);
  fa.recycle(Buffer.alloc(300_000));
  fa.recycle(b);
  const c = fa.push(big(3).subarray(0, 10)).concat(fa.push(big(3).subarray(10)))[0]!;
  assert.ok(c.every((v) => v === 3));
  assert.notEqual(c.buffer, x.buffer);
  assert.equal(c.buffer, a.buffer);
  assert.ok(x.every((v) => v === 7) && y.every((v) => v === 8), 'pool views are untouched');
});

/** A budget that refuses each large frame's first claim and grants the retry; it records the claims. */
function refusingOnce() {
  const asked: number[] = [];
  let refused = false;
  return {
    asked,
    budget: {
      claim(size: number) {
        asked.push(size);
        refused = !refused;
        return !refused;
      },
      claimSpare: () => true,
      releaseSpare: () => {},
    },
  };
}

test('a refused claim stops the reader at that frame\'s prefix until resume(); the same frames come out, in order', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.nat(300), fc.integer({ min: 16 * 1024, max: 100_000 })), { maxLength: 10 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.boolean(),
      (sizes, cuts, inPlace) => {
        const { asked, budget } = refusingOnce();
        const r = new FrameReader(1 << 20, budget);
        const bodies = sizes.map((n, i) => Buffer.alloc(n, i + 1));
        const stream = Buffer.concat(bodies.map(frameOf));
        const got: Buffer[] = [];
        const take = (fs: Buffer[]) => got.push(...fs.map((f) => Buffer.from(f)));
        const drainWaits = () => {
          while (r.waiting) take(r.resume());
        };
        if (inPlace) {
          // Like a socket read into target(), paused while the reader waits.
          const reads = cuts.length > 0 ? cuts.map((c) => 1 + (c % 70_000)) : [65_536];
          for (let i = 0, off = 0; off < stream.length; i++) {
            drainWaits();
            const t = r.target();
            assert.ok(t.length > 0, 'the target is never empty');
            const k = Math.min(t.length, reads[i % reads.length]!, stream.length - off);
            stream.copy(t, 0, off, off + k);
            off += k;
            take(r.filled(k));
          }
        } else {
          for (const chunk of split(stream, cuts)) {
            const before = got.length;
            const wasWaiting = r.waiting;
            take(r.push(chunk));
            if (wasWaiting) assert.equal(got.length, before, 'nothing is taken in while waiting');
          }
        }
        drainWaits();
        assert.deepEqual(got, bodies);
        const large = sizes.filter((n) => n >= 16 * 1024);
        assert.deepEqual(asked, large.flatMap((n) => [n, n]), 'each large frame claimed (refused, then granted); small ones never');
      },
    ),
    { numRuns: 300 },
  );
});

test('a spare buffer is kept only while the budget grants it, and given back when used or dropped', () => {
  const held: number[] = [];
  let grant = false;
  const r = new FrameReader(1 << 24, {
    claim: () => true,
    claimSpare: (n) => {
      if (grant) held.push(n);
      return grant;
    },
    releaseSpare: (n) => held.splice(held.indexOf(n), 1),
  });
  const big = (fill: number) => frameOf(Buffer.alloc(200_000, fill));
  const [a] = r.push(big(1));
  r.recycle(a!);
  const [b] = r.push(big(2));
  assert.notEqual(b!.buffer, a!.buffer, 'a refused spare is not kept');
  grant = true;
  r.recycle(b!);
  assert.deepEqual(held, [200_000]);
  const [c] = r.push(big(3));
  assert.equal(c!.buffer, b!.buffer, 'the granted spare takes the next frame');
  assert.deepEqual(held, [], 'and its claim is given back');
  r.recycle(c!);
  r.dropSpare();
  assert.deepEqual(held, []);
});
