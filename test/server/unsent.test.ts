// Responses a client does not read (hardening issue, row "a Fetch listing one partition 3,600 times,
// never read: +46 MiB per connection, OOM at 36 connections"): once a connection's unsent response
// bytes pass maxUnsentBytes, no more requests are handled or read and no more file data is read into
// the socket's buffer; everything is answered, in order, once the client reads; a client that reads
// nothing for sendStallMs is disconnected.
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Part } from '../../src/protocol/writer.js';
import { FrameReader } from '../../src/server/frame-reader.js';
import { Listener, type ListenerOptions } from '../../src/server/listener.js';
import { log } from '../../src/util/log.js';
import { waitFor } from '../helpers/broker-process.js';

const MiB = 1024 * 1024;
const RESPONSE = 2 * MiB;
const REQUESTS = 40;

let dir: string;
let fd: number;
/** The file the region answers are cut from: byte i is i % 251. */
const content = Buffer.alloc(RESPONSE);
for (let i = 0; i < content.length; i++) content[i] = i % 251;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'samsa-unsent-'));
  writeFileSync(join(dir, 'data'), content);
  fd = openSync(join(dir, 'data'), 'r');
});
after(() => {
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Every request is answered at once with RESPONSE bytes: one shared buffer, or a file region;
 * requests from id `neverFrom` on are never answered.
 */
async function bigAnswers(kind: 'buffer' | 'region', extra: Partial<ListenerOptions> = {}, neverFrom = Infinity) {
  const seen: number[] = [];
  const l = new Listener(
    { host: '127.0.0.1', port: 0, maxIdleMs: 60_000, maxFrameBytes: 1 << 20, maxInflightBytes: 64 << 20, maxInflightRequests: 100, maxUnsentBytes: MiB, ...extra },
    (frame): Part[] | Promise<Part[]> => {
      const id = frame.readInt32BE(0);
      seen.push(id);
      if (id >= neverFrom) return new Promise(() => {});
      const head = Buffer.alloc(8);
      head.writeInt32BE(4 + RESPONSE, 0);
      head.writeInt32BE(id, 4);
      return [head, kind === 'buffer' ? content : { fd, position: 0, length: RESPONSE }];
    },
    log.child({ test: 'unsent' }),
  );
  return { l, port: await l.listen(), seen };
}

async function open(port: number): Promise<Socket> {
  const s = await new Promise<Socket>((res, rej) => {
    const c = connect({ host: '127.0.0.1', port }, () => res(c));
    c.once('error', rej);
  });
  s.on('error', () => {});
  return s;
}

/** Polls until `value()` stays the same for `quietMs` (bounded): the broker side has settled. */
async function settled(value: () => number, quietMs = 300, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = value();
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    const v = value();
    if (v !== last) {
      last = v;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return v;
    }
  }
  return value();
}

function requests(n: number): Buffer {
  const b = Buffer.alloc(8 * n);
  for (let i = 0; i < n; i++) {
    b.writeInt32BE(4, 8 * i);
    b.writeInt32BE(i, 8 * i + 4);
  }
  return b;
}

const saved = process.env.SAMSA_SENDFILE;
after(() => {
  if (saved === undefined) delete process.env.SAMSA_SENDFILE;
  else process.env.SAMSA_SENDFILE = saved;
});

for (const kind of ['buffer', 'region'] as const) {
  describe(`unsent ${kind} responses`, () => {
    test(`a client that does not read: requests stop being handled past the bound, then all ${REQUESTS} are answered in order`, { timeout: 30_000 }, async () => {
      // The plain path: regions are read into memory, the case that held +46 MiB per connection.
      process.env.SAMSA_SENDFILE = '0';
      const { l, port, seen } = await bigAnswers(kind);
      const s = await open(port);
      try {
        s.pause();
        s.write(requests(REQUESTS)); // one write: the broker has them all before answering any
        await waitFor(() => seen.length > 0, { what: 'the first request handled' });
        const handled = await settled(() => seen.length);
        // What the kernel buffers take (a few MiB on loopback) plus the bound, in 2 MiB answers.
        assert.ok(handled <= 8, `${handled} of ${REQUESTS} requests handled while nothing was read`);

        const reader = new FrameReader(1 << 30);
        const answers: Buffer[] = [];
        s.on('data', (chunk: Buffer) => {
          for (const f of reader.push(chunk)) answers.push(f);
        });
        s.resume();
        await waitFor(() => answers.length === REQUESTS, { timeoutMs: 20_000, what: 'every answer once the client reads' });
        assert.deepEqual(answers.map((a) => a.readInt32BE(0)), seen);
        assert.deepEqual(seen, Array.from({ length: REQUESTS }, (_, i) => i));
        for (const i of [0, 7, REQUESTS - 1]) assert.ok(answers[i]!.subarray(4).equals(content), `answer ${i} intact`);
      } finally {
        s.destroy();
        await l.close();
        delete process.env.SAMSA_SENDFILE;
      }
    });
  });
}

test('a client that reads nothing of its responses for sendStallMs is disconnected, though a request is still open', { timeout: 20_000 }, async () => {
  // The open request keeps the connection from counting as idle (connections.max.idle.ms).
  const { l, port, seen } = await bigAnswers('buffer', { sendStallMs: 500, maxIdleMs: 400 }, 3);
  const s = await open(port);
  try {
    s.pause();
    s.write(requests(4));
    await waitFor(() => seen.length > 0, { what: 'a request handled' });
    const t0 = Date.now();
    // Seen from the broker's side: the paused client would not read the end of the stream.
    await waitFor(() => l.connectionCount === 0, { timeoutMs: 10_000, what: 'the connection closed by the broker' });
    assert.ok(Date.now() - t0 >= 400, 'not before sendStallMs');
  } finally {
    s.destroy();
    await l.close();
  }
});
