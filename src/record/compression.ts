import { createRequire } from 'node:module';
import { constants as bufferConstants } from 'node:buffer';
import * as zlib from 'node:zlib';
import { gunzipSync, gzipSync } from 'node:zlib';

// The native codecs load on first use: most batches are never decompressed by the broker, and
// loading all three costs ~75 ms of startup. createRequire keeps their CommonJS/napi entry points
// out of ESM interop quirks.
const require = createRequire(import.meta.url);

interface Lz4 {
  compressFrameSync(data: Buffer): Buffer;
  /** One LZ4 block behind a 4-byte little-endian output capacity; `dict` is the preceding output for linked blocks. */
  uncompressSync(data: Uint8Array, dict?: Uint8Array): Buffer;
}
interface Snappy {
  compressSync(data: Buffer): Buffer;
  uncompressSync(data: Buffer): Buffer | string;
}
interface Zstd {
  compress(data: Uint8Array, parameters?: { compressionLevel?: number }): Buffer;
}
/** [hint, bytes written to dst, bytes read from src]; hint 0 means a frame ended and was flushed. */
type ZstdStreamResult = [number, number, number];
interface ZstdDCtx {
  decompress(dst: Uint8Array, src: Uint8Array): number;
  decompressStream(dst: Uint8Array, src: Uint8Array): ZstdStreamResult;
  reset(directive: number): void;
}
interface ZstdBinding {
  DCtx: new () => ZstdDCtx;
  ResetDirective: { sessionOnly: number };
  getFrameContentSize(frame: Uint8Array): number | null;
  findFrameCompressedSize(frame: Uint8Array): number;
}

/** zstd in node:zlib (Node 22.15 and later): what zstd falls back to when zstd-napi is missing. */
interface ZlibZstd {
  zstdCompressSync(data: Buffer): Buffer;
  zstdDecompressSync(data: Buffer, options: { maxOutputLength: number }): Buffer;
}

/**
 * A module loaded on first use. One that cannot load (an optional native dependency that did not
 * install or build, or a platform it ships no binary for) fails every use with
 * CodecUnavailableError, and is not looked for again.
 */
function lazyCodec<T>(codec: CompressionName, id: string, disabled = false): () => T {
  let mod: T | undefined;
  let failure: unknown = disabled ? new Error(`${id} is switched off`) : undefined;
  return () => {
    if (mod !== undefined) return mod;
    if (failure === undefined) {
      try {
        return (mod = require(id) as T);
      } catch (err) {
        failure = err;
      }
    }
    throw new CodecUnavailableError(codec, id, failure);
  };
}

// SAMSA_NATIVE_ZSTD=0 leaves zstd-napi unused, as if it had not installed.
const zstdNapiOff = process.env.SAMSA_NATIVE_ZSTD === '0';
const lz4 = lazyCodec<Lz4>('lz4', 'lz4-napi');
const snappy = lazyCodec<Snappy>('snappy', 'snappy');
const zstd = lazyCodec<Zstd>('zstd', 'zstd-napi', zstdNapiOff);
const zstdBinding = lazyCodec<ZstdBinding>('zstd', 'zstd-napi/binding', zstdNapiOff);
const zlibZstd: ZlibZstd | null = typeof (zlib as Partial<ZlibZstd>).zstdCompressSync === 'function' ? (zlib as unknown as ZlibZstd) : null;
let zstdDCtx: ZstdDCtx | null = null;
const snappyCompressRaw = (data: Buffer): Buffer => snappy().compressSync(data);

/** Codec ids as stored in the low 3 bits of the batch attributes (Kafka's CompressionType). */
export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionName = keyof typeof Compression;
export type CompressionCodec = (typeof Compression)[CompressionName];

const NAMES: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export class CompressionError extends Error {}

/**
 * A codec whose library is not installed here. The broker answers it with Kafka's
 * UNSUPPORTED_COMPRESSION_TYPE where it has to decode or encode that codec; batches it only
 * stores and serves are never decoded and need no codec.
 */
export class CodecUnavailableError extends CompressionError {
  constructor(
    readonly codec: CompressionName,
    readonly library: string,
    cause: unknown,
  ) {
    super(`${codec} is not available: ${library} is not installed or did not build for this platform`, { cause });
  }
}

/** Whether a codec can be used here (loading its library now if needed). */
export function codecAvailable(codec: CompressionName): boolean {
  try {
    if (codec === 'snappy') snappy();
    else if (codec === 'lz4') lz4();
    else if (codec === 'zstd' && !zlibZstd) zstd();
    return true;
  } catch (err) {
    if (err instanceof CodecUnavailableError) return false;
    throw err;
  }
}

/**
 * A records section that would decompress to more than the caller allowed. Raised before the
 * output passes the bound by more than one codec block, so what a decompression bomb costs in
 * memory follows the bound, not what the bomb would inflate to.
 */
export class DecompressionLimitError extends CompressionError {
  constructor(
    readonly codec: CompressionName,
    readonly limit: number,
    detail = `decompresses to more than ${limit} bytes`,
  ) {
    super(`${codec} records section ${detail}`);
  }
}

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

// A raw snappy block starts with its uncompressed length (varint32), and the decoder checks the
// output against it: refusing a block by its header bounds snappy without decoding anything.
function snappyDeclaredLength(block: Buffer): number {
  let n = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const b = block[i]!;
    n += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return n;
  }
  throw new CompressionError('snappy block has no valid length header');
}

function snappyBlock(block: Buffer, room: number, limit: number): Buffer {
  const declared = snappyDeclaredLength(block);
  if (declared > room) throw new DecompressionLimitError('snappy', limit);
  return snappy().uncompressSync(block) as Buffer;
}

/** Decompresses raw or xerial-framed snappy; with `maxBytes`, refuses output beyond it. */
export function snappyDecompress(data: Buffer, maxBytes = Number.POSITIVE_INFINITY): Buffer {
  if (!isXerialSnappy(data)) return snappyBlock(data, maxBytes, maxBytes);
  const parts: Buffer[] = [];
  let total = 0;
  let pos = XERIAL_HEADER_SIZE;
  while (pos < data.length) {
    if (pos + 4 > data.length) throw new CompressionError('truncated xerial snappy block length');
    const len = data.readInt32BE(pos);
    pos += 4;
    if (len < 0 || pos + len > data.length) throw new CompressionError('truncated xerial snappy block');
    const part = snappyBlock(data.subarray(pos, pos + len), maxBytes - total, maxBytes);
    total += part.length;
    parts.push(part);
    pos += len;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
}

/** zlib stops inflating once the output would pass maxOutputLength, as for gzip. */
function zlibZstdDecompressBounded(z: ZlibZstd, data: Buffer, limit: number): Buffer {
  try {
    return z.zstdDecompressSync(data, { maxOutputLength: Math.max(1, Math.min(limit, bufferConstants.MAX_LENGTH)) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' && limit < bufferConstants.MAX_LENGTH) {
      throw new DecompressionLimitError('zstd', limit);
    }
    throw err;
  }
}

function zstdCompress(data: Buffer): Buffer {
  try {
    return zstd().compress(data);
  } catch (err) {
    if (err instanceof CodecUnavailableError && zlibZstd) return zlibZstd.zstdCompressSync(data);
    throw err;
  }
}

function gunzipBounded(data: Buffer, limit: number): Buffer {
  try {
    // zlib inflates in chunks and stops once the output would pass maxOutputLength.
    return gunzipSync(data, { maxOutputLength: Math.max(1, Math.min(limit, bufferConstants.MAX_LENGTH)) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' && limit < bufferConstants.MAX_LENGTH) {
      throw new DecompressionLimitError('gzip', limit);
    }
    throw err;
  }
}

const LZ4_FRAME_MAGIC = 0x184d2204;
const LZ4_SKIPPABLE_MASK = 0xfffffff0;
const LZ4_SKIPPABLE_MAGIC = 0x184d2a50;
/** Block maximum size by the BD byte's 3-bit id (4 → 64 KiB … 7 → 4 MiB); lower ids are invalid. */
const LZ4_BLOCK_MAX = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20] as const;
/** How far back a linked block may copy from: the previous 64 KiB of the frame's output. */
const LZ4_WINDOW = 64 << 10;
const LZ4_UNCOMPRESSED_BLOCK = 0x80000000;

function lz4Truncated(): CompressionError {
  return new CompressionError('lz4 frame truncated');
}

/**
 * Decodes one LZ4 block into at most `room` bytes. The block decoder stops at the capacity it
 * is given (4-byte prefix) instead of growing its output, which is what bounds LZ4.
 */
function lz4Block(block: Buffer, room: number, dict: Buffer | null): Buffer | null {
  const input = Buffer.allocUnsafe(4 + block.length);
  input.writeUInt32LE(room, 0);
  block.copy(input, 4);
  try {
    return dict ? lz4().uncompressSync(input, dict) : lz4().uncompressSync(input);
  } catch (err) {
    if (/too small/i.test((err as Error).message)) return null;
    throw err;
  }
}

/**
 * LZ4 frames (one or more, skippable frames skipped) decoded block by block: a frame's header
 * gives the largest block, and each block is decoded into no more than what is left of the
 * bound. Linked blocks get the previous 64 KiB as dictionary, as the frame format defines.
 * Block and content checksums are not verified: the batch CRC32C already covers every byte.
 */
function lz4DecompressBounded(data: Buffer, limit: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  let pos = 0;
  while (pos < data.length) {
    if (pos + 4 > data.length) throw lz4Truncated();
    const magic = data.readUInt32LE(pos);
    if ((magic & LZ4_SKIPPABLE_MASK) >>> 0 === LZ4_SKIPPABLE_MAGIC) {
      if (pos + 8 > data.length) throw lz4Truncated();
      pos += 8 + data.readUInt32LE(pos + 4);
      if (pos > data.length) throw lz4Truncated();
      continue;
    }
    if (magic !== LZ4_FRAME_MAGIC) throw new CompressionError('not an LZ4 frame (bad magic)');
    if (pos + 7 > data.length) throw lz4Truncated();
    const flg = data[pos + 4]!;
    const bd = data[pos + 5]!;
    pos += 6;
    if (flg >> 6 !== 1) throw new CompressionError(`unsupported LZ4 frame version ${flg >> 6}`);
    if ((flg & 0x01) !== 0) throw new CompressionError('LZ4 frames with a dictionary id are not supported');
    const blockMax = LZ4_BLOCK_MAX[(bd >> 4) & 7]!;
    if (blockMax === 0 || (bd & 0x8f) !== 0 || (flg & 0x02) !== 0) throw new CompressionError('invalid LZ4 frame descriptor');
    const linked = (flg & 0x20) === 0;
    const blockChecksum = (flg & 0x10) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    let declared = Number.POSITIVE_INFINITY;
    if ((flg & 0x08) !== 0) {
      if (pos + 9 > data.length) throw lz4Truncated();
      declared = Number(data.readBigUInt64LE(pos));
      pos += 8;
      if (total + declared > limit) throw new DecompressionLimitError('lz4', limit, `declares ${declared} bytes, more than ${limit - total} allowed`);
    }
    pos += 1; // header checksum
    const frameStart = total;
    let window: Buffer | null = null;
    for (;;) {
      if (pos + 4 > data.length) throw lz4Truncated();
      const word = data.readUInt32LE(pos);
      pos += 4;
      if (word === 0) break;
      const size = (word & ~LZ4_UNCOMPRESSED_BLOCK) >>> 0;
      if (size > blockMax) throw new CompressionError(`LZ4 block of ${size} bytes exceeds the frame's ${blockMax}`);
      if (pos + size + (blockChecksum ? 4 : 0) > data.length) throw lz4Truncated();
      const block = data.subarray(pos, pos + size);
      pos += size + (blockChecksum ? 4 : 0);
      let out: Buffer;
      if ((word & LZ4_UNCOMPRESSED_BLOCK) !== 0) {
        out = block;
      } else {
        const frameRoom = declared - (total - frameStart);
        const limitRoom = limit - total;
        const room = Math.min(blockMax, frameRoom, limitRoom);
        const decoded = lz4Block(block, room, linked ? window : null);
        if (decoded === null) {
          if (limitRoom < Math.min(blockMax, frameRoom)) throw new DecompressionLimitError('lz4', limit);
          throw new CompressionError('LZ4 block decodes to more than its frame allows');
        }
        out = decoded;
      }
      if (total - frameStart + out.length > declared) throw new CompressionError('LZ4 frame holds more than it declares');
      total += out.length;
      if (total > limit) throw new DecompressionLimitError('lz4', limit);
      parts.push(out);
      if (linked) window = (window ? Buffer.concat([window, out]) : out).subarray(-LZ4_WINDOW);
    }
    if (contentChecksum) {
      if (pos + 4 > data.length) throw lz4Truncated();
      pos += 4;
    }
    if (declared !== Number.POSITIVE_INFINITY && total - frameStart !== declared) {
      throw new CompressionError(`LZ4 frame declares ${declared} bytes but holds ${total - frameStart}`);
    }
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
}

/** Output chunk of streaming zstd decompression (ZSTD_DStreamOutSize: one full block). */
const ZSTD_OUT_CHUNK = 128 << 10;

/**
 * zstd frames may declare their content size, and the decoder holds a frame to it: when every
 * frame does, the declared total is checked against the bound and decoded in one call into a
 * buffer of exactly that size. Otherwise the frames are streamed in one-block chunks and the
 * stream is abandoned as soon as the output passes the bound. One decoder context is reused
 * (everything runs on the event loop), reset first because an abandoned frame leaves it mid-stream.
 */
function zstdDecompressBounded(data: Buffer, limit: number): Buffer {
  let zb: ZstdBinding;
  try {
    zb = zstdBinding();
  } catch (err) {
    if (err instanceof CodecUnavailableError && zlibZstd) return zlibZstdDecompressBounded(zlibZstd, data, limit);
    throw err;
  }
  const dctx = (zstdDCtx ??= new zb.DCtx());
  dctx.reset(zb.ResetDirective.sessionOnly);
  let declared: number | null = 0;
  for (let rest = data; rest.length > 0; ) {
    const size = zb.getFrameContentSize(rest);
    if (size === null) {
      declared = null;
      break;
    }
    declared += size;
    if (declared > limit) throw new DecompressionLimitError('zstd', limit, `declares ${declared} bytes, more than ${limit} allowed`);
    const frameLen = zb.findFrameCompressedSize(rest);
    if (!(frameLen > 0)) throw new CompressionError('zstd frame of no length');
    rest = rest.subarray(frameLen);
  }
  if (declared !== null) {
    const out = Buffer.allocUnsafe(declared);
    const n = dctx.decompress(out, data);
    if (n !== declared) throw new CompressionError(`zstd frames declare ${declared} bytes but hold ${n}`);
    return out;
  }
  const parts: Buffer[] = [];
  let total = 0;
  let src = data;
  for (;;) {
    // One byte past the bound is enough to know it was passed.
    const dst = Buffer.allocUnsafe(Math.max(1, Math.min(ZSTD_OUT_CHUNK, limit - total + 1)));
    const [hint, produced, consumed] = dctx.decompressStream(dst, src);
    src = src.subarray(consumed);
    if (produced > 0) {
      total += produced;
      if (total > limit) throw new DecompressionLimitError('zstd', limit);
      parts.push(dst.subarray(0, produced));
    }
    if (hint === 0 && src.length === 0) break;
    if (src.length === 0 && produced < dst.length) throw new CompressionError('zstd frame truncated');
    if (produced === 0 && consumed === 0) throw new CompressionError('zstd decoder made no progress');
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
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
      return zstdCompress(data);
  }
}

/**
 * Decompresses a records section; codec errors surface as CompressionError. With `maxBytes`, no
 * more than about that much is ever decoded: output beyond it raises DecompressionLimitError.
 * `none` returns the input itself, whatever its size.
 */
export function decompress(codec: CompressionCodec | CompressionName, data: Buffer, maxBytes = Number.POSITIVE_INFINITY): Buffer {
  const id = toCodec(codec);
  if (id === 0) return data;
  const limit = Math.max(0, maxBytes);
  let out: Buffer;
  try {
    switch (id) {
      case 1:
        out = gunzipBounded(data, limit);
        break;
      case 2:
        out = snappyDecompress(data, limit);
        break;
      case 3:
        out = lz4DecompressBounded(data, limit);
        break;
      case 4:
        out = zstdDecompressBounded(data, limit);
        break;
    }
  } catch (err) {
    if (err instanceof CompressionError) throw err;
    throw new CompressionError(`${codecName(id)} decompression failed: ${(err as Error).message}`, { cause: err });
  }
  // gzip's bound is zlib's, which cannot be below one byte.
  if (out.length > limit) throw new DecompressionLimitError(codecName(id), limit);
  return out;
}
