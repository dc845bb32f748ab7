// `samsa perf produce|consume`, in the manner of kafka-producer-perf-test / kafka-consumer-perf-test.
import { randomBytes } from 'node:crypto';
import type { Admin } from '../client/admin.js';
import type { KafkaClient } from '../client/client.js';
import { Fetcher } from '../client/consumer.js';
import { Producer } from '../client/producer.js';
import type { CompressionName } from '../record/compression.js';
import { CliError } from './output.js';

/**
 * Log-linear histogram of non-negative values (microseconds here): 2^SUB buckets per power of
 * two, so every recorded value is within 1/2^SUB (~1.6%) of its bucket's lower bound.
 */
export class Histogram {
  private static readonly SUB = 6;
  private readonly counts = new Float64Array(64 << Histogram.SUB);
  count = 0;
  max = 0;
  sum = 0;

  record(v: number): void {
    const x = Math.max(0, Math.floor(v));
    this.counts[Histogram.index(x)]!++;
    this.count++;
    this.sum += x;
    if (x > this.max) this.max = x;
  }

  private static index(x: number): number {
    const S = Histogram.SUB;
    if (x < 1 << S) return x;
    const e = 31 - Math.clz32(x); // floor(log2 x) >= S
    const mant = (x >>> (e - S)) & ((1 << S) - 1);
    return ((e - S + 1) << S) + mant;
  }

  private static lowerBound(i: number): number {
    const S = Histogram.SUB;
    if (i < 1 << S) return i;
    const e = (i >> S) + S - 1;
    const mant = i & ((1 << S) - 1);
    return ((1 << S) + mant) * 2 ** (e - S);
  }

  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(Histogram.lowerBound(i), this.max);
    }
    return this.max;
  }
}

export interface PerfProduceOptions {
  topic: string;
  numRecords: number;
  recordSize: number;
  throughput: number;
  acks: 0 | 1 | -1;
  compression: CompressionName;
  batchSize: number;
  lingerMs: number;
  json: boolean;
  progressMs?: number;
}

const ms = (us: number): number => Math.round(us / 10) / 100;

function progress(line: string): void {
  process.stderr.write(process.stderr.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
}

export async function perfProduce(client: KafkaClient, o: PerfProduceOptions): Promise<Record<string, number | string>> {
  const t = await client.topic(o.topic);
  const n = t.partitions.length;
  const producer = new Producer(client, { acks: o.acks, compression: o.compression, batchSize: o.batchSize, lingerMs: o.lingerMs, maxInFlight: 5 });
  const payload = randomBytes(o.recordSize);
  for (let i = 0; i < payload.length; i++) payload[i] = 65 + (payload[i]! % 26);
  const hist = new Histogram();
  const start = performance.now();
  let acked = 0;
  let failed: Error | null = null;
  let windowCount = 0;
  let windowStart = start;
  let windowMax = 0;
  let windowSum = 0;
  const report = setInterval(() => {
    const now = performance.now();
    const secs = (now - windowStart) / 1000;
    const rate = windowCount / secs;
    progress(
      `${windowCount} records sent, ${rate.toFixed(1)} records/sec (${((rate * o.recordSize) / 1048576).toFixed(2)} MB/sec), ` +
        `${windowCount ? ms(windowSum / windowCount).toFixed(1) : '0.0'} ms avg latency, ${ms(windowMax).toFixed(1)} ms max latency.`,
    );
    windowCount = 0;
    windowSum = 0;
    windowMax = 0;
    windowStart = now;
  }, o.progressMs ?? 2000);
  report.unref();
  const record = { topic: o.topic, key: null, value: payload };
  let done: () => void = () => undefined;
  const allAcked = new Promise<void>((r) => (done = r));
  const make = () => {
    const sent = performance.now();
    return (err: Error | null) => {
      if (err) failed ??= err;
      const lat = (performance.now() - sent) * 1000;
      hist.record(lat);
      windowCount++;
      windowSum += lat;
      if (lat > windowMax) windowMax = lat;
      if (++acked === o.numRecords) done();
    };
  };
  for (let i = 0; i < o.numRecords; i++) {
    if (failed) break;
    producer.tryAppendSync(record, make(), n);
    if ((i & 255) === 255) {
      if (o.throughput > 0) {
        const ahead = (i + 1) / o.throughput - (performance.now() - start) / 1000;
        if (ahead > 0) await new Promise((r) => setTimeout(r, ahead * 1000));
      }
      if (producer.bufferedBytes >= 16 * 1024 * 1024) await producer.waitForSpace();
      else if ((i & 4095) === 4095) await new Promise((r) => setImmediate(r));
    }
  }
  await producer.flush();
  if (acked < o.numRecords && !failed) await allAcked;
  clearInterval(report);
  if (process.stderr.isTTY) process.stderr.write('\n');
  if (failed) throw failed;
  const secs = (performance.now() - start) / 1000;
  return {
    records: o.numRecords,
    recordSize: o.recordSize,
    seconds: Math.round(secs * 1000) / 1000,
    recordsPerSec: Math.round((o.numRecords / secs) * 10) / 10,
    mbPerSec: Math.round(((o.numRecords * o.recordSize) / 1048576 / secs) * 100) / 100,
    avgLatencyMs: ms(hist.sum / Math.max(1, hist.count)),
    p50Ms: ms(hist.percentile(50)),
    p95Ms: ms(hist.percentile(95)),
    p99Ms: ms(hist.percentile(99)),
    p999Ms: ms(hist.percentile(99.9)),
    maxLatencyMs: ms(hist.max),
  };
}

export function produceSummaryLine(r: Record<string, number | string>): string {
  return (
    `${r.records} records sent, ${Number(r.recordsPerSec).toFixed(1)} records/sec (${Number(r.mbPerSec).toFixed(2)} MB/sec), ` +
    `${r.avgLatencyMs} ms avg latency, ${r.maxLatencyMs} ms max latency, ${r.p50Ms} ms 50th, ${r.p95Ms} ms 95th, ` +
    `${r.p99Ms} ms 99th, ${r.p999Ms} ms 99.9th.\n`
  );
}

export interface PerfConsumeOptions {
  topic: string;
  numRecords: number;
  timeoutMs: number;
  json: boolean;
  progressMs?: number;
}

export async function perfConsume(client: KafkaClient, admin: Admin, o: PerfConsumeOptions): Promise<Record<string, number | string>> {
  const t = await client.topic(o.topic);
  const starts = await admin.listOffsets(o.topic, null, -2);
  const f = new Fetcher(client, admin, { maxWaitMs: 200, partitionMaxBytes: 4 * 1024 * 1024 });
  for (const p of t.partitions) f.assign(o.topic, p.partition, starts.get(p.partition) ?? 0);
  const start = performance.now();
  let records = 0;
  let bytes = 0;
  let lastProgress = start;
  let lastData = start;
  while (records < o.numRecords) {
    const got = await f.poll();
    const now = performance.now();
    if (got.length > 0) lastData = now;
    else if (now - lastData > o.timeoutMs) break;
    for (const r of got) bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
    records += got.length;
    if (now - lastProgress >= (o.progressMs ?? 2000)) {
      lastProgress = now;
      const secs = (now - start) / 1000;
      progress(`${records} records consumed, ${(records / secs).toFixed(1)} records/sec (${(bytes / 1048576 / secs).toFixed(2)} MB/sec).`);
    }
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  if (records === 0) throw new CliError(`no records consumed from ${o.topic} within ${o.timeoutMs} ms`);
  // Up to the last record's arrival: the idle wait that ends a run short of --num-records is not consuming.
  const secs = (lastData - start) / 1000;
  return {
    records,
    megabytes: Math.round((bytes / 1048576) * 100) / 100,
    seconds: Math.round(secs * 1000) / 1000,
    recordsPerSec: Math.round((records / secs) * 10) / 10,
    mbPerSec: Math.round((bytes / 1048576 / secs) * 100) / 100,
  };
}

export function consumeSummaryLine(r: Record<string, number | string>): string {
  return `${r.records} records consumed (${r.megabytes} MB) in ${r.seconds} s, ${Number(r.recordsPerSec).toFixed(1)} records/sec (${Number(r.mbPerSec).toFixed(2)} MB/sec).\n`;
}
