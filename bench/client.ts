// Project client produce throughput (`samsa perf produce`) beside kcat's, against the same broker in
// the same run: N records of SIZE bytes, median of RUNS. batch.size 256 KiB, linger 10 ms (librdkafka's
// defaults are 1 MB / 5 ms; a 1 MiB batch would exceed max.message.bytes with our framing). Writes a table and
// bench/results/client-<date>.json. Usage: node dist/bench/client.js [records] [size] [runs]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from '../src/node/start-broker.js';
import { Admin, KafkaClient } from '../src/client/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const N = Number(process.argv[2] ?? 1_000_000);
const SIZE = Number(process.argv[3] ?? 100);
const RUNS = Number(process.argv[4] ?? 3);
const PARTITIONS = 3;

function exec(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 }));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-client-'));
  const b = await startBroker({}, { dataDir: join(dir, 'data') });
  const client = new KafkaClient({ brokers: b.bootstrap });
  const admin = new Admin(client);
  const file = join(dir, 'records.txt');
  const line = Buffer.alloc(SIZE, 'x');
  const buf = Buffer.allocUnsafe((SIZE + 1) * N);
  for (let i = 0; i < N; i++) {
    line.copy(buf, i * (SIZE + 1));
    buf[i * (SIZE + 1) + SIZE] = 0x0a;
  }
  writeFileSync(file, buf);
  const samsaRuns: { recordsPerSec: number; mbPerSec: number; p50Ms: number; p99Ms: number; p999Ms: number; maxLatencyMs: number }[] = [];
  const kcatRuns: { recordsPerSec: number; mbPerSec: number; seconds: number }[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const ts = `samsa-${run}`;
      const tk = `kcat-${run}`;
      await admin.createTopics([{ name: ts, partitions: PARTITIONS, replicationFactor: 1 }, { name: tk, partitions: PARTITIONS, replicationFactor: 1 }]);
      const s = await exec(process.execPath, [MAIN, 'perf', 'produce', ts, '--brokers', b.bootstrap, '--num-records', String(N), '--record-size', String(SIZE), '--acks', 'all', '--batch-size', '262144', '--linger-ms', '10', '--json']);
      if (s.code !== 0) throw new Error(`samsa perf produce failed: ${s.stderr}`);
      samsaRuns.push(JSON.parse(s.stdout));
      const k = await exec('kcat', ['-P', '-b', b.bootstrap, '-t', tk, '-l', file, '-X', 'acks=all']);
      if (k.code !== 0) throw new Error(`kcat failed: ${k.stderr}`);
      const ends = await admin.listOffsets(tk, null, -1);
      const total = [...ends.values()].reduce((a, x) => a + x, 0);
      if (total !== N) throw new Error(`kcat produced ${total} records, expected ${N}`);
      const secs = k.ms / 1000;
      kcatRuns.push({ seconds: secs, recordsPerSec: N / secs, mbPerSec: (N * SIZE) / 1048576 / secs });
      process.stderr.write(`run ${run + 1}/${RUNS}: samsa ${samsaRuns[run]!.recordsPerSec.toFixed(0)} rec/s, kcat ${kcatRuns[run]!.recordsPerSec.toFixed(0)} rec/s\n`);
    }
  } finally {
    await client.close();
    await b.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const sRate = median(samsaRuns.map((r) => r.recordsPerSec));
  const kRate = median(kcatRuns.map((r) => r.recordsPerSec));
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    records: N,
    recordSize: SIZE,
    partitions: PARTITIONS,
    runs: RUNS,
    acks: 'all',
    samsa: { medianRecordsPerSec: Math.round(sRate), medianMbPerSec: Math.round(median(samsaRuns.map((r) => r.mbPerSec)) * 100) / 100, runs: samsaRuns },
    kcat: { medianRecordsPerSec: Math.round(kRate), medianMbPerSec: Math.round(median(kcatRuns.map((r) => r.mbPerSec)) * 100) / 100, runs: kcatRuns },
    ratio: Math.round((sRate / kRate) * 1000) / 1000,
    targetMet: sRate >= kRate / 2,
  };
  const rows = [
    ['client', 'records/s (median)', 'MB/s', 'p99 ms'],
    ['samsa perf produce', String(result.samsa.medianRecordsPerSec), String(result.samsa.medianMbPerSec), String(median(samsaRuns.map((r) => r.p99Ms)))],
    ['kcat -P -l', String(result.kcat.medianRecordsPerSec), String(result.kcat.medianMbPerSec), '-'],
  ];
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(r.map((c, i) => c.padEnd(w[i]!)).join('  ') + '\n');
  process.stdout.write(`samsa/kcat = ${result.ratio} (target >= 0.5: ${result.targetMet ? 'met' : 'NOT met'}); ${N} x ${SIZE} B, ${RUNS} runs, ${result.cores} cores, node ${result.node}\n`);
  const out = join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  const path = join(out, `client-${result.date.slice(0, 10)}.json`);
  writeFileSync(path, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`wrote ${path}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench/client: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
