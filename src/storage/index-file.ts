import type { FileSystem } from './fs.js';
import { readFully, writeFully } from './fs.js';

/** Entries appended since the last write stay in memory up to this many bytes. */
const PENDING_BYTES = 4096;
/** Warm tail: the newest entries, searched with one read before any binary search (Kafka's AbstractIndex). */
const WARM_BYTES = 8192;

/** Entries per cached page of a cold index (4 KiB of offset-index entries). */
const PAGE_ENTRIES = 512;
/** Pages kept for all index files together: a bounded memory cost, whatever the size of the logs. */
const PAGE_BUDGET = 1024;

interface Page {
  buf: Buffer;
  /** Entries of the page that were flushed when it was read. */
  count: number;
}

/**
 * Cold index pages are cached per index file, with one budget for all files together (oldest
 * page out first). Kafka mmaps its indexes; this gives binary searches over old segments the same
 * "no syscall per probe" without holding whole indexes in the heap.
 */
const cachedPages: Array<{ owner: Map<number, Page>; n: number }> = [];
let cachedHead = 0;

function remember(owner: Map<number, Page>, n: number, page: Page): void {
  owner.set(n, page);
  cachedPages.push({ owner, n });
  if (cachedPages.length - cachedHead > PAGE_BUDGET) {
    const old = cachedPages[cachedHead++]!;
    old.owner.delete(old.n);
    if (cachedHead > PAGE_BUDGET) {
      cachedPages.splice(0, cachedHead);
      cachedHead = 0;
    }
  }
}

/**
 * A sparse index file of fixed-size entries whose first field (the key) is non-decreasing.
 * New entries are buffered and written in 4 KiB chunks, so appends do not pay an extra write
 * syscall per index entry; an index that lost its unwritten tail in a crash is still valid
 * (only sparser), and recovery rebuilds indexes after the recovery point anyway. Besides the
 * pending and warm tails, only pages in the shared, bounded page cache are held in memory.
 */
export class IndexFile {
  private fd: number;
  private flushed: number;
  private pending: Buffer;
  private pendingCount = 0;
  private scratch: Buffer;
  /** The flushed entry count the warm tail in `scratch` was read for (-1: not loaded). */
  private warmFor = -1;
  /** This file's cached cold pages, by page number. */
  private readonly pages = new Map<number, Page>();

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
    } else if (this.warmFor === this.flushed && i >= this.flushed - this.warmCount()) {
      const at = (i - (this.flushed - this.warmCount())) * this.entrySize;
      this.scratch.copy(into, 0, at, at + this.entrySize);
    } else {
      const at = (i % PAGE_ENTRIES) * this.entrySize;
      this.page(i).copy(into, 0, at, at + this.entrySize);
    }
    return into;
  }

  /** The cached page holding flushed entry `i`, read (up to the flushed entries) when missing or short. */
  private page(i: number): Buffer {
    const n = Math.floor(i / PAGE_ENTRIES);
    const cached = this.pages.get(n);
    if (cached && i < n * PAGE_ENTRIES + cached.count) return cached.buf;
    const count = Math.min(PAGE_ENTRIES, this.flushed - n * PAGE_ENTRIES);
    const buf = Buffer.allocUnsafe(count * this.entrySize);
    const got = readFully(this.fs, this.fd, buf, 0, buf.length, n * PAGE_ENTRIES * this.entrySize);
    if (got !== buf.length) throw new Error(`${this.path}: short index read`);
    remember(this.pages, n, { buf, count });
    return buf;
  }

  /** The key (or another field, by `keyOf`) of flushed entry `i`, without copying the entry. */
  private coldKey(i: number, keyOf: (buf: Buffer, at: number) => number): number {
    return keyOf(this.page(i), (i % PAGE_ENTRIES) * this.entrySize);
  }

  lastEntry(into: Buffer): Buffer | null {
    return this.entries === 0 ? null : this.entry(this.entries - 1, into);
  }

  /** Entries the warm tail holds: the newest ones that fit in `scratch`. */
  private warmCount(): number {
    return Math.min(this.flushed, Math.floor(this.scratch.length / this.entrySize));
  }

  /**
   * Index of the last entry whose key is <= target (strict: < target when `strict`), or -1.
   * `keyOf` may name another non-decreasing field of the entry (the offset index's positions).
   * Pending and warm tail first, then binary search over the cold part with small preads.
   */
  search(target: number, strict = false, keyOf: (buf: Buffer, at: number) => number = this.keyOf): number {
    const le = (k: number): boolean => (strict ? k < target : k <= target);
    const es = this.entrySize;
    if (this.entries === 0) return -1;
    // pending entries
    if (this.pendingCount > 0 && le(keyOf(this.pending, 0))) {
      let lo = 0;
      let hi = this.pendingCount - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (le(keyOf(this.pending, mid * es))) lo = mid;
        else hi = mid - 1;
      }
      return this.flushed + lo;
    }
    if (this.flushed === 0) return -1;
    // warm tail of the file
    const warmCount = this.warmCount();
    const warmFirst = this.flushed - warmCount;
    // The warm tail is read once per flush, not once per lookup: fetches look up every time.
    if (this.warmFor !== this.flushed) {
      readFully(this.fs, this.fd, this.scratch, 0, warmCount * es, warmFirst * es);
      this.warmFor = this.flushed;
    }
    let lo: number;
    let hi: number;
    if (le(keyOf(this.scratch, 0))) {
      lo = 0;
      hi = warmCount - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (le(keyOf(this.scratch, mid * es))) lo = mid;
        else hi = mid - 1;
      }
      return warmFirst + lo;
    }
    lo = 0;
    hi = warmFirst - 1;
    if (hi < 0 || !le(this.coldKey(0, keyOf))) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (le(this.coldKey(mid, keyOf))) lo = mid;
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
    this.pages.clear();
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
