import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FileSystem, MemFileSystem } from '../../src/storage/index.js';
import {
  ATTRIBUTES,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_LENGTH,
  CRC,
  LAST_OFFSET_DELTA,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORD_COUNT,
  RECORDS,
  computeBatchCrc,
  writeInt64,
} from '../../src/record/batch-header.js';

function zigzag(n: number): number[] {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

export interface TestRecord {
  value: Buffer | string;
  timestamp?: number;
}

/**
 * A minimal valid RecordBatch v2 (uncompressed, no keys, no headers) for storage tests; does
 * not depend on src/record's builder. `attributes` may set bits (e.g. compression) for tests
 * that only look at headers.
 */
export function makeBatch(
  records: TestRecord[],
  opts: { baseOffset?: number; leaderEpoch?: number; baseTimestamp?: number; attributes?: number } = {},
): Buffer {
  const baseTs = opts.baseTimestamp ?? records[0]?.timestamp ?? 1_700_000_000_000;
  const recBufs: Buffer[] = [];
  let maxTs = -1;
  records.forEach((r, i) => {
    const ts = r.timestamp ?? baseTs;
    maxTs = Math.max(maxTs, ts);
    const value = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    const body = Buffer.concat([
      Buffer.from([0]),
      Buffer.from(zigzag(ts - baseTs)),
      Buffer.from(zigzag(i)),
      Buffer.from(zigzag(-1)),
      Buffer.from(zigzag(value.length)),
      value,
      Buffer.from(zigzag(0)),
    ]);
    recBufs.push(Buffer.concat([Buffer.from(zigzag(body.length)), body]));
  });
  const recs = Buffer.concat(recBufs);
  const b = Buffer.alloc(RECORDS + recs.length);
  writeInt64(b, 0, opts.baseOffset ?? 0);
  b.writeInt32BE(b.length - 12, BATCH_LENGTH);
  b.writeInt32BE(opts.leaderEpoch ?? -1, PARTITION_LEADER_EPOCH);
  b.writeInt8(2, MAGIC);
  b.writeInt16BE(opts.attributes ?? 0, ATTRIBUTES);
  b.writeInt32BE(records.length - 1, LAST_OFFSET_DELTA);
  writeInt64(b, BASE_TIMESTAMP, baseTs);
  writeInt64(b, MAX_TIMESTAMP, maxTs);
  writeInt64(b, PRODUCER_ID, -1);
  b.writeInt16BE(-1, PRODUCER_EPOCH);
  b.writeInt32BE(-1, BASE_SEQUENCE);
  b.writeInt32BE(records.length, RECORD_COUNT);
  recs.copy(b, RECORDS);
  b.writeUInt32BE(computeBatchCrc(b), CRC);
  return b;
}

/** A batch of `count` records of `valueSize` bytes each, contents derived from `seed`. */
export function seededBatch(seed: number, count: number, valueSize: number, timestamp = 1_700_000_000_000): Buffer {
  const recs: TestRecord[] = [];
  for (let i = 0; i < count; i++) {
    const v = Buffer.alloc(valueSize);
    for (let j = 0; j < valueSize; j++) v[j] = (seed * 31 + i * 7 + j) & 0xff;
    recs.push({ value: v, timestamp: timestamp + i });
  }
  return makeBatch(recs);
}

export function tempDir(prefix = 'samsa-storage-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Splits concatenated batches into [baseOffset, lastOffset, bytes] triples. */
export function splitBatches(buf: Buffer): Array<{ base: number; last: number; bytes: Buffer }> {
  const out: Array<{ base: number; last: number; bytes: Buffer }> = [];
  let at = 0;
  while (at + 61 <= buf.length) {
    const size = buf.readInt32BE(at + 8) + 12;
    const base = buf.readInt32BE(at) * 2 ** 32 + buf.readUInt32BE(at + 4);
    out.push({ base, last: base + buf.readInt32BE(at + 23), bytes: buf.subarray(at, at + size) });
    at += size;
  }
  return out;
}

/** Counts the descriptors open through it, and the most ever open at once. */
export class CountingFs {
  open = 0;
  peak = 0;
  /** Every file opened so far, in order. */
  readonly opened: string[] = [];
  /** Opens fail with EMFILE while this many are open. */
  failAt = Number.POSITIVE_INFINITY;
  constructor(readonly inner: MemFileSystem) {}
  wrap(): FileSystem {
    const inner = this.inner;
    return new Proxy(inner, {
      get: (target, prop, receiver) => {
        if (prop === 'open') {
          return (file: string, create: boolean): number => {
            if (this.open >= this.failAt) throw Object.assign(new Error(`EMFILE: too many open files, open '${file}'`), { code: 'EMFILE' });
            const fd = target.open(file, create);
            this.opened.push(file);
            this.open++;
            this.peak = Math.max(this.peak, this.open);
            return fd;
          };
        }
        if (prop === 'close') {
          return (fd: number): void => {
            target.close(fd);
            this.open--;
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }
}
