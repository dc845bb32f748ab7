/**
 * One partition's replica on this broker (Kafka's Partition): its role from the metadata
 * image (leader or follower), leader epoch, ISR and the progress of the other replicas, and the
 * one append path for its records. The log owns the high watermark; maybeIncrementLeaderHW is
 * the only place it moves forward, and every move wakes the operations waiting on it. The last
 * stable offset (what read_committed consumers may read) is the high watermark held back by the
 * oldest open transaction; it moves with the high watermark, since a marker is an append.
 */
import type { PartitionState } from '../cluster/metadata-image.js';
import { ErrorCode } from '../protocol/errors.js';
import { rewriteForTopic, type RecordError } from '../record/batch-rewrite.js';
import type { CompressionCodec } from '../record/compression.js';
import { validateProducePayload, type ProduceSummary } from '../record/validate.js';
import { InvalidBatchError } from '../storage/errors.js';
import type { AppendResult, Log, ReadResult } from '../storage/log.js';
import { APPEND, ProducerStateManager, incrementSequence, readMarker } from '../txn/producer-state-manager.js';
import { storageErrorMessage } from './storage-errors.js';

/** Who hands records to the log: clients are validated fully, replicas keep the leader's offsets. */
export type AppendOrigin = 'client' | 'replication' | 'coordinator';

export type AppendOutcome =
  /** `duplicate`: an idempotent retry of a batch already stored; `result` gives where it was stored and nothing was written. */
  | { ok: true; result: AppendResult; facts: ProduceSummary; duplicate?: true }
  | { ok: false; errorCode: number; message: string; recordErrors?: RecordError[] };

/** The transaction coordinator's answer to "is this partition in that producer's transaction?". */
export interface TxnVerifier {
  verifyPartition(transactionalId: string | null, producerId: number, producerEpoch: number, topic: string, partition: number): boolean;
}

export interface AppendOptions {
  /** The produce request's transactional id. */
  transactionalId?: string | null;
  /**
   * KIP-890 part 1: asked before a transactional batch opens its producer's transaction on this
   * partition. Without a yes such a batch is refused, so a write that arrives after its
   * transaction ended can never leave a transaction open here.
   */
  verifier?: TxnVerifier;
  /** The produce's acks: with -1 the write is refused while the ISR is below min.insync.replicas. */
  requiredAcks?: number;
}

/** What the leader knows of another replica (filled by follower fetches once replication exists). */
export interface ReplicaProgress {
  logEndOffset: number;
  lastCaughtUpMs: number;
  /** The leader's log end offset and the time of this replica's previous fetch (Kafka's lastFetchLeaderLogEndOffset). */
  lastFetchLeaderLogEndOffset: number;
  lastFetchMs: number;
}

/** Topic settings the append path acts on, kept current by config changes. */
export interface PartitionSettings {
  maxMessageBytes: number;
  /** compression.type as a codec to re-compress to, null for `producer`. */
  codec: CompressionCodec | null;
  /** cleanup.policy contains compact: records without a key are refused. */
  requireKeys: boolean;
  /** message.downconversion.enable: Fetch v0-3 consumers are served message formats v0/v1. */
  downConversion: boolean;
  /** min.insync.replicas: acks=all needs this many in-sync replicas. */
  minInsyncReplicas: number;
}

export class Partition {
  role: 'leader' | 'follower' = 'follower';
  leaderId = -1;
  leaderEpoch = 0;
  partitionEpoch = 0;
  replicas: readonly number[] = [];
  isr: readonly number[] = [];
  readonly replicaProgress = new Map<number, ReplicaProgress>();
  /**
   * An ISR change sent to the controller and not answered yet (Kafka's pending ISR state): the
   * high watermark is computed over both ISRs until it is settled, so it never counts on a
   * replica an expansion has not committed nor drops one a shrink has not committed.
   */
  pendingIsr: readonly number[] | null = null;
  /** Where this leader's epoch began (Kafka's leaderEpochStartOffset): a follower joins the ISR only past it. */
  private leaderEpochStartOffset = 0;
  /** Called when a follower caught up and may join the ISR (cluster mode wires it to AlterPartition). */
  onIsrExpand: ((p: Partition, newIsr: number[]) => void) | null = null;
  settings: PartitionSettings = { maxMessageBytes: 1048588, codec: null, requireKeys: false, downConversion: true, minInsyncReplicas: 1 };
  /**
   * Bytes appended and bytes below the high watermark, counted from this process's start: a long
   * poll waits for committed bytes (what a consumer can read), not for appended ones.
   */
  private appendedBytes = 0;
  private committed = 0;
  /** Appended batches above the high watermark: [end offset, appendedBytes after them]. */
  private readonly uncommitted: Array<[number, number]> = [];
  /** The same for read_committed readers: bytes below the last stable offset, and batches above it. */
  private stable = 0;
  private readonly unstable: Array<[number, number]> = [];

  constructor(
    readonly topic: string,
    readonly topicId: string,
    readonly index: number,
    readonly log: Log,
    private readonly nodeId: number,
    private readonly now: () => number,
    /** Called when the high watermark or the log start moved: waiting operations may complete. */
    private readonly onChange: (p: Partition) => void,
    /** Idempotent producers' sequences on this partition (loaded from the log's snapshots by the owner). */
    readonly producerState: ProducerStateManager = new ProducerStateManager({ topicPartition: `${topic}-${index}`, producerIdExpirationMs: 86_400_000 }),
  ) {}

  /** "topic-partition", the key of this partition's waiting operations. */
  get key(): string {
    return `${this.topic}\u0000${this.index}`;
  }
  /**
   * Counts the leaderships this replica has given up. An epoch bump with the same leader (an ISR
   * shrink by the controller) keeps the log as it is; only as a follower can it be truncated.
   */
  leadership = 0;
  get isLeader(): boolean {
    return this.role === 'leader';
  }
  get highWatermark(): number {
    return this.log.highWatermark;
  }
  get logStartOffset(): number {
    return this.log.logStartOffset;
  }
  get logEndOffset(): number {
    return this.log.logEndOffset;
  }
  /** Bytes a consumer could have read since this process started: compare two readings. */
  get committedBytes(): number {
    return this.committed;
  }
  /** Bytes a follower could have read since this process started (appended, committed or not). */
  get appendedBytesTotal(): number {
    return this.appendedBytes;
  }
  /** The same for read_committed consumers (bytes below the last stable offset). */
  get stableBytes(): number {
    return this.stable;
  }
  /** The high watermark, held back by the first offset of the oldest unfinished transaction. */
  get lastStableOffset(): number {
    const hw = this.log.highWatermark;
    const first = this.producerState.firstUnstableOffset(hw);
    return first === null ? hw : Math.min(first, hw);
  }

  /** This broker leads the partition from now on, in the image's epoch. */
  makeLeader(state: PartitionState): void {
    this.applyState(state);
    this.role = 'leader';
    // Kafka's leaderEpochStartOffset: the epoch begins at the log end offset of the new leader
    // (an empty log records it with its first append, so creating a topic writes no checkpoint).
    if (state.leaderEpoch > this.log.latestEpoch() && this.log.logEndOffset > this.log.logStartOffset) {
      this.log.assignEpochStartOffset(state.leaderEpoch, this.log.logEndOffset);
    }
    const now = this.now();
    this.leaderEpochStartOffset = this.log.logEndOffset;
    this.pendingIsr = null;
    this.replicaProgress.clear();
    for (const r of state.replicas) if (r !== this.nodeId) this.replicaProgress.set(r, { logEndOffset: -1, lastCaughtUpMs: now, lastFetchLeaderLogEndOffset: -1, lastFetchMs: now });
    this.maybeIncrementLeaderHW();
  }

  /**
   * Same leader, same epoch, a new ISR (an AlterPartition this leader sent, or the controller's
   * view of it): the state is taken as it is and the high watermark may move.
   */
  updateIsr(state: PartitionState): void {
    this.applyState(state);
    this.pendingIsr = null;
    const now = this.now();
    for (const r of state.replicas) {
      if (r !== this.nodeId && !this.replicaProgress.has(r)) this.replicaProgress.set(r, { logEndOffset: -1, lastCaughtUpMs: now, lastFetchLeaderLogEndOffset: -1, lastFetchMs: now });
    }
    if (!this.maybeIncrementLeaderHW()) this.onChange(this);
  }

  /** ISR members other than this leader that have not caught up within `maxLagMs` (Kafka's getOutOfSyncReplicas). */
  outOfSyncReplicas(maxLagMs: number): number[] {
    if (this.role !== 'leader' || this.pendingIsr) return [];
    const now = this.now();
    return this.isr.filter((r) => r !== this.nodeId && now - (this.replicaProgress.get(r)?.lastCaughtUpMs ?? 0) > maxLagMs);
  }

  /** Another broker leads; this replica follows (the fetcher that copies its log comes with replication). */
  makeFollower(state: PartitionState): void {
    this.applyState(state);
    if (this.role === 'leader') this.leadership++;
    this.role = 'follower';
    this.replicaProgress.clear();
    // acks=all produces waiting on this leadership answer NOT_LEADER_OR_FOLLOWER now, not at their timeout
    this.onChange(this);
  }

  private applyState(state: PartitionState): void {
    this.leaderId = state.leader;
    this.leaderEpoch = state.leaderEpoch;
    this.partitionEpoch = state.partitionEpoch;
    this.replicas = state.replicas;
    this.isr = state.isr;
  }

  /**
   * The high watermark is the smallest log end offset over the in-sync replicas; it never moves
   * backwards on a leader. Returns whether it moved.
   */
  maybeIncrementLeaderHW(): boolean {
    if (this.role !== 'leader') return false;
    let hw = this.log.logEndOffset;
    const isr = this.pendingIsr ? [...new Set([...this.isr, ...this.pendingIsr])] : this.isr;
    for (const id of isr) {
      if (id === this.nodeId) continue;
      hw = Math.min(hw, this.replicaProgress.get(id)?.logEndOffset ?? -1);
    }
    if (hw <= this.log.highWatermark) return false;
    this.log.updateHighWatermark(hw);
    while (this.uncommitted.length > 0 && this.uncommitted[0]![0] <= this.log.highWatermark) this.committed = this.uncommitted.shift()![1];
    const lso = this.lastStableOffset;
    while (this.unstable.length > 0 && this.unstable[0]![0] <= lso) this.stable = this.unstable.shift()![1];
    this.onChange(this);
    return true;
  }

  /**
   * The append path for records from clients and coordinators: the payload is validated once
   * into per-batch facts (headers, CRC, record counts), checked against the topic's rules,
   * rewritten only when the topic asks for it, and appended at the log end with this leader's
   * epoch. Nothing is written unless all of it is valid.
   */
  appendRecordsToLeader(records: Buffer, origin: Exclude<AppendOrigin, 'replication'>, opts: AppendOptions = {}): AppendOutcome {
    if (this.role !== 'leader') return { ok: false, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, message: `This broker does not lead ${this.topic}-${this.index}` };
    const v = validateProducePayload(records);
    if (!v.ok) return { ok: false, errorCode: v.errorCode, message: v.message };
    if (v.batchCount === 0) return { ok: false, errorCode: ErrorCode.INVALID_RECORD, message: 'no record batch in the produce request' };
    if (opts.requiredAcks === -1 && this.isr.length < this.settings.minInsyncReplicas) {
      // Kafka's appendRecordsToLeader: nothing is written that could not reach enough replicas.
      return { ok: false, errorCode: ErrorCode.NOT_ENOUGH_REPLICAS, message: `The size of the current ISR [${this.isr.join(', ')}] is insufficient to satisfy the min.isr requirement of ${this.settings.minInsyncReplicas} for partition ${this.topic}-${this.index}` };
    }
    if (origin === 'client') {
      // Kafka's LogValidator: one batch per partition from a v2 producer, and never a control batch.
      if (v.batchCount > 1) return { ok: false, errorCode: ErrorCode.INVALID_RECORD, message: 'Produce requests with version 3 are only allowed to contain exactly one record batch' };
      if (v.batches.some((b) => b.isControl)) return { ok: false, errorCode: ErrorCode.INVALID_RECORD, message: 'clients may not produce control batches' };
    }
    for (const b of v.batches) {
      if (b.size > this.settings.maxMessageBytes) {
        return { ok: false, errorCode: ErrorCode.MESSAGE_TOO_LARGE, message: `batch of ${b.size} bytes exceeds max.message.bytes ${this.settings.maxMessageBytes}` };
      }
    }
    // Idempotence: a client batch with a producer id is checked against that producer's last
    // batches before anything is written or rewritten, so a retry is never stored twice. One map
    // lookup per batch; a producer id of -1 skips it all.
    const idempotent = origin === 'client' && v.producerId >= 0;
    let lastSeq = 0;
    if (idempotent) {
      // Kafka's LogValidator: a batch with a producer id carries a sequence.
      if (v.baseSequence < 0) return { ok: false, errorCode: ErrorCode.INVALID_RECORD, message: `Invalid sequence number ${v.baseSequence} in record batch with producerId ${v.producerId}` };
      lastSeq = incrementSequence(v.baseSequence, v.batches[0]!.lastOffsetDelta);
      const check = this.producerState.checkClientBatch(v.producerId, v.producerEpoch, v.baseSequence, lastSeq, this.log.logEndOffset, v.isTransactional);
      if (check !== APPEND) {
        if (check.kind === 'refused') return { ok: false, errorCode: check.errorCode, message: check.message };
        if (check.kind === 'duplicate') {
          // Kafka answers a duplicate with the original offsets and its timestamp as the log append time.
          const d = check.batch;
          return { ok: true, duplicate: true, facts: v, result: { baseOffset: d.firstOffset, lastOffset: d.lastOffset, logAppendTime: d.timestamp, size: 0, batchCount: 0 } };
        }
      }
      if (v.isTransactional && !this.producerState.hasOngoingTxn(v.producerId) && !(opts.verifier?.verifyPartition(opts.transactionalId ?? null, v.producerId, v.producerEpoch, this.topic, this.index) ?? false)) {
        return { ok: false, errorCode: ErrorCode.INVALID_TXN_STATE, message: `${this.topic}-${this.index} is not part of an ongoing transaction of producer ${v.producerId} with epoch ${v.producerEpoch}` };
      }
    } else if (origin === 'client' && v.isTransactional) {
      return { ok: false, errorCode: ErrorCode.INVALID_RECORD, message: 'a transactional batch must carry a producer id' };
    }
    // Coordinator writes with a producer id: transaction markers, and the group coordinator's
    // transactional offset commits (no sequence).
    const coordinatorTxn = origin === 'coordinator' && v.producerId >= 0;
    let marker: { commit: boolean; coordinatorEpoch: number } | null = null;
    if (coordinatorTxn) {
      if (v.isControl) {
        if (v.batchCount !== 1) return { ok: false, errorCode: ErrorCode.INVALID_RECORD, message: 'a transaction marker is one control batch' };
        marker = readMarker(records, v.batches[0]!.position);
        if (marker === null) return { ok: false, errorCode: ErrorCode.INVALID_RECORD, message: 'a control batch without a transaction marker' };
        const check = this.producerState.checkMarker(v.producerId, v.producerEpoch, marker.coordinatorEpoch);
        if (check.kind === 'refused') return { ok: false, errorCode: check.errorCode, message: check.message };
      } else {
        const e = this.producerState.entry(v.producerId);
        if (e && v.producerEpoch < e.epoch) return { ok: false, errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `producer ${v.producerId} epoch ${v.producerEpoch} is older than ${e.epoch}` };
      }
    }
    let facts = v;
    if (this.settings.requireKeys || this.settings.codec !== null) {
      let out;
      try {
        out = rewriteForTopic(records, v.batchPositions, { codec: this.settings.codec, requireKeys: this.settings.requireKeys, topicPartition: `${this.topic}-${this.index}`, maxMessageBytes: this.settings.maxMessageBytes });
      } catch (err) {
        return { ok: false, errorCode: ErrorCode.CORRUPT_MESSAGE, message: `invalid records: ${(err as Error).message}` };
      }
      if (!out.ok) return { ok: false, errorCode: out.errorCode, message: out.message, recordErrors: out.recordErrors };
      if (out.records !== records) {
        records = out.records;
        const again = validateProducePayload(records);
        if (!again.ok) return { ok: false, errorCode: ErrorCode.CORRUPT_MESSAGE, message: again.message };
        facts = again;
      }
    }
    let result: AppendResult;
    try {
      result = this.log.append(records, { leaderEpoch: this.leaderEpoch, batches: facts.batches });
    } catch (err) {
      // Storage refuses what it cannot index (offsets past its limits) before writing a byte.
      if (err instanceof InvalidBatchError) return { ok: false, errorCode: ErrorCode.INVALID_RECORD, message: err.message };
      return { ok: false, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: storageErrorMessage(err, this.topic, this.index) };
    }
    const timestamp = result.logAppendTime >= 0 ? result.logAppendTime : facts.batches[0]!.maxTimestamp;
    if (idempotent) {
      this.producerState.update(v.producerId, v.producerEpoch, {
        firstSeq: v.baseSequence,
        lastSeq,
        firstOffset: result.baseOffset,
        lastOffset: result.lastOffset,
        timestamp,
      }, v.isTransactional);
    } else if (coordinatorTxn) {
      if (marker !== null) {
        const done = this.producerState.completeTxn(v.producerId, v.producerEpoch, marker.commit, marker.coordinatorEpoch, result.baseOffset, timestamp);
        if (done.aborted) {
          try {
            this.log.appendAbortedTxn(done.aborted);
          } catch (err) {
            // The marker is in the log: a restart rebuilds the entry from it.
            return { ok: false, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: storageErrorMessage(err, this.topic, this.index) };
          }
        }
      } else if (v.isTransactional) {
        this.producerState.updateTxnOnly(v.producerId, v.producerEpoch, result.baseOffset, timestamp);
      }
    }
    this.appendedBytes += result.size;
    this.uncommitted.push([result.lastOffset + 1, this.appendedBytes]);
    this.unstable.push([result.lastOffset + 1, this.appendedBytes]);
    // Followers long-polling this partition wait for appended bytes, not committed ones.
    if (!this.maybeIncrementLeaderHW() && this.replicas.length > 1) this.onChange(this);
    return { ok: true, result, facts };
  }

  /**
   * A follower fetched from `fetchOffset`: everything below it is on that replica (Kafka's
   * updateFollowerFetchState), so the high watermark may move. Returns whether it did.
   */
  updateFollowerFetch(replicaId: number, fetchOffset: number): boolean {
    const progress = this.replicaProgress.get(replicaId);
    if (this.role !== 'leader' || !progress) return false;
    const now = this.now();
    const leo = this.log.logEndOffset;
    // Caught up: at the log end now, or at least where the log ended at its previous fetch.
    if (fetchOffset >= leo) progress.lastCaughtUpMs = now;
    else if (fetchOffset >= progress.lastFetchLeaderLogEndOffset) progress.lastCaughtUpMs = Math.max(progress.lastCaughtUpMs, progress.lastFetchMs);
    progress.lastFetchLeaderLogEndOffset = leo;
    progress.lastFetchMs = now;
    progress.logEndOffset = fetchOffset;
    const moved = this.maybeIncrementLeaderHW();
    if (!this.isr.includes(replicaId) && this.pendingIsr === null && this.onIsrExpand && fetchOffset >= this.log.highWatermark && fetchOffset >= this.leaderEpochStartOffset) {
      this.onIsrExpand(this, [...this.isr, replicaId]);
    }
    return moved;
  }

  /**
   * The follower's append: the leader's batches at the leader's offsets, checked (CRC, framing)
   * but not re-validated against topic rules the leader already applied. The follower's high
   * watermark is the leader's, bounded by what this replica holds.
   */
  appendRecordsAsFollower(records: Buffer, leaderHighWatermark: number): AppendOutcome | null {
    if (this.role !== 'follower') return { ok: false, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, message: `This broker does not follow ${this.topic}-${this.index}` };
    let out: AppendOutcome | null = null;
    if (records.length > 0) {
      const v = validateProducePayload(records);
      if (!v.ok) return { ok: false, errorCode: v.errorCode, message: v.message };
      if (v.batchCount > 0) {
        let result: AppendResult;
        try {
          result = this.log.appendAsFollower(records);
        } catch (err) {
          if (err instanceof InvalidBatchError) return { ok: false, errorCode: ErrorCode.CORRUPT_MESSAGE, message: err.message };
          return { ok: false, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: storageErrorMessage(err, this.topic, this.index) };
        }
        this.producerState.applyBatches(records, result.baseOffset, this.log);
        this.appendedBytes += result.size;
        out = { ok: true, result, facts: v };
      }
    }
    const hw = Math.min(leaderHighWatermark, this.log.logEndOffset);
    if (hw > this.log.highWatermark) {
      this.log.updateHighWatermark(hw);
      this.committed = this.appendedBytes;
      this.onChange(this);
    }
    return out;
  }

  /** A follower's log cut back to `offset` (it diverged from the leader's). */
  truncateTo(offset: number): void {
    if (this.log.truncateTo(offset)) this.producerState.truncateTo(offset);
  }

  /** A follower whose log ends below the leader's log start begins again there, empty. */
  truncateFullyAndStartAt(offset: number): void {
    this.log.truncateFullyAndStartAt(offset);
    this.producerState.truncateTo(-1);
    this.producerState.removeProducersBelow(offset);
  }

  /**
   * What an acks=all write up to `requiredOffset` is answered (Kafka's checkEnoughReplicasReachOffset):
   * null while the high watermark is below it; then NONE, or NOT_ENOUGH_REPLICAS_AFTER_APPEND when
   * the ISR shrank below min.insync.replicas meanwhile.
   */
  replicationOutcome(requiredOffset: number): number | null {
    if (this.log.highWatermark < requiredOffset) return null;
    return this.isr.length < this.settings.minInsyncReplicas ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND : ErrorCode.NONE;
  }

  /** Consumers read below the high watermark; followers (replicaId >= 0) up to the log end. */
  read(offset: number, maxBytes: number, minOneBatch: boolean, upTo: number): ReadResult {
    return this.log.read(offset, maxBytes, upTo, minOneBatch);
  }

  /**
   * read() copied into memory, for the fetches that must look inside the batches (down-conversion
   * to message formats v0/v1): at most maxBytes, or the first batch when it is larger.
   */
  readCopy(offset: number, maxBytes: number, upTo: number): Buffer {
    const r = this.log.read(offset, maxBytes, upTo, true);
    return this.log.copyRanges(r.ranges, r.size);
  }

  /**
   * ListOffsets v0: the log's offsets before `timestamp`; a consumer sees none above the high
   * watermark (the high watermark stands in for them, as in Kafka).
   */
  legacyOffsetsBefore(timestamp: number, maxNumOffsets: number, isConsumer: boolean): number[] {
    const all = this.log.legacyOffsetsBefore(timestamp, maxNumOffsets);
    if (!isConsumer) return all;
    const hw = this.log.highWatermark;
    if (!all.some((o) => o > hw)) return all;
    return [hw, ...all.filter((o) => o <= hw)].slice(0, Math.max(1, maxNumOffsets));
  }

  /** The first offset with a timestamp at or after `timestamp` (ListOffsets by time). */
  offsetForTimestamp(timestamp: number): { offset: number; timestamp: number } | null {
    return this.log.offsetForTimestamp(timestamp);
  }
  /** The offset holding the largest timestamp (KIP-734). */
  maxTimestampOffset(): { offset: number; timestamp: number } | null {
    return this.log.maxTimestampOffset();
  }
  /** OffsetForLeaderEpoch: the end offset of `epoch` in this log (KIP-101). */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    return this.log.endOffsetForEpoch(epoch);
  }
  /** Bytes on disk. */
  get size(): number {
    return this.log.size;
  }

  /** DeleteRecords: moves the log start forward (never past the high watermark). */
  deleteRecordsBefore(offset: number): number {
    const start = this.log.deleteRecordsBefore(offset);
    this.producerState.removeProducersBelow(start);
    this.producerState.deleteSnapshotsBefore(start);
    this.onChange(this);
    return start;
  }

}
