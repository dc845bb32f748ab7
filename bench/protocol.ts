// Protocol microbenchmark: decode + CRC32C throughput over a ~1 MiB Produce v9 request.
// Run after `npx tsc -p .`: node dist/bench/protocol.js. Writes bench/results/protocol-<date>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { decodeRequest, encodeRequest } from '../src/protocol/frame.js';
import { Produce } from '../src/protocol/messages/index.js';
import {
  ATTRIBUTES, BASE_TIMESTAMP, BATCH_LENGTH, CRC, LAST_OFFSET_DELTA, MAGIC, MAX_TIMESTAMP, PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH, PRODUCER_ID, BASE_SEQUENCE, RECORD_COUNT, RECORDS, LOG_OVERHEAD, computeBatchCrc,
} from '../src/record/batch-header.js';

const TARGET_BYTES = 1 << 20;
const PARTITIONS = 4;
const RECORDS_PER_BATCH = 16;
const VALUE_SIZE = 1000;
const RUNS = 5;
const ITERATIONS = 100;

// --- building record batches by hand (kept independent of src/record's builder) ---

function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}
function varint(out: number[], v: number): void {
  let x = zigzag(v);
  while (x >= 0x80) {
    out.push((x % 128) | 0x80);
    x = Math.floor(x / 128);
  }
  out.push(x);
}

function record(offsetDelta: number, timestampDelta: number, value: Buffer): Buffer {
  const body: number[] = [0]; // attributes
  varint(body, timestampDelta);
  varint(body, offsetDelta);
  varint(body, -1); // null key
  varint(body, value.length);
  const head = Buffer.from(body);
  const tail: number[] = [];
  varint(tail, 0); // no headers
  const len: number[] = [];
  varint(len, head.length + value.length + tail.length);
  return Buffer.concat([Buffer.from(len), head, value, Buffer.from(tail)]);
}

function batch(baseTimestamp: number, seq: number): Buffer {
  const records: Buffer[] = [];
  for (let i = 0; i < RECORDS_PER_BATCH; i++) {
    const value = Buffer.alloc(VALUE_SIZE, 0x61 + ((seq + i) % 26));
    records.push(record(i, i, value));
  }
  const body = Buffer.concat(records);
  const b = Buffer.alloc(RECORDS + body.length);
  b.writeBigInt64BE(0n, 0); // base offset: assigned by the leader
  b.writeInt32BE(b.length - LOG_OVERHEAD, BATCH_LENGTH);
  b.writeInt32BE(-1, PARTITION_LEADER_EPOCH);
  b.writeInt8(2, MAGIC);
  b.writeInt16BE(0, ATTRIBUTES); // no compression, create time
  b.writeInt32BE(RECORDS_PER_BATCH - 1, LAST_OFFSET_DELTA);
  b.writeBigInt64BE(BigInt(baseTimestamp), BASE_TIMESTAMP);
  b.writeBigInt64BE(BigInt(baseTimestamp + RECORDS_PER_BATCH - 1), MAX_TIMESTAMP);
  b.writeBigInt64BE(-1n, PRODUCER_ID);
  b.writeInt16BE(-1, PRODUCER_EPOCH);
  b.writeInt32BE(-1, BASE_SEQUENCE);
  b.writeInt32BE(RECORDS_PER_BATCH, RECORD_COUNT);
  body.copy(b, RECORDS);
  b.writeUInt32BE(computeBatchCrc(b), CRC);
  return b;
}

function buildRequest(): Buffer {
  const perPartition = TARGET_BYTES / PARTITIONS;
  const partitionData = [];
  let seq = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const batches: Buffer[] = [];
    let size = 0;
    for (;;) {
      const b = batch(1_700_000_000_000 + seq, seq++);
      if (size + b.length > perPartition) break;
      batches.push(b);
      size += b.length;
    }
    partitionData.push({ index: p, records: Buffer.concat(batches) });
  }
  const frame = encodeRequest(
    Produce,
    { apiKey: 0, apiVersion: 9, correlationId: 1, clientId: 'bench' },
    { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: 'bench-topic', partitionData }] },
  );
  return Buffer.from(frame.subarray(4));
}

// --- the measured work ---

/** Decodes the request and checks every batch's CRC32C; returns the number of batches. */
function decodeAndVerify(frame: Buffer, crc: boolean): number {
  const { body } = decodeRequest(Produce, frame);
  let batches = 0;
  for (const t of body.topicData) {
    for (const p of t.partitionData) {
      const recs = p.records;
      if (!crc || recs === null || !Buffer.isBuffer(recs)) continue;
      for (let at = 0; at + RECORDS <= recs.length; ) {
        const size = recs.readInt32BE(at + BATCH_LENGTH) + LOG_OVERHEAD;
        if (computeBatchCrc(recs, at) !== recs.readUInt32BE(at + CRC)) throw new Error(`bad CRC at ${at}`);
        batches++;
        at += size;
      }
    }
  }
  return batches;
}

function measure(frame: Buffer, crc: boolean): { mbps: number[]; median: number } {
  const mbps: number[] = [];
  for (let i = 0; i < 20; i++) decodeAndVerify(frame, crc); // warm-up
  for (let run = 0; run < RUNS; run++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) decodeAndVerify(frame, crc);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    mbps.push((frame.length * ITERATIONS) / secs / 1e6);
  }
  const sorted = [...mbps].sort((a, b) => a - b);
  return { mbps, median: sorted[Math.floor(sorted.length / 2)]! };
}

function main(): void {
  const frame = buildRequest();
  const batches = decodeAndVerify(frame, true);
  const decodeCrc = measure(frame, true);
  const decodeOnly = measure(frame, false);
  const cpu = cpus()[0]?.model ?? 'unknown';
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cores: availableParallelism(),
    cpu,
    request: { api: 'Produce', version: 9, bytes: frame.length, partitions: PARTITIONS, batches, recordsPerBatch: RECORDS_PER_BATCH },
    runs: RUNS,
    iterationsPerRun: ITERATIONS,
    decodeAndCrc32cMBps: { median: decodeCrc.median, runs: decodeCrc.mbps },
    decodeOnlyMBps: { median: decodeOnly.median, runs: decodeOnly.mbps },
  };
  const dir = join(fileURLToPath(new URL('.', import.meta.url)), '../../bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `protocol-${result.date.slice(0, 10)}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');

  const fmt = (n: number): string => n.toFixed(0).padStart(10);
  console.log(`protocol bench: Produce v9, ${frame.length} bytes, ${batches} batches; node ${process.version}, ${result.cores} cores, ${cpu}`);
  console.log('| measure                 | median MB/s | runs (MB/s)');
  console.log('| ----------------------- | ----------- | -----------');
  console.log(`| decode + CRC32C         | ${fmt(decodeCrc.median)}  | ${decodeCrc.mbps.map((m) => m.toFixed(0)).join(', ')}`);
  console.log(`| decode only             | ${fmt(decodeOnly.median)}  | ${decodeOnly.mbps.map((m) => m.toFixed(0)).join(', ')}`);
  console.log(`wrote ${file}`);
}

main();
