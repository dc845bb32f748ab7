// Message formats v0 and v1 (Kafka's LegacyRecord, magic 0 and 1): read on produce from clients
// older than Kafka 0.11 and up-converted to one RecordBatch v2, written on fetch for consumers
// that cannot read v2 (Fetch v0-3). Only those clients take these paths; the v2 produce and fetch
// paths never come here.
//
// A message set is a sequence of entries: offset int64, size int32, then the message:
//   crc uint32 (CRC-32 over magic..end), magic int8, attributes int8,
//   [timestamp int64: magic 1 only], key bytes (int32 length, -1 null), value bytes (same).
// Attributes: bits 0-2 the codec, bit 3 (magic 1) the timestamp type. A compressed message is a
// wrapper whose value is the compressed message set of its inner messages; in magic 1 inner
// offsets are relative (0..n-1) and the wrapper carries the absolute offset of the last one.
import * as zlib from 'node:zlib';
import {
  ATTRIBUTES,
  COMPRESSION_MASK,
  CONTROL_FLAG,
  HEADER_SIZE,
  LAST_OFFSET_DELTA,
  MAGIC,
  TIMESTAMP_TYPE_MASK,
  batchMaxTimestamp,
  batchSize,
  readInt64,
  writeInt64,
} from './batch-header.js';
import { buildBatch, type RecordInput } from './builder.js';
import { Compression, type CompressionCodec, CompressionError, DecompressionLimitError, compress, decompress, isCompressionCodec } from './compression.js';
import { iterateRecords } from './records.js';
import { RecordFormatError } from './varint.js';

/** offset + size before every message. */
export const LEGACY_LOG_OVERHEAD = 12;
const CRC_AT = 0;
const MAGIC_AT = 4;
const ATTRS_AT = 5;
const TIMESTAMP_AT = 6;
/** crc + magic + attributes + key length + value length. */
const V0_OVERHEAD = 14;
/** V0_OVERHEAD + timestamp. */
const V1_OVERHEAD = 22;
export const NO_TIMESTAMP = -1;

const overheadOf = (magic: number): number => (magic === 0 ? V0_OVERHEAD : V1_OVERHEAD);

// zlib.crc32 arrived in Node 20.15; older 20.x fall back to a table.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
let table: Uint32Array | null = null;
function tableCrc32(data: Uint8Array): number {
  if (table === null) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
/** CRC-32 (IEEE), the checksum of magic 0/1 messages. */
export const crc32: (data: Uint8Array) => number = nativeCrc32 ?? tableCrc32;

export class LegacyFormatError extends RecordFormatError {}

/** One message of a v0/v1 message set; key and value are views of the input. */
export interface LegacyMessage {
  offset: number;
  magic: 0 | 1;
  attributes: number;
  /** NO_TIMESTAMP for magic 0. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
}

/** Whether `buf` starts with a v0/v1 message (the magic byte sits at 16 in both layouts). */
export function isLegacyMessageSet(buf: Buffer): boolean {
  return buf.length > MAGIC && (buf[MAGIC] === 0 || buf[MAGIC] === 1);
}

function readBytesField(buf: Buffer, pos: number, end: number): [Buffer | null, number] {
  if (pos + 4 > end) throw new LegacyFormatError('message truncated in a length field');
  const len = buf.readInt32BE(pos);
  if (len < 0) return [null, pos + 4];
  if (pos + 4 + len > end) throw new LegacyFormatError('message field runs past the message');
  return [buf.subarray(pos + 4, pos + 4 + len), pos + 4 + len];
}

/**
 * The messages of a message set, in order, each checked against its CRC. A trailing partial
 * message is an error: producers never send one.
 */
export function readMessageSet(buf: Buffer): LegacyMessage[] {
  const out: LegacyMessage[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < LEGACY_LOG_OVERHEAD + V0_OVERHEAD) throw new LegacyFormatError(`truncated message: ${buf.length - pos} trailing bytes`);
    const offset = readInt64(buf, pos);
    const size = buf.readInt32BE(pos + 8);
    const at = pos + LEGACY_LOG_OVERHEAD;
    const end = at + size;
    if (size < V0_OVERHEAD || end > buf.length) throw new LegacyFormatError(`message size ${size} out of range`);
    const magic = buf[at + MAGIC_AT]!;
    if (magic !== 0 && magic !== 1) throw new LegacyFormatError(`magic ${magic} in a v0/v1 message set`);
    if (size < overheadOf(magic)) throw new LegacyFormatError(`message size ${size} smaller than its header`);
    if (crc32(buf.subarray(at + MAGIC_AT, end)) !== buf.readUInt32BE(at + CRC_AT)) throw new LegacyFormatError('message CRC mismatch');
    const attributes = buf[at + ATTRS_AT]!;
    const timestamp = magic === 1 ? readInt64(buf, at + TIMESTAMP_AT) : NO_TIMESTAMP;
    const [key, next] = readBytesField(buf, at + overheadOf(magic) - 8, end);
    const [value, last] = readBytesField(buf, next, end);
    if (last !== end) throw new LegacyFormatError('message size does not match its fields');
    out.push({ offset, magic, attributes, timestamp, key, value });
    pos = end;
  }
  return out;
}

export type UpConversion =
  | { ok: true; batch: Buffer; recordCount: number }
  | { ok: false; kind: 'CORRUPT_MESSAGE' | 'INVALID_RECORD' | 'UNSUPPORTED_COMPRESSION_TYPE' | 'MESSAGE_TOO_LARGE'; message: string };

/**
 * Produce v0-2: the message set (v0 or v1, compressed or not) as one RecordBatch v2 of all its
 * records, at offset deltas 0..n-1, ready for the log's ordinary append path (which assigns the
 * offsets and, on LogAppendTime topics, the timestamps). Kafka's LogValidator rules: v0 messages
 * carry no timestamp (-1); v1 messages keep theirs, and the inner messages of a v1 wrapper
 * stamped LogAppendTime take the wrapper's; wrappers inside wrappers are corrupt. The batch is
 * compressed with the codec of the first wrapper (the topic's compression.type applies after).
 */
export function upConvertMessageSet(buf: Buffer, opts: { maxDecompressedBytes: number }): UpConversion {
  const records: RecordInput[] = [];
  let codec: CompressionCodec = Compression.none;
  try {
    for (const m of readMessageSet(buf)) {
      const c = m.attributes & COMPRESSION_MASK;
      if (c === Compression.none) {
        records.push({ key: m.key, value: m.value, timestamp: m.timestamp, offsetDelta: records.length });
        continue;
      }
      if (!isCompressionCodec(c) || c === Compression.zstd) return { ok: false, kind: 'UNSUPPORTED_COMPRESSION_TYPE', message: `codec ${c} is not valid in message format v${m.magic}` };
      if (m.value === null) return { ok: false, kind: 'CORRUPT_MESSAGE', message: 'compressed message without a value' };
      if (codec === Compression.none) codec = c;
      const wrapperLogAppendTime = m.magic === 1 && (m.attributes & TIMESTAMP_TYPE_MASK) !== 0;
      for (const inner of readMessageSet(decompress(c, m.value, opts.maxDecompressedBytes))) {
        if ((inner.attributes & COMPRESSION_MASK) !== 0) return { ok: false, kind: 'CORRUPT_MESSAGE', message: 'Compressed outer record should not have an inner record with a compression attribute set' };
        if (inner.magic !== m.magic) return { ok: false, kind: 'CORRUPT_MESSAGE', message: `inner message magic ${inner.magic} differs from its wrapper's ${m.magic}` };
        const timestamp = wrapperLogAppendTime ? m.timestamp : inner.timestamp;
        records.push({ key: inner.key, value: inner.value, timestamp, offsetDelta: records.length });
      }
    }
  } catch (err) {
    if (err instanceof DecompressionLimitError) return { ok: false, kind: 'MESSAGE_TOO_LARGE', message: err.message };
    if (err instanceof RecordFormatError || err instanceof CompressionError) return { ok: false, kind: 'CORRUPT_MESSAGE', message: err.message };
    throw err;
  }
  if (records.length === 0) return { ok: false, kind: 'INVALID_RECORD', message: 'no messages in the message set' };
  // v0 messages have no timestamp: the batch's base and max timestamps are -1 too.
  const batch = buildBatch(records, { compression: codec, baseTimestamp: records[0]!.timestamp ?? NO_TIMESTAMP });
  return { ok: true, batch, recordCount: records.length };
}

/** A growable output buffer for one down-converted response part. */
class Out {
  buf: Buffer;
  pos = 0;
  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(Math.max(256, capacity));
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

const messageSize = (magic: number, key: Buffer | null, value: Buffer | null): number =>
  overheadOf(magic) + (key?.length ?? 0) + (value?.length ?? 0);

/** Writes one entry (offset, size, message) at out.pos; the caller ensured the room. */
function writeMessage(out: Out, offset: number, magic: number, attributes: number, timestamp: number, key: Buffer | null, value: Buffer | null): void {
  const b = out.buf;
  const start = out.pos;
  const size = messageSize(magic, key, value);
  writeInt64(b, start, offset);
  b.writeInt32BE(size, start + 8);
  const at = start + LEGACY_LOG_OVERHEAD;
  b[at + MAGIC_AT] = magic;
  b[at + ATTRS_AT] = attributes;
  let pos = at + TIMESTAMP_AT;
  if (magic === 1) {
    writeInt64(b, pos, timestamp);
    pos += 8;
  }
  for (const f of [key, value]) {
    if (f === null) {
      b.writeInt32BE(-1, pos);
      pos += 4;
    } else {
      b.writeInt32BE(f.length, pos);
      pos += 4 + f.copy(b, pos + 4);
    }
  }
  b.writeUInt32BE(crc32(b.subarray(at + MAGIC_AT, pos)), at + CRC_AT);
  out.pos = pos;
}

export interface DownConvertOptions {
  /** 0 for Fetch v0-1, 1 for Fetch v2-3. */
  toMagic: 0 | 1;
  /** Records before it (in the first batch read) are left out. */
  fetchOffset: number;
  /** The converted bytes stop at the last whole message that fits. */
  maxBytes: number;
  /**
   * Fetch v3 (KIP-74): the first message is sent whole even when larger than maxBytes. Before v3
   * the limit is hard: a first message larger than it is sent cut at maxBytes, the partial
   * message old consumers answer by fetching with a larger size.
   */
  minOneMessage: boolean;
  /** Bound on what one compressed batch may decompress to. */
  maxDecompressedBytes: number;
}

export type DownConversion =
  | { ok: true; records: Buffer; recordCount: number; /** The offset after the last batch looked at. */ nextOffset: number }
  | { ok: false; kind: 'UNSUPPORTED_COMPRESSION_TYPE' | 'CORRUPT_MESSAGE'; message: string };

/**
 * Fetch v0-3: RecordBatch v2 bytes as read from the log (whole batches, in offset order) as a v0
 * or v1 message set, as Kafka's RecordsUtil.downConvert does: control batches are dropped,
 * headers, producer ids and sequences are lost; an uncompressed batch becomes one message per
 * record, a compressed one a wrapper of the same codec (zstd has no v0/v1 form:
 * UNSUPPORTED_COMPRESSION_TYPE, as Kafka answers; lz4 under magic 0 is written uncompressed,
 * since magic 0's lz4 framing had a broken header checksum that clients special-case). LogAppendTime
 * batches give v1 messages the batch's timestamp and the LogAppendTime attribute. Output is
 * bounded by maxBytes: memory stays within one response part, whatever the log holds.
 */
export function downConvertBatches(src: Buffer, o: DownConvertOptions): DownConversion {
  const out = new Out(Math.min(o.maxBytes, src.length + 1024));
  const magic = o.toMagic;
  let recordCount = 0;
  let nextOffset = o.fetchOffset;
  let full = false;
  // Whether the message of `size` bytes may go next; cuts the first one at a hard limit.
  const admit = (size: number): 'yes' | 'no' | 'partial' => {
    if (out.pos + LEGACY_LOG_OVERHEAD + size <= o.maxBytes) return 'yes';
    if (out.pos > 0) return 'no';
    return o.minOneMessage ? 'yes' : 'partial';
  };
  let pos = 0;
  try {
    while (!full && pos + HEADER_SIZE <= src.length) {
      const size = batchSize(src, pos);
      if (pos + size > src.length) break;
      const attrs = src.readInt16BE(pos + ATTRIBUTES);
      const lastOffset = readInt64(src, pos) + src.readInt32BE(pos + LAST_OFFSET_DELTA);
      if ((attrs & CONTROL_FLAG) !== 0) {
        nextOffset = Math.max(nextOffset, lastOffset + 1);
        pos += size;
        continue;
      }
      const codec = attrs & COMPRESSION_MASK;
      if (codec === Compression.zstd) return { ok: false, kind: 'UNSUPPORTED_COMPRESSION_TYPE', message: 'zstd batches cannot be down-converted to message format v0/v1' };
      const logAppendTime = (attrs & TIMESTAMP_TYPE_MASK) !== 0;
      const tsAttr = magic === 1 && logAppendTime ? TIMESTAMP_TYPE_MASK : 0;
      const batchTs = batchMaxTimestamp(src, pos);
      const wrap = codec !== Compression.none && !(codec === Compression.lz4 && magic === 0);
      if (!wrap) {
        for (const r of iterateRecords(src, pos, o.maxDecompressedBytes)) {
          if (r.offset < o.fetchOffset) continue;
          const ts = magic === 0 ? NO_TIMESTAMP : logAppendTime ? batchTs : r.timestamp;
          const mSize = messageSize(magic, r.key, r.value);
          const fit = admit(mSize);
          if (fit === 'no') {
            full = true;
            break;
          }
          out.ensure(LEGACY_LOG_OVERHEAD + mSize);
          writeMessage(out, r.offset, magic, tsAttr, ts, r.key, r.value);
          if (fit === 'partial') {
            out.pos = o.maxBytes;
            full = true;
            break;
          }
          recordCount++;
          nextOffset = r.offset + 1;
        }
        if (!full) nextOffset = Math.max(nextOffset, lastOffset + 1);
      } else {
        const inner = new Out(size * 2);
        let innerCount = 0;
        let last = -1;
        let maxTs = NO_TIMESTAMP;
        for (const r of iterateRecords(src, pos, o.maxDecompressedBytes)) {
          if (r.offset < o.fetchOffset) continue;
          const ts = magic === 0 ? NO_TIMESTAMP : logAppendTime ? batchTs : r.timestamp;
          if (ts > maxTs) maxTs = ts;
          inner.ensure(LEGACY_LOG_OVERHEAD + messageSize(magic, r.key, r.value));
          // Inner offsets: absolute in magic 0, relative in magic 1 (the wrapper holds the last).
          writeMessage(inner, magic === 0 ? r.offset : innerCount, magic, tsAttr, ts, r.key, r.value);
          innerCount++;
          last = r.offset;
        }
        if (innerCount > 0) {
          const value = compress(codec as CompressionCodec, inner.buf.subarray(0, inner.pos));
          const mSize = messageSize(magic, null, value);
          const fit = admit(mSize);
          if (fit === 'no') break;
          out.ensure(LEGACY_LOG_OVERHEAD + mSize);
          writeMessage(out, last, magic, codec | tsAttr, logAppendTime ? batchTs : maxTs, null, value);
          if (fit === 'partial') {
            out.pos = o.maxBytes;
            break;
          }
          recordCount += innerCount;
        }
        nextOffset = Math.max(nextOffset, lastOffset + 1);
      }
      pos += size;
    }
  } catch (err) {
    if (err instanceof RecordFormatError || err instanceof CompressionError) return { ok: false, kind: 'CORRUPT_MESSAGE', message: err.message };
    throw err;
  }
  return { ok: true, records: out.buf.subarray(0, out.pos), recordCount, nextOffset };
}
