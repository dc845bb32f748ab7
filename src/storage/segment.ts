import * as path from 'node:path';
import { HEADER_SIZE, readInt64, writeInt64 } from '../record/batch-header.js';
import type { BatchInfo } from './batch-scan.js';
import { readBatchHeader, scanValidBatches } from './batch-scan.js';
import type { FileSystem } from './fs.js';
import { readFully, writeFully } from './fs.js';
import { IndexFile } from './index-file.js';
import { LogOfflineError } from './errors.js';
import { FileRange, SharedFile } from './shared-file.js';

export const LOG_SUFFIX = '.log';
const positionOf = (buf: Buffer, at: number): number => buf.readInt32BE(at + 4);
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const DELETED_SUFFIX = '.deleted';
const OFFSET_ENTRY = 8;
const TIME_ENTRY = 12;

export function segmentFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

export { FileRange };

export interface SegmentSettings {
  indexIntervalBytes: number;
  maxIndexSize: number;
}

/**
 * One `<base offset>.log` with its sparse `.index` (relative offset of a batch's last record →
 * batch position, as Kafka 3.x) and `.timeindex` (max timestamp so far → relative offset).
 * Only scalar bookkeeping lives in memory.
 */
export class Segment {
  /** The .log file, shared with the file ranges read from it. */
  private readonly logFile: SharedFile;
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
  private readonly scratch = Buffer.allocUnsafe(Math.max(HEADER_SIZE, 16));

  private constructor(
    private readonly fs: FileSystem,
    readonly dir: string,
    readonly baseOffset: number,
    public settings: SegmentSettings,
    now: number,
  ) {
    this.logPath = path.join(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    this.logFile = new SharedFile(fs.open(this.logPath, true), (fd) => fs.close(fd));
    this.createdMs = now;
    const base = baseOffset;
    let offsetIndex: IndexFile | null = null;
    try {
      this.size = fs.size(this.logFd);
      offsetIndex = new IndexFile(
        fs,
        path.join(dir, segmentFileName(baseOffset, INDEX_SUFFIX)),
        OFFSET_ENTRY,
        Math.floor(settings.maxIndexSize / OFFSET_ENTRY),
        (b, at) => base + b.readInt32BE(at),
      );
      this.timeIndex = new IndexFile(
        fs,
        path.join(dir, segmentFileName(baseOffset, TIME_INDEX_SUFFIX)),
        TIME_ENTRY,
        Math.floor(settings.maxIndexSize / TIME_ENTRY),
        (b, at) => readInt64(b, at),
      );
    } catch (err) {
      // the caller may retry with rebuilt indexes: leak no descriptor
      offsetIndex?.close();
      this.logFile.release();
      throw err;
    }
    this.offsetIndex = offsetIndex;
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
   * Next offset and max timestamp from the batches after the last index entry, each one checked
   * as recovery checks it. False when invalid bytes follow (the caller recovers the segment).
   */
  private loadValidatedTail(): boolean {
    const e = Buffer.allocUnsafe(TIME_ENTRY);
    const lt = this.timeIndex.lastEntry(e);
    if (lt) {
      this.maxTimestamp = readInt64(lt, 0);
      this.offsetOfMaxTimestamp = this.baseOffset + lt.readInt32BE(8);
    }
    const lo = this.offsetIndex.lastEntry(e);
    const from = lo ? lo.readInt32BE(4) : 0;
    const validEnd = scanValidBatches(this.fs, this.logFd, from, this.size, this.baseOffset, (b) => this.trackBatch(b));
    this.bytesSinceIndexEntry = this.size - from;
    return validEnd === this.size;
  }

  /** Next offset and max timestamp from the batches after the last index entry (the file is trusted: after truncateTo). */
  private loadTailState(): void {
    const e = Buffer.allocUnsafe(TIME_ENTRY);
    const lt = this.timeIndex.lastEntry(e);
    if (lt) {
      this.maxTimestamp = readInt64(lt, 0);
      this.offsetOfMaxTimestamp = this.baseOffset + lt.readInt32BE(8);
    }
    const lo = this.offsetIndex.lastEntry(e);
    let pos = lo ? lo.readInt32BE(4) : 0;
    while (pos < this.size) {
      const b = readBatchHeader(this.fs, this.logFd, pos, this.size, this.scratch);
      if (!b || b.size < HEADER_SIZE) break;
      this.trackBatch(b);
      pos += b.size;
    }
    // bytes since the last index entry are approximately the tail scanned
    this.bytesSinceIndexEntry = this.size - (lo ? lo.readInt32BE(4) : 0);
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
    if (end > start) out.push(new FileRange(this.logFile, this.logPath, start, end - start));
    return { bytes: end - start, complete, nextOffset };
  }

  /** The first batch with maxTimestamp >= ts and an offset >= minOffset, found via the time index. */
  findBatchByTimestamp(ts: number, minOffset: number, startPosition?: number): BatchInfo | null {
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
    this.size = pos;
    this.nextOffset = this.baseOffset;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.loadTailState();
    if (this.size === 0) this.rollingBaseTimestamp = -1;
    return removed;
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
  }

  /** Renames files to `.deleted` so a restart finishes the deletion; fds stay open for readers. */
  markDeleted(): void {
    this.flushIndexes();
    this.fs.rename(this.logPath, this.logPath + DELETED_SUFFIX);
    this.logPath += DELETED_SUFFIX;
    this.offsetIndex.renameTo(this.offsetIndex.path + DELETED_SUFFIX);
    this.timeIndex.renameTo(this.timeIndex.path + DELETED_SUFFIX);
  }

  get logFd(): number {
    return this.logFile.fd;
  }

  /** Closes the indexes; the log file closes once no range read from it is still held. */
  close(): void {
    this.offsetIndex.close();
    this.timeIndex.close();
    this.logFile.release();
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
  }
}
