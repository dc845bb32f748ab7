import * as path from 'node:path';
import { systemClock, type Clock, type Timer } from '../util/clock.js';
import {
  ATTRIBUTES,
  CRC,
  HEADER_SIZE,
  MAGIC,
  MAX_TIMESTAMP,
  TIMESTAMP_TYPE_MASK,
  batchBaseOffset,
  batchLastOffsetDelta,
  batchLeaderEpoch,
  batchMaxTimestamp,
  batchSize,
  computeBatchCrc,
  setBatchBaseOffset,
  setBatchLeaderEpoch,
  writeInt64,
} from '../record/batch-header.js';
import { log as rootLog } from '../util/log.js';
import {
  MAX_OFFSET,
  MAX_RELATIVE_OFFSET,
  findRecordAtOrAfter,
  maxTimestampRecord,
  scanValidBatches,
  type BatchInfo,
} from './batch-scan.js';
import { makeLogConfig, type LogConfig } from './config.js';
import { InvalidBatchError, LogOfflineError, OffsetOutOfRangeError, UnexpectedAppendOffsetError } from './errors.js';
import { readFully, realFs, type FileSystem } from './fs.js';
import { LEADER_EPOCH_CHECKPOINT, LeaderEpochCache } from './leader-epoch-cache.js';
import type { OpenFiles } from './open-files.js';
import { TXN_INDEX_SUFFIX, type AbortedTxn } from './txn-index.js';
import { DELETED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX, Segment, TIME_INDEX_SUFFIX, segmentFileName, FileRange, type SegmentSettings } from './segment.js';

/** Segment file names: the base offset, zero-padded to 20 digits (Kafka's). */
const SEGMENT_STEM = /^\d{20}$/;

/** Log cleaner files (Kafka's names): being written, and written but not yet swapped in. */
export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';

export { FileRange } from './segment.js';

/** ListOffsets special timestamps (Kafka's ListOffsetsRequest constants). */
export const EARLIEST_TIMESTAMP = -2;
export const LATEST_TIMESTAMP = -1;
export const MAX_TIMESTAMP_LOOKUP = -3;

export interface LogOpenOptions {
  dir: string;
  topic: string;
  partition: number;
  fs?: FileSystem;
  config?: Partial<LogConfig>;
  /** From recovery-point-offset-checkpoint; segments from the one holding it on are scanned after an unclean stop. */
  recoveryPoint?: number;
  /** From log-start-offset-checkpoint. */
  logStartOffset?: number;
  hadCleanShutdown?: boolean;
  /** Wall clock, injectable for tests. */
  time?: () => number;
  /** Timers (file.delete.delay.ms); the system clock by default. */
  clock?: Clock;
  /** Called when the log start offset moves (DeleteRecords, retention) so the owner can checkpoint it. */
  onLogStartOffsetChange?: (log: Log) => void;
  /** The bound on open segment files (default: the process's, from its descriptor limit). */
  openFiles?: OpenFiles;
  /** Told how long each flush took, in seconds (the log flush latency metric). */
  onFlush?: (seconds: number) => void;
}

export interface AppendOptions {
  /** Written into every batch's partitionLeaderEpoch and recorded in the leader-epoch cache. */
  leaderEpoch?: number;
  /**
   * Each batch's position, size and last offset delta as the caller's validation read them:
   * the headers are then not walked again.
   */
  batches?: ReadonlyArray<{ position: number; size: number; lastOffsetDelta: number }>;
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** The broker time stamped into the batches for LogAppendTime topics, else -1. */
  logAppendTime: number;
  /** Bytes written. */
  size: number;
  batchCount: number;
}

export interface ReadResult {
  /** Consecutive byte ranges of whole batches, in offset order (possibly across segments). */
  ranges: FileRange[];
  size: number;
  /** Where a sequential reader continues: the first offset after the batches returned. */
  nextOffset: number;
}

export interface OffsetAndTimestamp {
  offset: number;
  timestamp: number;
}

/**
 * One partition's log: an ordered list of segments, the last one active. All methods are
 * synchronous and must be called from one thread (the event loop), which serializes appends.
 */
export class Log {
  readonly dir: string;
  readonly topic: string;
  readonly partition: number;
  private readonly fs: FileSystem;
  private cfg: LogConfig;
  private segments: Segment[] = [];
  private _logStartOffset = 0;
  private _logEndOffset = 0;
  private _recoveryPoint = 0;
  private unflushedMessages = 0;
  private lastFlushMs: number;
  private readonly time: () => number;
  private readonly onLogStartChange: ((log: Log) => void) | undefined;
  private readonly openFiles: OpenFiles | undefined;
  private readonly onFlush: ((seconds: number) => void) | undefined;
  private _highWatermark = 0;
  private pendingDeletes = new Set<{ seg: Segment; timer: Timer | null }>();
  private readonly clock: Clock;
  private rollFsyncChain: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private closed = false;
  readonly epochCache: LeaderEpochCache;
  /**
   * Called when a roll has started the segment at `baseOffset`, before anything is written to
   * it: every batch below it is in the log (the owner snapshots its producer state there).
   */
  onRoll: ((baseOffset: number) => void) | null = null;
  private readonly logger;

  private constructor(opts: LogOpenOptions) {
    this.dir = opts.dir;
    this.topic = opts.topic;
    this.partition = opts.partition;
    this.fs = opts.fs ?? realFs;
    this.cfg = makeLogConfig(opts.config);
    this.clock = opts.clock ?? systemClock;
    this.time = opts.time ?? (() => this.clock.now());
    this.onLogStartChange = opts.onLogStartOffsetChange;
    this.openFiles = opts.openFiles;
    this.onFlush = opts.onFlush;
    this.lastFlushMs = this.time();
    this.fs.mkdir(this.dir);
    this.epochCache = new LeaderEpochCache(this.fs, path.join(this.dir, LEADER_EPOCH_CHECKPOINT));
    this.logger = rootLog.child({ topic: opts.topic, partition: opts.partition });
  }

  static open(opts: LogOpenOptions): Log {
    const l = new Log(opts);
    l.load(opts.recoveryPoint ?? 0, opts.logStartOffset ?? 0, opts.hadCleanShutdown ?? false);
    return l;
  }

  private settings(): SegmentSettings {
    return { indexIntervalBytes: this.cfg['index.interval.bytes'], maxIndexSize: this.cfg['segment.index.bytes'], ...(this.openFiles ? { openFiles: this.openFiles } : {}) };
  }

  /**
   * Kafka's LogLoader. After an unclean stop the segments that may hold offsets from the
   * recovery point on are unflushed: each is validated in full, and a corrupt one is truncated
   * and every unflushed segment after it deleted (what follows a torn write is unreliable).
   * Below the recovery point, or after a clean stop, segments are trusted but each one's tail is
   * still validated (Segment.open); damage found there is damage to data that was flushed, so
   * only that segment is truncated and the segments after it stay: the log end offset comes
   * from the last segment and offsets are never handed out twice. Nothing here throws for what
   * the files contain; an index that cannot even be opened is rebuilt.
   */
  private load(recoveryPoint: number, checkpointedStart: number, clean: boolean): void {
    const forceRecover = this.recoverCleanerFiles();
    const names = this.fs.readdir(this.dir);
    const bases: number[] = [];
    const logNames = new Set<string>();
    for (const n of names) {
      if (n.endsWith(DELETED_SUFFIX) || n.endsWith('.tmp')) this.fs.rmTree(path.join(this.dir, n));
      else if (n.endsWith(LOG_SUFFIX)) {
        const stem = n.slice(0, -LOG_SUFFIX.length);
        const base = SEGMENT_STEM.test(stem) ? Number(stem) : NaN;
        if (!Number.isSafeInteger(base)) {
          this.logger.warn({ file: n }, 'ignoring a file that is not named like a segment');
          continue;
        }
        bases.push(base);
        logNames.add(stem);
      }
    }
    for (const n of names) {
      for (const suf of [INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX]) {
        if (n.endsWith(suf) && !logNames.has(n.slice(0, -suf.length))) this.fs.rmTree(path.join(this.dir, n));
      }
    }
    bases.sort((a, b) => a - b);
    const now = this.time();
    // After an unclean stop, one line per log says what recovery checked and what it cut off.
    const recovered = { segments: 0, truncatedBytes: 0, deletedSegments: 0 };
    for (let i = 0; i < bases.length; i++) {
      const base = bases[i]!;
      const nextBase = bases[i + 1];
      const unflushed = !clean && (nextBase === undefined || nextBase > recoveryPoint);
      const { segment, truncatedBytes } = this.openSegment(base, unflushed || forceRecover.has(base), now);
      if (unflushed) recovered.segments++;
      recovered.truncatedBytes += truncatedBytes;
      // Only the last one stays the active segment: the others' files are let go of as the bound needs.
      this.segments.at(-1)?.markInactive();
      this.segments.push(segment);
      if (truncatedBytes === 0) continue;
      const later = bases.slice(i + 1);
      if (unflushed && later.length > 0) {
        this.logger.warn(
          { segment: base, truncatedBytes, nextOffset: segment.nextOffset, deletedSegments: later },
          'corruption in an unflushed segment: truncated it and deleted the unflushed segments after it',
        );
        for (const b of later) this.removeSegmentFiles(b);
        recovered.deletedSegments = later.length;
        break;
      }
      this.logger.warn(
        { segment: base, truncatedBytes, nextOffset: segment.nextOffset, keptSegments: later.length, recoveryPoint, clean },
        'truncated invalid bytes at the end of a segment',
      );
    }
    if (this.segments.length === 0) {
      this.segments.push(Segment.open(this.fs, this.dir, checkpointedStart, this.settings(), now, false).segment);
    }
    const active = this.active();
    if (!clean && recovered.segments > 0) {
      this.logger.info(
        { recoveryPoint, segmentsChecked: recovered.segments, truncatedBytes: recovered.truncatedBytes, deletedSegments: recovered.deletedSegments, logEndOffset: active.nextOffset },
        recovered.truncatedBytes > 0 ? `recovered after an unclean shutdown: truncated ${recovered.truncatedBytes} bytes` : 'recovered after an unclean shutdown: nothing truncated',
      );
    }
    this._logEndOffset = active.nextOffset;
    this._logStartOffset = Math.min(Math.max(checkpointedStart, this.segments[0]!.baseOffset), this._logEndOffset);
    this._recoveryPoint = Math.min(recoveryPoint, this._logEndOffset);
    this.epochCache.truncateFromEnd(this._logEndOffset);
    this.epochCache.truncateFromStart(this._logStartOffset);
  }

  /** Segment.open; an index that cannot be opened or read is deleted and rebuilt from the log. */
  private openSegment(base: number, recover: boolean, now: number): { segment: Segment; truncatedBytes: number } {
    const onBatch = (b: BatchInfo): void => this.learnEpoch(b);
    try {
      return Segment.open(this.fs, this.dir, base, this.settings(), now, recover, onBatch);
    } catch (err) {
      this.logger.warn({ err, segment: base }, 'cannot open a segment; rebuilding its indexes');
      for (const suf of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) this.fs.rmTree(path.join(this.dir, segmentFileName(base, suf)));
    }
    try {
      return Segment.open(this.fs, this.dir, base, this.settings(), now, true, onBatch);
    } catch (err) {
      // the .log itself cannot be read: an I/O failure, not something recovery can repair
      throw new Error(`cannot read segment ${path.join(this.dir, segmentFileName(base, LOG_SUFFIX))}: ${(err as Error).message}`, { cause: err });
    }
  }

  private removeSegmentFiles(base: number): void {
    for (const suf of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX]) this.fs.rmTree(path.join(this.dir, segmentFileName(base, suf)));
  }

  /**
   * The log cleaner's crash recovery, as Kafka: `.cleaned` files are an unfinished cleaning and
   * are dropped; a `.swap` file is a finished one whose swap was interrupted: the segments it
   * replaces (base offsets within its offset range) go and it becomes a live segment. Returns
   * the base offsets whose indexes must be rebuilt.
   */
  private recoverCleanerFiles(): Set<number> {
    const names = this.fs.readdir(this.dir);
    const rebuilt = new Set<number>();
    for (const n of names) if (n.endsWith(CLEANED_SUFFIX)) this.fs.unlink(path.join(this.dir, n));
    for (const n of names) {
      if (!n.endsWith(LOG_SUFFIX + SWAP_SUFFIX)) continue;
      const base = Number(n.slice(0, -(LOG_SUFFIX + SWAP_SUFFIX).length));
      const swapPath = path.join(this.dir, n);
      const fd = this.fs.open(swapPath, false);
      let last = base;
      try {
        scanValidBatches(this.fs, fd, 0, this.fs.size(fd), base, (b) => {
          last = b.lastOffset;
        });
      } finally {
        this.fs.close(fd);
      }
      for (const other of names) {
        if (!other.endsWith(LOG_SUFFIX)) continue;
        const ob = Number(other.slice(0, -LOG_SUFFIX.length));
        if (ob < base || ob > last) continue;
        for (const suf of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX]) {
          const f = path.join(this.dir, segmentFileName(ob, suf));
          if (this.fs.exists(f)) this.fs.unlink(f);
        }
      }
      for (const suf of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
        const f = path.join(this.dir, segmentFileName(base, suf));
        if (this.fs.exists(f)) this.fs.unlink(f);
      }
      this.fs.rename(swapPath, path.join(this.dir, segmentFileName(base, LOG_SUFFIX)));
      rebuilt.add(base);
    }
    if (rebuilt.size > 0) this.fs.fsyncDir(this.dir);
    return rebuilt;
  }

  /** Every segment but the active one, oldest first (the log cleaner's input). */
  inactiveSegments(): readonly Segment[] {
    return this.segments.slice(0, -1);
  }

  /**
   * Replaces consecutive inactive segments `olds` by the segment written (and fsynced) at
   * `cleanedPath` (`<olds[0] base>.log.cleaned`), or drops them when `cleanedPath` is null.
   * Crash-safe as Kafka: rename to `.swap`, retire the old files (`.deleted`), rename the swap
   * to `.log`; a restart finishes or undoes whatever was interrupted (recoverCleanerFiles).
   * The log start offset does not move.
   */
  replaceSegments(olds: readonly Segment[], cleanedPath: string | null): void {
    this.checkWritable();
    const first = this.segments.indexOf(olds[0]!);
    if (first < 0 || olds.some((s, i) => this.segments[first + i] !== s) || first + olds.length >= this.segments.length) {
      throw new Error('segments to replace are not consecutive inactive segments of this log');
    }
    const base = olds[0]!.baseOffset;
    if (cleanedPath === null) {
      this.segments.splice(first, olds.length);
      for (const s of olds) this.deleteSegment(s);
      this.fs.fsyncDir(this.dir);
      return;
    }
    const swapPath = path.join(this.dir, segmentFileName(base, LOG_SUFFIX + SWAP_SUFFIX));
    this.fs.rename(cleanedPath, swapPath);
    this.fs.fsyncDir(this.dir);
    for (const s of olds) this.deleteSegment(s);
    this.fs.rename(swapPath, path.join(this.dir, segmentFileName(base, LOG_SUFFIX)));
    const { segment } = Segment.open(this.fs, this.dir, base, this.settings(), this.time(), true);
    segment.onBecomeInactive();
    segment.markInactive();
    this.segments.splice(first, olds.length, segment);
    this.fs.fsyncDir(this.dir);
  }

  private learnEpoch(b: BatchInfo): void {
    if (b.leaderEpoch > this.epochCache.latestEpoch()) this.epochCache.assign(b.leaderEpoch, b.baseOffset);
  }

  private active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  get logStartOffset(): number {
    return this._logStartOffset;
  }
  get logEndOffset(): number {
    return this._logEndOffset;
  }
  get recoveryPoint(): number {
    return this._recoveryPoint;
  }
  /**
   * The offset below which every record is committed (replicated to the ISR): what consumers may
   * read and what retention may delete. The partition's leader moves it; it never passes the
   * log end offset, and only truncation moves it back.
   */
  get highWatermark(): number {
    return this._highWatermark;
  }
  updateHighWatermark(offset: number): void {
    this._highWatermark = Math.min(Math.max(offset, this._logStartOffset), this._logEndOffset);
  }
  get config(): Readonly<LogConfig> {
    return this.cfg;
  }
  /** Bytes in all live segments. */
  get size(): number {
    let s = 0;
    for (const seg of this.segments) s += seg.size;
    return s;
  }
  get numberOfSegments(): number {
    return this.segments.length;
  }
  /** Base offsets of the live segments, oldest first. */
  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  updateConfig(overrides: Partial<LogConfig>): void {
    this.cfg = makeLogConfig({ ...this.cfg, ...overrides });
    this.active().settings = this.settings();
  }

  private checkWritable(): void {
    if (this.closed) throw new LogOfflineError(this.dir, new Error('log is closed'));
    if (this.failure !== null) throw new LogOfflineError(this.dir, this.failure);
  }

  /**
   * Leader append: assigns offsets from the log end offset by patching base offsets in place,
   * optionally stamps the leader epoch and (LogAppendTime topics) the max timestamp, and writes
   * everything with one write. `batches` is mutated.
   */
  append(batches: Buffer, opts: AppendOptions = {}): AppendResult {
    this.checkWritable();
    const appendTime = this.cfg['message.timestamp.type'] === 'LogAppendTime' ? this.time() : -1;
    const patch = (b: Buffer, at: number, info: BatchInfo): void => {
      setBatchBaseOffset(b, info.baseOffset, at);
      if (opts.leaderEpoch !== undefined) setBatchLeaderEpoch(b, opts.leaderEpoch, at);
      if (appendTime >= 0) {
        b.writeInt16BE(b.readInt16BE(at + ATTRIBUTES) | TIMESTAMP_TYPE_MASK, at + ATTRIBUTES);
        writeInt64(b, at + MAX_TIMESTAMP, appendTime);
        b.writeUInt32BE(computeBatchCrc(b, at), at + CRC);
      }
    };
    const infos = opts.batches ? patchKnownBatches(batches, opts.batches, patch, this._logEndOffset) : walkBatches(batches, patch, this._logEndOffset);
    const res = this.write(batches, infos, appendTime);
    if (opts.leaderEpoch !== undefined && opts.leaderEpoch > this.epochCache.latestEpoch()) {
      this.epochCache.assign(opts.leaderEpoch, res.baseOffset);
    }
    return res;
  }

  /**
   * Records a transaction aborted by the marker just appended (in the active segment), in that
   * segment's .txnindex.
   */
  appendAbortedTxn(e: AbortedTxn): void {
    this.checkWritable();
    this.segments[this.segmentIndexFor(e.lastOffset)]!.txnIndex.append(e);
  }

  /** Drops aborted-transaction entries whose marker is at or after `offset` (before they are rebuilt from the log). */
  truncateAbortedTxnsFrom(offset: number): void {
    for (let i = this.segmentIndexFor(offset); i < this.segments.length; i++) this.segments[i]!.txnIndex.truncateTo(offset);
  }

  /**
   * Kafka's collectAbortedTransactions: the aborted transactions overlapping [fetchOffset,
   * upperBound), from the segment holding fetchOffset on (each entry lives with its marker, so
   * earlier segments cannot hold one that ends at or after fetchOffset) until an entry's last
   * stable offset shows that every transaction begun below the bound has ended.
   */
  collectAbortedTxns(fetchOffset: number, upperBound: number): AbortedTxn[] {
    const out: AbortedTxn[] = [];
    for (let i = this.segmentIndexFor(fetchOffset); i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      if (seg.txnIndex.size > 0 && seg.txnIndex.collect(fetchOffset, upperBound, out)) break;
    }
    return out;
  }

  /** Replica append: keeps the offsets (and epochs) already in the batches; gaps are allowed. */
  appendAsFollower(batches: Buffer): AppendResult {
    this.checkWritable();
    const infos = walkBatches(batches, null, -1);
    const first = infos[0]!;
    if (first.baseOffset < this._logEndOffset) throw new UnexpectedAppendOffsetError(first.baseOffset, this._logEndOffset);
    const res = this.write(batches, infos, -1);
    for (const b of infos) this.learnEpoch(b);
    return res;
  }

  private write(buf: Buffer, infos: BatchInfo[], appendTime: number): AppendResult {
    const first = infos[0]!;
    const last = infos[infos.length - 1]!;
    // One append goes to one segment, which must be able to index it: refused before any byte
    // is written (a RangeError from the index after the write would leave bytes no offset covers).
    if (last.lastOffset > MAX_OFFSET) throw new InvalidBatchError(`last offset ${last.lastOffset} is beyond the offset limit`);
    if (last.lastOffset - first.baseOffset > MAX_RELATIVE_OFFSET) {
      throw new InvalidBatchError(`batches spanning offsets ${first.baseOffset}..${last.lastOffset} do not fit one segment's offset index`);
    }
    this.maybeRoll(buf.length, first.baseOffset, last.lastOffset);
    try {
      this.active().append(buf, infos);
    } catch (err) {
      // Segment.append undid a partial write; if even that failed, the file state is unknown.
      if (err instanceof LogOfflineError) this.failure = err;
      throw err;
    }
    this._logEndOffset = last.lastOffset + 1;
    this.unflushedMessages += last.lastOffset - first.baseOffset + 1;
    if (this.unflushedMessages >= this.cfg['flush.messages']) this.flush();
    return {
      baseOffset: first.baseOffset,
      lastOffset: last.lastOffset,
      logAppendTime: appendTime,
      size: buf.length,
      batchCount: infos.length,
    };
  }

  private maybeRoll(appendBytes: number, firstOffset: number, lastOffset: number): void {
    const seg = this.active();
    // Kafka rolls when `offset - baseOffset > Int.MaxValue`, even an empty segment: its base
    // may lie far below a follower's first offset.
    if (lastOffset - seg.baseOffset > MAX_RELATIVE_OFFSET) {
      this.roll(firstOffset);
      return;
    }
    if (seg.size === 0) return;
    const now = this.time();
    const base = seg.rollingBaseTimestamp >= 0 ? seg.rollingBaseTimestamp : seg.createdMs;
    if (seg.size > this.cfg['segment.bytes'] - appendBytes || now - base > this.cfg['segment.ms'] || seg.isIndexFull()) {
      this.roll(firstOffset);
    }
  }

  /** Starts a new active segment at `baseOffset` (default: log end offset); fsyncs the old one off-thread. */
  roll(baseOffset = this._logEndOffset): void {
    const old = this.active();
    if (old.size === 0 && old.baseOffset === baseOffset) return;
    old.onBecomeInactive();
    const seg = Segment.open(this.fs, this.dir, baseOffset, this.settings(), this.time(), false).segment;
    this.segments.push(seg);
    this.onRoll?.(baseOffset);
    // Retained before the old segment may let go of them: the fsync goes through the descriptors that wrote it.
    const written = old.retainFiles();
    old.markInactive();
    const upTo = old.nextOffset;
    this.rollFsyncChain = this.rollFsyncChain
      .then(async () => {
        if (this.closed) return;
        await written.fsync();
        if (!this.closed) this._recoveryPoint = Math.min(Math.max(this._recoveryPoint, upTo), this._logEndOffset);
      })
      .catch((err: unknown) => this.logger.warn({ err }, 'fsync after roll failed'))
      .finally(() => written.release());
  }

  /** Resolves when the fsyncs started by earlier rolls are done (tests, clean shutdown). */
  whenRollsSynced(): Promise<void> {
    return this.rollFsyncChain;
  }

  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * File ranges covering whole batches from the batch containing startOffset, never including a
   * batch that reaches upToOffset, at most maxBytes unless the first batch alone is larger
   * (minOneBatch). Throws OffsetOutOfRangeError outside [logStartOffset, logEndOffset].
   * Each range holds its file open until released (a deleted segment's file too): the caller
   * releases every range once its bytes are copied or sent.
   */
  read(startOffset: number, maxBytes: number, upToOffset = this._logEndOffset, minOneBatch = true): ReadResult {
    if (startOffset < this._logStartOffset || startOffset > this._logEndOffset) {
      throw new OffsetOutOfRangeError(startOffset, this._logStartOffset, this._logEndOffset);
    }
    const ranges: FileRange[] = [];
    let size = 0;
    let nextOffset = startOffset;
    if (startOffset >= upToOffset || startOffset === this._logEndOffset) return { ranges, size, nextOffset };
    for (let i = this.segmentIndexFor(startOffset); i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      const from = Math.max(startOffset, seg.baseOffset);
      const r = seg.read(from, maxBytes - size, upToOffset, minOneBatch && size === 0, ranges);
      size += r.bytes;
      if (r.bytes > 0) nextOffset = r.nextOffset;
      if (!r.complete || size >= maxBytes) break;
    }
    return { ranges, size, nextOffset };
  }

  /** read() copied into one Buffer (for the network layer when not using sendfile, and tests). */
  readBuffer(startOffset: number, maxBytes: number, upToOffset = this._logEndOffset, minOneBatch = true): Buffer {
    const r = this.read(startOffset, maxBytes, upToOffset, minOneBatch);
    return this.copyRanges(r.ranges, r.size);
  }

  /** Copies ranges returned by read() into a Buffer, and releases them. */
  copyRanges(ranges: FileRange[], size: number): Buffer {
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    try {
      for (const r of ranges) {
        const n = readFully(this.fs, r.fd, out, at, r.length, r.position);
        at += n;
        if (n < r.length) break; // truncated underneath us
      }
    } finally {
      for (const r of ranges) r.release();
    }
    return at === size ? out : out.subarray(0, at);
  }

  /**
   * ListOffsets v0 (Kafka's legacyFetchOffsetsBefore): segment base offsets, and the log end when
   * the active segment holds data, paired with the segment files' modification times; the
   * entries at or before `timestamp` (all for -1, the first for -2), at most `maxNumOffsets`,
   * highest first.
   */
  legacyOffsetsBefore(timestamp: number, maxNumOffsets: number): number[] {
    const entries: Array<[number, number]> = this.segments.map((s) => [Math.max(s.baseOffset, this._logStartOffset), s.lastModified()]);
    if (this.active().size > 0) entries.push([this._logEndOffset, this.time()]);
    let start = entries.length - 1;
    if (timestamp === EARLIEST_TIMESTAMP) start = 0;
    else if (timestamp !== LATEST_TIMESTAMP) while (start >= 0 && entries[start]![1] > timestamp) start--;
    const out: number[] = [];
    for (let i = start; i >= 0 && out.length < maxNumOffsets; i--) out.push(entries[i]![0]);
    return out.sort((a, b) => b - a);
  }

  /** ListOffsets: EARLIEST (-2), LATEST (-1), MAX_TIMESTAMP (-3) or a timestamp. Null: no such record. */
  fetchOffsetByTimestamp(timestamp: number): OffsetAndTimestamp | null {
    if (timestamp === EARLIEST_TIMESTAMP) return { offset: this._logStartOffset, timestamp: -1 };
    if (timestamp === LATEST_TIMESTAMP) return { offset: this._logEndOffset, timestamp: -1 };
    if (timestamp === MAX_TIMESTAMP_LOOKUP) return this.maxTimestampOffset();
    return this.offsetForTimestamp(timestamp);
  }

  /**
   * First record with timestamp >= target at or after the log start offset. Exact for
   * uncompressed batches; for compressed ones, the batch's first offset (not decompressed here).
   */
  offsetForTimestamp(target: number): OffsetAndTimestamp | null {
    for (const seg of this.segments) {
      if (seg.nextOffset <= this._logStartOffset || seg.maxTimestamp < target) continue;
      let b = seg.findBatchByTimestamp(target, this._logStartOffset);
      while (b) {
        const found = findRecordAtOrAfter(seg.readBatch(b), this._logStartOffset, target);
        if (found) return found;
        b = seg.findBatchByTimestamp(target, this._logStartOffset, b.position + b.size);
      }
    }
    return null;
  }

  /** The record with the largest timestamp (KIP-734); null on an empty log. */
  maxTimestampOffset(): OffsetAndTimestamp | null {
    let best: Segment | null = null;
    for (const seg of this.segments) {
      if (seg.nextOffset <= this._logStartOffset || seg.maxTimestamp < 0) continue;
      if (!best || seg.maxTimestamp > best.maxTimestamp) best = seg;
    }
    if (!best) return null;
    const b = best.findBatch(best.offsetOfMaxTimestamp);
    if (!b) return { offset: best.offsetOfMaxTimestamp, timestamp: best.maxTimestamp };
    return maxTimestampRecord(best.readBatch(b));
  }

  /** Drops every batch from the one containing targetOffset on (followers diverging from the leader). */
  truncateTo(targetOffset: number): boolean {
    this.checkWritable();
    if (targetOffset >= this._logEndOffset) return false;
    if (targetOffset <= this.segments[0]!.baseOffset) {
      this.truncateFullyAndStartAt(targetOffset);
      return true;
    }
    while (this.segments.length > 1 && this.active().baseOffset >= targetOffset) {
      this.deleteSegment(this.segments.pop()!);
    }
    const seg = this.active();
    seg.markActive();
    seg.truncateTo(targetOffset);
    this._logEndOffset = seg.nextOffset;
    this._recoveryPoint = Math.min(this._recoveryPoint, this._logEndOffset);
    this._highWatermark = Math.min(this._highWatermark, this._logEndOffset);
    this.epochCache.truncateFromEnd(this._logEndOffset);
    if (this._logStartOffset > this._logEndOffset) this.setLogStartOffset(this._logEndOffset);
    return true;
  }

  /** Deletes everything and restarts the log empty at `offset` (follower far behind the leader's log start). */
  truncateFullyAndStartAt(offset: number): void {
    this.checkWritable();
    for (const seg of this.segments.splice(0)) this.deleteSegment(seg);
    this.segments.push(Segment.open(this.fs, this.dir, offset, this.settings(), this.time(), false).segment);
    this._logEndOffset = offset;
    this._recoveryPoint = offset;
    this._highWatermark = offset;
    this.epochCache.clear();
    this.setLogStartOffset(offset);
  }

  /** DeleteRecords: moves the log start offset forward and drops segments wholly below it. */
  deleteRecordsBefore(offset: number): number {
    this.checkWritable();
    if (offset > this._logEndOffset || offset < 0) {
      throw new OffsetOutOfRangeError(offset, this._logStartOffset, this._logEndOffset);
    }
    if (offset > this._logStartOffset) {
      this.setLogStartOffset(offset);
      this.epochCache.truncateFromStart(offset);
      this.deleteSegmentsWhile('DeleteRecords', (seg, next) => next.baseOffset <= this._logStartOffset);
    }
    return this._logStartOffset;
  }

  private setLogStartOffset(offset: number): void {
    if (offset === this._logStartOffset) return;
    this._logStartOffset = offset;
    this.onLogStartChange?.(this);
    if (this._highWatermark < offset) this._highWatermark = Math.min(offset, this._logEndOffset);
  }

  /**
   * Retention: deletes whole non-active segments past retention.ms (by their largest
   * timestamp), beyond retention.bytes, or wholly below the log start offset. Returns how many.
   * As in Kafka, a segment holding offsets at or above the high watermark is never deleted:
   * those records are not committed yet.
   */
  deleteOldSegments(now = this.time()): number {
    if (this.closed || this.failure !== null) return 0;
    let deleted = this.deleteSegmentsWhile('log start offset', (seg, next) => next.baseOffset <= this._logStartOffset);
    const committed = (next: Segment) => next.baseOffset <= this._highWatermark;
    const retentionMs = this.cfg['retention.ms'];
    if (retentionMs >= 0) deleted += this.deleteSegmentsWhile('retention.ms', (seg, next) => committed(next) && now - seg.largestTimestamp() > retentionMs);
    const retentionBytes = this.cfg['retention.bytes'];
    if (retentionBytes >= 0) {
      let excess = this.size - retentionBytes;
      deleted += this.deleteSegmentsWhile('retention.bytes', (seg, next) => {
        if (!committed(next) || excess - seg.size < 0) return false;
        excess -= seg.size;
        return true;
      });
    }
    return deleted;
  }

  /** Deletes the oldest segments while `pred` holds; one log line says what went and why. */
  private deleteSegmentsWhile(reason: string, pred: (seg: Segment, next: Segment) => boolean): number {
    const bases: number[] = [];
    let bytes = 0;
    while (this.segments.length > 1 && pred(this.segments[0]!, this.segments[1]!)) {
      const seg = this.segments.shift()!;
      bases.push(seg.baseOffset);
      bytes += seg.size;
      this.deleteSegment(seg);
    }
    if (bases.length > 0) {
      const start = this.segments[0]!.baseOffset;
      if (start > this._logStartOffset) {
        this.setLogStartOffset(start);
        this.epochCache.truncateFromStart(start);
      }
      this.logger.info({ reason, segments: bases, bytes, logStartOffset: this._logStartOffset }, `deleted ${bases.length} segment${bases.length > 1 ? 's' : ''} (${reason})`);
    }
    return bases.length;
  }

  private deleteSegment(seg: Segment): void {
    seg.markDeleted();
    const delay = this.cfg['file.delete.delay.ms'];
    if (delay <= 0 || this.closed) {
      seg.destroy();
      return;
    }
    const entry: { seg: Segment; timer: Timer | null } = { seg, timer: null };
    entry.timer = this.clock.schedule(delay, () => {
      this.pendingDeletes.delete(entry);
      seg.destroy();
    });
    this.pendingDeletes.add(entry);
  }

  /** fsyncs every segment that may hold data past the recovery point; the recovery point becomes the LEO. */
  flush(): void {
    this.checkWritable();
    const started = this.onFlush ? performance.now() : 0;
    const from = this.segmentIndexFor(this._recoveryPoint);
    for (let i = from; i < this.segments.length; i++) this.segments[i]!.sync();
    if (this.onFlush) this.onFlush((performance.now() - started) / 1000);
    this._recoveryPoint = this._logEndOffset;
    this.unflushedMessages = 0;
    this.lastFlushMs = this.time();
  }

  /** flush.ms policy; called by the periodic task. */
  maybeFlush(now = this.time()): boolean {
    if (this.closed || this.failure !== null || this.unflushedMessages === 0) return false;
    if (now - this.lastFlushMs < this.cfg['flush.ms']) return false;
    this.flush();
    return true;
  }

  /** Leader epoch bookkeeping for OffsetForLeaderEpoch. */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    return this.epochCache.endOffsetFor(epoch, this._logEndOffset);
  }

  assignEpochStartOffset(epoch: number, startOffset: number): void {
    this.epochCache.assign(epoch, startOffset);
  }

  latestEpoch(): number {
    return this.epochCache.latestEpoch();
  }

  /**
   * Closes all files. With flush (the default) data and indexes are fsynced first; without,
   * this is what a crash leaves (tests).
   */
  close(opts: { flush?: boolean } = {}): void {
    if (this.closed) return;
    if (opts.flush !== false && this.failure === null) {
      try {
        this.flush();
      } catch (err) {
        this.logger.error({ err }, 'flush on close failed');
      }
    }
    this.closed = true;
    for (const seg of this.segments) seg.close();
    for (const p of this.pendingDeletes) {
      p.timer?.cancel();
      p.seg.destroy();
    }
    this.pendingDeletes.clear();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

/** Assigns offsets from `nextOffset` to batches the caller already validated and described. */
function patchKnownBatches(
  buf: Buffer,
  known: ReadonlyArray<{ position: number; size: number; lastOffsetDelta: number }>,
  patch: (b: Buffer, at: number, info: BatchInfo) => void,
  nextOffset: number,
): BatchInfo[] {
  if (known.length === 0) throw new InvalidBatchError('no batches to append');
  const out: BatchInfo[] = [];
  for (const k of known) {
    const info: BatchInfo = { position: k.position, size: k.size, baseOffset: nextOffset, lastOffset: nextOffset + k.lastOffsetDelta, maxTimestamp: 0, leaderEpoch: 0 };
    patch(buf, k.position, info);
    info.maxTimestamp = batchMaxTimestamp(buf, k.position);
    info.leaderEpoch = batchLeaderEpoch(buf, k.position);
    out.push(info);
    nextOffset = info.lastOffset + 1;
  }
  return out;
}

/**
 * Walks concatenated batches, checking framing only (the broker validated them), and describes
 * each. With `patch`, offsets are assigned from `nextOffset` and `patch` rewrites the header.
 */
function walkBatches(
  buf: Buffer,
  patch: ((b: Buffer, at: number, info: BatchInfo) => void) | null,
  nextOffset: number,
): BatchInfo[] {
  const out: BatchInfo[] = [];
  let at = 0;
  let prevLast = -1;
  while (at < buf.length) {
    if (at + HEADER_SIZE > buf.length) throw new InvalidBatchError(`truncated batch header at ${at}`);
    const size = batchSize(buf, at);
    if (size < HEADER_SIZE || at + size > buf.length) throw new InvalidBatchError(`bad batch length ${size} at ${at}`);
    if (buf.readInt8(at + MAGIC) !== 2) throw new InvalidBatchError(`unsupported magic at ${at}`);
    const delta = batchLastOffsetDelta(buf, at);
    if (delta < 0) throw new InvalidBatchError(`negative last offset delta at ${at}`);
    const baseOffset = patch ? nextOffset : batchBaseOffset(buf, at);
    if (!patch && baseOffset <= prevLast) throw new InvalidBatchError(`offsets not increasing at ${at}`);
    if (baseOffset < 0 || baseOffset + delta > MAX_OFFSET) throw new InvalidBatchError(`offsets beyond the offset limit at ${at}`);
    const info: BatchInfo = {
      position: at,
      size,
      baseOffset,
      lastOffset: baseOffset + delta,
      maxTimestamp: 0,
      leaderEpoch: 0,
    };
    if (patch) patch(buf, at, info);
    info.maxTimestamp = batchMaxTimestamp(buf, at);
    info.leaderEpoch = batchLeaderEpoch(buf, at);
    out.push(info);
    prevLast = info.lastOffset;
    nextOffset = info.lastOffset + 1;
    at += size;
  }
  if (out.length === 0) throw new InvalidBatchError('no batches to append');
  return out;
}
