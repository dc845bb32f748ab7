// queued.max.request.bytes (hardening issue, row "25 connections each sending 90 MiB of a 100 MiB
// frame: OOM-killed under 2 GiB"): a large frame is claimed from one budget shared by every
// connection before its buffer exists; a connection whose next frame does not fit stops reading
// until memory is released. Both read paths (in place and copying the socket's chunks).
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { FrameReader } from '../../src/server/frame-reader.js';
import { Listener } from '../../src/server/listener.js';
import { log } from '../../src/util/log.js';
import { waitFor } from '../helpers/broker-process.js';

const KiB = 1024;
/** Bodies start with an id and a mode: answered at once, or held until the test releases it. */
const SYNC = 0;
const HELD = 1;

interface Harness {
  l: Listener;
  port: number;
  /** Ids in the order they were dispatched. */
  seen: number[];
  /** Answers a held request. */
  answer(id: number): void;
}

async function budgetListener(queuedMaxRequestBytes: number): Promise<Harness> {
  const seen: number[] = [];
  const held = new Map<number, () => void>();
  const l = new Listener(
    { host: '127.0.0.1', port: 0, maxIdleMs: 60_000, maxFrameBytes: 4 << 20, maxInflightBytes: 64 << 20, maxInflightRequests: 50, queuedMaxRequestBytes },
    (frame) => {
      const id = frame.readInt32BE(0);
      seen.push(id);
      const out = Buffer.alloc(8);
      out.writeInt32BE(4, 0);
      out.writeInt32BE(id, 4);
      if (frame.readInt32BE(4) === SYNC) return [out];
      return new Promise((r) => held.set(id, () => r([out])));
    },
    log.child({ test: 'request-memory' }),
  );
  const port = await l.listen();
  return {
    l,
    port,
    seen,
    answer(id) {
      const a = held.get(id);
      assert.ok(a, `request ${id} is held`);
      held.delete(id);
      a();
    },
  };
}

/** A client socket that collects the ids of the answers it reads. */
async function client(port: number): Promise<{ s: Socket; answers: number[] }> {
  const s = await new Promise<Socket>((res, rej) => {
    const c = connect({ host: '127.0.0.1', port }, () => res(c));
    c.once('error', rej);
  });
  s.on('error', () => {});
  const answers: number[] = [];
  const reader = new FrameReader(1 << 20);
  s.on('data', (chunk: Buffer) => {
    for (const f of reader.push(chunk)) answers.push(f.readInt32BE(0));
  });
  return { s, answers };
}

function frame(id: number, size: number, mode: number): Buffer {
  const b = Buffer.alloc(4 + size);
  b.writeInt32BE(size, 0);
  b.writeInt32BE(id, 4);
  b.writeInt32BE(mode, 8);
  return b;
}

/** The memory view of the listener (absent before queued.max.request.bytes existed). */
const memoryOf = (l: Listener) => (l as { requestMemory?: { inUse: number; peak: number; waiting: number } }).requestMemory;

for (const mode of ['in place', 'chunks'] as const) {
  describe(`request memory, reading ${mode}`, () => {
    const saved = process.env.SAMSA_DIRECT_READ;
    after(() => {
      if (saved === undefined) delete process.env.SAMSA_DIRECT_READ;
      else process.env.SAMSA_DIRECT_READ = saved;
    });
    const useEnv = () => {
      if (mode === 'chunks') process.env.SAMSA_DIRECT_READ = '0';
      else delete process.env.SAMSA_DIRECT_READ;
    };

    test('a frame that would pass the budget waits, unread, until the frame holding it is answered; small requests still pass', { timeout: 20_000 }, async () => {
      useEnv();
      const h = await budgetListener(256 * KiB);
      const a = await client(h.port);
      const b = await client(h.port);
      const c = await client(h.port);
      try {
        a.s.write(frame(1, 200 * KiB, HELD));
        await waitFor(() => h.seen.includes(1), { what: 'the first large frame' });
        b.s.write(frame(2, 200 * KiB, SYNC));
        // Either the second frame is read (no budget) or its connection waits for memory.
        await waitFor(() => h.seen.includes(2) || (memoryOf(h.l)?.waiting ?? 0) > 0, { what: 'the second frame read or waiting' });
        assert.ok(!h.seen.includes(2), 'the second large frame is not read while the first holds the budget');
        // A frame read into the connection's pool claims nothing: it is answered meanwhile.
        c.s.write(frame(3, 100, SYNC));
        await waitFor(() => c.answers.includes(3), { what: 'the small request answered' });
        assert.ok(!h.seen.includes(2));
        assert.ok(memoryOf(h.l)!.inUse <= 256 * KiB);
        h.answer(1);
        await waitFor(() => b.answers.includes(2), { what: 'the second frame, once the first is answered' });
        assert.deepEqual(a.answers, [1]);
        assert.ok(memoryOf(h.l)!.peak <= 256 * KiB, `peak ${memoryOf(h.l)!.peak}`);
        // What is left is b's spare buffer for its next large frame; closing gives it back.
        for (const x of [a, b, c]) x.s.destroy();
        await waitFor(() => memoryOf(h.l)!.inUse === 0, { what: 'every claim given back' });
      } finally {
        for (const x of [a, b, c]) x.s.destroy();
        await h.l.close();
      }
    });

    test('a frame larger than the whole budget is read once nothing else is claimed: no deadlock', { timeout: 20_000 }, async () => {
      useEnv();
      const h = await budgetListener(64 * KiB);
      const a = await client(h.port);
      const b = await client(h.port);
      try {
        a.s.write(frame(1, 300 * KiB, SYNC));
        await waitFor(() => a.answers.includes(1), { what: 'a lone frame over the budget' });
        b.s.write(frame(2, 40 * KiB, HELD));
        await waitFor(() => h.seen.includes(2), { what: 'a frame that fits' });
        a.s.write(frame(3, 300 * KiB, SYNC));
        await waitFor(() => h.seen.includes(3) || (memoryOf(h.l)?.waiting ?? 0) > 0, { what: 'the big frame read or waiting' });
        assert.ok(!h.seen.includes(3), 'the big frame waits while another frame is claimed');
        h.answer(2);
        await waitFor(() => a.answers.includes(3), { what: 'the big frame, once nothing else is claimed' });
        assert.deepEqual(a.answers, [1, 3]);
      } finally {
        for (const x of [a, b]) x.s.destroy();
        await h.l.close();
      }
    });

    test('a connection that closes in the middle of a frame gives its claim back', { timeout: 20_000 }, async () => {
      useEnv();
      const h = await budgetListener(256 * KiB);
      const a = await client(h.port);
      const b = await client(h.port);
      try {
        const partial = frame(1, 200 * KiB, SYNC).subarray(0, 150 * KiB);
        a.s.write(partial);
        await waitFor(() => (memoryOf(h.l)?.inUse ?? 0) > 0 || h.seen.length > 0, { what: 'the partial frame claimed' });
        b.s.write(frame(2, 200 * KiB, SYNC));
        await waitFor(() => h.seen.includes(2) || (memoryOf(h.l)?.waiting ?? 0) > 0, { what: 'the second frame read or waiting' });
        assert.ok(!h.seen.includes(2), 'the second frame waits while the partial one holds the budget');
        a.s.destroy();
        await waitFor(() => b.answers.includes(2), { what: 'the second frame, once the first connection is gone' });
        b.s.destroy();
        await waitFor(() => memoryOf(h.l)!.inUse === 0, { what: 'every claim given back' });
      } finally {
        for (const x of [a, b]) x.s.destroy();
        await h.l.close();
      }
    });

    test('an idle connection\'s spare frame buffer never keeps another connection\'s frame out', { timeout: 20_000 }, async () => {
      useEnv();
      const h = await budgetListener(256 * KiB);
      const a = await client(h.port);
      const b = await client(h.port);
      try {
        // Answered synchronously: its buffer is kept for a's next large frame, and charged.
        a.s.write(frame(1, 200 * KiB, SYNC));
        await waitFor(() => a.answers.includes(1), { what: 'the first frame' });
        b.s.write(frame(2, 200 * KiB, SYNC));
        await waitFor(() => b.answers.includes(2), { what: 'the second frame, read after the spare was given back' });
        a.s.write(frame(3, 200 * KiB, SYNC));
        await waitFor(() => a.answers.includes(3), { what: 'a third frame on the first connection' });
        assert.ok(memoryOf(h.l)!.peak <= 256 * KiB, `peak ${memoryOf(h.l)!.peak}`);
      } finally {
        for (const x of [a, b]) x.s.destroy();
        await h.l.close();
      }
    });

    test('many connections sending large frames at once: every frame is answered, the budget never passed', { timeout: 30_000 }, async () => {
      useEnv();
      const h = await budgetListener(512 * KiB);
      const clients = await Promise.all(Array.from({ length: 12 }, () => client(h.port)));
      try {
        clients.forEach((c, i) => {
          for (let k = 0; k < 4; k++) c.s.write(frame(i * 10 + k, (100 + 37 * k) * KiB, SYNC));
        });
        await waitFor(() => clients.every((c) => c.answers.length === 4), { timeoutMs: 20_000, what: 'every frame answered' });
        clients.forEach((c, i) => assert.deepEqual(c.answers, [0, 1, 2, 3].map((k) => i * 10 + k)));
        assert.ok(memoryOf(h.l)!.peak <= 512 * KiB, `peak ${memoryOf(h.l)!.peak}`);
      } finally {
        for (const c of clients) c.s.destroy();
        await h.l.close();
      }
    });
  });
}
