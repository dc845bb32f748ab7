import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressSync as snappyRaw } from 'snappy';
import {
  Compression,
  CompressionError,
  compress,
  decompress,
  isXerialSnappy,
  snappyDecompress,
  toCodec,
} from '../../src/record/compression.js';
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
