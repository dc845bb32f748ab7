import type { ControllerResult } from '../cluster/controller.js';
import type { MetadataImage } from '../cluster/metadata-image.js';
import type { CoordinatorLog, StoredRecord, TxnWrite } from '../group/coordinator-log.js';
import { ErrorCode } from '../protocol/errors.js';
import { CONTROL_FLAG, TRANSACTIONAL_FLAG, batchAttributes, batchLastOffset, batchProducerId, batchSize } from '../record/batch-header.js';
import { buildBatch } from '../record/builder.js';
import { iterateRecords } from '../record/records.js';
import type { ClosableConnection, DelayedOperations } from './delayed-operations.js';
import type { PartitionsPort } from './handler.js';
import type { Partition } from './partition.js';

export const OFFSETS_TOPIC = '__consumer_offsets';
const LOAD_CHUNK = 1024 * 1024;

/** A coordinator record that could not be stored; `tooLarge` when it exceeds the topic's max.message.bytes. */
export class CoordinatorAppendError extends Error {
  constructor(readonly errorCode: number, message: string) {
    super(message);
  }
  get tooLarge(): boolean {
    return this.errorCode === ErrorCode.MESSAGE_TOO_LARGE || this.errorCode === ErrorCode.RECORD_LIST_TOO_LARGE;
  }
}

/**
 * An internal topic as its coordinator sees it (__consumer_offsets for groups,
 * __transaction_state for transactions): created through the controller on first use,
 * compacted, written through each partition's one append path with origin 'coordinator'.
 */
export class OffsetsTopic implements CoordinatorLog {
  readonly partitionCount: number;
  private creating: Promise<void> | null = null;
  /** Set where writes must reach the ISR before they count (appendReplicated). */
  replication: { delayed: DelayedOperations; timeoutMs: () => number } | null = null;

  constructor(
    private readonly partitions: PartitionsPort,
    private readonly image: () => MetadataImage,
    private readonly create: (partitionCount: number) => Promise<ControllerResult>,
    defaultPartitionCount: number,
    readonly name: string = OFFSETS_TOPIC,
  ) {
    this.partitionCount = image().topic(name)?.partitions.length ?? defaultPartitionCount;
  }

  get exists(): boolean {
    return this.image().topic(this.name) !== undefined;
  }

  leaderEpoch(partition: number): number {
    const p = this.partitions.partition(this.name, partition);
    return p && p.isLeader ? p.leaderEpoch : -1;
  }

  ensure(): Promise<void> {
    if (this.exists) return Promise.resolve();
    this.creating ??= this.create(this.partitionCount).then(
      (out) => {
        this.creating = null;
        if (out.errorCode !== ErrorCode.NONE && out.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) throw new Error(`cannot create ${this.name}: ${out.message}`);
      },
      (err: unknown) => {
        this.creating = null;
        throw err;
      },
    );
    return this.creating;
  }

  append(partition: number, records: Array<{ key: Buffer; value: Buffer | null }>, txn?: TxnWrite): void {
    const p = this.partitions.partition(this.name, partition);
    if (!p) throw new CoordinatorAppendError(ErrorCode.NOT_COORDINATOR, `${this.name}-${partition} is not hosted here`);
    const opts = txn ? { producerId: txn.producerId, producerEpoch: txn.producerEpoch, transactional: true } : {};
    const out = p.appendRecordsToLeader(buildBatch(records.map((r) => ({ key: r.key, value: r.value })), opts), 'coordinator');
    if (!out.ok) throw new CoordinatorAppendError(out.errorCode, `append to ${this.name}-${partition} failed: ${out.message}`);
  }

  /**
   * Appends as one batch, with acks=all semantics once `replication` is set: refused with NOT_ENOUGH_REPLICAS when the ISR
   * is below min.insync.replicas, else resolved with Kafka's code once the high watermark passes
   * it (REQUEST_TIMED_OUT after `replication.timeoutMs`, NOT_LEADER_OR_FOLLOWER when the
   * partition's leadership here ended).
   */
  appendReplicated(partition: number, records: Array<{ key: Buffer; value: Buffer | null }>): Promise<number> {
    const p = this.partitions.partition(this.name, partition);
    if (!p) return Promise.resolve(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const out = p.appendRecordsToLeader(buildBatch(records.map((r) => ({ key: r.key, value: r.value }))), 'coordinator', this.replication ? { requiredAcks: -1 } : {});
    if (!out.ok) return Promise.resolve(out.errorCode);
    if (!this.replication) return Promise.resolve(ErrorCode.NONE);
    return awaitReplicated(this.partitions, this.replication.delayed, p, out.result.lastOffset + 1, this.replication.timeoutMs(), null);
  }

  *readAll(partition: number): Iterable<StoredRecord> {
    const p = this.partitions.partition(this.name, partition);
    if (!p) return;
    let offset = p.logStartOffset;
    const end = p.logEndOffset;
    while (offset < end) {
      const buf = p.log.readBuffer(offset, LOAD_CHUNK, end, true);
      if (buf.length === 0) break;
      let at = 0;
      let last = offset - 1;
      while (at + 12 <= buf.length) {
        const size = batchSize(buf, at);
        if (at + size > buf.length) break;
        const attributes = batchAttributes(buf, at);
        const producerId = batchProducerId(buf, at);
        const isTransactional = (attributes & TRANSACTIONAL_FLAG) !== 0;
        const isControl = (attributes & CONTROL_FLAG) !== 0;
        for (const r of iterateRecords(buf, at)) {
          if (r.offset >= offset) yield { key: r.key, value: r.value, producerId, isTransactional, isControl };
        }
        last = batchLastOffset(buf, at);
        at += size;
      }
      if (last < offset) break;
      offset = last + 1;
    }
  }
}

/**
 * A coordinator's write acknowledged as Kafka acknowledges it (acks=-1): once the high watermark
 * of its __consumer_offsets partition passes what was appended, at most `timeoutMs`
 * (offsets.commit.timeout.ms; REQUEST_TIMED_OUT after, NOT_COORDINATOR when the partition moved).
 * A single node's high watermark is its log end, so nothing waits there.
 */
export async function awaitCoordinatorWrite(partitions: PartitionsPort, delayed: DelayedOperations, partition: number, timeoutMs: number, conn: ClosableConnection): Promise<number> {
  const p = partitions.partition(OFFSETS_TOPIC, partition);
  if (!p) return ErrorCode.NOT_COORDINATOR;
  const code = await awaitReplicated(partitions, delayed, p, p.logEndOffset, timeoutMs, conn);
  if (code === ErrorCode.NOT_LEADER_OR_FOLLOWER) return ErrorCode.NOT_COORDINATOR;
  // Offsets wait for the high watermark only: __consumer_offsets' own min.insync.replicas is not
  // asked for (a single node configured with a higher one still commits).
  return code === ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND ? ErrorCode.NONE : code;
}

/**
 * Resolves once the high watermark of `p` reaches `required` under the leadership it has now:
 * NONE (NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below min.insync.replicas),
 * NOT_LEADER_OR_FOLLOWER when that leadership ended, REQUEST_TIMED_OUT after `timeoutMs`.
 */
export function awaitReplicated(partitions: PartitionsPort, delayed: DelayedOperations, p: Partition, required: number, timeoutMs: number, conn: ClosableConnection | null): Promise<number> {
  const leadership = p.leadership;
  const outcome = (): number | null => {
    if (partitions.partition(p.topic, p.index) !== p || !p.isLeader || p.leadership !== leadership) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    return p.replicationOutcome(required);
  };
  const now = outcome();
  if (now !== null) return Promise.resolve(now);
  return new Promise((resolve) => {
    delayed.tryCompleteElseWatch(
      {
        tryComplete: () => {
          const o = outcome();
          if (o === null) return false;
          resolve(o);
          return true;
        },
        onExpire: () => resolve(outcome() ?? ErrorCode.REQUEST_TIMED_OUT),
      },
      [p.key],
      timeoutMs,
      conn ?? undefined,
    );
  });
}
