import {
  ATTRIBUTES,
  COMPRESSION_MASK,
  CONTROL_FLAG,
  HEADER_SIZE,
  MAGIC,
  batchBaseOffset,
  batchBaseTimestamp,
  batchRecordCount,
  batchSize,
} from './batch-header.js';
import { DecompressionLimitError, decompress, isCompressionCodec } from './compression.js';
import { type Cursor, RecordFormatError, readVarint, readVarlong } from './varint.js';

export { DecompressionLimitError, RecordFormatError };

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface BatchRecord {
  offset: number;
  timestamp: number;
  /** View into the batch (or into the decompressed records section); null for a null key. */
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/**
 * The records section of the batch at `at`, decompressed if needed. Uncompressed batches yield a
 * view into `batch`, not a copy. `maxDecompressedBytes` bounds what a compressed section may
 * decompress to (DecompressionLimitError beyond it): callers decoding batches they did not build
 * pass the bound they can afford.
 */
export function batchRecordsSection(batch: Buffer, at = 0, maxDecompressedBytes = Number.POSITIVE_INFINITY): Buffer {
  if (batch.length < at + HEADER_SIZE) throw new RecordFormatError('buffer shorter than a batch header');
  const magic = batch.readInt8(at + MAGIC);
  if (magic !== 2) throw new RecordFormatError(`unsupported magic ${magic}`);
  const end = at + batchSize(batch, at);
  if (end > batch.length || end < at + HEADER_SIZE) throw new RecordFormatError('batch length out of range');
  const codec = batch.readInt16BE(at + ATTRIBUTES) & COMPRESSION_MASK;
  if (!isCompressionCodec(codec)) throw new RecordFormatError(`unknown compression codec ${codec}`);
  const raw = batch.subarray(at + HEADER_SIZE, end);
  return codec === 0 ? raw : decompress(codec, raw, maxDecompressedBytes);
}

/**
 * How large a decompressed records section may be under `maxMessageBytes`: the batch must fit
 * when it is stored (or rebuilt) uncompressed, so the section counts against max.message.bytes.
 */
export function maxRecordsSectionBytes(maxMessageBytes: number): number {
  return Math.max(0, maxMessageBytes - HEADER_SIZE);
}

function readBytes(buf: Buffer, c: Cursor, end: number): Buffer | null {
  const len = readVarint(buf, c);
  if (len < 0) return null;
  const start = c.pos;
  if (start + len > end) throw new RecordFormatError('record field runs past the record');
  c.pos = start + len;
  return buf.subarray(start, start + len);
}

function readRecord(buf: Buffer, c: Cursor, baseOffset: number, baseTimestamp: number): BatchRecord {
  const length = readVarint(buf, c);
  const end = c.pos + length;
  if (length < 0 || end > buf.length) throw new RecordFormatError('record runs past the records section');
  c.pos++; // record attributes: unused in v2
  const timestamp = baseTimestamp + readVarlong(buf, c);
  const offset = baseOffset + readVarint(buf, c);
  const key = readBytes(buf, c, end);
  const value = readBytes(buf, c, end);
  const headerCount = readVarint(buf, c);
  if (headerCount < 0) throw new RecordFormatError('negative header count');
  const headers: RecordHeader[] = [];
  for (let i = 0; i < headerCount; i++) {
    const hk = readBytes(buf, c, end);
    if (hk === null) throw new RecordFormatError('null header key');
    headers.push({ key: hk.toString('utf8'), value: readBytes(buf, c, end) });
  }
  if (c.pos !== end) throw new RecordFormatError('record length does not match its fields');
  return { offset, timestamp, key, value, headers };
}

/** Iterates the records of the batch at `at`, decompressing once up front if the batch is compressed. */
export function* iterateRecords(batch: Buffer, at = 0, maxDecompressedBytes = Number.POSITIVE_INFINITY): Generator<BatchRecord, void, undefined> {
  const section = batchRecordsSection(batch, at, maxDecompressedBytes);
  const count = batchRecordCount(batch, at);
  const baseOffset = batchBaseOffset(batch, at);
  const baseTimestamp = batchBaseTimestamp(batch, at);
  const c: Cursor = { pos: 0 };
  for (let i = 0; i < count; i++) yield readRecord(section, c, baseOffset, baseTimestamp);
  if (c.pos !== section.length) throw new RecordFormatError('trailing bytes after the last record');
}

/** Same as iterateRecords, collected; cheaper than a generator when every record is wanted. */
export function readRecords(batch: Buffer, at = 0, maxDecompressedBytes = Number.POSITIVE_INFINITY): BatchRecord[] {
  const section = batchRecordsSection(batch, at, maxDecompressedBytes);
  const count = batchRecordCount(batch, at);
  // Every record takes at least 7 bytes, which bounds the count before we allocate for it.
  if (count < 0 || count * 7 > section.length) throw new RecordFormatError(`implausible record count ${count}`);
  const baseOffset = batchBaseOffset(batch, at);
  const baseTimestamp = batchBaseTimestamp(batch, at);
  const c: Cursor = { pos: 0 };
  const out = new Array<BatchRecord>(count);
  for (let i = 0; i < count; i++) out[i] = readRecord(section, c, baseOffset, baseTimestamp);
  if (c.pos !== section.length) throw new RecordFormatError('trailing bytes after the last record');
  return out;
}

export const isControlBatch = (batch: Buffer, at = 0): boolean =>
  (batch.readInt16BE(at + ATTRIBUTES) & CONTROL_FLAG) !== 0;

export const ControlType = { ABORT: 0, COMMIT: 1 } as const;
export type ControlTypeId = (typeof ControlType)[keyof typeof ControlType];

export interface ControlRecord {
  version: number;
  /** 0 = ABORT, 1 = COMMIT; other values are types this broker does not know (kept, not rejected). */
  type: number;
  /** Present for transaction markers (value = version int16 + coordinatorEpoch int32). */
  coordinatorEpoch: number | null;
}

/** Parses the key (and value, for markers) of a record in a control batch. */
export function parseControlRecord(key: Buffer | null, value: Buffer | null = null): ControlRecord {
  if (key === null || key.length < 4) throw new RecordFormatError('control record key shorter than 4 bytes');
  const version = key.readInt16BE(0);
  const type = key.readInt16BE(2);
  let coordinatorEpoch: number | null = null;
  if (value !== null && value.length >= 6) coordinatorEpoch = value.readInt32BE(2);
  else if (type === ControlType.ABORT || type === ControlType.COMMIT)
    throw new RecordFormatError('transaction marker value shorter than 6 bytes');
  return { version, type, coordinatorEpoch };
}
