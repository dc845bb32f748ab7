import * as path from 'node:path';
import type { FileSystem } from './fs.js';

interface MemFile {
  data: Buffer;
  size: number;
  /** Content as of the last fsync: what survives a power loss. */
  synced: Buffer;
  mtimeMs: number;
}

export type FaultKind =
  /** The op fails with EIO and has no effect. */
  | 'eio'
  /** A write writes half of what it was asked and reports it (a legal short write). */
  | 'short'
  /** The process dies inside the op: a write leaves half its bytes, then every op throws. */
  | 'crash';

export class SimulatedCrash extends Error {
  readonly code = 'SAMSA_SIMULATED_CRASH';
}

/**
 * In-memory filesystem with fault injection, for deterministic crash tests. Mutating operations
 * are numbered from 1 (`opCount`); `injectFault(n, kind)` makes the n-th one misbehave.
 * `restart('process')` models kill -9 (the page cache survives: all written bytes stay);
 * `restart('power')` keeps each file's fsynced content plus a prefix of what was appended since.
 */
export class MemFileSystem implements FileSystem {
  private files = new Map<string, MemFile>();
  private dirs = new Set<string>(['/']);
  private fds = new Map<number, MemFile>();
  private nextFd = 100;
  private faults = new Map<number, FaultKind>();
  private crashed = false;
  opCount = 0;
  fsyncCount = 0;

  injectFault(atOp: number, kind: FaultKind): void {
    this.faults.set(atOp, kind);
  }

  /** A fresh filesystem holding what survives the crash; open fds are gone. */
  restart(mode: 'process' | 'power', rand: () => number = Math.random): MemFileSystem {
    const next = new MemFileSystem();
    next.dirs = new Set(this.dirs);
    for (const [p, f] of this.files) {
      let content = f.data.subarray(0, f.size);
      if (mode === 'power') {
        const synced = f.synced;
        if (content.length > synced.length && content.subarray(0, synced.length).equals(synced)) {
          content = content.subarray(0, synced.length + Math.floor(rand() * (content.length - synced.length + 1)));
        } else {
          content = synced;
        }
      }
      const data = Buffer.from(content);
      next.files.set(p, { data, size: data.length, synced: Buffer.from(data), mtimeMs: f.mtimeMs });
    }
    return next;
  }

  /** Direct access for tests that corrupt bytes. */
  fileBytes(file: string): Buffer | undefined {
    const f = this.files.get(path.resolve(file));
    return f?.data.subarray(0, f.size);
  }

  private op(): FaultKind | undefined {
    if (this.crashed) throw new SimulatedCrash('filesystem is crashed');
    this.opCount++;
    const fault = this.faults.get(this.opCount);
    if (fault === 'eio') throw Object.assign(new Error('EIO: injected'), { code: 'EIO' });
    return fault;
  }

  private crashNow(): never {
    this.crashed = true;
    throw new SimulatedCrash(`simulated crash at op ${this.opCount}`);
  }

  private fd(fd: number): MemFile {
    const f = this.fds.get(fd);
    if (!f) throw Object.assign(new Error(`EBADF: ${fd}`), { code: 'EBADF' });
    return f;
  }

  private dirOf(file: string): void {
    if (!this.dirs.has(path.dirname(file))) {
      throw Object.assign(new Error(`ENOENT: ${path.dirname(file)}`), { code: 'ENOENT' });
    }
  }

  open(file: string, create: boolean): number {
    file = path.resolve(file);
    let f = this.files.get(file);
    if (!f) {
      if (!create) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
      if (this.op() === 'crash') this.crashNow();
      this.dirOf(file);
      f = { data: Buffer.alloc(0), size: 0, synced: Buffer.alloc(0), mtimeMs: Date.now() };
      this.files.set(file, f);
    } else if (this.crashed) {
      throw new SimulatedCrash('filesystem is crashed');
    }
    const fd = this.nextFd++;
    this.fds.set(fd, f);
    return fd;
  }

  close(fd: number): void {
    this.fds.delete(fd);
  }

  read(fd: number, buf: Buffer, offset: number, length: number, position: number): number {
    if (this.crashed) throw new SimulatedCrash('filesystem is crashed');
    const f = this.fd(fd);
    if (position >= f.size) return 0;
    const n = Math.min(length, f.size - position);
    f.data.copy(buf, offset, position, position + n);
    return n;
  }

  write(fd: number, buf: Buffer, offset: number, length: number, position: number): number {
    const fault = this.op();
    const f = this.fd(fd);
    let n = length;
    if (fault === 'short' || fault === 'crash') n = Math.floor(length / 2);
    const end = position + n;
    if (end > f.data.length) {
      const grown = Buffer.alloc(Math.max(end, f.data.length * 2, 4096));
      f.data.copy(grown, 0, 0, f.size);
      f.data = grown;
    }
    if (position > f.size) f.data.fill(0, f.size, position);
    buf.copy(f.data, position, offset, offset + n);
    f.size = Math.max(f.size, end);
    f.mtimeMs = Date.now();
    if (fault === 'crash') this.crashNow();
    return n;
  }

  size(fd: number): number {
    return this.fd(fd).size;
  }

  mtimeMs(fd: number): number {
    return this.fd(fd).mtimeMs;
  }

  /** Test hook: pretend a file was last modified at `ms`. */
  setMtime(file: string, ms: number): void {
    const f = this.files.get(path.resolve(file));
    if (f) f.mtimeMs = ms;
  }

  truncate(fd: number, length: number): void {
    if (this.op() === 'crash') this.crashNow();
    const f = this.fd(fd);
    if (length > f.size) {
      const grown = Buffer.alloc(length);
      f.data.copy(grown, 0, 0, f.size);
      f.data = grown;
    }
    f.size = length;
  }

  fsync(fd: number): void {
    if (this.op() === 'crash') this.crashNow();
    const f = this.fd(fd);
    f.synced = Buffer.from(f.data.subarray(0, f.size));
    this.fsyncCount++;
  }

  fsyncAsync(fd: number): Promise<void> {
    try {
      this.fsync(fd);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  exists(file: string): boolean {
    file = path.resolve(file);
    return this.files.has(file) || this.dirs.has(file);
  }

  isDirectory(file: string): boolean {
    return this.dirs.has(path.resolve(file));
  }

  mkdir(dir: string): void {
    dir = path.resolve(dir);
    if (this.dirs.has(dir)) return;
    if (this.op() === 'crash') this.crashNow();
    for (let d = dir; !this.dirs.has(d); d = path.dirname(d)) this.dirs.add(d);
  }

  readdir(dir: string): string[] {
    dir = path.resolve(dir);
    if (!this.dirs.has(dir)) throw Object.assign(new Error(`ENOENT: ${dir}`), { code: 'ENOENT' });
    const out = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p !== dir && path.dirname(p) === dir) out.add(path.basename(p));
    }
    return [...out].sort();
  }

  unlink(file: string): void {
    if (this.op() === 'crash') this.crashNow();
    file = path.resolve(file);
    if (!this.files.delete(file)) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
  }

  rename(from: string, to: string): void {
    if (this.op() === 'crash') this.crashNow();
    from = path.resolve(from);
    to = path.resolve(to);
    const f = this.files.get(from);
    if (f) {
      this.dirOf(to);
      this.files.delete(from);
      this.files.set(to, f);
      return;
    }
    if (!this.dirs.has(from)) throw Object.assign(new Error(`ENOENT: ${from}`), { code: 'ENOENT' });
    const prefix = from + path.sep;
    for (const d of [...this.dirs]) {
      if (d === from || d.startsWith(prefix)) {
        this.dirs.delete(d);
        this.dirs.add(to + d.slice(from.length));
      }
    }
    for (const [p, file] of [...this.files]) {
      if (p.startsWith(prefix)) {
        this.files.delete(p);
        this.files.set(to + p.slice(from.length), file);
      }
    }
  }

  rmTree(dir: string): void {
    if (this.op() === 'crash') this.crashNow();
    dir = path.resolve(dir);
    const prefix = dir + path.sep;
    for (const d of [...this.dirs]) if (d === dir || d.startsWith(prefix)) this.dirs.delete(d);
    for (const p of [...this.files.keys()]) if (p === dir || p.startsWith(prefix)) this.files.delete(p);
  }

  fsyncDir(_dir: string): void {
    if (this.op() === 'crash') this.crashNow();
  }
}
