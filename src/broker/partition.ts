import { ErrorCode } from '../protocol/errors.js';
import type { CompressionCodec } from '../record/compression.js';
import { validateProducePayload } from '../record/validate.js';
import { rewriteForTopic, type RecordError } from './batch-rewrite.js';
import type { AppendResult, Log, ReadResult } from '../storage/log.js';

/** A fetch waiting for data on this partition (delayed fetch / long poll). */
export interface AppendListener {
  onAppend(partition: Partition, bytes: number): void;
}

export type ProduceOutcome =
  | { ok: true; result: AppendResult }
  | { ok: false; errorCode: number; message: string; recordErrors?: RecordError[] };

/**
 * Replica state of one partition on this broker. On a single node the ISR is this broker alone,
 * so the high watermark follows the log end offset; replication will move it by follower progress.
 */
export class Partition {
  leaderEpoch = 0;
  highWatermark: number;
  isr: number[];
  private readonly listeners = new Set<AppendListener>();
  /** compression.type as a codec to re-compress to, null for `producer`; kept current by config changes. */
  codec: CompressionCodec | null = null;
  /** cleanup.policy contains compact: records without a key are refused. */
  requireKeys = false;

  constructor(
    readonly topic: string,
    readonly topicId: string,
    readonly index: number,
    readonly log: Log,
    readonly replicas: number[],
    /** Effective max.message.bytes of the topic, kept current by config changes. */
    public maxMessageBytes: number,
  ) {
    this.isr = [...replicas];
    this.highWatermark = log.logEndOffset;
    const latest = log.latestEpoch();
    if (latest > this.leaderEpoch) this.leaderEpoch = latest;
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }
  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /** Validates a produce payload (headers and CRCs only, no decompression) and appends it as leader. */
  appendAsLeader(records: Buffer): ProduceOutcome {
    const v = validateProducePayload(records);
    if (!v.ok) return { ok: false, errorCode: v.errorCode, message: v.message };
    if (v.batchCount === 0) return { ok: false, errorCode: ErrorCode.INVALID_RECORD, message: 'no record batch in the produce request' };
    if (v.isControl) return { ok: false, errorCode: ErrorCode.INVALID_RECORD, message: 'clients may not produce control batches' };
    for (let i = 0; i < v.batchPositions.length; i++) {
      const start = v.batchPositions[i]!;
      const end = i + 1 < v.batchPositions.length ? v.batchPositions[i + 1]! : records.length;
      if (end - start > this.maxMessageBytes) {
        return { ok: false, errorCode: ErrorCode.MESSAGE_TOO_LARGE, message: `batch of ${end - start} bytes exceeds max.message.bytes ${this.maxMessageBytes}` };
      }
    }
    if (this.requireKeys || this.codec !== null) {
      let out;
      try {
        out = rewriteForTopic(records, v.batchPositions, { codec: this.codec, requireKeys: this.requireKeys, topicPartition: `${this.topic}-${this.index}`, maxMessageBytes: this.maxMessageBytes });
      } catch (err) {
        return { ok: false, errorCode: ErrorCode.CORRUPT_MESSAGE, message: `invalid records: ${(err as Error).message}` };
      }
      if (!out.ok) return { ok: false, errorCode: out.errorCode, message: out.message, recordErrors: out.recordErrors };
      records = out.records;
    }
    const result = this.log.append(records, { leaderEpoch: this.leaderEpoch });
    this.advanceHighWatermark();
    for (const l of this.listeners) l.onAppend(this, result.size);
    return { ok: true, result };
  }

  /** With this broker as the only in-sync replica, everything appended is committed. */
  private advanceHighWatermark(): void {
    if (this.isr.length <= 1) this.highWatermark = this.log.logEndOffset;
  }

  /** Consumers read below the high watermark; followers (replicaId >= 0) up to the log end. */
  read(offset: number, maxBytes: number, minOneBatch: boolean, upTo: number): ReadResult {
    return this.log.read(offset, maxBytes, upTo, minOneBatch);
  }

  addListener(l: AppendListener): void {
    this.listeners.add(l);
  }
  removeListener(l: AppendListener): void {
    this.listeners.delete(l);
  }

  /** Log start moved (DeleteRecords, retention): the high watermark never falls below it. */
  syncAfterLogStartChange(): void {
    if (this.highWatermark < this.log.logStartOffset) this.highWatermark = this.log.logStartOffset;
  }
}
