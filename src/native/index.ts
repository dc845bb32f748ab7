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
}

/** The addon's sendfile pair, both present. */
export interface SendfileAddon {
  sendfile(sockFd: number, regions: number[], done: (errno: number, sent: number) => void): number;
  shutdown(sockFd: number): void;
}

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
 * The addon when fetch responses should be sent with sendfile: on unless SAMSA_SENDFILE=0 and the
 * addon loads.
 */
export function sendfileAddon(): SendfileAddon | null {
  if (process.env.SAMSA_SENDFILE === '0') return null;
  const a = loadNative();
  return a?.sendfile && a.shutdown ? (a as SendfileAddon) : null;
}

/**
 * The addon when accepted sockets should be re-wrapped to read into memory the broker chooses:
 * on unless SAMSA_DIRECT_READ=0 and the addon has dup.
 */
export function directReadAddon(): { dup(fd: number): number } | null {
  if (process.env.SAMSA_DIRECT_READ === '0') return null;
  const a = loadNative();
  return a?.dup ? (a as { dup(fd: number): number }) : null;
}
