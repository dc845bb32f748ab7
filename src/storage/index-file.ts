import type { FileSystem } from './fs.js';
import { readFully, writeFully } from './fs.js';

/** Entries appended since the last write stay in memory up to this many bytes. */
const PENDING_BYTES = 4096;
/** Warm tail: the newest entries, searched with one read before any binary search (Kafka's AbstractIndex). */
const WARM_BYTES = 8192;

/**
 * A sparse index file of fixed-size entries whose first field (the key) is non-decreasing.
 * New entries are buffered and written in 4 KiB chunks, so appends do not pay an extra write
 * syscall per index entry; an index that lost its unwritten tail in a crash is still valid
 * (only sparser), and recovery rebuilds indexes after the recovery point anyway. Nothing but
 * the pending tail is held in memory.
 */
export class IndexFile {
  private fd: number;
  private flushed: number;
  private pending: Buffer;
  private pendingCount = 0;
  private scratch: Buffer;
  /** The flushed entry count the warm tail in `scratch` was read for (-1: not loaded). */
  private warmFor = -1;

  constructor(
    private readonly fs: FileSystem,
    public path: string,
    readonly entrySize: number,
    public maxEntries: number,
    private readonly keyOf: (buf: Buffer, at: number) => number,
  ) {
    this.fd = fs.open(path, true);
    const size = fs.size(this.fd);
    // A torn last entry (crash mid-write) is dropped; sanity checks catch worse.
    this.flushed = Math.floor(size / entrySize);
    if (size % entrySize !== 0) fs.truncate(this.fd, this.flushed * entrySize);
    this.pending = Buffer.allocUnsafe(PENDING_BYTES - (PENDING_BYTES % entrySize));
    this.scratch = Buffer.allocUnsafe(Math.max(WARM_BYTES, entrySize));
  }

  get entries(): number {
    return this.flushed + this.pendingCount;
  }

  isFull(): boolean {
    return this.entries >= this.maxEntries;
  }

  /** Reserves room for one entry and returns [buffer, position] to fill it. */
  appendSlot(): [Buffer, number] {
    if ((this.pendingCount + 1) * this.entrySize > this.pending.length) this.flush();
    const at = this.pendingCount * this.entrySize;
    this.pendingCount++;
    return [this.pending, at];
  }

  /** Copies entry i into `into` at 0 and returns `into`. */
  entry(i: number, into: Buffer): Buffer {
    if (i >= this.flushed) {
      const at = (i - this.flushed) * this.entrySize;
      this.pending.copy(into, 0, at, at + this.entrySize);
    } else {
      const n = readFully(this.fs, this.fd, into, 0, this.entrySize, i * this.entrySize);
      if (n !== this.entrySize) throw new Error(`${this.path}: short index read`);
    }
    return into;
  }

  lastEntry(into: Buffer): Buffer | null {
    return this.entries === 0 ? null : this.entry(this.entries - 1, into);
  }

  /**
   * Index of the last entry whose key is <= target (strict: < target when `strict`), or -1.
   * Pending and warm tail first, then binary search over the cold part with small preads.
   */
  search(target: number, strict = false): number {
    const le = (k: number): boolean => (strict ? k < target : k <= target);
    const es = this.entrySize;
    if (this.entries === 0) return -1;
    // pending entries
    if (this.pendingCount > 0 && le(this.keyOf(this.pending, 0))) {
      let lo = 0;
      let hi = this.pendingCount - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (le(this.keyOf(this.pending, mid * es))) lo = mid;
        else hi = mid - 1;
      }
      return this.flushed + lo;
    }
    if (this.flushed === 0) return -1;
    // warm tail of the file
    const warmCount = Math.min(this.flushed, Math.floor(this.scratch.length / es));
    const warmFirst = this.flushed - warmCount;
    // The warm tail is read once per flush, not once per lookup: fetches look up every time.
    if (this.warmFor !== this.flushed) {
      readFully(this.fs, this.fd, this.scratch, 0, warmCount * es, warmFirst * es);
      this.warmFor = this.flushed;
    }
    let lo: number;
    let hi: number;
    if (le(this.keyOf(this.scratch, 0))) {
      lo = 0;
      hi = warmCount - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (le(this.keyOf(this.scratch, mid * es))) lo = mid;
        else hi = mid - 1;
      }
      return warmFirst + lo;
    }
    lo = 0;
    hi = warmFirst - 1;
    const one = Buffer.allocUnsafe(es);
    if (hi < 0 || !le(this.keyOf(this.entry(0, one), 0))) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (le(this.keyOf(this.entry(mid, one), 0))) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  truncateToEntries(n: number): void {
    if (n >= this.entries) return;
    if (n >= this.flushed) {
      this.pendingCount = n - this.flushed;
      return;
    }
    this.pendingCount = 0;
    this.fs.truncate(this.fd, n * this.entrySize);
    this.flushed = n;
    this.warmFor = -1;
  }

  flush(): void {
    if (this.pendingCount === 0) return;
    writeFully(this.fs, this.fd, this.pending.subarray(0, this.pendingCount * this.entrySize), this.flushed * this.entrySize);
    this.flushed += this.pendingCount;
    this.pendingCount = 0;
  }

  sync(): void {
    this.flush();
    this.fs.fsync(this.fd);
  }

  get fileDescriptor(): number {
    return this.fd;
  }

  close(): void {
    this.flush();
    this.fs.close(this.fd);
  }

  renameTo(newPath: string): void {
    this.fs.rename(this.path, newPath);
    this.path = newPath;
  }
}
