// Both ways a connection reads requests: straight into buffers the FrameReader chooses (onread on a
// duplicated fd, the default with the native addon) and copying the socket's own chunks
// (SAMSA_DIRECT_READ=0). Frames of every size, written in arbitrary pieces and pipelined, reach the
// dispatcher intact and in order; a bad size prefix closes the connection either way.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { loadNative } from '../../src/native/index.js';
import { FrameReader } from '../../src/server/frame-reader.js';
import { Listener } from '../../src/server/listener.js';
import { log } from '../../src/util/log.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest();

interface Seen {
  length: number;
  ownBuffer: boolean;
  inPlace: boolean;
}

/** A listener whose dispatcher answers each frame with its first int32 and the frame's hash. */
async function echoListener(seen: Seen[]): Promise<{ l: Listener; port: number }> {
  const l = new Listener(
    { host: '127.0.0.1', port: 0, maxIdleMs: 60_000, maxFrameBytes: 8 << 20, maxInflightBytes: 4 << 20, maxInflightRequests: 50 },
    (frame, conn) => {
      // A view of the read pool starts after its own size prefix; a frame of its own starts at 0.
      seen.push({ length: frame.length, ownBuffer: frame.byteOffset === 0, inPlace: conn.readsInPlace });
      const out = Buffer.alloc(4 + 4 + 32);
      out.writeInt32BE(36, 0);
      out.writeInt32BE(frame.readInt32BE(0), 4);
      sha(frame).copy(out, 8);
      // Every other answer comes later, so responses must be put back in request order.
      return frame.readInt32BE(0) % 2 ? new Promise((r) => setImmediate(() => r([out]))) : [out];
    },
    log.child({ test: 'read-paths' }),
  );
  return { l, port: await l.listen() };
}

function open(port: number): Promise<Socket> {
  return new Promise((res, rej) => {
    const s = connect({ host: '127.0.0.1', port }, () => res(s));
    s.once('error', rej);
  });
}

function framed(body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeInt32BE(body.length, 0);
  return Buffer.concat([h, body]);
}

for (const mode of ['in place', 'chunks'] as const) {
  describe(`reading requests ${mode}`, () => {
    const saved = process.env.SAMSA_DIRECT_READ;
    after(() => {
      if (saved === undefined) delete process.env.SAMSA_DIRECT_READ;
      else process.env.SAMSA_DIRECT_READ = saved;
    });
    const useEnv = () => {
      if (mode === 'chunks') process.env.SAMSA_DIRECT_READ = '0';
      else delete process.env.SAMSA_DIRECT_READ;
    };
    const expectInPlace = mode === 'in place' && !!loadNative()?.dup;

    test('pipelined frames of 4 B to 3 MiB, written in arbitrary pieces, arrive intact and are answered in order', { timeout: 60_000 }, async () => {
      useEnv();
      const seen: Seen[] = [];
      const { l, port } = await echoListener(seen);
      const s = await open(port);
      const sizes = [4, 5, 100, 16 * 1024 - 1, 16 * 1024, 70_000, 3 << 20, 4, 1 << 20, 200, 65_536, 1 << 20, 9];
      for (let i = 0; i < 60; i++) sizes.push(4 + Math.floor(Math.random() ** 4 * (2 << 20)));
      const bodies = sizes.map((n, i) => {
        const b = randomBytes(n);
        b.writeInt32BE(i, 0);
        return b;
      });
      const stream = Buffer.concat(bodies.map(framed));
      const reader = new FrameReader(1 << 20);
      const answers: Buffer[] = [];
      try {
        const done = new Promise<void>((res, rej) => {
          s.on('data', (chunk: Buffer) => {
            for (const f of reader.push(chunk)) answers.push(Buffer.from(f));
            if (answers.length === bodies.length) res();
          });
          s.once('close', () => rej(new Error(`closed after ${answers.length} answers`)));
        });
        for (let at = 0; at < stream.length; ) {
          const n = Math.min(stream.length - at, 1 + Math.floor(Math.random() * 300_000));
          if (!s.write(stream.subarray(at, at + n))) await new Promise((r) => s.once('drain', r));
          at += n;
          if (Math.random() < 0.3) await new Promise((r) => setImmediate(r));
        }
        await done;
      } finally {
        s.destroy();
        await l.close();
      }
      assert.deepEqual(answers.map((a) => a.readInt32BE(0)), bodies.map((_, i) => i), 'answers in request order');
      answers.forEach((a, i) => assert.deepEqual(a.subarray(4), sha(bodies[i]!), `frame ${i} (${sizes[i]} B) intact`));
      assert.deepEqual(seen.map((x) => x.length), sizes, 'every frame dispatched once, in order');
      assert.ok(seen.every((x) => x.inPlace === expectInPlace), `reads in place: ${expectInPlace}`);
      assert.ok(seen.filter((x) => x.length >= 64 * 1024).every((x) => x.ownBuffer), 'frames larger than the read pool come in buffers of their own');
    });

    test('a negative size prefix right after a large frame closes the connection', { timeout: 20_000 }, async () => {
      useEnv();
      const seen: Seen[] = [];
      const { l, port } = await echoListener(seen);
      const s = await open(port);
      try {
        const closed = new Promise<boolean>((r) => s.once('close', () => r(true)));
        s.on('error', () => {});
        s.resume(); // 'close' comes only after the answer is read and 'end' seen
        const big = Buffer.alloc(100_000);
        big.writeInt32BE(2, 0);
        const bad = Buffer.alloc(8);
        bad.writeInt32BE(-5, 0);
        s.write(Buffer.concat([framed(big), bad]));
        const timer = new Promise<boolean>((r) => setTimeout(() => r(false), 5000).unref());
        assert.equal(await Promise.race([closed, timer]), true, 'the broker closed the connection');
        assert.deepEqual(seen.map((x) => x.length), [100_000], 'the frame before the bad prefix was dispatched');
      } finally {
        s.destroy();
        await l.close();
      }
    });
  });
}
