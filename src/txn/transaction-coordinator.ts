/**
 * The transaction coordinator (Kafka's TransactionCoordinator and TransactionStateManager): one
 * state machine per transactional id, persisted in __transaction_state with Kafka's records, and
 * rebuilt from it on load. Every state change is written, and replicated to the ISR of its
 * __transaction_state partition, before it is applied, so what a client was told survives a crash
 * and a failover; while a write is in flight the id answers CONCURRENT_TRANSACTIONS, and a write
 * that fails changes nothing. Markers go through a port that writes them to each partition's
 * leader (here, or WriteTxnMarkers to another broker). EndTxn answers after the first round of
 * markers (Kafka answers after PrepareCommit/PrepareAbort): markers that could not be written are
 * retried in the background, and the transaction stays prepared until they are.
 *
 * In a cluster each broker coordinates the ids of the __transaction_state partitions it leads
 * (Kafka's TransactionStateManager): a partition's ids are loaded when this broker becomes its
 * leader, with the partition's leader epoch as the coordinator epoch the markers carry, and
 * forgotten when it stops leading; requests for other ids are NOT_COORDINATOR.
 *
 * States and transitions (Kafka's TransactionState):
 *   Empty/CompleteCommit/CompleteAbort --AddPartitions--> Ongoing --EndTxn--> PrepareCommit|PrepareAbort
 *   --markers written--> CompleteCommit|CompleteAbort; InitProducerId bumps the epoch from any
 *   completed state (and first aborts an ongoing transaction with a bumped epoch, fencing it).
 * A transaction older than its timeout is aborted with a bumped epoch, so its producer is fenced
 * (transaction.abort.timed.out.transaction.cleanup.interval.ms); an id idle in a completed state
 * for transactional.id.expiration.ms is removed with a tombstone.
 * Every method runs on the event loop: state needs no lock, but a method that awaits (a producer
 * id, a write's replication, markers) reads the state again after it, and checks that this broker
 * still coordinates the id with the same coordinator epoch before it applies anything.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { CoordinatorLog } from '../group/coordinator-log.js';
import { partitionForGroup } from '../group/records.js';
import type { Clock, Timer } from '../util/clock.js';
import { log as rootLog } from '../util/log.js';
import {
  decodeTransactionLogKey,
  decodeTransactionLogValue,
  transactionLogKey,
  transactionLogValue,
  type TransactionLogValueData,
} from './transaction-log.js';

export const TxnState = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const;
export type TxnStateId = (typeof TxnState)[keyof typeof TxnState];

/** The names DescribeTransactions and ListTransactions use (Kafka's TransactionState.name). */
export const TXN_STATE_NAMES: readonly string[] = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];

/** Kafka's Short.MaxValue - 1: past it a transactional id gets a new producer id. */
const MAX_EPOCH = 32766;
/** How soon markers that could not be written are tried again. */
const MARKER_RETRY_MS = 500;

export interface TxnMetadata {
  readonly transactionalId: string;
  producerId: number;
  previousProducerId: number;
  producerEpoch: number;
  /** The epoch before the last bump (-1 when none): a retried InitProducerId is recognised by it. */
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TxnStateId;
  /** topic -> partitions in the transaction. */
  partitions: Map<string, Set<number>>;
  txnStartTimestamp: number;
  txnLastUpdateTimestamp: number;
}

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

/** Where markers go; returns the partitions that could not be written now (tried again later). */
export interface TxnMarkerPort {
  writeMarkers(producerId: number, producerEpoch: number, commit: boolean, coordinatorEpoch: number, partitions: readonly TopicPartitions[]): TopicPartitions[] | Promise<TopicPartitions[]>;
}

/**
 * __transaction_state as the coordinator writes it: `appendReplicated` resolves with Kafka's
 * error code once the partition's ISR has the records (acks=all). Without it, `append` is taken
 * as durable at once (tests' in-memory logs).
 */
export interface TxnStateLog extends CoordinatorLog {
  appendReplicated?(partition: number, records: Array<{ key: Buffer; value: Buffer | null }>): Promise<number>;
}

export interface TxnCoordinatorSettings {
  /** transaction.max.timeout.ms */
  maxTimeoutMs: number;
  /** transactional.id.expiration.ms */
  idExpirationMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  abortTimedOutIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms */
  removeExpiredIntervalMs: number;
}

/**
 * Kafka's TransactionStateManager mapping of a failed __transaction_state append to what the
 * client is told: retriable codes that send it to find the coordinator again.
 */
function appendError(code: number): number {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
    case ErrorCode.NOT_COORDINATOR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
}

export interface InitProducerIdResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export interface TxnDescription {
  errorCode: number;
  transactionalId: string;
  transactionState: string;
  transactionTimeoutMs: number;
  transactionStartTimeMs: number;
  producerId: number;
  producerEpoch: number;
  topics: Array<{ topic: string; partitions: number[] }>;
}

const isPrepare = (s: TxnStateId): boolean => s === TxnState.PrepareCommit || s === TxnState.PrepareAbort;
const isComplete = (s: TxnStateId): boolean => s === TxnState.Empty || s === TxnState.CompleteCommit || s === TxnState.CompleteAbort;

function copy(m: TxnMetadata): TxnMetadata {
  return { ...m, partitions: new Map([...m.partitions].map(([t, ps]) => [t, new Set(ps)])) };
}

function partitionList(m: TxnMetadata): TopicPartitions[] {
  return [...m.partitions].map(([topic, ps]) => ({ topic, partitions: [...ps].sort((a, b) => a - b) }));
}

export class TransactionCoordinator {
  private readonly txns = new Map<string, TxnMetadata>();
  /** Markers still to write per transactional id (a partition could not be written). */
  private readonly pendingMarkers = new Map<string, TopicPartitions[]>();
  /** Ids whose markers are being written now: one round at a time per id. */
  private readonly sending = new Set<string>();
  /** Ids with a state write waiting for its replicas (Kafka's pending transition). */
  private readonly inFlight = new Set<string>();
  /** The coordinator epoch per loaded __transaction_state partition (its leader epoch at load). */
  private readonly loaded = new Map<number, number>();
  private timers: Timer[] = [];
  private retryTimer: Timer | null = null;
  private stopped = false;
  private readonly logger = rootLog.child({ component: 'txn-coordinator' });
  /**
   * Cluster mode: whether this broker leads a __transaction_state partition now. Unset on a
   * single node, which leads them all and loads them at once.
   */
  ownsPartition: ((partition: number) => boolean) | null = null;

  constructor(
    private readonly txnLog: TxnStateLog,
    private readonly markers: TxnMarkerPort,
    private readonly newProducerId: () => Promise<number>,
    private readonly settings: TxnCoordinatorSettings,
    private readonly clock: Clock,
  ) {}

  partitionFor(transactionalId: string): number {
    return partitionForGroup(transactionalId, this.txnLog.partitionCount);
  }

  get size(): number {
    return this.txns.size;
  }

  metadata(transactionalId: string): Readonly<TxnMetadata> | undefined {
    return this.txns.get(transactionalId);
  }

  /** Whether this broker coordinates the id now; NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS if not. */
  coordinatorError(transactionalId: string): number {
    const p = this.partitionFor(transactionalId);
    if (this.ownsPartition !== null && !this.ownsPartition(p)) return ErrorCode.NOT_COORDINATOR;
    // Leading the partition but its ids not read yet (the delta that made this broker leader is
    // still being applied).
    if (this.ownsPartition !== null && !this.loaded.has(p)) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  /** The coordinator's own check before a request changes an id: its partition, then a write in flight. */
  private gate(transactionalId: string): number {
    const code = this.coordinatorError(transactionalId);
    if (code !== ErrorCode.NONE) return code;
    return this.inFlight.has(transactionalId) ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.NONE;
  }

  /** Single node: every partition of __transaction_state, loaded at once. */
  load(): void {
    this.txns.clear();
    let finished = 0;
    for (let p = 0; p < this.txnLog.partitionCount; p++) finished += this.loadPartition(p);
    this.logger.info({ transactionalIds: this.txns.size, finished }, 'loaded transaction state');
  }

  /**
   * Rebuilds the ids of one partition from __transaction_state (the last record of each id wins,
   * a tombstone removes it), then finishes what a crash or the previous coordinator left: a
   * transaction in PrepareCommit or PrepareAbort gets its markers and its Complete state now. An
   * ongoing one stays ongoing: its producer may go on with it, or its timeout aborts it.
   * Returns how many prepared transactions it set out to finish.
   */
  loadPartition(partition: number): number {
    this.dropPartition(partition);
    this.loaded.set(partition, Math.max(0, this.txnLog.leaderEpoch?.(partition) ?? 0));
    const ids = new Map<string, TxnMetadata>();
    for (const rec of this.txnLog.readAll(partition)) {
      if (!rec.key || rec.isControl) continue;
      let id: string | null;
      try {
        id = decodeTransactionLogKey(rec.key);
      } catch {
        continue;
      }
      if (id === null) continue;
      if (rec.value === null) {
        ids.delete(id);
        continue;
      }
      try {
        ids.set(id, fromValue(id, decodeTransactionLogValue(rec.value)));
      } catch (err) {
        this.logger.warn({ transactionalId: id, err }, 'skipping an unreadable __transaction_state record');
      }
    }
    let finished = 0;
    for (const m of ids.values()) {
      this.txns.set(m.transactionalId, m);
      if (m.state === TxnState.PrepareEpochFence) m.state = TxnState.PrepareAbort;
      if (isPrepare(m.state)) {
        this.pendingMarkers.set(m.transactionalId, partitionList(m));
        void this.sendMarkers(m);
        finished++;
      }
    }
    if (this.ownsPartition !== null) this.logger.info({ partition, coordinatorEpoch: this.loaded.get(partition), transactionalIds: ids.size, finished }, 'loaded transaction state');
    return finished;
  }

  /** This broker no longer leads the partition: its ids are the new leader's now. */
  unloadPartition(partition: number): void {
    const n = this.dropPartition(partition);
    this.loaded.delete(partition);
    this.logger.info({ partition, transactionalIds: n }, 'unloaded transaction state');
  }

  private dropPartition(partition: number): number {
    let n = 0;
    for (const id of [...this.txns.keys()]) {
      if (this.partitionFor(id) !== partition) continue;
      this.txns.delete(id);
      this.pendingMarkers.delete(id);
      n++;
    }
    return n;
  }

  /** Arms the periodic abort of timed-out transactions and removal of expired transactional ids. */
  start(): void {
    this.stopped = false;
    const every = (ms: number, fn: () => unknown): void => {
      const tick = (): void => {
        try {
          const out = fn();
          if (out instanceof Promise) out.catch((err: unknown) => this.logger.error({ err }, 'transaction coordinator task failed'));
        } catch (err) {
          this.logger.error({ err }, 'transaction coordinator task failed');
        }
        if (!this.stopped) this.timers.push(this.clock.schedule(ms, tick));
      };
      this.timers.push(this.clock.schedule(ms, tick));
    };
    every(this.settings.abortTimedOutIntervalMs, () => this.abortTimedOutTransactions());
    every(this.settings.removeExpiredIntervalMs, () => this.removeExpiredTransactionalIds());
  }

  stop(): void {
    // A marker write failing after this (the senders are closed too) must not schedule retries
    // that keep a stopped broker's process alive.
    this.stopped = true;
    for (const t of this.timers) t.cancel();
    this.timers = [];
    this.retryTimer?.cancel();
    this.retryTimer = null;
  }

  /**
   * Writes records of one id to its partition and waits for the ISR; Kafka's code for the client.
   * The answer is NOT_COORDINATOR when the partition changed leader while the write waited.
   */
  private async write(transactionalId: string, value: Buffer | null): Promise<number> {
    const partition = this.partitionFor(transactionalId);
    const epoch = this.loaded.get(partition);
    const records = [{ key: transactionLogKey(transactionalId), value }];
    let code: number;
    try {
      if (this.txnLog.appendReplicated) code = await this.txnLog.appendReplicated(partition, records);
      else {
        this.txnLog.append(partition, records);
        code = ErrorCode.NONE;
      }
    } catch (err) {
      this.logger.warn({ transactionalId, err: (err as Error).message }, 'cannot write transaction state');
      code = (err as { errorCode?: number }).errorCode ?? ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    if (code !== ErrorCode.NONE) {
      this.logger.warn({ transactionalId, partition, error: code }, 'transaction state not written');
      return appendError(code);
    }
    if (this.loaded.get(partition) !== epoch || this.coordinatorError(transactionalId) !== ErrorCode.NONE) return ErrorCode.NOT_COORDINATOR;
    return ErrorCode.NONE;
  }

  /** Writes the new state of `m` and applies it once replicated; Kafka's error code, nothing changed on failure. */
  private async persist(m: TxnMetadata): Promise<number> {
    const id = m.transactionalId;
    this.inFlight.add(id);
    try {
      const code = await this.write(id, transactionLogValue(toValue(m)));
      if (code === ErrorCode.NONE) this.txns.set(id, m);
      return code;
    } finally {
      this.inFlight.delete(id);
    }
  }

  private coordinatorEpoch(transactionalId: string): number {
    return this.loaded.get(this.partitionFor(transactionalId)) ?? Math.max(0, this.txnLog.leaderEpoch?.(this.partitionFor(transactionalId)) ?? 0);
  }

  // ---- InitProducerId -----------------------------------------------------------------------

  async initProducerId(transactionalId: string, timeoutMs: number, expected: { producerId: number; producerEpoch: number } | null): Promise<InitProducerIdResult> {
    const fail = (errorCode: number): InitProducerIdResult => ({ errorCode, producerId: -1, producerEpoch: -1 });
    if (transactionalId === '') return fail(ErrorCode.INVALID_REQUEST);
    if (timeoutMs <= 0 || timeoutMs > this.settings.maxTimeoutMs) return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const gated = this.gate(transactionalId);
    if (gated !== ErrorCode.NONE) return fail(gated);
    let freshId: number | null = null;
    const current = this.txns.get(transactionalId);
    if (!current || current.producerEpoch >= MAX_EPOCH - 1) {
      try {
        freshId = await this.newProducerId();
      } catch (err) {
        this.logger.warn({ err }, 'no producer id block could be reserved');
        return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      }
    }
    // The id may have moved, or another request changed it, while the producer id was reserved.
    const again = this.gate(transactionalId);
    if (again !== ErrorCode.NONE) return fail(again);
    const now = this.clock.now();
    let m = this.txns.get(transactionalId);
    if (!m) {
      if (freshId === null) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
      m = { transactionalId, producerId: freshId, previousProducerId: -1, producerEpoch: -1, lastProducerEpoch: -1, txnTimeoutMs: timeoutMs, state: TxnState.Empty, partitions: new Map(), txnStartTimestamp: -1, txnLastUpdateTimestamp: now };
      freshId = null;
    }
    if (isPrepare(m.state) || m.state === TxnState.PrepareEpochFence) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    if (expected !== null && expected.producerId >= 0) {
      // KIP-360: a producer that names its id and epoch may bump only its own current epoch; a
      // retry of a bump that already happened gets the same answer again.
      if (expected.producerId === m.producerId && expected.producerEpoch === m.lastProducerEpoch && m.state === TxnState.Empty) {
        return { errorCode: ErrorCode.NONE, producerId: m.producerId, producerEpoch: m.producerEpoch };
      }
      if (expected.producerId !== m.producerId || expected.producerEpoch !== m.producerEpoch) return fail(ErrorCode.PRODUCER_FENCED);
    }
    if (m.state === TxnState.Ongoing) {
      // The previous producer of this id left a transaction open: it is aborted with a bumped
      // epoch, which fences that producer, before the new one starts.
      const code = await this.endTransaction(m, false, true);
      if (code !== ErrorCode.NONE) return fail(code);
      m = this.txns.get(transactionalId);
      if (!m || isPrepare(m.state) || this.gate(transactionalId) !== ErrorCode.NONE) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    }
    const next = copy(m);
    if (next.producerEpoch >= MAX_EPOCH - 1 || (freshId !== null && next.producerEpoch < 0)) {
      if (freshId === null) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
      next.previousProducerId = next.producerId;
      next.producerId = freshId;
      next.producerEpoch = 0;
      next.lastProducerEpoch = -1;
    } else {
      next.lastProducerEpoch = next.producerEpoch;
      next.producerEpoch = next.producerEpoch + 1;
    }
    next.txnTimeoutMs = timeoutMs;
    next.state = TxnState.Empty;
    next.partitions = new Map();
    next.txnStartTimestamp = -1;
    next.txnLastUpdateTimestamp = now;
    const code = await this.persist(next);
    if (code !== ErrorCode.NONE) return fail(code);
    return { errorCode: ErrorCode.NONE, producerId: next.producerId, producerEpoch: next.producerEpoch };
  }

  /** The producer's id and epoch must be the transactional id's current ones. */
  private checkProducer(m: TxnMetadata | undefined, producerId: number, producerEpoch: number): number {
    if (!m || m.state === TxnState.Dead) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (m.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (m.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    return ErrorCode.NONE;
  }

  // ---- AddPartitionsToTxn / AddOffsetsToTxn --------------------------------------------------

  /** Adds partitions to the producer's transaction, starting it if none is ongoing. */
  async addPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartitions[]): Promise<number> {
    const gated = this.gate(transactionalId);
    if (gated !== ErrorCode.NONE) return gated;
    const m = this.txns.get(transactionalId);
    const invalid = this.checkProducer(m, producerId, producerEpoch);
    if (invalid !== ErrorCode.NONE) return invalid;
    if (isPrepare(m!.state) || m!.state === TxnState.PrepareEpochFence) return ErrorCode.CONCURRENT_TRANSACTIONS;
    const all = partitions.every((tp) => tp.partitions.every((p) => m!.partitions.get(tp.topic)?.has(p)));
    if (m!.state === TxnState.Ongoing && all) return ErrorCode.NONE;
    const next = copy(m!);
    const now = this.clock.now();
    for (const tp of partitions) {
      let set = next.partitions.get(tp.topic);
      if (!set) next.partitions.set(tp.topic, (set = new Set()));
      for (const p of tp.partitions) set.add(p);
    }
    if (next.state !== TxnState.Ongoing) next.txnStartTimestamp = now;
    next.state = TxnState.Ongoing;
    next.txnLastUpdateTimestamp = now;
    return this.persist(next);
  }

  /**
   * KIP-890 part 1: the partition belongs to the producer's ongoing transaction. A partition's
   * first transactional write of a producer is accepted only then.
   */
  verifyPartition(transactionalId: string | null, producerId: number, producerEpoch: number, topic: string, partition: number): boolean {
    if (transactionalId === null) return false;
    const m = this.txns.get(transactionalId);
    return !!m && m.producerId === producerId && m.producerEpoch === producerEpoch && m.state === TxnState.Ongoing && (m.partitions.get(topic)?.has(partition) ?? false);
  }

  /** The per-partition answer of AddPartitionsToTxn v4+ with verify_only. */
  verifyPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartitions[]): Array<{ topic: string; partition: number; errorCode: number }> {
    const m = this.txns.get(transactionalId);
    const notHere = this.coordinatorError(transactionalId);
    const invalid = notHere !== ErrorCode.NONE ? notHere : this.checkProducer(m, producerId, producerEpoch);
    const out: Array<{ topic: string; partition: number; errorCode: number }> = [];
    for (const tp of partitions) {
      for (const p of tp.partitions) {
        const ok = invalid === ErrorCode.NONE && this.verifyPartition(transactionalId, producerId, producerEpoch, tp.topic, p);
        out.push({ topic: tp.topic, partition: p, errorCode: invalid !== ErrorCode.NONE ? invalid : ok ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE });
      }
    }
    return out;
  }

  /** Whether the producer may write into its transaction now (TxnOffsetCommit's check). */
  checkOngoing(transactionalId: string, producerId: number, producerEpoch: number): number {
    const notHere = this.coordinatorError(transactionalId);
    if (notHere !== ErrorCode.NONE) return notHere;
    const m = this.txns.get(transactionalId);
    const invalid = this.checkProducer(m, producerId, producerEpoch);
    if (invalid !== ErrorCode.NONE) return invalid;
    if (isPrepare(m!.state)) return ErrorCode.CONCURRENT_TRANSACTIONS;
    return m!.state === TxnState.Ongoing ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
  }

  // ---- EndTxn ---------------------------------------------------------------------------------

  async endTxn(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): Promise<number> {
    const gated = this.gate(transactionalId);
    if (gated !== ErrorCode.NONE) return gated;
    const m = this.txns.get(transactionalId);
    const invalid = this.checkProducer(m, producerId, producerEpoch);
    if (invalid !== ErrorCode.NONE) return invalid;
    switch (m!.state) {
      case TxnState.Ongoing:
        return this.endTransaction(m!, commit, false);
      case TxnState.CompleteCommit:
        return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
      case TxnState.CompleteAbort:
        return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
      case TxnState.PrepareCommit:
        return commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE;
      case TxnState.PrepareAbort:
        return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS;
      default:
        return ErrorCode.INVALID_TXN_STATE;
    }
  }

  /**
   * PrepareCommit/PrepareAbort is written, then the markers, then CompleteCommit/CompleteAbort.
   * `fence` bumps the epoch first (a timed-out transaction, or one a new producer of the same id
   * takes over): the markers carry the new epoch, so the old producer's writes are refused.
   * Resolves once the prepared state is stored and the first round of markers is done.
   */
  private async endTransaction(m: TxnMetadata, commit: boolean, fence: boolean): Promise<number> {
    const next = copy(m);
    if (fence) {
      next.lastProducerEpoch = next.producerEpoch;
      next.producerEpoch = Math.min(next.producerEpoch + 1, MAX_EPOCH);
    }
    next.state = commit ? TxnState.PrepareCommit : TxnState.PrepareAbort;
    next.txnLastUpdateTimestamp = this.clock.now();
    const code = await this.persist(next);
    if (code !== ErrorCode.NONE) return code;
    this.pendingMarkers.set(next.transactionalId, partitionList(next));
    await this.sendMarkers(next);
    return ErrorCode.NONE;
  }

  /** Writes the markers still pending for `m`; once all are written, the Complete state. */
  private async sendMarkers(m: TxnMetadata): Promise<void> {
    const id = m.transactionalId;
    if (this.sending.has(id)) {
      // A round for an older state of the id (before a reload) is still out: this one goes next.
      this.scheduleRetry();
      return;
    }
    this.sending.add(id);
    try {
      const pending = this.pendingMarkers.get(id) ?? [];
      const commit = m.state === TxnState.PrepareCommit;
      const left = pending.length === 0 ? [] : await this.markers.writeMarkers(m.producerId, m.producerEpoch, commit, this.coordinatorEpoch(id), pending);
      // Unloaded, or another coordinator took over, while the markers were out.
      if (this.txns.get(id) !== m) return;
      if (left.length > 0) {
        this.pendingMarkers.set(id, left);
        this.scheduleRetry();
        return;
      }
      this.pendingMarkers.set(id, []);
      const done = copy(m);
      done.state = commit ? TxnState.CompleteCommit : TxnState.CompleteAbort;
      done.partitions = new Map();
      done.txnLastUpdateTimestamp = this.clock.now();
      const code = await this.persist(done);
      if (code === ErrorCode.NONE) this.pendingMarkers.delete(id);
      else if (this.txns.get(id) === m) this.scheduleRetry();
    } catch (err) {
      this.logger.error({ transactionalId: id, err }, 'writing transaction markers failed');
      if (this.txns.get(id) === m) this.scheduleRetry();
    } finally {
      this.sending.delete(id);
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = this.clock.schedule(MARKER_RETRY_MS, () => {
      this.retryTimer = null;
      for (const id of [...this.pendingMarkers.keys()]) {
        const m = this.txns.get(id);
        if (!m || !isPrepare(m.state)) {
          this.pendingMarkers.delete(id);
          continue;
        }
        void this.sendMarkers(m);
      }
    });
  }

  // ---- timeouts and expiration ----------------------------------------------------------------

  /** Aborts, with a bumped epoch, every ongoing transaction older than its timeout. Resolves with how many. */
  async abortTimedOutTransactions(): Promise<number> {
    const now = this.clock.now();
    const aborts: Array<Promise<number>> = [];
    for (const m of [...this.txns.values()]) {
      if (m.state !== TxnState.Ongoing || m.txnStartTimestamp + m.txnTimeoutMs > now || this.inFlight.has(m.transactionalId)) continue;
      this.logger.info({ transactionalId: m.transactionalId, producerId: m.producerId, epoch: m.producerEpoch }, 'aborting a transaction past its timeout');
      aborts.push(this.endTransaction(m, false, true));
    }
    const codes = await Promise.all(aborts);
    return codes.filter((c) => c === ErrorCode.NONE).length;
  }

  /** Removes transactional ids idle in a completed state for transactional.id.expiration.ms (a tombstone each). */
  async removeExpiredTransactionalIds(): Promise<number> {
    const now = this.clock.now();
    let n = 0;
    for (const m of [...this.txns.values()]) {
      const id = m.transactionalId;
      if (!isComplete(m.state) || m.txnLastUpdateTimestamp + this.settings.idExpirationMs > now || this.inFlight.has(id)) continue;
      this.inFlight.add(id);
      try {
        const code = await this.write(id, null);
        // Only if nothing changed the id while the tombstone was written.
        if (code === ErrorCode.NONE && this.txns.get(id) === m) {
          this.txns.delete(id);
          n++;
        } else if (code !== ErrorCode.NONE) this.logger.warn({ transactionalId: id, error: code }, 'cannot remove an expired transactional id');
      } finally {
        this.inFlight.delete(id);
      }
    }
    return n;
  }

  // ---- DescribeTransactions / ListTransactions -------------------------------------------------

  describe(transactionalId: string): TxnDescription {
    const m = this.txns.get(transactionalId);
    const notHere = this.coordinatorError(transactionalId);
    if (notHere !== ErrorCode.NONE || !m || m.state === TxnState.Dead) {
      return { errorCode: notHere !== ErrorCode.NONE ? notHere : ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] };
    }
    return {
      errorCode: ErrorCode.NONE,
      transactionalId,
      transactionState: TXN_STATE_NAMES[m.state]!,
      transactionTimeoutMs: m.txnTimeoutMs,
      transactionStartTimeMs: m.txnStartTimestamp,
      producerId: m.producerId,
      producerEpoch: m.producerEpoch,
      topics: partitionList(m).map((tp) => ({ topic: tp.topic, partitions: tp.partitions })),
    };
  }

  /** ListTransactions: filtered by state names, producer ids and (v1) started more than durationMs ago. */
  list(stateFilters: readonly string[], producerIdFilters: readonly number[], durationMs: number): Array<{ transactionalId: string; producerId: number; transactionState: string }> {
    const states = new Set(stateFilters);
    const pids = new Set(producerIdFilters);
    const now = this.clock.now();
    const out: Array<{ transactionalId: string; producerId: number; transactionState: string }> = [];
    for (const m of this.txns.values()) {
      const name = TXN_STATE_NAMES[m.state]!;
      if (m.state === TxnState.Dead) continue;
      if (states.size > 0 && !states.has(name)) continue;
      if (pids.size > 0 && !pids.has(m.producerId)) continue;
      // KIP-994: started more than durationMs ago.
      if (durationMs >= 0 && now - m.txnStartTimestamp <= durationMs) continue;
      out.push({ transactionalId: m.transactionalId, producerId: m.producerId, transactionState: name });
    }
    return out;
  }
}

function toValue(m: TxnMetadata): TransactionLogValueData {
  return {
    producerId: m.producerId,
    previousProducerId: m.previousProducerId,
    nextProducerId: -1,
    producerEpoch: m.producerEpoch,
    transactionTimeoutMs: m.txnTimeoutMs,
    transactionStatus: m.state,
    // Kafka writes no partition list for an Empty transaction.
    transactionPartitions: m.state === TxnState.Empty ? null : partitionList(m).map((tp) => ({ topic: tp.topic, partitionIds: tp.partitions })),
    transactionLastUpdateTimestampMs: m.txnLastUpdateTimestamp,
    transactionStartTimestampMs: m.txnStartTimestamp,
    clientTransactionVersion: 0,
  };
}

function fromValue(transactionalId: string, v: TransactionLogValueData): TxnMetadata {
  if (v.transactionStatus < 0 || v.transactionStatus > 7) throw new Error(`unknown transaction status ${v.transactionStatus}`);
  return {
    transactionalId,
    producerId: v.producerId,
    previousProducerId: v.previousProducerId,
    producerEpoch: v.producerEpoch,
    lastProducerEpoch: -1,
    txnTimeoutMs: v.transactionTimeoutMs,
    state: v.transactionStatus as TxnStateId,
    partitions: new Map((v.transactionPartitions ?? []).map((tp) => [tp.topic, new Set(tp.partitionIds)])),
    txnStartTimestamp: v.transactionStartTimestampMs,
    txnLastUpdateTimestamp: v.transactionLastUpdateTimestampMs,
  };
}
