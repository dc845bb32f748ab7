// The optional native addon (native/*.c, built by node-gyp at npm install). Everything that uses
// it has a plain path for when it, or one of its functions, is missing.
import { createRequire } from 'node:module';

export interface NativeAddon {
  /**
   * sendfile(2) of file regions (flat fd, position, length triples) to a socket fd. Returns 0 when
   * all was sent, a positive errno on failure, or -1 when the rest continues off the event loop;
   * `done(errno, totalSent)` is then called once it is over.
   */
  sendfile?(sockFd: number, regions: number[], done: (errno: number, sent: number) => void): number;
  /** shutdown(SHUT_RDWR): ends a pending sendfile promptly when its connection is closed. */
  shutdown?(sockFd: number): void;
  /** dup(2) with close-on-exec; throws on failure. */
  dup?(fd: number): number;
  /** CRC32C of the bytes, continuing from `crc` when given; present when the CPU has SSE4.2. */
  crc32c?(bytes: Uint8Array, crc?: number): number;
  /**
   * Exclusive advisory lock on an open file, never blocking: 0 when taken, EAGAIN (EACCES,
   * EWOULDBLOCK) when another open file holds it, another errno on failure. Released when the fd
   * closes or the process dies.
   */
  tryLockFile?(fd: number): number;
}

/** The addon narrowed to the functions a caller needs, all present. */
export type AddonWith<K extends keyof NativeAddon> = NativeAddon & Required<Pick<NativeAddon, K>>;
export type SendfileAddon = AddonWith<'sendfile' | 'shutdown'>;

let addon: NativeAddon | null | undefined;

export function loadNative(): NativeAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  if (process.platform !== 'linux') return addon;
  const require = createRequire(import.meta.url);
  // dist/src/native/index.js → <package>/build/...
  for (const p of ['../../../build/Release/samsa_native.node', '../../../build/Debug/samsa_native.node']) {
    try {
      addon = require(p) as NativeAddon;
      break;
    } catch {
      // not built, or built for another Node ABI: the plain path serves
    }
  }
  return addon;
}

/**
 * The addon when the environment switch `switchVar` is not '0' and the addon has every one of
 * `parts`; otherwise null, and the caller takes its plain path.
 */
export function addonWith<K extends keyof NativeAddon>(switchVar: string, ...parts: K[]): AddonWith<K> | null {
  if (process.env[switchVar] === '0') return null;
  const a = loadNative();
  return a && parts.every((p) => typeof a[p] === 'function') ? (a as AddonWith<K>) : null;
}

/** sendfile for fetch responses; SAMSA_SENDFILE=0 reads and writes instead. */
export const sendfileAddon = (): SendfileAddon | null => addonWith('SAMSA_SENDFILE', 'sendfile', 'shutdown');

/** dup for reading requests in place; SAMSA_DIRECT_READ=0 copies the socket's chunks instead. */
export const directReadAddon = (): AddonWith<'dup'> | null => addonWith('SAMSA_DIRECT_READ', 'dup');

/** The data directory lock; SAMSA_NATIVE_LOCK=0 uses the pid-file lock instead. */
export const lockAddon = (): AddonWith<'tryLockFile'> | null => addonWith('SAMSA_NATIVE_LOCK', 'tryLockFile');
