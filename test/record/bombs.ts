// Decompression bombs that are valid record batches: one record whose value is `valueBytes`
// zeros, under each codec. The zstd ones are written block by block (RLE blocks of 128 KiB), so
// a 1 GiB bomb is built in microseconds without the test ever holding the gigabyte.
import { ATTRIBUTES, CRC, HEADER_SIZE, computeBatchCrc, writeInt64 } from '../../src/record/batch-header.js';
import { compress, type CompressionName } from '../../src/record/compression.js';

function zigzagVarint(n: number): Buffer {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

/** The bytes before and after the value of a one-record section: key `key`, `valueBytes` of value, no headers. */
export function recordFraming(valueBytes: number, key = 'k'): { prefix: Buffer; suffix: Buffer } {
  const k = Buffer.from(key);
  const head = Buffer.concat([Buffer.from([0]), zigzagVarint(0), zigzagVarint(0), zigzagVarint(k.length), k, zigzagVarint(valueBytes)]);
  const suffix = zigzagVarint(0); // header count
  const bodyLength = head.length + valueBytes + suffix.length;
  return { prefix: Buffer.concat([zigzagVarint(bodyLength), head]), suffix };
}

/** The uncompressed section itself (for codecs compressed by their library; keep valueBytes modest). */
export function plainSection(valueBytes: number, key = 'k'): Buffer {
  const { prefix, suffix } = recordFraming(valueBytes, key);
  return Buffer.concat([prefix, Buffer.alloc(valueBytes), suffix]);
}

const ZSTD_BLOCK = 128 << 10;

function zstdBlockHeader(last: boolean, type: 0 | 1, size: number): Buffer {
  const h = (size << 3) | (type << 1) | (last ? 1 : 0);
  return Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]);
}

/**
 * A zstd frame of the one-record section with `valueBytes` zeros. `declare`: the frame header
 * carries the content size (single-shot decoders trust it to size their output).
 */
export function zstdBombSection(valueBytes: number, declare: boolean, key = 'k'): Buffer {
  const { prefix, suffix } = recordFraming(valueBytes, key);
  const total = prefix.length + valueBytes + suffix.length;
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd])];
  // descriptor: content size flag 3 (8 bytes) or 0, not single-segment; window 128 KiB (log 17)
  parts.push(Buffer.from([declare ? 0xc0 : 0x00, (17 - 10) << 3]));
  if (declare) {
    const fcs = Buffer.alloc(8);
    fcs.writeBigUInt64LE(BigInt(total));
    parts.push(fcs);
  }
  parts.push(zstdBlockHeader(false, 0, prefix.length), prefix);
  for (let left = valueBytes; left > 0; left -= ZSTD_BLOCK) {
    parts.push(zstdBlockHeader(false, 1, Math.min(ZSTD_BLOCK, left)), Buffer.from([0]));
  }
  parts.push(zstdBlockHeader(true, 0, suffix.length), suffix);
  return Buffer.concat(parts);
}

export const CODEC_ID: Record<CompressionName, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

/** A RecordBatch v2 of one record around an already-encoded records section, with a valid CRC. */
export function batchAround(codec: CompressionName, section: Buffer, opts: { baseOffset?: number; timestamp?: number } = {}): Buffer {
  const b = Buffer.alloc(HEADER_SIZE + section.length);
  writeInt64(b, 0, opts.baseOffset ?? 0);
  b.writeInt32BE(b.length - 12, 8);
  b.writeInt32BE(-1, 12); // partition leader epoch
  b.writeInt8(2, 16);
  b.writeInt16BE(CODEC_ID[codec], ATTRIBUTES);
  b.writeInt32BE(0, 23); // last offset delta
  const ts = opts.timestamp ?? Date.now();
  writeInt64(b, 27, ts);
  writeInt64(b, 35, ts);
  writeInt64(b, 43, -1); // producer id
  b.writeInt16BE(-1, 51);
  b.writeInt32BE(-1, 53);
  b.writeInt32BE(1, 57); // record count
  section.copy(b, HEADER_SIZE);
  b.writeUInt32BE(computeBatchCrc(b), CRC);
  return b;
}

/** A one-record batch whose value is `valueBytes` zeros, compressed with `codec` (zstd hand-built). */
export function bombBatch(codec: Exclude<CompressionName, 'none'>, valueBytes: number, opts: { declare?: boolean; key?: string; timestamp?: number } = {}): Buffer {
  const section = codec === 'zstd' ? zstdBombSection(valueBytes, opts.declare ?? true, opts.key) : compress(codec, plainSection(valueBytes, opts.key));
  return batchAround(codec, section, { timestamp: opts.timestamp });
}
