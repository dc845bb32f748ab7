import { crc32c } from './crc32c.js';

/**
 * RecordBatch v2 header layout (Kafka's DefaultRecordBatch). All positions are relative to the
 * start of the batch. The CRC covers everything from ATTRIBUTES to the end of the batch.
 */
export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORD_COUNT = 57;
export const RECORDS = 61;
/** Bytes before batchLength starts counting: baseOffset + batchLength itself. */
export const LOG_OVERHEAD = 12;
export const HEADER_SIZE = RECORDS;

export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_FLAG = 0x10;
export const CONTROL_FLAG = 0x20;

/** Reads an int64 as a JS number; offsets and timestamps stay far below 2^53. */
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 0x1_0000_0000 + buf.readUInt32BE(pos + 4);
}

export function writeInt64(buf: Buffer, pos: number, value: number): void {
  const hi = Math.floor(value / 0x1_0000_0000);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(value - hi * 0x1_0000_0000, pos + 4);
}

export const batchBaseOffset = (b: Buffer, at = 0): number => readInt64(b, at + BASE_OFFSET);
/** Total size of the batch on the wire and on disk. */
export const batchSize = (b: Buffer, at = 0): number => b.readInt32BE(at + BATCH_LENGTH) + LOG_OVERHEAD;
export const batchMagic = (b: Buffer, at = 0): number => b.readInt8(at + MAGIC);
export const batchLastOffsetDelta = (b: Buffer, at = 0): number => b.readInt32BE(at + LAST_OFFSET_DELTA);
export const batchLastOffset = (b: Buffer, at = 0): number => batchBaseOffset(b, at) + batchLastOffsetDelta(b, at);
export const batchAttributes = (b: Buffer, at = 0): number => b.readInt16BE(at + ATTRIBUTES);
export const batchBaseTimestamp = (b: Buffer, at = 0): number => readInt64(b, at + BASE_TIMESTAMP);
export const batchMaxTimestamp = (b: Buffer, at = 0): number => readInt64(b, at + MAX_TIMESTAMP);
export const batchLeaderEpoch = (b: Buffer, at = 0): number => b.readInt32BE(at + PARTITION_LEADER_EPOCH);
export const batchRecordCount = (b: Buffer, at = 0): number => b.readInt32BE(at + RECORD_COUNT);
export const batchProducerId = (b: Buffer, at = 0): number => readInt64(b, at + PRODUCER_ID);
export const batchProducerEpoch = (b: Buffer, at = 0): number => b.readInt16BE(at + PRODUCER_EPOCH);
export const batchBaseSequence = (b: Buffer, at = 0): number => b.readInt32BE(at + BASE_SEQUENCE);
export const batchStoredCrc = (b: Buffer, at = 0): number => b.readUInt32BE(at + CRC);

/** CRC32C over attributes..end, as stored in the header. */
export function computeBatchCrc(b: Buffer, at = 0): number {
  return crc32c(b.subarray(at + ATTRIBUTES, at + batchSize(b, at)));
}

export function isBatchCrcValid(b: Buffer, at = 0): boolean {
  return computeBatchCrc(b, at) === batchStoredCrc(b, at);
}

/** Patching the base offset does not touch the CRC: baseOffset lies outside the checksummed range. */
export function setBatchBaseOffset(b: Buffer, offset: number, at = 0): void {
  writeInt64(b, at + BASE_OFFSET, offset);
}

/** The partition leader epoch is also outside the CRC range. */
export function setBatchLeaderEpoch(b: Buffer, epoch: number, at = 0): void {
  b.writeInt32BE(epoch, at + PARTITION_LEADER_EPOCH);
}

/** Max timestamp lies inside the CRC range: the CRC is recomputed. */
export function setBatchMaxTimestamp(b: Buffer, ts: number, at = 0): void {
  writeInt64(b, at + MAX_TIMESTAMP, ts);
  b.writeUInt32BE(computeBatchCrc(b, at), at + CRC);
}
