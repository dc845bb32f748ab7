/**
 * Kafka's record formats for __transaction_state (TransactionLogKey v0, TransactionLogValue
 * v0-1, from kafka-protocol/internal/), so tools that read the topic directly understand Samsa's.
 * Keys and values start with an int16 version; a null value is a tombstone (the transactional id
 * expired). Values are written in version 0, as Kafka 3.x writes them.
 */
import { compileStruct } from '../protocol/codec.js';
import { Reader } from '../protocol/reader.js';
import { f } from '../protocol/schema.js';
import { Writer } from '../protocol/writer.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

const TransactionLogKey = {
  transactionalId: f.string('0'),
};

const TransactionLogValue = {
  producerId: f.int64('0+'),
  previousProducerId: f.int64('1+', { tagged: '1+', tag: 0, default: -1 }),
  nextProducerId: f.int64('1+', { tagged: '1+', tag: 1, default: -1 }),
  producerEpoch: f.int16('0+'),
  transactionTimeoutMs: f.int32('0+'),
  transactionStatus: f.int8('0+'),
  transactionPartitions: f.structs('0+', 'PartitionsSchema', {
    topic: f.string('0+'),
    partitionIds: f.array('0+', 'int32'),
  }, { nullable: '0+' }),
  transactionLastUpdateTimestampMs: f.int64('0+'),
  transactionStartTimestampMs: f.int64('0+'),
  clientTransactionVersion: f.int16('1+', { tagged: '1+', tag: 2, default: 0 }),
};

export interface TransactionLogValueData {
  producerId: number;
  previousProducerId: number;
  nextProducerId: number;
  producerEpoch: number;
  transactionTimeoutMs: number;
  transactionStatus: number;
  transactionPartitions: Array<{ topic: string; partitionIds: number[] }> | null;
  transactionLastUpdateTimestampMs: number;
  transactionStartTimestampMs: number;
  clientTransactionVersion: number;
}

const VALUE_VERSION = 0;

export function transactionLogKey(transactionalId: string): Buffer {
  const w = new Writer(64);
  w.int16(0);
  compileStruct(TransactionLogKey, 0, false).encode(w, { transactionalId });
  return Buffer.from(w.finish());
}

export function transactionLogValue(v: TransactionLogValueData): Buffer {
  const w = new Writer(128);
  w.int16(VALUE_VERSION);
  compileStruct(TransactionLogValue, VALUE_VERSION, false).encode(w, v);
  return Buffer.from(w.finish());
}

/** The transactional id of a key; null for a key of a version this broker does not know. */
export function decodeTransactionLogKey(key: Buffer): string | null {
  const r = new Reader(key);
  if (r.int16() !== 0) return null;
  return (compileStruct(TransactionLogKey, 0, false).decode(r) as { transactionalId: string }).transactionalId;
}

export function decodeTransactionLogValue(value: Buffer): TransactionLogValueData {
  const r = new Reader(value);
  const version = r.int16();
  return compileStruct(TransactionLogValue, version, version >= 1).decode(r) as unknown as TransactionLogValueData;
}
