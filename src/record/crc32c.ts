// CRC32C for record batches: the native addon's three-stream SSE4.2 loop when it is built and
// the CPU has the instruction (about 20 GB/s here), else @node-rs/crc32 (about 4.5 GB/s), else
// a table-driven loop in JavaScript for platforms @node-rs/crc32 ships no binary for: every
// produce checks a CRC, so the broker must have one whatever installed.
// Produce spends a fifth of its broker CPU here with the portable one at 1 KiB records.
import { createRequire } from 'node:module';
import { addonWith } from '../native/index.js';

/** Slice-by-8 tables of the reflected Castagnoli polynomial. */
const TABLES = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) for (let s = 1; s < 8; s++) t[s * 256 + n] = (t[(s - 1) * 256 + n]! >>> 8) ^ t[t[(s - 1) * 256 + n]! & 0xff]!;
  return t;
})();

/** CRC32C in JavaScript, eight bytes per step. */
export function jsCrc32c(bytes: Uint8Array): number {
  const t = TABLES;
  let crc = ~0;
  let i = 0;
  const n = bytes.length;
  for (; i + 8 <= n; i += 8) {
    const a = crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    crc =
      t[7 * 256 + (a & 0xff)]! ^ t[6 * 256 + ((a >>> 8) & 0xff)]! ^ t[5 * 256 + ((a >>> 16) & 0xff)]! ^ t[4 * 256 + (a >>> 24)]! ^
      t[3 * 256 + bytes[i + 4]!]! ^ t[2 * 256 + bytes[i + 5]!]! ^ t[256 + bytes[i + 6]!]! ^ t[bytes[i + 7]!]!;
  }
  for (; i < n; i++) crc = (crc >>> 8) ^ t[(crc ^ bytes[i]!) & 0xff]!;
  return ~crc >>> 0;
}

function loadPortable(): ((bytes: Buffer) => number) | null {
  try {
    const m = createRequire(import.meta.url)('@node-rs/crc32') as { crc32c(bytes: Buffer): number };
    return (bytes) => m.crc32c(bytes) >>> 0;
  } catch {
    return null;
  }
}

// SAMSA_NATIVE_CRC=0 selects the portable one.
const native = addonWith('SAMSA_NATIVE_CRC', 'crc32c')?.crc32c;
const portable = native ? null : loadPortable();

/** CRC32C (Castagnoli) of the bytes, as an unsigned 32-bit number. */
export const crc32c: (bytes: Buffer) => number = native ?? portable ?? jsCrc32c;

/** Which implementation is in use, for benchmarks and diagnostics. */
export const crc32cImplementation: 'native' | 'portable' | 'js' = native ? 'native' : portable ? 'portable' : 'js';
