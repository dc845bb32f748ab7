import * as nodeFs from 'node:fs';
import * as path from 'node:path';

/**
 * The narrow, synchronous, fd-based file API storage is written against. Synchronous calls keep
 * appends serialized on the event loop without locks; the real implementation maps 1:1 onto
 * node:fs so a write here is one system call. The in-memory implementation (mem-fs.ts) injects
 * faults for crash tests.
 */
export interface FileSystem {
  /** Opens read-write; creates the file when `create` is set. */
  open(file: string, create: boolean): number;
  close(fd: number): void;
  read(fd: number, buf: Buffer, offset: number, length: number, position: number): number;
  /** May write fewer bytes than asked (short write); callers loop via writeFully. */
  write(fd: number, buf: Buffer, offset: number, length: number, position: number): number;
  size(fd: number): number;
  mtimeMs(fd: number): number;
  truncate(fd: number, length: number): void;
  fsync(fd: number): void;
  /** fsync off the event loop (roll of a large segment must not stall appends). */
  fsyncAsync(fd: number): Promise<void>;
  exists(file: string): boolean;
  isDirectory(file: string): boolean;
  mkdir(dir: string): void;
  readdir(dir: string): string[];
  unlink(file: string): void;
  rename(from: string, to: string): void;
  /** Recursive removal of a directory tree. */
  rmTree(dir: string): void;
  fsyncDir(dir: string): void;
}

export class RealFileSystem implements FileSystem {
  open(file: string, create: boolean): number {
    const c = nodeFs.constants;
    return nodeFs.openSync(file, create ? c.O_RDWR | c.O_CREAT : c.O_RDWR, 0o644);
  }
  close(fd: number): void {
    nodeFs.closeSync(fd);
  }
  read(fd: number, buf: Buffer, offset: number, length: number, position: number): number {
    return nodeFs.readSync(fd, buf, offset, length, position);
  }
  write(fd: number, buf: Buffer, offset: number, length: number, position: number): number {
    return nodeFs.writeSync(fd, buf, offset, length, position);
  }
  size(fd: number): number {
    return nodeFs.fstatSync(fd).size;
  }
  mtimeMs(fd: number): number {
    return nodeFs.fstatSync(fd).mtimeMs;
  }
  truncate(fd: number, length: number): void {
    nodeFs.ftruncateSync(fd, length);
  }
  fsync(fd: number): void {
    nodeFs.fsyncSync(fd);
  }
  fsyncAsync(fd: number): Promise<void> {
    return new Promise((resolve, reject) => nodeFs.fsync(fd, (err) => (err ? reject(err) : resolve())));
  }
  exists(file: string): boolean {
    return nodeFs.existsSync(file);
  }
  isDirectory(file: string): boolean {
    try {
      return nodeFs.statSync(file).isDirectory();
    } catch {
      return false;
    }
  }
  mkdir(dir: string): void {
    nodeFs.mkdirSync(dir, { recursive: true });
  }
  readdir(dir: string): string[] {
    return nodeFs.readdirSync(dir);
  }
  unlink(file: string): void {
    nodeFs.unlinkSync(file);
  }
  rename(from: string, to: string): void {
    nodeFs.renameSync(from, to);
  }
  rmTree(dir: string): void {
    nodeFs.rmSync(dir, { recursive: true, force: true });
  }
  fsyncDir(dir: string): void {
    const fd = nodeFs.openSync(dir, 'r');
    try {
      nodeFs.fsyncSync(fd);
    } finally {
      nodeFs.closeSync(fd);
    }
  }
}

export const realFs: FileSystem = new RealFileSystem();

export function writeFully(fs: FileSystem, fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) {
    const n = fs.write(fd, buf, done, buf.length - done, position + done);
    if (n <= 0) throw new Error(`write returned ${n}`);
    done += n;
  }
}

/** Reads up to `length` bytes; returns how many were read (short only at end of file). */
export function readFully(fs: FileSystem, fd: number, buf: Buffer, offset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.read(fd, buf, offset + done, length - done, position + done);
    if (n <= 0) break;
    done += n;
  }
  return done;
}

export function readWholeFile(fs: FileSystem, file: string): Buffer | null {
  if (!fs.exists(file)) return null;
  const fd = fs.open(file, false);
  try {
    const size = fs.size(fd);
    const buf = Buffer.allocUnsafe(size);
    const n = readFully(fs, fd, buf, 0, size, 0);
    return buf.subarray(0, n);
  } finally {
    fs.close(fd);
  }
}

/**
 * The project's one way to replace a file (checkpoints, metadata, partition.metadata): write a
 * temp file, fsync it, rename it over the target, fsync the directory. A crash leaves the old or
 * the new content, never a mix, and the rename itself survives a power loss. `sync: false` keeps
 * the all-or-nothing rename but skips both fsyncs: for files that may be lost with a power cut
 * as long as they are never seen torn.
 */
export function writeFileAtomic(fs: FileSystem, file: string, data: Buffer | string, opts: { sync?: boolean } = {}): void {
  const sync = opts.sync ?? true;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = `${file}.tmp`;
  const fd = fs.open(tmp, true);
  try {
    try {
      fs.truncate(fd, 0);
      writeFully(fs, fd, bytes, 0);
      if (sync) fs.fsync(fd);
    } finally {
      fs.close(fd);
    }
    fs.rename(tmp, file);
  } catch (err) {
    // A full disk must not leave a half-written temporary file behind.
    try {
      fs.unlink(tmp);
    } catch {
      // already gone
    }
    throw err;
  }
  if (sync) fs.fsyncDir(path.dirname(file));
}
