// Produce-path record work that only some topics ask for: re-compressing to the topic's
// compression.type and refusing keyless records on compacted topics. Other topics' batches are
// stored exactly as received.
import {
  ATTRIBUTES,
  COMPRESSION_MASK,
  CONTROL_FLAG,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_FLAG,
  batchBaseOffset,
  batchBaseSequence,
  batchBaseTimestamp,
  batchLastOffsetDelta,
  batchLeaderEpoch,
  batchProducerEpoch,
  batchProducerId,
  batchSize,
} from './batch-header.js';
import { buildBatch, TimestampType } from './builder.js';
import { CodecUnavailableError, Compression, type CompressionCodec } from './compression.js';
import { type BatchRecord, DecompressionLimitError, maxRecordsSectionBytes, readRecords } from './records.js';
import { ErrorCode } from '../protocol/errors.js';

/** compression.type → the codec stored, or null for `producer` (keep what was sent). */
export function topicCodec(compressionType: string): CompressionCodec | null {
  switch (compressionType) {
    case 'producer':
      return null;
    case 'uncompressed':
      return Compression.none;
    default:
      return Compression[compressionType as keyof typeof Compression] ?? null;
  }
}

/** KIP-467: a refused record, by its index in the batch. */
export interface RecordError {
  batchIndex: number;
  batchIndexErrorMessage: string | null;
}

export type RewriteOutcome =
  | { ok: true; records: Buffer }
  | { ok: false; errorCode: number; message: string; recordErrors: RecordError[] };

// Kafka answers RecordTooLargeException (MESSAGE_TOO_LARGE, 10) for a batch over
// max.message.bytes, also when the batch only grew past it by being re-compressed
// (UnifiedLog.append re-checks sizes when messageSizeMaybeChanged). A section that decompresses
// past the bound is the same case seen earlier, so it gets the same error rather than
// INVALID_RECORD; the Java producer also reacts to it by splitting the batch and retrying.
const tooLarge = (message: string): RewriteOutcome => ({ ok: false, errorCode: ErrorCode.MESSAGE_TOO_LARGE, message, recordErrors: [] });

// A codec this install has no library for (an optional native dependency missing): Kafka's
// error for a codec the broker cannot handle, which clients report as such, not as corruption.
const unsupportedCodec = (err: CodecUnavailableError, topicPartition: string): RewriteOutcome => ({
  ok: false,
  errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
  message: `${err.message}; the broker cannot rewrite batches for ${topicPartition}`,
  recordErrors: [],
});

/** Kafka's message when records are refused: it counts them and quotes at most three. */
function recordErrorsMessage(errors: readonly RecordError[]): string {
  const shown = errors.slice(0, 3).map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.batchIndexErrorMessage}')`);
  return `One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${shown.join(', ')}]`;
}

/**
 * Checks keys (compacted topics) and re-compresses batches whose codec differs from the topic's.
 * `positions` are the batch starts found by validation. Offset deltas, timestamps and producer
 * fields are kept. A compressed batch is decompressed only up to what max.message.bytes allows,
 * and a rebuilt batch must fit max.message.bytes too.
 */
export function rewriteForTopic(
  records: Buffer,
  positions: readonly number[],
  opts: { codec: CompressionCodec | null; requireKeys: boolean; topicPartition: string; maxMessageBytes: number },
): RewriteOutcome {
  const parts: Buffer[] = [];
  const refused: RecordError[] = [];
  let changed = false;
  for (const at of positions) {
    const end = at + batchSize(records, at);
    const attrs = records.readInt16BE(at + ATTRIBUTES);
    const own = records.subarray(at, end);
    if ((attrs & CONTROL_FLAG) !== 0) {
      parts.push(own);
      continue;
    }
    const codec = (attrs & COMPRESSION_MASK) as CompressionCodec;
    const recompress = opts.codec !== null && opts.codec !== codec;
    if (!recompress && !opts.requireKeys) {
      parts.push(own);
      continue;
    }
    let recs: BatchRecord[];
    try {
      recs = readRecords(own, 0, maxRecordsSectionBytes(opts.maxMessageBytes));
    } catch (err) {
      if (err instanceof CodecUnavailableError) return unsupportedCodec(err, opts.topicPartition);
      if (!(err instanceof DecompressionLimitError)) throw err;
      return tooLarge(`A ${err.codec} batch in append to partition ${opts.topicPartition} decompresses to more than ${err.limit} bytes of records, which exceeds the maximum configured size of ${opts.maxMessageBytes}.`);
    }
    if (opts.requireKeys) {
      recs.forEach((r, batchIndex) => {
        if (r.key === null) refused.push({ batchIndex, batchIndexErrorMessage: `Compacted topic cannot accept message without key in topic partition ${opts.topicPartition}.` });
      });
      if (refused.length > 0) continue;
    }
    if (!recompress || recs.length === 0) {
      parts.push(own);
      continue;
    }
    const base = batchBaseOffset(own);
    let rebuilt: Buffer;
    try {
      rebuilt = buildBatch(
        recs.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offsetDelta: r.offset - base })),
        {
          baseOffset: base,
          partitionLeaderEpoch: batchLeaderEpoch(own),
          producerId: batchProducerId(own),
          producerEpoch: batchProducerEpoch(own),
          baseSequence: batchBaseSequence(own),
          transactional: (attrs & TRANSACTIONAL_FLAG) !== 0,
          compression: opts.codec!,
          timestampType: (attrs & TIMESTAMP_TYPE_MASK) !== 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime,
          lastOffsetDelta: batchLastOffsetDelta(own),
          baseTimestamp: batchBaseTimestamp(own),
        },
      );
    } catch (err) {
      if (err instanceof CodecUnavailableError) return unsupportedCodec(err, opts.topicPartition);
      throw err;
    }
    if (rebuilt.length > opts.maxMessageBytes) {
      return tooLarge(`Message batch size is ${rebuilt.length} bytes in append to partition ${opts.topicPartition} which exceeds the maximum configured size of ${opts.maxMessageBytes}.`);
    }
    parts.push(rebuilt);
    changed = true;
  }
  if (refused.length > 0) return { ok: false, errorCode: ErrorCode.INVALID_RECORD, message: recordErrorsMessage(refused), recordErrors: refused };
  return { ok: true, records: changed ? Buffer.concat(parts) : records };
}
