import type { FileSystem } from './fs.js';
import { readFully, writeFully } from './fs.js';
import type { SharedFile } from './shared-file.js';

/** Opens the index file (creating it when `create`): its owner counts it against the open-file bound. */
export type OpenIndexFile = (path: string, create: boolean) => SharedFile;

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
 * The descriptor may be let go of (closeFile) and is opened again on the next read or write;
 * both tails' buffers go with it, so an idle index costs no descriptor and only its counters.
 */
export class IndexFile {
  private file: SharedFile | null;
  private flushed: number;
  /** Allocated on the first append: most indexes (every inactive segment's) never get one. */
  private pending: Buffer | null = null;
  private pendingCount = 0;
  /** The warm tail, allocated on the first search that needs it. */
  private scratch: Buffer | null = null;
  /** The flushed entry count the warm tail in `scratch` was read for (-1: not loaded). */
  private warmFor = -1;
  /**
   * A copy of the newest flushed entry, kept while the file is closed: a lookup at or past it
   * (a fetch at the tail of the active segment) needs neither the descriptor nor the warm tail.
   */
  private readonly newest: Buffer;
  /** The flushed entry count `newest` was copied for (-1: not known). */
  private newestFor = -1;
  /** This file's cached cold pages, by page number. */
  private readonly pages = new Map<number, Page>();

  constructor(
    private readonly fs: FileSystem,
    public path: string,
    readonly entrySize: number,
    public maxEntries: number,
    private readonly keyOf: (buf: Buffer, at: number) => number,
    private readonly openFile: OpenIndexFile,
  ) {
    this.newest = Buffer.allocUnsafe(entrySize);
    this.file = openFile(path, true);
    try {
      const size = fs.size(this.file.fd);
      // A torn last entry (crash mid-write) is dropped; sanity checks catch worse.
      this.flushed = Math.floor(size / entrySize);
      if (size % entrySize !== 0) fs.truncate(this.file.fd, this.flushed * entrySize);
    } catch (err) {
      this.file.release();
      this.file = null;
      throw err;
    }
  }

  /** The descriptor, opened again if it was let go of. Read it for each call: a later open elsewhere may close this one. */
  private get fd(): number {
    return (this.file ??= this.openFile(this.path, false)).fd;
  }

  private warmBuffer(): Buffer {
    return (this.scratch ??= Buffer.allocUnsafe(Math.max(WARM_BYTES, this.entrySize)));
  }

  get entries(): number {
    return this.flushed + this.pendingCount;
  }

  isFull(): boolean {
    return this.entries >= this.maxEntries;
  }

  /** Reserves room for one entry and returns [buffer, position] to fill it. */
  appendSlot(): [Buffer, number] {
    const pending = (this.pending ??= Buffer.allocUnsafe(PENDING_BYTES - (PENDING_BYTES % this.entrySize)));
    if ((this.pendingCount + 1) * this.entrySize > pending.length) this.flush();
    const at = this.pendingCount * this.entrySize;
    this.pendingCount++;
    return [pending, at];
  }

  /** Copies entry i into `into` at 0 and returns `into`. */
  entry(i: number, into: Buffer): Buffer {
    if (i >= this.flushed) {
      const at = (i - this.flushed) * this.entrySize;
      this.pending!.copy(into, 0, at, at + this.entrySize);
      return into;
    }
    if (i === this.flushed - 1 && this.newestFor === this.flushed) {
      this.newest.copy(into, 0, 0, this.entrySize);
      return into;
    }
    if (this.warmFor === this.flushed && i >= this.flushed - this.warmCount()) {
      const at = (i - (this.flushed - this.warmCount())) * this.entrySize;
      this.scratch!.copy(into, 0, at, at + this.entrySize);
    } else {
      const at = (i % PAGE_ENTRIES) * this.entrySize;
      this.page(i).copy(into, 0, at, at + this.entrySize);
    }
    if (i === this.flushed - 1) {
      into.copy(this.newest, 0, 0, this.entrySize);
      this.newestFor = this.flushed;
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
    return Math.min(this.flushed, Math.floor(Math.max(WARM_BYTES, this.entrySize) / this.entrySize));
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
    const pending = this.pending;
    if (pending !== null && this.pendingCount > 0 && le(keyOf(pending, 0))) {
      let lo = 0;
      let hi = this.pendingCount - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (le(keyOf(pending, mid * es))) lo = mid;
        else hi = mid - 1;
      }
      return this.flushed + lo;
    }
    if (this.flushed === 0) return -1;
    if (this.newestFor === this.flushed && le(keyOf(this.newest, 0))) return this.flushed - 1;
    // warm tail of the file
    const warmCount = this.warmCount();
    const warmFirst = this.flushed - warmCount;
    // The warm tail is read once per flush, not once per lookup: fetches look up every time.
    const warm = this.warmBuffer();
    if (this.warmFor !== this.flushed) {
      readFully(this.fs, this.fd, warm, 0, warmCount * es, warmFirst * es);
      this.warmFor = this.flushed;
    }
    let lo: number;
    let hi: number;
    if (le(keyOf(warm, 0))) {
      lo = 0;
      hi = warmCount - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (le(keyOf(warm, mid * es))) lo = mid;
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
    this.newestFor = -1;
    this.pages.clear();
  }

  flush(): void {
    if (this.pendingCount === 0) return;
    const pending = this.pending!;
    writeFully(this.fs, this.fd, pending.subarray(0, this.pendingCount * this.entrySize), this.flushed * this.entrySize);
    pending.copy(this.newest, 0, (this.pendingCount - 1) * this.entrySize, this.pendingCount * this.entrySize);
    this.flushed += this.pendingCount;
    this.newestFor = this.flushed;
    this.pendingCount = 0;
  }

  sync(): void {
    this.flush();
    this.fs.fsync(this.fd);
  }

  /** The open file, retained for the caller (who releases it): an fsync through it sees the errors of the writes made through it. */
  retainFile(): SharedFile {
    const f = (this.file ??= this.openFile(this.path, false));
    f.retain();
    return f;
  }

  /**
   * Writes the pending entries and lets go of the descriptor and both tails' buffers; the next
   * use opens the file again. Never opens the file itself (it is called while making room for
   * another): already closed, entries appended since stay pending. When the write fails the
   * entries are dropped and the file closed all the same: an index missing its newest entries
   * is only sparser (as after a crash).
   */
  closeFile(): void {
    const f = this.file;
    if (f === null) return;
    try {
      this.flush();
    } finally {
      this.pendingCount = 0;
      this.pending = null;
      this.scratch = null;
      this.warmFor = -1;
      this.file = null;
      f.release();
    }
  }

  /** For good: pending entries are written (opening the file if need be) and the file closed. */
  close(): void {
    try {
      this.flush();
    } finally {
      this.closeFile();
    }
  }

  renameTo(newPath: string): void {
    this.fs.rename(this.path, newPath);
    this.path = newPath;
  }
}
