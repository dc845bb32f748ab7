import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_LENGTH,
  CONTROL_FLAG,
  CRC,
  HEADER_SIZE,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORD_COUNT,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_FLAG,
  computeBatchCrc,
  writeInt64,
} from './batch-header.js';
import { type CompressionCodec, type CompressionName, compress, toCodec } from './compression.js';
import { ControlType, type ControlTypeId } from './records.js';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';

export interface RecordInputHeader {
  key: string;
  value: Buffer | string | null;
}

export interface RecordInput {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: readonly RecordInputHeader[];
  /** Defaults to the batch's build time. */
  timestamp?: number;
  /** Offset delta within the batch; defaults to the record's index (compaction keeps gaps). */
  offsetDelta?: number;
}

export const TimestampType = { CreateTime: 0, LogAppendTime: 1 } as const;
export type TimestampTypeId = (typeof TimestampType)[keyof typeof TimestampType];

export interface BuildOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  compression?: CompressionCodec | CompressionName;
  timestampType?: TimestampTypeId;
  /** Defaults to the last record's offset delta; the cleaner keeps a batch's original one. */
  lastOffsetDelta?: number;
  /** Defaults to the first record's timestamp. */
  baseTimestamp?: number;
}

export class BatchBuildError extends Error {}

const toBuf = (v: Buffer | string | null | undefined): Buffer | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? Buffer.from(v, 'utf8') : v;

interface Prepared {
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: Buffer; value: Buffer | null }[];
  tsDelta: number;
  bodySize: number;
  offDelta: number;
}

const bytesSize = (b: Buffer | null): number => (b === null ? 1 : sizeOfVarint(b.length) + b.length);

function writeBytes(buf: Buffer, pos: number, b: Buffer | null): number {
  if (b === null) return writeVarint(buf, pos, -1);
  pos = writeVarint(buf, pos, b.length);
  return pos + b.copy(buf, pos);
}

/** Builds one RecordBatch v2 (magic 2) holding `records` at offsets baseOffset.. in order. */
export function buildBatch(records: readonly RecordInput[], opts: BuildOptions = {}): Buffer {
  if (records.length === 0) throw new BatchBuildError('a batch needs at least one record');
  const now = Date.now();
  const baseTimestamp = opts.baseTimestamp ?? records[0]!.timestamp ?? now;
  let maxTimestamp = -Infinity;
  let sectionSize = 0;
  const prepared: Prepared[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const ts = r.timestamp ?? now;
    if (ts > maxTimestamp) maxTimestamp = ts;
    const key = toBuf(r.key);
    const value = toBuf(r.value);
    const headers = (r.headers ?? []).map((h) => ({ key: Buffer.from(h.key, 'utf8'), value: toBuf(h.value) }));
    const tsDelta = ts - baseTimestamp;
    const offDelta = r.offsetDelta ?? i;
    let bodySize = 1 + sizeOfVarlong(tsDelta) + sizeOfVarint(offDelta) + bytesSize(key) + bytesSize(value);
    bodySize += sizeOfVarint(headers.length);
    for (const h of headers) bodySize += bytesSize(h.key) + bytesSize(h.value);
    prepared[i] = { key, value, headers, tsDelta, bodySize, offDelta };
    sectionSize += sizeOfVarint(bodySize) + bodySize;
  }

  const codec = toCodec(opts.compression ?? 0);
  // Uncompressed: records are written straight into the final buffer, no intermediate copy.
  const out0 = codec === 0 ? Buffer.allocUnsafe(HEADER_SIZE + sectionSize) : Buffer.allocUnsafe(sectionSize);
  let pos = codec === 0 ? HEADER_SIZE : 0;
  for (let i = 0; i < prepared.length; i++) {
    const p = prepared[i]!;
    pos = writeVarint(out0, pos, p.bodySize);
    out0[pos++] = 0;
    pos = writeVarlong(out0, pos, p.tsDelta);
    pos = writeVarint(out0, pos, p.offDelta);
    pos = writeBytes(out0, pos, p.key);
    pos = writeBytes(out0, pos, p.value);
    pos = writeVarint(out0, pos, p.headers.length);
    for (const h of p.headers) {
      pos = writeBytes(out0, pos, h.key);
      pos = writeBytes(out0, pos, h.value);
    }
  }
  let out = out0;
  if (codec !== 0) {
    const compressed = compress(codec, out0);
    out = Buffer.allocUnsafe(HEADER_SIZE + compressed.length);
    compressed.copy(out, HEADER_SIZE);
  }

  let attrs: number = codec;
  if (opts.timestampType === TimestampType.LogAppendTime) attrs |= TIMESTAMP_TYPE_MASK;
  if (opts.transactional) attrs |= TRANSACTIONAL_FLAG;
  if (opts.control) attrs |= CONTROL_FLAG;
  writeHeader(out, {
    baseOffset: opts.baseOffset ?? 0,
    partitionLeaderEpoch: opts.partitionLeaderEpoch ?? -1,
    attrs,
    lastOffsetDelta: opts.lastOffsetDelta ?? prepared[prepared.length - 1]!.offDelta,
    baseTimestamp,
    maxTimestamp,
    producerId: opts.producerId ?? -1,
    producerEpoch: opts.producerEpoch ?? -1,
    baseSequence: opts.baseSequence ?? -1,
    count: records.length,
  });
  return out;
}

interface HeaderFields {
  baseOffset: number;
  partitionLeaderEpoch: number;
  attrs: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  count: number;
}

function writeHeader(out: Buffer, h: HeaderFields): void {
  writeInt64(out, BASE_OFFSET, h.baseOffset);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH);
  out.writeInt32BE(h.partitionLeaderEpoch, PARTITION_LEADER_EPOCH);
  out.writeInt8(2, MAGIC);
  out.writeInt16BE(h.attrs, ATTRIBUTES);
  out.writeInt32BE(h.lastOffsetDelta, LAST_OFFSET_DELTA);
  writeInt64(out, BASE_TIMESTAMP, h.baseTimestamp);
  writeInt64(out, MAX_TIMESTAMP, h.maxTimestamp);
  writeInt64(out, PRODUCER_ID, h.producerId);
  out.writeInt16BE(h.producerEpoch, PRODUCER_EPOCH);
  out.writeInt32BE(h.baseSequence, BASE_SEQUENCE);
  out.writeInt32BE(h.count, RECORD_COUNT);
  out.writeUInt32BE(computeBatchCrc(out, 0), CRC);
}

export interface ControlBatchOptions {
  type: ControlTypeId;
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  timestamp?: number;
}

/** A transaction marker batch: one control record, transactional + control flags, never compressed. */
export function buildControlBatch(o: ControlBatchOptions): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0); // control record key version
  key.writeInt16BE(o.type, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0); // EndTransactionMarker version
  value.writeInt32BE(o.coordinatorEpoch, 2);
  const opts: BuildOptions = {
    producerId: o.producerId,
    producerEpoch: o.producerEpoch,
    transactional: true,
    control: true,
  };
  if (o.baseOffset !== undefined) opts.baseOffset = o.baseOffset;
  if (o.partitionLeaderEpoch !== undefined) opts.partitionLeaderEpoch = o.partitionLeaderEpoch;
  const rec: RecordInput = { key, value };
  if (o.timestamp !== undefined) rec.timestamp = o.timestamp;
  return buildBatch([rec], opts);
}

export { ControlType };
