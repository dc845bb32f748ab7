// The jute codec, packet framing under any chunking, and connection-string parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseConnectString, validatePath } from '../../../src/cluster/zookeeper/connect-string.js';
import { ZkCode, ZooKeeperError, zkCodeName } from '../../../src/cluster/zookeeper/errors.js';
import { FrameSplitter, FrameTooLargeError } from '../../../src/cluster/zookeeper/frames.js';
import { JuteReader, JuteWriter } from '../../../src/cluster/zookeeper/jute.js';
import { readMultiResponse, readStat, writeConnectRequest } from '../../../src/cluster/zookeeper/protocol.js';

test('jute fields round-trip, big-endian, with -1 for null buffers, strings and vectors', () => {
  const w = new JuteWriter(4);
  w.int(-2).long(0x0102_0304_0506_0708n).long(-1n).boolean(true).boolean(false);
  w.buffer(Buffer.from([9, 8])).buffer(null).ustring('zoë').ustring(null).ustring('');
  w.vector(['a', 'bc'], (x, s) => x.ustring(s)).vector(null, () => {}).vector([], () => {});
  const b = w.finish();
  assert.deepEqual(b.subarray(0, 4), Buffer.from([0xff, 0xff, 0xff, 0xfe]));
  assert.deepEqual(b.subarray(4, 12), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
  const r = new JuteReader(b);
  assert.equal(r.int(), -2);
  assert.equal(r.long(), 0x0102_0304_0506_0708n);
  assert.equal(r.long(), -1n);
  assert.equal(r.boolean(), true);
  assert.equal(r.boolean(), false);
  assert.deepEqual(r.buffer(), Buffer.from([9, 8]));
  assert.equal(r.buffer(), null);
  assert.equal(r.ustring(), 'zoë');
  assert.equal(r.ustring(), null);
  assert.equal(r.ustring(), '');
  assert.deepEqual(
    r.vector((x) => x.ustring()),
    ['a', 'bc'],
  );
  assert.equal(
    r.vector((x) => x.int()),
    null,
  );
  assert.deepEqual(
    r.vector((x) => x.int()),
    [],
  );
  assert.ok(r.ok);
  assert.equal(r.remaining, 0);
});

test('session ids above 2^53 survive exactly (the server id is their top byte)', () => {
  const id = (3n << 56n) | 0x5302b80001n;
  const w = new JuteWriter().frame();
  writeConnectRequest(w, { lastZxidSeen: 0x1_0000_0005n, timeoutMs: 4000, sessionId: id, passwd: Buffer.alloc(16, 7) });
  const b = w.finish();
  assert.equal(b.readInt32BE(0), b.length - 4);
  const r = new JuteReader(b, 4);
  assert.deepEqual([r.int(), r.long(), r.int(), r.long()], [0, 0x1_0000_0005n, 4000, id]);
  assert.deepEqual(r.buffer(), Buffer.alloc(16, 7));
  assert.equal(r.boolean(), false, 'readOnly');
  assert.equal(r.remaining, 0);
});

test('the reader is sticky: past the end it returns zero values and reports not ok, never throws', () => {
  const r = new JuteReader(Buffer.from([0, 0, 0, 5, 1, 2]));
  assert.equal(r.buffer(), null, 'a length beyond the frame');
  assert.equal(r.ok, false);
  assert.equal(r.int(), 0);
  assert.equal(r.long(), 0n);
  assert.equal(r.ustring(), null);
  assert.equal(r.remaining, 0);

  const huge = new JuteReader(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
  assert.equal(
    huge.vector((x) => x.int()),
    null,
    'a count the bytes left cannot hold',
  );
  assert.equal(huge.ok, false);
  const neg = new JuteReader(Buffer.from([0xff, 0xff, 0xff, 0xfe]));
  assert.equal(neg.buffer(), null);
  assert.equal(neg.ok, false);

  const stat = new JuteReader(Buffer.alloc(60));
  readStat(stat);
  assert.equal(stat.ok, false, 'a Stat is 68 bytes');
});

test('malformed multi responses are refused, not half-read', () => {
  const unknownType = new JuteWriter().int(99).boolean(false).int(0).finish();
  const r = new JuteReader(unknownType);
  assert.equal(
    readMultiResponse(r, (p) => p),
    null,
  );
  assert.equal(r.ok, false);
  const truncated = new JuteWriter().int(1).boolean(false).int(0).finish();
  assert.equal(
    readMultiResponse(new JuteReader(truncated), (p) => p),
    null,
  );
});

test('packets come out whole and in order however the stream is chunked', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }), (payloads, cuts) => {
      // A jute buffer is exactly a packet: int32 length, then the bytes.
      const w = new JuteWriter();
      for (const p of payloads) w.buffer(Buffer.from(p));
      const stream = w.finish();
      const s = new FrameSplitter(1 << 20);
      const out: Buffer[] = [];
      let at = 0;
      let i = 0;
      while (at < stream.length) {
        const n = cuts[i++ % cuts.length]!;
        s.push(stream.subarray(at, at + n));
        at += n;
        for (let f = s.next(); f; f = s.next()) out.push(Buffer.from(f));
      }
      assert.deepEqual(
        out.map((b) => b.toString('hex')),
        payloads.map((p) => Buffer.from(p).toString('hex')),
      );
    }),
    { numRuns: 300 },
  );
});

test('a length prefix above the limit (or negative) is a protocol error', () => {
  const s = new FrameSplitter(1000);
  s.push(Buffer.from([0, 0, 0x03, 0xe9]));
  assert.throws(() => s.next(), FrameTooLargeError);
  const n = new FrameSplitter(1000);
  n.push(Buffer.from([0xff, 0xff]));
  assert.equal(n.next(), null, 'not even a length yet');
  n.push(Buffer.from([0xff, 0xff]));
  assert.throws(() => n.next(), FrameTooLargeError);
});

test('connection strings: hosts, default port, IPv6, one chroot for all', () => {
  assert.deepEqual(parseConnectString('a:1,b:2,c/kafka/x'), {
    servers: [
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
      { host: 'c', port: 2181 },
    ],
    chroot: '/kafka/x',
  });
  assert.deepEqual(parseConnectString('[::1]:2182,127.0.0.1:3/'), {
    servers: [
      { host: '::1', port: 2182 },
      { host: '127.0.0.1', port: 3 },
    ],
    chroot: '',
  });
  for (const bad of ['', '/chroot', 'a:0', 'a:x', 'a:1/bad/', '[::1', 'a:1/x//y']) {
    assert.throws(() => parseConnectString(bad), (e: unknown) => e instanceof ZooKeeperError && e.code === ZkCode.BADARGUMENTS, bad);
  }
});

test('path validation follows the Java client', () => {
  for (const ok of ['/', '/a', '/a/b-c_d.e', '/brokers/ids/1']) validatePath(ok);
  validatePath('/queue/', true);
  for (const bad of ['', 'a', '/a/', '//a', '/a/./b', '/a/../b', '/a\u0000b']) assert.throws(() => validatePath(bad), ZooKeeperError, JSON.stringify(bad));
  assert.equal(zkCodeName(-101), 'NONODE');
  assert.equal(zkCodeName(-999), 'UNKNOWN(-999)');
});
