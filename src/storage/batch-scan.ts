import {
  ATTRIBUTES,
  BASE_TIMESTAMP,
  COMPRESSION_MASK,
  CRC,
  HEADER_SIZE,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  RECORD_COUNT,
  RECORDS,
  TIMESTAMP_TYPE_MASK,
  computeBatchCrc,
  readInt64,
} from '../record/batch-header.js';
import type { FileSystem } from './fs.js';
import { readFully } from './fs.js';

/** What storage needs to know about a batch, read from its header only. */
export interface BatchInfo {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  leaderEpoch: number;
}

/**
 * Reads the header of the batch at `position`; null if fewer than a header's bytes remain or the
 * length field is impossible. Used by read paths that trust the file (recovery has validated it).
 */
export function readBatchHeader(fs: FileSystem, fd: number, position: number, end: number, scratch: Buffer): BatchInfo | null {
  if (position + HEADER_SIZE > end) return null;
  const n = readFully(fs, fd, scratch, 0, HEADER_SIZE, position);
  if (n < HEADER_SIZE) return null;
  return headerAt(scratch, 0, position);
}

export function headerAt(buf: Buffer, at: number, position: number): BatchInfo {
  const baseOffset = readInt64(buf, at);
  return {
    position,
    size: buf.readInt32BE(at + 8) + LOG_OVERHEAD,
    baseOffset,
    lastOffset: baseOffset + buf.readInt32BE(at + LAST_OFFSET_DELTA),
    maxTimestamp: readInt64(buf, at + MAX_TIMESTAMP),
    leaderEpoch: buf.readInt32BE(at + PARTITION_LEADER_EPOCH),
  };
}

/**
 * The largest distance from a segment's base offset that the offset index can hold: entries
 * store it as an int32 (Kafka's `offset - baseOffset <= Int.MaxValue`).
 */
export const MAX_RELATIVE_OFFSET = 0x7fff_ffff;
/**
 * The largest offset storage accepts. Kafka's limit is Long.MAX_VALUE; offsets are JS numbers
 * here, exact up to 2^53, and nothing beyond that can be stored or compared reliably.
 */
export const MAX_OFFSET = Number.MAX_SAFE_INTEGER;

/**
 * Whether a batch's offsets can live in the segment with base offset `segmentBase`: not below
 * the base, last not before first, within the offset limit, and indexable (relative offset fits
 * the index's int32).
 */
export function offsetsFitSegment(baseOffset: number, lastOffset: number, segmentBase: number): boolean {
  return (
    baseOffset >= segmentBase &&
    lastOffset >= baseOffset &&
    lastOffset <= MAX_OFFSET &&
    lastOffset - segmentBase <= MAX_RELATIVE_OFFSET
  );
}

/**
 * Walks a segment file batch by batch from `start`, validating length, magic, offsets (see
 * offsetsFitSegment; `segmentBase` is the segment's base offset, and offsets must increase) and
 * CRC, and calls `onBatch` for each valid one. Returns the position of the first invalid byte
 * (= valid end). Reads in chunks of up to 1 MiB; a larger batch gets its own buffer.
 */
export function scanValidBatches(
  fs: FileSystem,
  fd: number,
  start: number,
  fileSize: number,
  segmentBase: number,
  onBatch: (b: BatchInfo) => void,
): number {
  const chunk = Buffer.allocUnsafe(Math.max(LOG_OVERHEAD, Math.min(1 << 20, fileSize - start)));
  let pos = start;
  let prevLast = segmentBase - 1;
  while (pos < fileSize) {
    const want = Math.min(chunk.length, fileSize - pos);
    const got = readFully(fs, fd, chunk, 0, want, pos);
    let at = 0;
    let progressed = false;
    while (at + LOG_OVERHEAD <= got) {
      const size = chunk.readInt32BE(at + 8) + LOG_OVERHEAD;
      if (size < HEADER_SIZE || pos + at + size > fileSize) return pos + at;
      let buf = chunk;
      let bat = at;
      if (at + size > got) {
        if (at > 0) break; // re-read from this batch at the chunk start
        buf = Buffer.allocUnsafe(size);
        if (readFully(fs, fd, buf, 0, size, pos) < size) return pos;
        bat = 0;
      }
      if (buf.readInt8(bat + MAGIC) !== 2) return pos + at;
      // Impossible offsets end the valid part before the CRC is even computed: garbage that
      // passed would set the log end offset to anything, or overflow the index on the next append.
      const info = headerAt(buf, bat, pos + at);
      if (info.baseOffset <= prevLast || !offsetsFitSegment(info.baseOffset, info.lastOffset, segmentBase)) return pos + at;
      if (computeBatchCrc(buf, bat) !== buf.readUInt32BE(bat + CRC)) return pos + at;
      prevLast = info.lastOffset;
      onBatch(info);
      at += size;
      progressed = true;
      if (buf !== chunk) break;
    }
    if (!progressed && at === 0) return pos; // fewer than LOG_OVERHEAD bytes left
    pos += at;
  }
  return pos;
}

function readVarint(buf: Buffer, state: { pos: number }): number {
  // zig-zag varlong; JS numbers are exact up to 2^53, more than timestamp deltas need
  let result = 0;
  let mul = 1;
  for (;;) {
    const b = buf[state.pos++];
    if (b === undefined) throw new Error('truncated varint');
    result += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) break;
    mul *= 128;
  }
  return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
}

/**
 * First record of an uncompressed batch with offset >= minOffset and timestamp >= target.
 * Compressed batches are not decompressed here: the answer is the batch's first offset >=
 * minOffset with the batch max timestamp (batch granularity; documented difference from Kafka).
 */
export function findRecordAtOrAfter(
  batch: Buffer,
  minOffset: number,
  targetTs: number,
): { offset: number; timestamp: number } | null {
  const base = readInt64(batch, 0);
  const attrs = batch.readInt16BE(ATTRIBUTES);
  const maxTs = readInt64(batch, MAX_TIMESTAMP);
  const lastOffset = base + batch.readInt32BE(LAST_OFFSET_DELTA);
  if ((attrs & COMPRESSION_MASK) !== 0 || (attrs & TIMESTAMP_TYPE_MASK) !== 0) {
    if (maxTs < targetTs || lastOffset < minOffset) return null;
    return { offset: Math.max(base, minOffset), timestamp: maxTs };
  }
  const baseTs = readInt64(batch, BASE_TIMESTAMP);
  const count = batch.readInt32BE(RECORD_COUNT);
  const st = { pos: RECORDS };
  for (let i = 0; i < count; i++) {
    const len = readVarint(batch, st);
    const next = st.pos + len;
    st.pos++; // attributes
    const ts = baseTs + readVarint(batch, st);
    const offset = base + readVarint(batch, st);
    if (offset >= minOffset && ts >= targetTs) return { offset, timestamp: ts };
    st.pos = next;
  }
  return null;
}

/** Offset and timestamp of the record with the largest timestamp in the batch (first one on ties). */
export function maxTimestampRecord(batch: Buffer): { offset: number; timestamp: number } {
  const base = readInt64(batch, 0);
  const attrs = batch.readInt16BE(ATTRIBUTES);
  const maxTs = readInt64(batch, MAX_TIMESTAMP);
  const lastOffset = base + batch.readInt32BE(LAST_OFFSET_DELTA);
  if ((attrs & COMPRESSION_MASK) !== 0) return { offset: lastOffset, timestamp: maxTs };
  if ((attrs & TIMESTAMP_TYPE_MASK) !== 0) return { offset: base, timestamp: maxTs };
  const baseTs = readInt64(batch, BASE_TIMESTAMP);
  const count = batch.readInt32BE(RECORD_COUNT);
  const st = { pos: RECORDS };
  let best = { offset: lastOffset, timestamp: -1 };
  for (let i = 0; i < count; i++) {
    const len = readVarint(batch, st);
    const next = st.pos + len;
    st.pos++;
    const ts = baseTs + readVarint(batch, st);
    const offset = base + readVarint(batch, st);
    if (ts > best.timestamp) best = { offset, timestamp: ts };
    st.pos = next;
  }
  return best;
}
