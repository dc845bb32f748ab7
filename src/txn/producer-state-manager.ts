/**
 * One partition's producer state (Kafka's ProducerStateManager, ProducerStateEntry and
 * ProducerAppendInfo): for each producer id its epoch, its last five batches (sequence range,
 * offset range, timestamp) and the first offset of its ongoing transaction, if any. A client batch carrying a producer id is checked against it
 * before anything is written: a retry of one of those five batches is a duplicate, answered with
 * the offsets it was stored at; anything else must continue the sequence or start a newer epoch
 * at sequence 0. Transactions: a transactional batch opens the producer's transaction on this
 * partition (the first unstable offset is the smallest such first offset, and the last stable
 * offset never passes it); a marker closes it, and an abort marker yields the aborted-transaction
 * entry the log keeps in its .txnindex. The state is updated after each successful append, snapshotted in Kafka's
 * `<offset>.snapshot` files, and rebuilt on load from the last snapshot plus the batch headers
 * of the log after it.
 */
import { ErrorCode } from '../protocol/errors.js';
import {
  CONTROL_FLAG,
  HEADER_SIZE,
  TRANSACTIONAL_FLAG,
  batchAttributes,
  batchBaseOffset,
  batchBaseSequence,
  batchLastOffsetDelta,
  batchMaxTimestamp,
  batchProducerEpoch,
  batchProducerId,
  batchSize,
} from '../record/batch-header.js';
import { ControlType, iterateRecords, parseControlRecord } from '../record/records.js';
import type { FileSystem } from '../storage/fs.js';
import type { AbortedTxn } from '../storage/txn-index.js';
import type { Log } from '../storage/log.js';
import {
  CorruptSnapshotError,
  deleteProducerSnapshot,
  listProducerSnapshots,
  readProducerSnapshot,
  writeProducerSnapshot,
  type ProducerSnapshotEntry,
} from '../storage/producer-snapshot.js';
import { log as rootLog } from '../util/log.js';

export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
/**
 * Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN: clients keep at most five requests in
 * flight per partition with idempotence on, so a retry is always of one of the last five.
 */
export const BATCHES_RETAINED = 5;
const INT32_MAX = 0x7fffffff;

/** Sequences wrap from 2^31-1 to 0 (Kafka's DefaultRecordBatch.incrementSequence). */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment;
}

export function decrementSequence(sequence: number, decrement: number): number {
  return sequence < decrement ? INT32_MAX - (decrement - sequence) + 1 : sequence - decrement;
}

const inSequence = (lastSeq: number, nextSeq: number): boolean => nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);

/** Where one appended batch of a producer sits in the log. */
export interface BatchMetadata {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** The batch's max timestamp as stored (the append time on LogAppendTime topics). */
  readonly timestamp: number;
}

export class ProducerStateEntry {
  /** Oldest first, at most BATCHES_RETAINED, all of the current epoch. */
  readonly batches: BatchMetadata[] = [];
  lastTimestamp = -1;
  /** The epoch of the coordinator that wrote this producer's last marker (fences older coordinators). */
  coordinatorEpoch = -1;
  /** First offset of the producer's ongoing transaction on this partition; -1 when none. */
  currentTxnFirstOffset = -1;

  constructor(readonly producerId: number, public epoch: number) {}

  get lastSeq(): number {
    return this.batches.length === 0 ? NO_SEQUENCE : this.batches[this.batches.length - 1]!.lastSeq;
  }
  get lastDataOffset(): number {
    return this.batches.length === 0 ? -1 : this.batches[this.batches.length - 1]!.lastOffset;
  }

  findDuplicate(epoch: number, firstSeq: number, lastSeq: number): BatchMetadata | undefined {
    if (epoch !== this.epoch) return undefined;
    for (const b of this.batches) if (b.firstSeq === firstSeq && b.lastSeq === lastSeq) return b;
    return undefined;
  }

  /** A new epoch forgets the old epoch's batches (Kafka's maybeUpdateProducerEpoch). */
  updateEpoch(epoch: number): void {
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.batches.length = 0;
    }
  }

  addBatch(epoch: number, batch: BatchMetadata): void {
    this.updateEpoch(epoch);
    if (this.batches.length === BATCHES_RETAINED) this.batches.shift();
    this.batches.push(batch);
    this.lastTimestamp = batch.timestamp;
  }
}

/** What the state says about a client batch before it is written. */
export type ProducerCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly batch: BatchMetadata }
  | { readonly kind: 'refused'; readonly errorCode: number; readonly message: string };

/** The answer for every batch that may be appended: one shared object, nothing allocated. */
export const APPEND: ProducerCheck = Object.freeze({ kind: 'append' });

export interface ProducerStateOptions {
  /** "topic-partition", for messages and logs. */
  topicPartition: string;
  /** producer.id.expiration.ms: a producer idle this long (by its last batch's timestamp) is forgotten. */
  producerIdExpirationMs: number;
  /** Where snapshots are written and read; without, the state lives in memory only. */
  snapshots?: { fs: FileSystem; dir: string };
}

/** Bytes read from the log per step while rebuilding the state (headers only are looked at). */
const LOAD_CHUNK_BYTES = 1 << 20;

/** What a marker closed: the aborted-transaction entry when it aborted. */
export interface CompletedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly aborted: AbortedTxn | null;
}

/** A token: the same object while no marker of its producer was written. */
export interface VerificationGuard {
  readonly takenAt: number;
}

export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerStateEntry>();
  /**
   * Ongoing transactions: first offset -> producer id. A transaction begins at the log end, so
   * insertion order is offset order and the first key is the first unstable offset.
   */
  private readonly ongoingTxns = new Map<number, number>();
  /** Completed transactions whose marker is not below the high watermark yet: still unstable. */
  private readonly unreplicatedTxns: Array<{ firstOffset: number; lastOffset: number }> = [];
  /**
   * KIP-890 part 1's verification guards (Kafka's VerificationStateEntry), by producer id: a
   * transactional write verified by a coordinator on another broker is appended only if its
   * guard is still the one taken when the verification began. A marker of the producer drops
   * the guard: a write whose verification was answered before the marker, but that arrives
   * after it, would otherwise open a transaction the coordinator has already ended, to be
   * committed or aborted with the producer's next one.
   */
  private readonly verificationGuards = new Map<number, VerificationGuard>();
  /** Offset of the newest snapshot on disk; -1 when none. */
  private lastSnapOffset = -1;
  private readonly logger;

  constructor(private readonly opts: ProducerStateOptions) {
    this.logger = rootLog.child({ component: 'producer-state', partition: opts.topicPartition });
  }

  get producerCount(): number {
    return this.producers.size;
  }

  entry(producerId: number): ProducerStateEntry | undefined {
    return this.producers.get(producerId);
  }

  activeProducers(): IterableIterator<ProducerStateEntry> {
    return this.producers.values();
  }

  /**
   * Kafka's checks for a client batch, in its order (UnifiedLog.analyzeAndValidateProducerState,
   * ProducerAppendInfo.checkProducerEpoch and checkSequence). `nextOffset` (where the batch would
   * go) only serves the messages. A producer this partition has no state for is accepted at any
   * sequence (KIP-360: its records may have been removed by retention, and Kafka 3.9 no longer
   * answers UNKNOWN_PRODUCER_ID for it).
   */
  checkClientBatch(producerId: number, epoch: number, firstSeq: number, lastSeq: number, nextOffset: number, isTransactional = false): ProducerCheck {
    const entry = this.producers.get(producerId);
    if (entry === undefined) return epoch < NO_PRODUCER_EPOCH ? this.staleEpoch(producerId, epoch, NO_PRODUCER_EPOCH, nextOffset) : APPEND;
    const duplicate = entry.findDuplicate(epoch, firstSeq, lastSeq);
    if (duplicate) return { kind: 'duplicate', batch: duplicate };
    if (epoch < entry.epoch) return this.staleEpoch(producerId, epoch, entry.epoch, nextOffset);
    if (epoch !== entry.epoch) {
      if (firstSeq !== 0 && entry.epoch !== NO_PRODUCER_EPOCH) {
        return {
          kind: 'refused',
          errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          message: `Invalid sequence number for new epoch of producer ${producerId} at offset ${nextOffset} in partition ${this.opts.topicPartition}: ${epoch} (request epoch), ${firstSeq} (seq. number), ${entry.epoch} (current producer epoch)`,
        };
      }
      return APPEND;
    }
    if (entry.epoch !== NO_PRODUCER_EPOCH && !inSequence(entry.lastSeq, firstSeq)) {
      return {
        kind: 'refused',
        errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        message: `Out of order sequence number for producer ${producerId} at offset ${nextOffset} in partition ${this.opts.topicPartition}: ${firstSeq} (incoming seq. number), ${entry.lastSeq} (current end sequence number)`,
      };
    }
    // Kafka's ProducerAppendInfo.appendDataBatch: a producer inside a transaction writes only transactionally.
    if (!isTransactional && entry.currentTxnFirstOffset >= 0) {
      return {
        kind: 'refused',
        errorCode: ErrorCode.INVALID_TXN_STATE,
        message: `Expected transactional write from producer ${producerId} at offset ${nextOffset} in partition ${this.opts.topicPartition}`,
      };
    }
    return APPEND;
  }

  /** The producer's current verification guard, taken at `now` if it has none. */
  verificationGuard(producerId: number, now: number): VerificationGuard {
    let guard = this.verificationGuards.get(producerId);
    if (!guard) this.verificationGuards.set(producerId, (guard = { takenAt: now }));
    return guard;
  }

  /** Whether no marker of the producer was written since `guard` was taken. */
  holdsVerificationGuard(producerId: number, guard: VerificationGuard): boolean {
    return this.verificationGuards.get(producerId) === guard;
  }

  /** Whether `producerId` has a transaction open on this partition (a transactional write then needs no verification). */
  hasOngoingTxn(producerId: number): boolean {
    return (this.producers.get(producerId)?.currentTxnFirstOffset ?? -1) >= 0;
  }

  /**
   * Kafka's checks for a marker (ProducerAppendInfo.appendEndTxnMarker): it must not carry an
   * older producer epoch or come from an older coordinator than the last one.
   */
  checkMarker(producerId: number, epoch: number, coordinatorEpoch: number): ProducerCheck {
    const entry = this.producers.get(producerId);
    if (entry === undefined) return APPEND;
    if (epoch < entry.epoch) return this.staleEpoch(producerId, epoch, entry.epoch, -1);
    if (coordinatorEpoch < entry.coordinatorEpoch) {
      return {
        kind: 'refused',
        errorCode: ErrorCode.TRANSACTION_COORDINATOR_FENCED,
        message: `Invalid coordinator epoch for producer ${producerId} in ${this.opts.topicPartition}: ${coordinatorEpoch} (zombie), ${entry.coordinatorEpoch} (current)`,
      };
    }
    return APPEND;
  }

  /**
   * The first offset no read_committed consumer may pass: the start of the oldest transaction
   * that is ongoing or whose marker is not below the high watermark yet; null when none.
   */
  firstUnstableOffset(highWatermark: number): number | null {
    // Every append asks: no transaction at all costs two length checks.
    if (this.ongoingTxns.size === 0 && this.unreplicatedTxns.length === 0) return null;
    while (this.unreplicatedTxns.length > 0 && this.unreplicatedTxns[0]!.lastOffset < highWatermark) this.unreplicatedTxns.shift();
    let first: number | null = null;
    for (const offset of this.ongoingTxns.keys()) {
      first = offset;
      break;
    }
    for (const t of this.unreplicatedTxns) if (first === null || t.firstOffset < first) first = t.firstOffset;
    return first;
  }

  get ongoingTxnCount(): number {
    return this.ongoingTxns.size;
  }

  private entryFor(producerId: number, epoch: number): ProducerStateEntry {
    let entry = this.producers.get(producerId);
    if (entry === undefined) {
      entry = new ProducerStateEntry(producerId, epoch);
      this.producers.set(producerId, entry);
    }
    return entry;
  }

  private beginTxn(entry: ProducerStateEntry, firstOffset: number): void {
    if (entry.currentTxnFirstOffset >= 0) return;
    entry.currentTxnFirstOffset = firstOffset;
    this.ongoingTxns.set(firstOffset, entry.producerId);
  }

  /**
   * A transactional batch written without a sequence (the group coordinator's TxnOffsetCommit
   * records in __consumer_offsets): it opens the producer's transaction here.
   */
  updateTxnOnly(producerId: number, epoch: number, firstOffset: number, timestamp: number): void {
    const entry = this.entryFor(producerId, epoch);
    entry.updateEpoch(epoch);
    entry.lastTimestamp = timestamp;
    this.beginTxn(entry, firstOffset);
  }

  /**
   * A marker at `markerOffset` ended the producer's transaction (Kafka's appendEndTxnMarker and
   * completeTxn). An abort yields the .txnindex entry, with the last stable offset right after it:
   * the start of the next ongoing transaction of another producer, or the offset after the marker.
   */
  completeTxn(producerId: number, epoch: number, commit: boolean, coordinatorEpoch: number, markerOffset: number, timestamp: number): CompletedTxn {
    const entry = this.entryFor(producerId, epoch);
    this.verificationGuards.delete(producerId);
    const firstOffset = entry.currentTxnFirstOffset >= 0 ? entry.currentTxnFirstOffset : markerOffset;
    if (entry.currentTxnFirstOffset >= 0) this.ongoingTxns.delete(entry.currentTxnFirstOffset);
    entry.updateEpoch(epoch);
    entry.currentTxnFirstOffset = -1;
    entry.coordinatorEpoch = coordinatorEpoch;
    entry.lastTimestamp = timestamp;
    this.unreplicatedTxns.push({ firstOffset, lastOffset: markerOffset });
    let aborted: AbortedTxn | null = null;
    if (!commit) {
      let lastStableOffset = markerOffset + 1;
      for (const [offset, pid] of this.ongoingTxns) {
        if (pid !== producerId) {
          lastStableOffset = offset;
          break;
        }
      }
      aborted = { producerId, firstOffset, lastOffset: markerOffset, lastStableOffset };
    }
    return { producerId, firstOffset, lastOffset: markerOffset, aborted };
  }

  private staleEpoch(producerId: number, epoch: number, current: number, nextOffset: number): ProducerCheck {
    return {
      kind: 'refused',
      errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
      message: `Epoch of producer ${producerId} at offset ${nextOffset} in ${this.opts.topicPartition} is ${epoch}, which is smaller than the last seen epoch ${current}`,
    };
  }

  /** Records a batch that is now in the log (appended by this leader, or found while loading). */
  update(producerId: number, epoch: number, batch: BatchMetadata, isTransactional = false): void {
    const entry = this.entryFor(producerId, epoch);
    entry.addBatch(epoch, batch);
    if (isTransactional) this.beginTxn(entry, batch.firstOffset);
  }

  /**
   * Forgets producers idle for producer.id.expiration.ms, judged, as Kafka does, by the timestamp
   * of their last batch against `now`. Returns how many.
   */
  removeExpiredProducers(now: number): number {
    let n = 0;
    for (const [id, e] of this.producers) {
      if (e.currentTxnFirstOffset < 0 && now - e.lastTimestamp >= this.opts.producerIdExpirationMs) {
        this.producers.delete(id);
        n++;
      }
    }
    // Guards of producers that verified and never wrote, or whose transaction never ended here.
    for (const [id, g] of this.verificationGuards) if (now - g.takenAt >= this.opts.producerIdExpirationMs) this.verificationGuards.delete(id);
    return n;
  }

  /**
   * Retention or DeleteRecords moved the log start: batches below it are gone, and a producer
   * none of whose batches remain is forgotten (its next batch is accepted at any sequence).
   */
  removeProducersBelow(logStartOffset: number): number {
    let n = 0;
    for (const [id, e] of this.producers) {
      while (e.batches.length > 0 && e.batches[0]!.lastOffset < logStartOffset) e.batches.shift();
      if (e.batches.length === 0 && e.currentTxnFirstOffset < 0) {
        this.producers.delete(id);
        n++;
      }
    }
    return n;
  }

  /**
   * A follower cut its log back to `offset` (it diverged from the leader): batches and
   * transactions at or above it are forgotten, as are snapshots past it, so a retry of a batch
   * that was cut is stored again rather than answered with the offsets it no longer has. The
   * records the leader sends next replay the state from there.
   */
  truncateTo(offset: number): void {
    for (const [id, e] of this.producers) {
      while (e.batches.length > 0 && e.batches[e.batches.length - 1]!.lastOffset >= offset) e.batches.pop();
      if (e.currentTxnFirstOffset >= offset) {
        this.ongoingTxns.delete(e.currentTxnFirstOffset);
        e.currentTxnFirstOffset = -1;
      }
      if (e.batches.length === 0 && e.currentTxnFirstOffset < 0) this.producers.delete(id);
    }
    for (let i = this.unreplicatedTxns.length - 1; i >= 0; i--) if (this.unreplicatedTxns[i]!.lastOffset >= offset) this.unreplicatedTxns.splice(i, 1);
    const at = this.opts.snapshots;
    if (!at) return;
    try {
      for (const o of listProducerSnapshots(at.fs, at.dir)) if (o > offset) deleteProducerSnapshot(at.fs, at.dir, o);
    } catch (err) {
      this.logger.warn({ err }, 'removing producer state snapshots past a truncation failed');
    }
    if (this.lastSnapOffset > offset) this.lastSnapOffset = -1;
  }

  /** Kafka's snapshot rows: each producer with its last batch. */
  snapshotEntries(): ProducerSnapshotEntry[] {
    const out: ProducerSnapshotEntry[] = [];
    for (const e of this.producers.values()) {
      const last = e.batches[e.batches.length - 1];
      out.push({
        producerId: e.producerId,
        epoch: e.epoch,
        lastSequence: last?.lastSeq ?? NO_SEQUENCE,
        lastOffset: last?.lastOffset ?? -1,
        offsetDelta: last ? last.lastOffset - last.firstOffset : 0,
        timestamp: e.lastTimestamp,
        coordinatorEpoch: e.coordinatorEpoch,
        currentTxnFirstOffset: e.currentTxnFirstOffset,
      });
    }
    return out;
  }

  /** A snapshot's rows, minus producers already expired at `now` (as Kafka loads them). */
  loadSnapshotEntries(entries: readonly ProducerSnapshotEntry[], now: number): void {
    for (const s of entries) {
      if (s.currentTxnFirstOffset < 0 && now - s.timestamp >= this.opts.producerIdExpirationMs) continue;
      const e = new ProducerStateEntry(s.producerId, s.epoch);
      if (s.lastOffset >= 0) {
        e.batches.push({
          firstSeq: decrementSequence(s.lastSequence, s.offsetDelta),
          lastSeq: s.lastSequence,
          firstOffset: s.lastOffset - s.offsetDelta,
          lastOffset: s.lastOffset,
          timestamp: s.timestamp,
        });
      }
      e.lastTimestamp = s.timestamp;
      e.coordinatorEpoch = s.coordinatorEpoch;
      e.currentTxnFirstOffset = s.currentTxnFirstOffset;
      this.producers.set(s.producerId, e);
    }
    const ongoing = [...this.producers.values()].filter((e) => e.currentTxnFirstOffset >= 0).sort((a, b) => a.currentTxnFirstOffset - b.currentTxnFirstOffset);
    this.ongoingTxns.clear();
    for (const e of ongoing) this.ongoingTxns.set(e.currentTxnFirstOffset, e.producerId);
  }

  /**
   * Writes the state as `<offset>.snapshot`, where `offset` is the end of what it covers (the new
   * segment's base offset at a roll, the log end at shutdown), unless a snapshot at or past it
   * exists. Returns whether one was written. A failure is logged, not thrown: a missing snapshot
   * costs a longer log walk on the next load, never correctness.
   */
  takeSnapshot(offset: number, sync: boolean): boolean {
    const at = this.opts.snapshots;
    if (!at || offset <= this.lastSnapOffset) return false;
    try {
      writeProducerSnapshot(at.fs, at.dir, offset, this.snapshotEntries(), sync);
      this.lastSnapOffset = offset;
      return true;
    } catch (err) {
      this.logger.warn({ err, offset }, 'producer state snapshot failed');
      return false;
    }
  }

  /**
   * Clean shutdown: the state at the log end, fsynced, so the next start reads it instead of the
   * log. Skipped when there is no producer and never was a snapshot (a partition no idempotent
   * producer wrote to and that never rolled): a clean start without snapshots begins empty anyway,
   * and thousands of such partitions would otherwise each cost an fsync.
   */
  snapshotAtShutdown(logEndOffset: number): void {
    if (this.producers.size === 0 && this.lastSnapOffset < 0) return;
    this.takeSnapshot(logEndOffset, true);
  }

  /**
   * Kafka's removeStraySnapshots: a snapshot is kept where a segment starts (a roll wrote it) and
   * the newest one, so snapshots written at shutdowns and loads do not pile up.
   */
  private removeStraySnapshots(segmentBases: readonly number[]): void {
    const at = this.opts.snapshots!;
    const bases = new Set(segmentBases);
    const offsets = listProducerSnapshots(at.fs, at.dir);
    for (const o of offsets.slice(0, -1)) if (!bases.has(o)) deleteProducerSnapshot(at.fs, at.dir, o);
  }

  /** Deletes snapshots below `offset` (the log start: they describe batches that are gone). */
  deleteSnapshotsBefore(offset: number): void {
    const at = this.opts.snapshots;
    if (!at) return;
    try {
      for (const o of listProducerSnapshots(at.fs, at.dir)) if (o < offset) deleteProducerSnapshot(at.fs, at.dir, o);
    } catch (err) {
      this.logger.warn({ err }, 'removing old producer state snapshots failed');
    }
  }

  /**
   * The state of `log` as it is on disk: the newest readable snapshot within the log (later ones
   * were written before a crash lost the records they cover, earlier ones describe deleted
   * records), then every batch after it, headers only. After a clean shutdown with no snapshot
   * at all (a log from before snapshots existed), the state starts empty at the log end instead
   * of walking the whole log, as Kafka does on upgrade.
   */
  static load(log: Log, opts: ProducerStateOptions, now: number, hadCleanShutdown: boolean): ProducerStateManager {
    const m = new ProducerStateManager(opts);
    const start = log.logStartOffset;
    const end = log.logEndOffset;
    let from = start;
    const at = opts.snapshots;
    if (at) {
      const offsets = listProducerSnapshots(at.fs, at.dir);
      for (const o of offsets) if (o > end || o < start) deleteProducerSnapshot(at.fs, at.dir, o);
      const usable = offsets.filter((o) => o >= start && o <= end);
      if (usable.length === 0 && hadCleanShutdown) from = end;
      for (let i = usable.length - 1; i >= 0; i--) {
        const o = usable[i]!;
        try {
          m.loadSnapshotEntries(readProducerSnapshot(at.fs, at.dir, o) ?? [], now);
          m.lastSnapOffset = o;
          from = o;
          break;
        } catch (err) {
          if (!(err instanceof CorruptSnapshotError)) throw err;
          m.logger.warn({ offset: o, reason: err.message }, 'skipping unreadable producer state snapshot');
          deleteProducerSnapshot(at.fs, at.dir, o);
        }
      }
    }
    // The aborted-transaction entries from `from` on are written again by the walk below.
    log.truncateAbortedTxnsFrom(from);
    if (from < end) m.loadFromLog(log, from, end);
    m.removeProducersBelow(start);
    m.removeExpiredProducers(now);
    if (at) m.removeStraySnapshots(log.segmentBaseOffsets());
    // The next load starts here instead of walking the same records again. Not fsynced: a torn
    // file fails its CRC and the load falls back to the snapshot before it.
    if (end > start && end > m.lastSnapOffset) m.takeSnapshot(end, false);
    return m;
  }

  /**
   * Applies the batches with a producer id in [from, end), reading batch headers only (and the
   * one record of each marker), and writes the aborted-transaction entries of the aborts found.
   */
  private loadFromLog(log: Log, from: number, end: number): void {
    let next = from;
    while (next < end) {
      const buf = log.readBuffer(next, LOAD_CHUNK_BYTES, end, true);
      const reached = this.applyBatches(buf, next, log);
      if (reached <= next) break;
      next = reached;
    }
  }

  /**
   * Records the producers of the batches in `buf` (batch headers, and the markers' bodies) at and
   * above `from`: on load, and on a follower, which keeps the same producer and transaction state
   * as its leader so it can take over deduplication. Returns the offset after the last whole batch.
   */
  applyBatches(buf: Buffer, from: number, log: Pick<Log, 'appendAbortedTxn'>): number {
    let at = 0;
    let reached = from;
    while (at + HEADER_SIZE <= buf.length) {
      const size = batchSize(buf, at);
      if (size < HEADER_SIZE || at + size > buf.length) break;
      const firstOffset = batchBaseOffset(buf, at);
      const lastOffset = firstOffset + batchLastOffsetDelta(buf, at);
      const producerId = batchProducerId(buf, at);
      const attributes = batchAttributes(buf, at);
      if (producerId >= 0 && lastOffset >= from) {
        const epoch = batchProducerEpoch(buf, at);
        const timestamp = batchMaxTimestamp(buf, at);
        if ((attributes & CONTROL_FLAG) !== 0) {
          const marker = readMarker(buf.subarray(at, at + size));
          if (marker !== null) {
            const done = this.completeTxn(producerId, epoch, marker.commit, marker.coordinatorEpoch, firstOffset, timestamp);
            if (done.aborted) log.appendAbortedTxn(done.aborted);
          }
        } else {
          const firstSeq = batchBaseSequence(buf, at);
          const transactional = (attributes & TRANSACTIONAL_FLAG) !== 0;
          if (firstSeq < 0) {
            if (transactional) this.updateTxnOnly(producerId, epoch, firstOffset, timestamp);
          } else {
            this.update(producerId, epoch, { firstSeq, lastSeq: incrementSequence(firstSeq, lastOffset - firstOffset), firstOffset, lastOffset, timestamp }, transactional);
          }
        }
      }
      reached = lastOffset + 1;
      at += size;
    }
    return reached;
  }
}

/** The transaction marker in a control batch; null for other control records (or an unreadable one). */
export function readMarker(batch: Buffer, at = 0): { commit: boolean; coordinatorEpoch: number } | null {
  try {
    for (const r of iterateRecords(batch, at)) {
      const c = parseControlRecord(r.key, r.value);
      if (c.type !== ControlType.ABORT && c.type !== ControlType.COMMIT) return null;
      return { commit: c.type === ControlType.COMMIT, coordinatorEpoch: c.coordinatorEpoch ?? -1 };
    }
  } catch {
    return null;
  }
  return null;
}
