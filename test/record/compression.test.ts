import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressSync as snappyRaw } from 'snappy';
import { compressSync as lz4BlockRaw, decompressFrameSync as lz4FrameRaw } from 'lz4-napi';
import { decompress as zstdUnbounded } from 'zstd-napi';
import {
  Compression,
  CompressionError,
  DecompressionLimitError,
  compress,
  decompress,
  isXerialSnappy,
  snappyDecompress,
  toCodec,
} from '../../src/record/compression.js';
import { plainSection, zstdBombSection } from './bombs.js';
import { CODECS } from './helpers.js';

const data = Buffer.concat([Buffer.from('hello kafka '.repeat(5000)), Buffer.alloc(100_000, 3)]);

test('every codec round-trips, with Kafka codec ids', () => {
  assert.deepEqual(Compression, { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 });
  for (const c of CODECS) {
    const z = compress(c, data);
    if (c !== 'none') assert.ok(z.length < data.length, `${c} compresses`);
    assert.ok(decompress(toCodec(c), z).equals(data), c);
  }
  assert.equal(compress('none', data), data, 'none returns the input without copying');
});

test('snappy output is xerial-framed in 32 KiB blocks; both xerial and raw decode', () => {
  const x = compress('snappy', data);
  assert.ok(isXerialSnappy(x));
  assert.equal(x.readInt32BE(8), 1);
  assert.equal(x.readInt32BE(12), 1);
  assert.ok(snappyDecompress(x).equals(data));
  assert.ok(snappyDecompress(snappyRaw(data)).equals(data));
  assert.ok(decompress('snappy', snappyRaw(Buffer.alloc(0))).equals(Buffer.alloc(0)));
});

test('lz4 output is an LZ4 frame with independent blocks', () => {
  const z = compress('lz4', data);
  assert.equal(z.readUInt32LE(0), 0x184d2204);
  assert.equal(z[4]! & 0xc0, 0x40, 'frame version 01');
  assert.equal(z[4]! & 0x20, 0x20, 'block independence');
});

test('garbage input raises CompressionError, unknown codecs are refused', () => {
  const junk = Buffer.from('definitely not compressed data');
  for (const c of ['gzip', 'snappy', 'lz4', 'zstd'] as const) assert.throws(() => decompress(c, junk), CompressionError, c);
  const truncated = compress('snappy', data).subarray(0, 100);
  assert.throws(() => decompress('snappy', truncated), CompressionError);
  assert.throws(() => toCodec(5 as never), CompressionError);
});

// Decompression bombs: a small input that inflates far past what the caller can hold. With a
// bound, every codec must stop at about the bound instead of producing the whole output.
const BOUND = 1 << 20;
const BOMB_VALUE = 16 << 20;
const bombPlain = plainSection(BOMB_VALUE);
const bombs: Array<[string, 'gzip' | 'snappy' | 'lz4' | 'zstd', Buffer]> = [
  ['gzip', 'gzip', compress('gzip', bombPlain)],
  ['snappy (xerial)', 'snappy', compress('snappy', bombPlain)],
  ['snappy (raw)', 'snappy', snappyRaw(bombPlain)],
  ['lz4 frame', 'lz4', compress('lz4', bombPlain)],
  ['zstd, content size declared', 'zstd', zstdBombSection(BOMB_VALUE, true)],
  ['zstd, content size unknown', 'zstd', zstdBombSection(BOMB_VALUE, false)],
];
const limitError = (limit: number) => (err: unknown) => err instanceof DecompressionLimitError && err.limit === limit;

test('the hand-built zstd bombs are valid zstd for an unbounded decoder', () => {
  for (const declare of [true, false]) assert.ok(zstdUnbounded(zstdBombSection(3 << 20, declare)).equals(plainSection(3 << 20)));
});

for (const [name, codec, bomb] of bombs) {
  test(`${name}: a ${bomb.length}-byte bomb stops at the bound; output up to the bound decodes`, () => {
    assert.ok(bomb.length < BOUND, 'the bomb itself is small');
    assert.throws(() => decompress(codec, bomb, BOUND), limitError(BOUND));
    assert.throws(() => decompress(codec, bomb, bombPlain.length - 1), limitError(bombPlain.length - 1));
    assert.ok(decompress(codec, bomb, bombPlain.length).equals(bombPlain));
    assert.ok(decompress(codec, bomb).equals(bombPlain), 'unbounded by default');
  });
}

test('a bound of zero admits only empty output', () => {
  for (const c of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    assert.equal(decompress(c, compress(c, Buffer.alloc(0)), 0).length, 0, c);
    assert.throws(() => decompress(c, compress(c, Buffer.from('x')), 0), limitError(0), c);
  }
});

test('declared sizes are refused by their header, before any decoding', () => {
  // raw snappy: the varint length says 3 GiB, the body is one literal byte
  const lying = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x0c, 0x00, 0x78]);
  assert.throws(() => decompress('snappy', lying, BOUND), limitError(BOUND));
  // zstd: a frame declaring 3 GiB of content with a truncated body
  const zhead = zstdBombSection(3 * 2 ** 30, true).subarray(0, 64);
  assert.throws(() => decompress('zstd', zhead, BOUND), limitError(BOUND));
  // lz4: content size flag with 3 GiB, then nothing
  const lhead = Buffer.alloc(15);
  lhead.writeUInt32LE(0x184d2204, 0);
  lhead[4] = 0x68; // version 01, independent blocks, content size present
  lhead[5] = 0x40; // 64 KiB blocks
  lhead.writeBigUInt64LE(3n * 2n ** 30n, 6);
  assert.throws(() => decompress('lz4', lhead, BOUND), limitError(BOUND));
});

test('lz4 frames: linked blocks, stored blocks, checksum fields, skippable and several frames decode per the frame format', () => {
  // Two 64 KiB blocks, the second linked (it copies from the first), the third stored
  // uncompressed, block checksums present, content size declared; then a second frame.
  const a = Buffer.from('samsa lz4 linked '.repeat(4000)).subarray(0, 64 << 10);
  const b = Buffer.concat([a.subarray(100, 30000), Buffer.from('tail of the second block')]);
  const c = Buffer.from('stored as is');
  const block1 = lz4BlockRaw(a).subarray(4);
  const block2 = lz4BlockRaw(b, a).subarray(4);
  const head = Buffer.alloc(15);
  head.writeUInt32LE(0x184d2204, 0);
  head[4] = 0x40 | 0x10 | 0x08 | 0x04; // version 01, linked, block checksums, content size, content checksum
  head[5] = 0x40;
  head.writeBigUInt64LE(BigInt(a.length + b.length + c.length), 6);
  head[14] = 0; // header checksum: not verified (the batch CRC covers the bytes)
  const blk = (data: Buffer, stored = false) => {
    const h = Buffer.alloc(4);
    h.writeUInt32LE((data.length | (stored ? 0x80000000 : 0)) >>> 0);
    return Buffer.concat([h, data, Buffer.alloc(4)]);
  };
  const frame1 = Buffer.concat([head, blk(block1), blk(block2), blk(c, true), Buffer.alloc(4), Buffer.alloc(4)]);
  const frame2 = compress('lz4', Buffer.from('second frame'));
  const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
  const whole = Buffer.concat([a, b, c, Buffer.from('second frame')]);
  const got = decompress('lz4', Buffer.concat([frame1, skippable, frame2]));
  assert.ok(got.equals(whole));
  assert.ok(decompress('lz4', frame1, a.length + b.length + c.length).equals(Buffer.concat([a, b, c])));
  assert.throws(() => decompress('lz4', frame1, a.length + 10), limitError(a.length + 10));
  // the second block needs the first as its dictionary: decoding it alone fails
  assert.throws(() => decompress('lz4', Buffer.concat([head.subarray(0, 6), Buffer.from([0]), blk(block2), Buffer.alloc(4)])), CompressionError);
  // what lz4-napi's own frame decoder makes of a frame it wrote
  const own = compress('lz4', data);
  assert.ok(decompress('lz4', own).equals(lz4FrameRaw(own)));
});

test('truncated frames are CompressionError, not a limit', () => {
  const notLimit = (err: unknown) => err instanceof CompressionError && !(err instanceof DecompressionLimitError);
  for (const c of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const z = compress(c, data);
    assert.throws(() => decompress(c, z.subarray(0, z.length >> 1), data.length), notLimit, c);
  }
  for (const declare of [true, false]) {
    const z = zstdBombSection(1 << 20, declare);
    assert.throws(() => decompress('zstd', z.subarray(0, z.length - 3), BOUND * 2), notLimit);
  }
});
