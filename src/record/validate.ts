import {
  ATTRIBUTES,
  COMPRESSION_MASK,
  CONTROL_FLAG,
  HEADER_SIZE,
  LOG_OVERHEAD,
  MAGIC,
  TRANSACTIONAL_FLAG,
  batchBaseSequence,
  batchLastOffsetDelta,
  batchMaxTimestamp,
  batchProducerEpoch,
  batchProducerId,
  batchRecordCount,
  isBatchCrcValid,
} from './batch-header.js';
import { type CompressionCodec, Compression, isCompressionCodec } from './compression.js';
import { ErrorCode } from '../protocol/errors.js';
import { readVarint, RecordFormatError } from './varint.js';

/** The Kafka errors a produce payload can be rejected with. */
export type ValidationErrorKind = 'CORRUPT_MESSAGE' | 'UNSUPPORTED_FOR_MESSAGE_FORMAT' | 'INVALID_RECORD';

/** What one batch's header says, read once by validation and used by the append that follows. */
export interface BatchFacts {
  /** Start of the batch in the payload. */
  position: number;
  size: number;
  lastOffsetDelta: number;
  maxTimestamp: number;
  isControl: boolean;
}

export interface ProduceSummary {
  ok: true;
  /** Each batch's facts, in payload order. */
  batches: BatchFacts[];
  batchCount: number;
  /** Sum over batches of lastOffsetDelta + 1: the offsets the append will take. */
  recordCount: number;
  /** Highest maxTimestamp of all batches; -1 when there are none. */
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  isTransactional: boolean;
  isControl: boolean;
  /** Codec of the first batch. */
  compression: CompressionCodec;
  /** Start of each batch in the payload. */
  batchPositions: number[];
}

export interface ValidationFailure {
  ok: false;
  kind: ValidationErrorKind;
  errorCode: number;
  message: string;
  /** Position of the offending batch in the payload. */
  position: number;
}

export type ValidationResult = ProduceSummary | ValidationFailure;

const fail = (kind: ValidationErrorKind, message: string, position: number): ValidationFailure => ({
  ok: false,
  kind,
  errorCode: ErrorCode[kind],
  message,
  position,
});

// Legacy message sets (magic 0/1) put offset(8) + size(4) + crc(4) before the magic, so the
// magic byte sits at 16 in both layouts and is safe to read before knowing which one it is.
const MIN_BYTES_FOR_MAGIC = MAGIC + 1;

/**
 * How many records the records section of an uncompressed batch really holds (each starts with
 * its varint length), or -1 when they do not end exactly at the batch's end. Lengths only: no
 * record is decoded. Stops counting past `limit`, so a hostile count costs nothing.
 */
function countRecords(buf: Buffer, start: number, end: number, limit: number): number {
  const c = { pos: start };
  let n = 0;
  try {
    while (c.pos < end) {
      if (n === limit) return -1;
      const len = readVarint(buf, c);
      if (len < 0) return -1;
      c.pos += len;
      n++;
    }
  } catch (err) {
    if (err instanceof RecordFormatError || err instanceof RangeError) return -1;
    throw err;
  }
  return c.pos === end ? n : -1;
}

/**
 * Checks the framing, magic, CRC and offset range of every batch in a produce payload, and for
 * uncompressed batches that the records present match the count the header claims (a header
 * claiming 2^31 records in 70 bytes would move the log end offset by 2^31). Compressed records
 * are not decompressed. An empty payload is accepted with batchCount 0: whether that is an
 * error is the caller's call.
 */
export function validateProducePayload(buf: Buffer): ValidationResult {
  const positions: number[] = [];
  const batches: BatchFacts[] = [];
  let recordCount = 0;
  let maxTimestamp = -1;
  let pos = 0;
  while (pos < buf.length) {
    const remaining = buf.length - pos;
    if (remaining < MIN_BYTES_FOR_MAGIC) return fail('CORRUPT_MESSAGE', `truncated batch: ${remaining} trailing bytes`, pos);
    const magic = buf.readInt8(pos + MAGIC);
    if (magic === 0 || magic === 1)
      return fail('UNSUPPORTED_FOR_MESSAGE_FORMAT', `message format v${magic} is not supported`, pos);
    if (magic !== 2) return fail('CORRUPT_MESSAGE', `unknown magic ${magic}`, pos);
    if (remaining < HEADER_SIZE) return fail('CORRUPT_MESSAGE', 'truncated batch header', pos);
    const batchLength = buf.readInt32BE(pos + 8);
    if (batchLength < HEADER_SIZE - LOG_OVERHEAD)
      return fail('CORRUPT_MESSAGE', `batch length ${batchLength} smaller than a header`, pos);
    const size = batchLength + LOG_OVERHEAD;
    if (size > remaining) return fail('CORRUPT_MESSAGE', `batch of ${size} bytes exceeds the ${remaining} bytes left`, pos);
    if (!isBatchCrcValid(buf, pos)) return fail('CORRUPT_MESSAGE', 'batch CRC mismatch', pos);
    const attrs = buf.readInt16BE(pos + ATTRIBUTES);
    if (!isCompressionCodec(attrs & COMPRESSION_MASK))
      return fail('CORRUPT_MESSAGE', `unknown compression codec ${attrs & COMPRESSION_MASK}`, pos);
    const lastOffsetDelta = batchLastOffsetDelta(buf, pos);
    const count = batchRecordCount(buf, pos);
    // Kafka's LogValidator: "Batch has an invalid offset range" / "Inconsistent batch offset range and record count".
    if (lastOffsetDelta < 0) return fail('INVALID_RECORD', 'batch has an invalid offset range', pos);
    if (count !== lastOffsetDelta + 1)
      return fail('INVALID_RECORD', `record count ${count} inconsistent with lastOffsetDelta ${lastOffsetDelta}`, pos);
    if ((attrs & COMPRESSION_MASK) === Compression.none) {
      const present = countRecords(buf, pos + HEADER_SIZE, pos + size, count);
      if (present !== count) return fail('CORRUPT_MESSAGE', `batch claims ${count} records but ${present < 0 ? 'its records do not fill it' : `holds ${present}`}`, pos);
    }
    positions.push(pos);
    recordCount += count;
    const ts = batchMaxTimestamp(buf, pos);
    if (ts > maxTimestamp) maxTimestamp = ts;
    batches.push({ position: pos, size, lastOffsetDelta, maxTimestamp: ts, isControl: (attrs & CONTROL_FLAG) !== 0 });
    pos += size;
  }
  const first = positions.length > 0 ? positions[0]! : -1;
  const attrs = first >= 0 ? buf.readInt16BE(first + ATTRIBUTES) : 0;
  return {
    ok: true,
    batches,
    batchCount: positions.length,
    recordCount,
    maxTimestamp,
    producerId: first >= 0 ? batchProducerId(buf, first) : -1,
    producerEpoch: first >= 0 ? batchProducerEpoch(buf, first) : -1,
    baseSequence: first >= 0 ? batchBaseSequence(buf, first) : -1,
    isTransactional: (attrs & TRANSACTIONAL_FLAG) !== 0,
    isControl: (attrs & CONTROL_FLAG) !== 0,
    compression: (attrs & COMPRESSION_MASK) as CompressionCodec,
    batchPositions: positions,
  };
}
