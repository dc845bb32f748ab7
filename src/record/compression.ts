import { createRequire } from 'node:module';
import { gunzipSync, gzipSync } from 'node:zlib';

// The native codecs load on first use: most batches are never decompressed by the broker, and
// loading all three costs ~75 ms of startup. createRequire keeps their CommonJS/napi entry points
// out of ESM interop quirks.
const require = createRequire(import.meta.url);

interface Lz4 {
  compressFrameSync(data: Buffer): Buffer;
  decompressFrameSync(data: Buffer): Buffer;
}
interface Snappy {
  compressSync(data: Buffer): Buffer;
  uncompressSync(data: Buffer): Buffer | string;
}
interface Zstd {
  compress(data: Uint8Array, parameters?: { compressionLevel?: number }): Buffer;
  decompress(data: Uint8Array): Buffer;
}

let lz4Module: Lz4 | null = null;
let snappyModule: Snappy | null = null;
let zstdModule: Zstd | null = null;
const lz4 = (): Lz4 => (lz4Module ??= require('lz4-napi') as Lz4);
const snappy = (): Snappy => (snappyModule ??= require('snappy') as Snappy);
const zstd = (): Zstd => (zstdModule ??= require('zstd-napi') as Zstd);
const snappyCompressRaw = (data: Buffer): Buffer => snappy().compressSync(data);
const snappyUncompressRaw = (data: Buffer): Buffer | string => snappy().uncompressSync(data);

/** Codec ids as stored in the low 3 bits of the batch attributes (Kafka's CompressionType). */
export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionName = keyof typeof Compression;
export type CompressionCodec = (typeof Compression)[CompressionName];

const NAMES: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export class CompressionError extends Error {}

export function isCompressionCodec(id: number): id is CompressionCodec {
  return id >= 0 && id <= 4 && Number.isInteger(id);
}

export function codecName(id: CompressionCodec): CompressionName {
  return NAMES[id]!;
}

export function toCodec(c: CompressionCodec | CompressionName): CompressionCodec {
  if (typeof c === 'number') {
    if (!isCompressionCodec(c)) throw new CompressionError(`unknown compression codec id ${c}`);
    return c;
  }
  const id = Compression[c];
  if (id === undefined) throw new CompressionError(`unknown compression codec ${String(c)}`);
  return id;
}

// Xerial snappy-java stream framing: the Java client and kafka-python write it; librdkafka
// writes raw snappy blocks. Kafka brokers and clients read both, so we do too.
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
// snappy-java's SnappyOutputStream default block size, which Kafka's Java producer uses.
const XERIAL_BLOCK_SIZE = 32 * 1024;

export function isXerialSnappy(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_SIZE && data.subarray(0, 8).equals(XERIAL_MAGIC);
}

export function snappyCompressXerial(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8); // version
  header.writeInt32BE(1, 12); // minimum compatible version
  parts.push(header);
  for (let off = 0; off < data.length; off += XERIAL_BLOCK_SIZE) {
    const chunk = snappyCompressRaw(data.subarray(off, Math.min(off + XERIAL_BLOCK_SIZE, data.length)));
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(chunk.length, 0);
    parts.push(len, chunk);
  }
  return Buffer.concat(parts);
}

export function snappyDecompress(data: Buffer): Buffer {
  if (!isXerialSnappy(data)) return snappyUncompressRaw(data) as Buffer;
  const parts: Buffer[] = [];
  let pos = XERIAL_HEADER_SIZE;
  while (pos < data.length) {
    if (pos + 4 > data.length) throw new CompressionError('truncated xerial snappy block length');
    const len = data.readInt32BE(pos);
    pos += 4;
    if (len < 0 || pos + len > data.length) throw new CompressionError('truncated xerial snappy block');
    parts.push(snappyUncompressRaw(data.subarray(pos, pos + len)) as Buffer);
    pos += len;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** Compresses a records section. `none` returns the input itself (no copy). */
export function compress(codec: CompressionCodec | CompressionName, data: Buffer): Buffer {
  switch (toCodec(codec)) {
    case 0:
      return data;
    case 1:
      return gzipSync(data);
    case 2:
      return snappyCompressXerial(data);
    case 3:
      // Kafka (magic 2) uses the standard LZ4 frame format with independent blocks.
      return lz4().compressFrameSync(data);
    case 4:
      return zstd().compress(data);
  }
}

/** Decompresses a records section; codec errors surface as CompressionError. */
export function decompress(codec: CompressionCodec | CompressionName, data: Buffer): Buffer {
  const id = toCodec(codec);
  if (id === 0) return data;
  try {
    switch (id) {
      case 1:
        return gunzipSync(data);
      case 2:
        return snappyDecompress(data);
      case 3:
        return lz4().decompressFrameSync(data);
      case 4:
        return zstd().decompress(data);
    }
  } catch (err) {
    if (err instanceof CompressionError) throw err;
    throw new CompressionError(`${codecName(id)} decompression failed: ${(err as Error).message}`, { cause: err });
  }
}
