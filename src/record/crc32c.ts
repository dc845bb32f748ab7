// CRC32C for record batches: the native addon's three-stream SSE4.2 loop when it is built and
// the CPU has the instruction (about 20 GB/s here), else @node-rs/crc32 (about 4.5 GB/s).
// Produce spends a fifth of its broker CPU here with the portable one at 1 KiB records.
import { crc32c as portableCrc32c } from '@node-rs/crc32';
import { addonWith } from '../native/index.js';

// SAMSA_NATIVE_CRC=0 selects the portable one.
const native = addonWith('SAMSA_NATIVE_CRC', 'crc32c')?.crc32c;

/** CRC32C (Castagnoli) of the bytes, as an unsigned 32-bit number. */
export const crc32c: (bytes: Buffer) => number = native ?? ((bytes) => portableCrc32c(bytes) >>> 0);

/** Which implementation is in use, for benchmarks and diagnostics. */
export const crc32cImplementation: 'native' | 'portable' = native ? 'native' : 'portable';
