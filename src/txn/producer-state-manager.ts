/**
 * One partition's idempotent-producer state (Kafka's ProducerStateManager, ProducerStateEntry
 * and ProducerAppendInfo): for each producer id its epoch and its last five batches (sequence
 * range, offset range, timestamp). A client batch carrying a producer id is checked against it
 * before anything is written: a retry of one of those five batches is a duplicate, answered with
 * the offsets it was stored at; anything else must continue the sequence or start a newer epoch
 * at sequence 0. The state is updated after each successful append, snapshotted in Kafka's
 * `<offset>.snapshot` files, and rebuilt on load from the last snapshot plus the batch headers
 * of the log after it.
 */
import { ErrorCode } from '../protocol/errors.js';
import {
  CONTROL_FLAG,
  HEADER_SIZE,
  batchAttributes,
  batchBaseOffset,
  batchBaseSequence,
  batchLastOffsetDelta,
  batchMaxTimestamp,
  batchProducerEpoch,
  batchProducerId,
  batchSize,
} from '../record/batch-header.js';
import type { FileSystem } from '../storage/fs.js';
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
  /** Transaction fields of Kafka's entry, kept for the snapshot format; transactions come later. */
  coordinatorEpoch = -1;
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

  /** A new epoch forgets the old epoch's batches, as Kafka's maybeUpdateProducerEpoch. */
  addBatch(epoch: number, batch: BatchMetadata): void {
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.batches.length = 0;
    }
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

export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerStateEntry>();
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
  checkClientBatch(producerId: number, epoch: number, firstSeq: number, lastSeq: number, nextOffset: number): ProducerCheck {
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
    return APPEND;
  }

  private staleEpoch(producerId: number, epoch: number, current: number, nextOffset: number): ProducerCheck {
    return {
      kind: 'refused',
      errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
      message: `Epoch of producer ${producerId} at offset ${nextOffset} in ${this.opts.topicPartition} is ${epoch}, which is smaller than the last seen epoch ${current}`,
    };
  }

  /** Records a batch that is now in the log (appended by this leader, or found while loading). */
  update(producerId: number, epoch: number, batch: BatchMetadata): void {
    let entry = this.producers.get(producerId);
    if (entry === undefined) {
      entry = new ProducerStateEntry(producerId, epoch);
      this.producers.set(producerId, entry);
    }
    entry.addBatch(epoch, batch);
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
      if (e.batches.length === 0) {
        this.producers.delete(id);
        n++;
      }
    }
    return n;
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
    if (from < end) m.loadFromLog(log, from, end);
    m.removeProducersBelow(start);
    m.removeExpiredProducers(now);
    if (at) m.removeStraySnapshots(log.segmentBaseOffsets());
    // The next load starts here instead of walking the same records again. Not fsynced: a torn
    // file fails its CRC and the load falls back to the snapshot before it.
    if (end > start && end > m.lastSnapOffset) m.takeSnapshot(end, false);
    return m;
  }

  /** Applies the data batches with a producer id in [from, end), reading batch headers only. */
  private loadFromLog(log: Log, from: number, end: number): void {
    let next = from;
    while (next < end) {
      const buf = log.readBuffer(next, LOAD_CHUNK_BYTES, end, true);
      const reached = this.applyBatches(buf, next);
      if (reached <= next) break;
      next = reached;
    }
  }

  /**
   * Records the producers of the batches in `buf` (batch headers only) at and above `from`: a
   * follower keeps the same producer state as its leader, so it can take over deduplication.
   * Returns the offset after the last whole batch.
   */
  applyBatches(buf: Buffer, from: number): number {
    let at = 0;
    let reached = from;
    while (at + HEADER_SIZE <= buf.length) {
      const size = batchSize(buf, at);
      if (size < HEADER_SIZE || at + size > buf.length) break;
      const firstOffset = batchBaseOffset(buf, at);
      const lastOffset = firstOffset + batchLastOffsetDelta(buf, at);
      const producerId = batchProducerId(buf, at);
      // Control batches (transaction markers) carry no sequence; they matter once transactions exist.
      if (producerId >= 0 && lastOffset >= from && (batchAttributes(buf, at) & CONTROL_FLAG) === 0) {
        const firstSeq = batchBaseSequence(buf, at);
        this.update(producerId, batchProducerEpoch(buf, at), {
          firstSeq,
          lastSeq: incrementSequence(firstSeq, lastOffset - firstOffset),
          firstOffset,
          lastOffset,
          timestamp: batchMaxTimestamp(buf, at),
        });
      }
      reached = lastOffset + 1;
      at += size;
    }
    return reached;
  }
}
