/**
 * Storage benchmark (issue 3): Log.append vs raw fs writes of the same bytes to the same disk,
 * sequential Log.read (1 MiB reads, whole batches) vs raw 1 MiB reads of the same segment files,
 * alternated, and RSS after appending 4 GiB.
 * Run: npx tsc -p . && node dist/bench/storage.js   (writes bench/results/storage-<date>.json)
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Log } from '../src/storage/index.js';
import { CRC, RECORDS, computeBatchCrc } from '../src/record/batch-header.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const TOTAL = Number(process.env.BENCH_BYTES ?? 512 * MiB);

/** One uncompressed batch of `size` bytes with a single record (enough for storage, which never parses records). */
function batchOfSize(size: number): Buffer {
  const b = Buffer.alloc(size, 0x61);
  b.writeInt32BE(size - 12, 8);
  b.writeInt32BE(-1, 12);
  b.writeInt8(2, 16);
  b.writeInt16BE(0, 21);
  b.writeInt32BE(0, 23);
  b.writeBigInt64BE(BigInt(Date.now()), 27);
  b.writeBigInt64BE(BigInt(Date.now()), 35);
  b.writeBigInt64BE(-1n, 43);
  b.writeInt16BE(-1, 51);
  b.writeInt32BE(-1, 53);
  b.writeInt32BE(1, 57);
  b.fill(0, RECORDS, RECORDS + 8);
  b.writeUInt32BE(computeBatchCrc(b), CRC);
  return b;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function mbps(bytes: number, ns: bigint): number {
  return bytes / MiB / (Number(ns) / 1e9);
}

function rawWrite(dir: string, batch: Buffer, total: number): number {
  const file = path.join(dir, 'raw.bin');
  const fd = fs.openSync(file, 'w+');
  const t0 = process.hrtime.bigint();
  let pos = 0;
  while (pos < total) {
    pos += fs.writeSync(fd, batch, 0, batch.length, pos);
  }
  const t = process.hrtime.bigint() - t0;
  fs.closeSync(fd);
  return mbps(total, t);
}

function logAppend(dir: string, batch: Buffer, total: number): { rate: number; log: Log } {
  const log = Log.open({ dir: path.join(dir, 'b-0'), topic: 'b', partition: 0, config: { 'file.delete.delay.ms': 0 } });
  const t0 = process.hrtime.bigint();
  for (let written = 0; written < total; written += batch.length) log.append(batch);
  const t = process.hrtime.bigint() - t0;
  return { rate: mbps(total, t), log };
}

/** Raw sequential reads of the given files in `chunk`-sized reads. */
function rawRead(files: string[], chunk: number): number {
  const buf = Buffer.allocUnsafe(chunk);
  const fds = files.map((f) => fs.openSync(f, 'r'));
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  for (const fd of fds) {
    let pos = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, chunk, pos);
      if (n <= 0) break;
      pos += n;
    }
    bytes += pos;
  }
  const t = process.hrtime.bigint() - t0;
  for (const fd of fds) fs.closeSync(fd);
  return mbps(bytes, t);
}

/** The log's segment files: the raw read goes over the very bytes Log.read serves, in the same page-cache state. */
function segmentFiles(log: Log): string[] {
  return log.segmentBaseOffsets().map((b) => path.join(log.dir, `${String(b).padStart(20, '0')}.log`));
}

function logRead(log: Log, chunk: number): number {
  const buf = Buffer.allocUnsafe(chunk * 2);
  const t0 = process.hrtime.bigint();
  let offset = log.logStartOffset;
  let bytes = 0;
  while (offset < log.logEndOffset) {
    const r = log.read(offset, chunk);
    let at = 0;
    for (const range of r.ranges) {
      at += fs.readSync(range.fd, buf, at, range.length, range.position);
      range.release();
    }
    bytes += at;
    offset = r.nextOffset;
  }
  const t = process.hrtime.bigint() - t0;
  return mbps(bytes, t);
}

function main(): void {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-storage-'));
  const results: Record<string, number> = {};
  try {
    for (const size of [16 * 1024, MiB]) {
      const batch = batchOfSize(size);
      const raw: number[] = [];
      const app: number[] = [];
      const rr: number[] = [];
      const lr: number[] = [];
      for (let run = 0; run < 3; run++) {
        const dir = fs.mkdtempSync(path.join(base, 'run-'));
        // Each write starts with no dirty pages, so the kernel's writeback of the previous run
        // does not land on one side only.
        execFileSync('sync');
        raw.push(rawWrite(dir, batch, TOTAL));
        execFileSync('sync');
        const { rate, log } = logAppend(dir, batch, TOTAL);
        app.push(rate);
        // Reads from the page cache of the segment just written, raw and through the log in turn.
        for (let k = 0; k < 3; k++) {
          rr.push(rawRead(segmentFiles(log), MiB));
          lr.push(logRead(log, MiB));
        }
        log.close({ flush: false });
        fs.rmSync(dir, { recursive: true, force: true });
      }
      const k = size === MiB ? '1MiB' : '16KiB';
      results[`append_${k}_raw_MBps`] = median(raw);
      results[`append_${k}_log_MBps`] = median(app);
      results[`append_${k}_ratio`] = median(app) / median(raw);
      results[`read_${k}_raw_MBps`] = median(rr);
      results[`read_${k}_log_MBps`] = median(lr);
      results[`read_${k}_ratio`] = median(lr) / median(rr);
    }
    // RSS after appending 4 GiB
    const dir = fs.mkdtempSync(path.join(base, 'rss-'));
    const batch = batchOfSize(MiB);
    const log = Log.open({ dir: path.join(dir, 'r-0'), topic: 'r', partition: 0 });
    let peak = 0;
    for (let w = 0; w < 4 * GiB; w += batch.length) {
      log.append(batch);
      if ((w / batch.length) % 256 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    log.flush();
    results.rss_after_4GiB_MiB = process.memoryUsage().rss / MiB;
    results.rss_peak_MiB = Math.max(peak, process.memoryUsage().rss) / MiB;
    log.close({ flush: false });
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
  const env = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / GiB),
    bytesPerRun: TOTAL,
    runs: 3,
  };
  console.log(`node ${env.node}, ${env.cpus} cores (${env.cpuModel}), ${env.memoryGiB} GiB RAM, ${TOTAL / MiB} MiB per run, median of 3`);
  console.table(
    Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(v * 100) / 100])),
  );
  const outDir = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `storage-${env.date.slice(0, 10)}.json`);
  fs.writeFileSync(out, JSON.stringify({ env, results }, null, 2) + '\n');
  console.log(`wrote ${out}`);
}

main();
