import * as nodeFs from 'node:fs';
import { constants as osConstants } from 'node:os';
import * as path from 'node:path';
import { lockAddon } from '../native/index.js';
import { StorageError } from './errors.js';

/** Kafka's lock file in every log directory. */
export const LOCK_FILE = '.lock';

/** Another process (or another LogManager of this one) owns the data directory. */
export class DataDirInUseError extends StorageError {
  constructor(
    readonly dir: string,
    readonly holderPid: number | null,
  ) {
    super(
      'SAMSA_DATA_DIR_IN_USE',
      `data directory ${dir} is in use by another broker (${path.join(dir, LOCK_FILE)} is locked${holderPid !== null ? ` by pid ${holderPid}` : ''})`,
    );
  }
}

export interface DirLock {
  /** 'native': a kernel lock on `.lock`; 'pid-file': `.lock` created exclusively, holding our pid. */
  readonly kind: 'native' | 'pid-file';
  release(): void;
}

/** Directories locked by this process with a pid file: its pid alone cannot tell them apart. */
const pidLocksHere = new Set<string>();

/**
 * Takes the exclusive lock of a data directory (Kafka's LogManager.lockLogDirs), or throws
 * DataDirInUseError naming it. With the native addon this is a kernel lock on `.lock`, which the
 * kernel drops when the process dies, so a kill -9'd broker restarts at once. Without it, `.lock`
 * is created with O_EXCL and holds the owner's pid; a file whose pid is not alive is taken over.
 * Either way the file holds the owner's pid, for the error message and for the pid-file lock.
 */
export function lockDataDir(dir: string): DirLock {
  nodeFs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const addon = lockAddon();
  return addon ? nativeLock(dir, file, addon.tryLockFile) : pidFileLock(dir, file);
}

function nativeLock(dir: string, file: string, tryLockFile: (fd: number) => number): DirLock {
  const fd = nodeFs.openSync(file, nodeFs.constants.O_RDWR | nodeFs.constants.O_CREAT, 0o644);
  const err = tryLockFile(fd);
  if (err !== 0) {
    nodeFs.closeSync(fd);
    const { EAGAIN, EACCES, EWOULDBLOCK } = osConstants.errno;
    const busy = err === EAGAIN || err === EACCES || err === EWOULDBLOCK;
    if (busy) throw new DataDirInUseError(dir, readPid(file));
    throw new Error(`cannot lock ${file}: errno ${err}`);
  }
  const pid = Buffer.from(`${process.pid}\n`);
  nodeFs.ftruncateSync(fd, 0);
  nodeFs.writeSync(fd, pid, 0, pid.length, 0);
  let released = false;
  return {
    kind: 'native',
    release() {
      if (released) return;
      released = true;
      try {
        nodeFs.ftruncateSync(fd, 0); // a pid-file lock may take the directory over right away
      } finally {
        nodeFs.closeSync(fd);
      }
    },
  };
}

function pidFileLock(dir: string, file: string): DirLock {
  const key = path.resolve(dir);
  if (pidLocksHere.has(key)) throw new DataDirInUseError(dir, process.pid);
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = nodeFs.openSync(file, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readPid(file);
      // our own pid in the file is a previous process's (a container restarts with the same pid)
      if (holder !== null && holder !== process.pid && isAlive(holder)) throw new DataDirInUseError(dir, holder);
      if (attempt >= 3) throw new DataDirInUseError(dir, holder);
      try {
        nodeFs.unlinkSync(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      continue;
    }
    try {
      nodeFs.writeSync(fd, `${process.pid}\n`);
    } finally {
      nodeFs.closeSync(fd);
    }
    pidLocksHere.add(key);
    let released = false;
    return {
      kind: 'pid-file',
      release() {
        if (released) return;
        released = true;
        pidLocksHere.delete(key);
        if (readPid(file) === process.pid) nodeFs.rmSync(file, { force: true });
      },
    };
  }
}

function readPid(file: string): number | null {
  let text: string;
  try {
    text = nodeFs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
  const pid = /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

/** Whether a process with this pid exists and is not a zombie (a killed, not yet reaped broker holds nothing). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = nodeFs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the state follows the parenthesised command name, which may itself contain ')'
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
