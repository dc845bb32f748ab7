import { readFileSync } from 'node:fs';
import { log as rootLog } from '../util/log.js';
import type { FileSystem } from './fs.js';
import { SharedFile } from './shared-file.js';

/**
 * Something holding segment files it can let go of and open again on its next use (a segment:
 * its index files, and its .log unless it is its log's active segment).
 */
export interface FileHolder {
  /** Releases every file it can; a file range still held keeps its descriptor until released. */
  closeFiles(): void;
}

export interface OpenFilesLimits {
  /** Holders with files open at once: each costs up to 3 descriptors and the index buffers in use. */
  maxHolders: number;
  /** Descriptors opened here and not yet closed (active logs and held ranges included). */
  maxFds: number;
}

/**
 * Holders kept open at most, whatever the descriptor limit: every open segment keeps index
 * buffers in memory, and a fetch of old data from 1,000 segments in a row is already a scan, for
 * which an open per segment costs little next to reading it. Kafka has no such setting (it keeps
 * every segment open and mmaps its indexes), so this is a constant rather than a config.
 */
export const MAX_OPEN_SEGMENTS = 1000;
/**
 * Segments that may always be open besides the active logs: the cleaner, a fetch spanning
 * segments and a log being loaded each need a few at once. Partitions are refused (see
 * partitionCapacity) before active logs alone would crowd these out.
 */
const MIN_OPEN_SEGMENTS = 64;
const FDS_PER_SEGMENT = 3;

/**
 * Descriptors left to everything that is not a segment file: client connections (Samsa has no
 * connection limit), checkpoint and metadata writes, the listener, Node's own. A fifth of the
 * limit, between 256 and 4,096.
 */
function reserveFor(softLimit: number): number {
  return Math.min(4096, Math.max(256, Math.floor(softLimit / 5)));
}

/** The soft RLIMIT_NOFILE of this process (Node raises it to the hard limit at start), or null when unknown or unlimited. */
export function softOpenFileLimit(limitsText?: string): number | null {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return null; // not Linux
    }
  }
  const m = /^Max open files\s+(\S+)/m.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** Limits derived from the soft descriptor limit: what storage may hold, the rest kept for connections. */
export function limitsFor(softLimit: number | null): OpenFilesLimits {
  if (softLimit === null) return { maxHolders: MAX_OPEN_SEGMENTS, maxFds: Number.POSITIVE_INFINITY };
  return { maxHolders: MAX_OPEN_SEGMENTS, maxFds: Math.max(FDS_PER_SEGMENT * 2, softLimit - reserveFor(softLimit)) };
}

const isOutOfDescriptors = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EMFILE' || code === 'ENFILE';
};

/**
 * One bound on the segment files of every log in the process (descriptors are a per-process
 * resource): a least-recently-used list of holders with files that may be closed, and a count of
 * every descriptor opened here. Using a file moves its holder to the back; opening one closes the
 * holders at the front while there are too many or too many descriptors are open. Active logs are
 * never closed, so the partition count is bounded separately (partitionCapacity).
 */
export class OpenFiles {
  private readonly lru = new Set<FileHolder>();
  private last: FileHolder | null = null;
  private open = 0;
  /** Closing a holder never opens a file, but should one, no eviction runs inside another. */
  private evicting = false;
  private readonly logger = rootLog.child({ component: 'open-files' });

  constructor(private readonly limits: OpenFilesLimits) {}

  /** Descriptors opened here and not closed yet. */
  get openFileCount(): number {
    return this.open;
  }

  /** Holders with files that may be closed. */
  get holderCount(): number {
    return this.lru.size;
  }

  /**
   * Partitions (each holding its active .log open) this process can host while other segments
   * and connections still get descriptors; unbounded when the limit is unknown.
   */
  get partitionCapacity(): number {
    return Math.max(1, this.limits.maxFds - MIN_OPEN_SEGMENTS * FDS_PER_SEGMENT);
  }

  /**
   * Opens a file counted against the bound. `owner` is the holder about to use it: when the
   * process is out of descriptors all the same, other holders are closed and the open retried.
   */
  openFile(fs: FileSystem, file: string, create: boolean, owner: FileHolder): SharedFile {
    let fd: number;
    try {
      fd = fs.open(file, create);
    } catch (err) {
      if (!isOutOfDescriptors(err) || this.lru.size === 0) throw err;
      const before = this.lru.size;
      // Connections or held ranges took more than the reserve: give back half of what is idle.
      this.evict(owner, Math.ceil(before / 2));
      this.logger.warn({ err, file, closedSegments: before - this.lru.size }, 'out of file descriptors: closed idle segment files and retrying');
      fd = fs.open(file, create);
    }
    this.open++;
    return new SharedFile(fd, (d) => {
      this.open--;
      fs.close(d);
    });
  }

  /** `h` holds a file that may be closed: it becomes the most recently used, and the bound is enforced. */
  add(h: FileHolder): void {
    if (this.last !== h) {
      this.lru.delete(h);
      this.lru.add(h);
      this.last = h;
    }
    this.evict(h);
  }

  /** `h` is being used: it moves to the back (no-op unless it holds closable files). */
  touch(h: FileHolder): void {
    if (this.last === h || !this.lru.has(h)) return;
    this.lru.delete(h);
    this.lru.add(h);
    this.last = h;
  }

  /** `h` closed its files itself (closed or deleted). */
  forget(h: FileHolder): void {
    this.lru.delete(h);
    if (this.last === h) this.last = null;
  }

  /** Closes holders from the front, never `keep`; with `count`, at least that many (or all others). */
  private evict(keep: FileHolder, count = 0): void {
    if (this.evicting) return;
    this.evicting = true;
    try {
      let closed = 0;
      while (this.lru.size > (this.lru.has(keep) ? 1 : 0)) {
        if (closed >= count && this.lru.size <= this.limits.maxHolders && this.open <= this.limits.maxFds) return;
        const it = this.lru.values();
        let h = it.next().value as FileHolder;
        if (h === keep) h = it.next().value as FileHolder;
        this.forget(h);
        closed++;
        try {
          h.closeFiles();
        } catch (err) {
          this.logger.warn({ err }, 'closing idle segment files failed');
        }
      }
    } finally {
      this.evicting = false;
    }
  }
}

/** This process's soft descriptor limit, read once: Node raises it before any module runs. */
export const processSoftOpenFileLimit = softOpenFileLimit();
/** The process's bound, from its descriptor limit. */
export const processOpenFiles = new OpenFiles(limitsFor(processSoftOpenFileLimit));
