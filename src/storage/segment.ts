import * as path from 'node:path';
import { HEADER_SIZE, readInt64, writeInt64 } from '../record/batch-header.js';
import type { BatchInfo } from './batch-scan.js';
import { readBatchHeader, scanValidBatches } from './batch-scan.js';
import type { FileSystem } from './fs.js';
import { readFully, writeFully } from './fs.js';
import { IndexFile } from './index-file.js';
import { TXN_INDEX_SUFFIX, TxnIndex } from './txn-index.js';
import { LogOfflineError } from './errors.js';
import { processOpenFiles, type FileHolder, type OpenFiles } from './open-files.js';
import { FileRange, type SharedFile } from './shared-file.js';
import { log as rootLog } from '../util/log.js';

export const LOG_SUFFIX = '.log';
const positionOf = (buf: Buffer, at: number): number => buf.readInt32BE(at + 4);
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const DELETED_SUFFIX = '.deleted';
const OFFSET_ENTRY = 8;
const TIME_ENTRY = 12;
const logger = rootLog.child({ component: 'segment' });

export function segmentFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

export { FileRange };

export interface SegmentSettings {
  indexIntervalBytes: number;
  maxIndexSize: number;
  /** The bound on open segment files this segment counts against (default: the process's). */
  openFiles?: OpenFiles;
}

/** Files retained until an fsync through them is done (see Segment.retainFiles). */
export interface RetainedFiles {
  fsync(): Promise<void>;
  release(): void;
}

/**
 * One `<base offset>.log` with its sparse `.index` (relative offset of a batch's last record →
 * batch position, as Kafka 3.x) and `.timeindex` (max timestamp so far → relative offset).
 * Only scalar bookkeeping lives in memory: size, offsets and timestamps are known without a file.
 *
 * Files are opened on use and counted against one bound for the process (OpenFiles): when it is
 * reached, the least recently used segments let go of theirs and open them again when next read.
 * The active segment keeps its .log open (appends and tail reads never pay an open); its indexes
 * are closed like any other, since they are written every few MiB and read from memory between.
 */
export class Segment implements FileHolder {
  /** The .log file, shared with the file ranges read from it; null while let go of. */
  private logFile: SharedFile | null = null;
  /** The active segment of its log: its .log is never let go of. */
  private pinned = true;
  private closed = false;
  private readonly files: OpenFiles;
  logPath: string;
  size: number;
  /** Offset after the last batch in this segment (= baseOffset when empty). */
  nextOffset: number;
  maxTimestamp = -1;
  offsetOfMaxTimestamp = -1;
  /** Timestamp of the first batch: segment.ms counts from it (Kafka's rollingBasedTimestamp). */
  rollingBaseTimestamp = -1;
  readonly createdMs: number;
  private bytesSinceIndexEntry = 0;
  readonly offsetIndex: IndexFile;
  readonly timeIndex: IndexFile;
  /** The aborted transactions whose markers are in this segment. */
  readonly txnIndex: TxnIndex;
  private readonly scratch = Buffer.allocUnsafe(Math.max(HEADER_SIZE, 16));

  private constructor(
    private readonly fs: FileSystem,
    readonly dir: string,
    readonly baseOffset: number,
    public settings: SegmentSettings,
    now: number,
  ) {
    this.logPath = path.join(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    this.files = settings.openFiles ?? processOpenFiles;
    this.logFile = this.files.openFile(fs, this.logPath, true, this);
    this.createdMs = now;
    const base = baseOffset;
    const openIndex = (p: string, create: boolean): SharedFile => this.openEvictable(p, create);
    let offsetIndex: IndexFile | null = null;
    try {
      this.size = fs.size(this.logFd);
      offsetIndex = new IndexFile(
        fs,
        path.join(dir, segmentFileName(baseOffset, INDEX_SUFFIX)),
        OFFSET_ENTRY,
        Math.floor(settings.maxIndexSize / OFFSET_ENTRY),
        (b, at) => base + b.readInt32BE(at),
        openIndex,
      );
      this.timeIndex = new IndexFile(
        fs,
        path.join(dir, segmentFileName(baseOffset, TIME_INDEX_SUFFIX)),
        TIME_ENTRY,
        Math.floor(settings.maxIndexSize / TIME_ENTRY),
        (b, at) => readInt64(b, at),
        openIndex,
      );
    } catch (err) {
      // the caller may retry with rebuilt indexes: leak no descriptor
      offsetIndex?.close();
      this.files.forget(this);
      this.logFile.release();
      this.logFile = null;
      this.closed = true;
      throw err;
    }
    this.offsetIndex = offsetIndex;
    this.txnIndex = new TxnIndex(fs, path.join(dir, segmentFileName(baseOffset, TXN_INDEX_SUFFIX)));
    this.nextOffset = baseOffset;
  }

  /**
   * Opens (or creates) a segment. With `recover`, the whole file is validated and indexes are
   * rebuilt. Otherwise the indexes are sanity-checked and the batches after the last offset
   * index entry are validated (at most about index.interval.bytes plus one batch): a clean
   * shutdown says nothing about bytes appended to the file since. Either check failing means a
   * full recovery of this segment. Returns the segment and the number of bytes truncated from
   * an invalid tail.
   */
  static open(
    fs: FileSystem,
    dir: string,
    baseOffset: number,
    settings: SegmentSettings,
    now: number,
    recover: boolean,
    onBatch?: (b: BatchInfo) => void,
  ): { segment: Segment; truncatedBytes: number } {
    const seg = new Segment(fs, dir, baseOffset, settings, now);
    let truncatedBytes = 0;
    try {
      if (recover || !seg.indexesLookSane() || !seg.loadValidatedTail()) {
        truncatedBytes = seg.recover(onBatch);
      }
      if (seg.size > 0) {
        const first = readBatchHeader(fs, seg.logFd, 0, seg.size, seg.scratch);
        if (first) seg.rollingBaseTimestamp = first.maxTimestamp;
      }
    } catch (err) {
      // the caller may retry with rebuilt indexes: leak no descriptor, report the first error
      try {
        seg.close();
      } catch {
        // already failing
      }
      throw err;
    }
    return { segment: seg, truncatedBytes };
  }

  /** Kafka's sanityCheck plus: the last index entry must point at the batch it names. */
  private indexesLookSane(): boolean {
    const e = Buffer.allocUnsafe(TIME_ENTRY);
    const last = this.offsetIndex.lastEntry(e);
    if (last) {
      const rel = last.readInt32BE(0);
      const pos = last.readInt32BE(4);
      if (rel < 0 || pos < 0 || pos >= this.size) return false;
      const b = readBatchHeader(this.fs, this.logFd, pos, this.size, this.scratch);
      if (!b || b.lastOffset !== this.baseOffset + rel || pos + b.size > this.size) return false;
    } else if (this.size > 0 && this.size > 2 * this.settings.indexIntervalBytes + (1 << 20)) {
      // a big segment with an empty index lost its index
      return false;
    }
    const lt = this.timeIndex.lastEntry(e);
    if (lt) {
      const rel = lt.readInt32BE(8);
      if (rel < 0 || this.baseOffset + rel < this.baseOffset) return false;
    }
    return true;
  }

  /**
   * The max timestamp so far from the time index's last entry; returns the position of the
   * offset index's last entry, where the batches still to be read start.
   */
  private tailFromIndexes(): number {
    const e = Buffer.allocUnsafe(TIME_ENTRY);
    const lt = this.timeIndex.lastEntry(e);
    if (lt) {
      this.maxTimestamp = readInt64(lt, 0);
      this.offsetOfMaxTimestamp = this.baseOffset + lt.readInt32BE(8);
    }
    const lo = this.offsetIndex.lastEntry(e);
    const from = lo ? lo.readInt32BE(4) : 0;
    this.bytesSinceIndexEntry = this.size - from;
    return from;
  }

  /**
   * Next offset and max timestamp from the batches after the last index entry, each one checked
   * as recovery checks it. False when invalid bytes follow (the caller recovers the segment).
   */
  private loadValidatedTail(): boolean {
    const from = this.tailFromIndexes();
    return scanValidBatches(this.fs, this.logFd, from, this.size, this.baseOffset, (b) => this.trackBatch(b)) === this.size;
  }

  /** Next offset and max timestamp from the batches after the last index entry (the file is trusted: after truncateTo). */
  private loadTailState(): void {
    let pos = this.tailFromIndexes();
    while (pos < this.size) {
      const b = readBatchHeader(this.fs, this.logFd, pos, this.size, this.scratch);
      if (!b || b.size < HEADER_SIZE) break;
      this.trackBatch(b);
      pos += b.size;
    }
  }

  private trackBatch(b: BatchInfo): void {
    this.nextOffset = b.lastOffset + 1;
    if (b.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = b.maxTimestamp;
      this.offsetOfMaxTimestamp = b.lastOffset;
    }
  }

  /** Validates every batch, truncates at the first bad byte and rebuilds both indexes. */
  recover(onBatch?: (b: BatchInfo) => void): number {
    this.offsetIndex.truncateToEntries(0);
    this.timeIndex.truncateToEntries(0);
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.nextOffset = this.baseOffset;
    this.bytesSinceIndexEntry = 0;
    const fileSize = this.fs.size(this.logFd);
    const validEnd = scanValidBatches(this.fs, this.logFd, 0, fileSize, this.baseOffset, (b) => {
      this.indexBatch(b);
      onBatch?.(b);
    });
    if (validEnd < fileSize) this.fs.truncate(this.logFd, validEnd);
    this.size = validEnd;
    return fileSize - validEnd;
  }

  /** Index bookkeeping for a batch just written (or found by recovery), Kafka's LogSegment.append. */
  private indexBatch(b: BatchInfo): void {
    this.trackBatch(b);
    if (this.bytesSinceIndexEntry > this.settings.indexIntervalBytes) {
      this.addIndexEntries(b.lastOffset, b.position);
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += b.size;
  }

  private addIndexEntries(lastOffset: number, position: number): void {
    if (!this.offsetIndex.isFull()) {
      const [buf, at] = this.offsetIndex.appendSlot();
      buf.writeInt32BE(lastOffset - this.baseOffset, at);
      buf.writeInt32BE(position, at + 4);
    }
    this.maybeAppendTimeEntry();
  }

  private maybeAppendTimeEntry(): void {
    if (this.maxTimestamp < 0 || this.timeIndex.isFull()) return;
    const last = this.timeIndex.lastEntry(Buffer.allocUnsafe(TIME_ENTRY));
    if (last && readInt64(last, 0) >= this.maxTimestamp) return;
    const [buf, at] = this.timeIndex.appendSlot();
    writeInt64(buf, at, this.maxTimestamp);
    buf.writeInt32BE(this.offsetOfMaxTimestamp - this.baseOffset, at + 8);
  }

  /** Appends bytes holding whole batches with one write; `batches` describes them (positions relative to buf). */
  append(buf: Buffer, batches: BatchInfo[]): void {
    const start = this.size;
    try {
      writeFully(this.fs, this.logFd, buf, start);
    } catch (err) {
      // Undo a partial write so the file never holds a torn batch while we keep running.
      try {
        this.fs.truncate(this.logFd, start);
      } catch (undoErr) {
        throw new LogOfflineError(this.logPath, undoErr);
      }
      throw err;
    }
    this.size = start + buf.length;
    try {
      for (const b of batches) {
        b.position += start;
        this.indexBatch(b);
      }
    } catch (err) {
      // The batches are in the file but not accounted for: appending on would reuse their offsets.
      throw new LogOfflineError(this.logPath, err);
    }
  }

  /** Kafka's onBecomeInactiveSegment: the time index ends with the segment's exact max timestamp. */
  onBecomeInactive(): void {
    this.maybeAppendTimeEntry();
    this.offsetIndex.flush();
    this.timeIndex.flush();
  }

  /** No longer its log's active segment: its .log may be let go of like its indexes. */
  markInactive(): void {
    if (!this.pinned) return;
    this.pinned = false;
    if (this.logFile) this.files.add(this);
  }

  /** Its log's active segment again (truncation removed the segments after it): its .log stays open. */
  markActive(): void {
    this.pinned = true;
  }

  /** Opens one of this segment's files that the bound may close again, and puts the segment at the back. */
  private openEvictable(file: string, create: boolean): SharedFile {
    if (this.closed) throw new Error(`segment ${file} is closed`);
    const f = this.files.openFile(this.fs, file, create, this);
    this.files.add(this);
    return f;
  }

  /** The .log, opened again if it was let go of. */
  private log(): SharedFile {
    if (this.logFile) return this.logFile;
    if (this.pinned) {
      if (this.closed) throw new Error(`segment ${this.logPath} is closed`);
      this.logFile = this.files.openFile(this.fs, this.logPath, false, this);
    } else {
      this.logFile = this.openEvictable(this.logPath, false);
    }
    return this.logFile;
  }

  /** FileHolder: called by the bound when this segment is the least recently used. */
  closeFiles(): void {
    try {
      this.offsetIndex.closeFile();
    } finally {
      try {
        this.timeIndex.closeFile();
      } finally {
        if (!this.pinned && this.logFile) {
          this.logFile.release();
          this.logFile = null;
        }
      }
    }
  }

  /**
   * The three files, retained until `release()`, for an fsync that may run after the segment let
   * go of them: an fsync through the descriptors that made the writes is the one that reports
   * their write-back errors (one opened later would not), and no number is reused under it.
   */
  retainFiles(): RetainedFiles {
    const held: SharedFile[] = [];
    try {
      const log = this.log();
      log.retain();
      held.push(log);
      held.push(this.offsetIndex.retainFile());
      held.push(this.timeIndex.retainFile());
    } catch (err) {
      for (const f of held) f.release();
      throw err;
    }
    let released = false;
    return {
      fsync: async () => {
        await Promise.all(held.map((f) => this.fs.fsyncAsync(f.fd)));
      },
      release: () => {
        if (released) return;
        released = true;
        for (const f of held) f.release();
      },
    };
  }

  isIndexFull(): boolean {
    return this.offsetIndex.isFull() || this.timeIndex.isFull();
  }

  /**
   * The furthest indexed batch start at or before `maxPosition` whose batch's last offset is at
   * most `upToOffset` (so every batch before it lies below upToOffset), or -1.
   */
  private indexedBoundary(maxPosition: number, upToOffset: number): number {
    const byPosition = this.offsetIndex.search(maxPosition, false, positionOf);
    const byOffset = this.offsetIndex.search(upToOffset - this.baseOffset);
    const i = Math.min(byPosition, byOffset);
    if (i < 0) return -1;
    return this.offsetIndex.entry(i, this.scratch).readInt32BE(4);
  }

  /** Position to start scanning for `offset`: the batch indexed at or before it. */
  private indexedPosition(offset: number): number {
    const i = this.offsetIndex.search(offset);
    if (i < 0) return 0;
    return this.offsetIndex.entry(i, this.scratch).readInt32BE(4);
  }

  /** The first batch whose last offset is >= offset, or null if none in this segment. */
  findBatch(offset: number, startPosition?: number): BatchInfo | null {
    this.files.touch(this);
    let pos = startPosition ?? this.indexedPosition(offset);
    while (pos < this.size) {
      const b = readBatchHeader(this.fs, this.logFd, pos, this.size, this.scratch);
      if (!b) return null;
      if (b.lastOffset >= offset) return b;
      pos += b.size;
    }
    return null;
  }

  /**
   * Appends to `out` the range covering whole batches from the one holding startOffset, up to
   * maxBytes (at least one batch when minOne), stopping before a batch that reaches upToOffset.
   * `complete` says the read ran to the end of this segment, so the caller may go on to the next.
   */
  read(
    startOffset: number,
    maxBytes: number,
    upToOffset: number,
    minOne: boolean,
    out: FileRange[],
  ): { bytes: number; complete: boolean; nextOffset: number } {
    this.files.touch(this);
    let b = this.findBatch(startOffset);
    if (!b) return { bytes: 0, complete: true, nextOffset: startOffset };
    const start = b.position;
    let end = start;
    let complete = false;
    // The first offset after what is returned; batches skipped by the jump end before the batch
    // jumped to, so its base offset is where reading continues (offsets may have gaps).
    let nextOffset = startOffset;
    // Jump over whole batches with the offset index instead of reading every header: an entry is
    // a batch start; every batch before it ends before it and has a smaller last offset.
    const jump = this.indexedBoundary(start + maxBytes, upToOffset);
    if (jump > start + b.size) {
      b = readBatchHeader(this.fs, this.logFd, jump, this.size, this.scratch);
      if (b) {
        end = jump;
        nextOffset = b.baseOffset;
      } else b = readBatchHeader(this.fs, this.logFd, start, this.size, this.scratch);
    }
    while (b && b.lastOffset < upToOffset) {
      if (end + b.size - start > maxBytes && !(minOne && end === start)) break;
      end += b.size;
      nextOffset = b.lastOffset + 1;
      if (end >= this.size) {
        complete = true;
        break;
      }
      // No room left for even an empty batch: stop without reading the next header.
      if (end - start + HEADER_SIZE > maxBytes) break;
      b = readBatchHeader(this.fs, this.logFd, end, this.size, this.scratch);
    }
    if (end > start) out.push(new FileRange(this.log(), this.logPath, start, end - start));
    return { bytes: end - start, complete, nextOffset };
  }

  /** The first batch with maxTimestamp >= ts and an offset >= minOffset, found via the time index. */
  findBatchByTimestamp(ts: number, minOffset: number, startPosition?: number): BatchInfo | null {
    this.files.touch(this);
    const i = startPosition === undefined ? this.timeIndex.search(ts, true) : -1;
    let pos = startPosition ?? 0;
    if (i >= 0) {
      const e = this.timeIndex.entry(i, Buffer.allocUnsafe(TIME_ENTRY));
      pos = this.indexedPosition(this.baseOffset + e.readInt32BE(8));
    }
    while (pos < this.size) {
      const b = readBatchHeader(this.fs, this.logFd, pos, this.size, this.scratch);
      if (!b) return null;
      if (b.maxTimestamp >= ts && b.lastOffset >= minOffset) return b;
      pos += b.size;
    }
    return null;
  }

  readBatch(b: BatchInfo): Buffer {
    this.files.touch(this);
    const buf = Buffer.allocUnsafe(b.size);
    readFully(this.fs, this.logFd, buf, 0, b.size, b.position);
    return buf;
  }

  /** Drops every batch from the one containing `offset` on; returns bytes removed. */
  truncateTo(offset: number): number {
    const b = this.findBatch(offset);
    if (!b) return 0;
    const pos = b.position;
    const removed = this.size - pos;
    this.offsetIndex.truncateToEntries(this.offsetIndex.search(b.baseOffset - 1) + 1);
    // keep time entries that point below the cut
    const e = Buffer.allocUnsafe(TIME_ENTRY);
    let keep = this.timeIndex.entries;
    while (keep > 0 && this.baseOffset + this.timeIndex.entry(keep - 1, e).readInt32BE(8) >= b.baseOffset) keep--;
    this.timeIndex.truncateToEntries(keep);
    this.fs.truncate(this.logFd, pos);
    this.txnIndex.truncateTo(b.baseOffset);
    this.size = pos;
    this.nextOffset = this.baseOffset;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.loadTailState();
    if (this.size === 0) this.rollingBaseTimestamp = -1;
    return removed;
  }

  /** The log file's modification time (ListOffsets v0 compares it with the timestamp asked for). */
  lastModified(): number {
    return this.fs.mtimeMs(this.logFd);
  }

  /** Kafka's largestTimestamp: the max batch timestamp, or the file's mtime when there is none. */
  largestTimestamp(): number {
    return this.maxTimestamp >= 0 ? this.maxTimestamp : this.fs.mtimeMs(this.logFd);
  }

  flushIndexes(): void {
    this.offsetIndex.flush();
    this.timeIndex.flush();
  }

  sync(): void {
    this.fs.fsync(this.logFd);
    this.offsetIndex.sync();
    this.timeIndex.sync();
    this.txnIndex.sync();
  }

  /**
   * Renames files to `.deleted` so a restart finishes the deletion, and lets go of them: nothing
   * reads a deleted segment but the ranges already read from it, which hold its .log themselves.
   */
  markDeleted(): void {
    this.flushIndexes();
    this.fs.rename(this.logPath, this.logPath + DELETED_SUFFIX);
    this.logPath += DELETED_SUFFIX;
    this.offsetIndex.renameTo(this.offsetIndex.path + DELETED_SUFFIX);
    this.timeIndex.renameTo(this.timeIndex.path + DELETED_SUFFIX);
    this.txnIndex.renameTo(this.txnIndex.path + DELETED_SUFFIX);
    this.pinned = false;
    this.files.forget(this);
    try {
      this.closeFiles();
    } catch (err) {
      logger.warn({ err, segment: this.logPath }, 'closing a deleted segment failed');
    }
  }

  /** The .log's descriptor, opened again if it was let go of: read it for each call, never keep it across an open. */
  private get logFd(): number {
    return this.log().fd;
  }

  /** Closes the indexes; the log file closes once no range read from it is still held. */
  close(): void {
    if (this.closed) return;
    try {
      this.offsetIndex.close();
    } finally {
      try {
        this.timeIndex.close();
      } finally {
        this.closed = true;
        this.files.forget(this);
        const f = this.logFile;
        this.logFile = null;
        f?.release();
      }
    }
  }

  /** Closes and unlinks the (possibly renamed) files. */
  destroy(): void {
    this.close();
    for (const p of [this.logPath, this.offsetIndex.path, this.timeIndex.path]) {
      try {
        this.fs.unlink(p);
      } catch {
        // already gone
      }
    }
    this.txnIndex.delete();
  }
}
