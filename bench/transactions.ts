// `node dist/bench/transactions.js`: what transactions cost the broker — a transactional producer
// (transactions of 1,000 records) against a non-transactional idempotent one, on the same broker
// process in the same run, runs of the two modes interleaved (plain, txn, txn, plain, …). Every
// figure is the median of BENCH_RUNS runs (default 5) with min–max.
//
// A load generator on the project's protocol module, one connection, acks=all, 8 partitions:
// - plain: pre-built Produce requests with a producer id and consecutive sequences, five in flight
//   per partition (what an idempotent client may), as bench/idempotence.ts sends them;
// - txn: per transaction AddPartitionsToTxn for the 8 partitions, one batch per partition (1,000
//   records over the 8) sent at once, then EndTxn(commit), which writes a marker to each partition.
//   One transaction at a time, as a client runs them: the cost is two more round trips and 8
//   markers per 1,000 records, and no pipelining across transactions.
// Client pinned to core 0, broker to core 1 (taskset). Knobs: BENCH_RUNS=N, BENCH_SCALE=F
// (multiplies record counts), BENCH_PORT=N. Writes a table and bench/results/transactions-<date>.json.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AddPartitionsToTxn, EndTxn, FindCoordinator, InitProducerId, Produce, decodeResponse, encodeRequest, type ApiSpec, type RequestOf } from '../src/protocol/index.js';
import { BASE_SEQUENCE, CRC, computeBatchCrc } from '../src/record/batch-header.js';
import { buildBatch } from '../src/record/builder.js';
import { FrameReader } from '../src/server/frame-reader.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(ROOT, 'dist/src/cli/main.js');
const SELF = fileURLToPath(import.meta.url);
const env = process.env;
const RUNS = Math.max(1, Number(env.BENCH_RUNS ?? 5));
const SCALE = Number(env.BENCH_SCALE ?? 1);
let nextPort = Number(env.BENCH_PORT ?? 39250);
const CLK_TCK = 100;
const PARTITIONS = 8;
const IN_FLIGHT = 5;
const TXN_RECORDS = 1000;

function which(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const HAS_TASKSET = which('taskset');
const pin = (core: string, cmd: string[]) => (HAS_TASKSET ? ['taskset', '-c', core, ...cmd] : cmd);

interface LoadResult {
  records: number;
  bytes: number;
  secs: number;
  transactions: number;
}

/** Child mode: `transactions.js load BOOTSTRAP TOPIC plain|txn SIZE COUNT RUN`; prints one JSON line. */
async function generateLoad(args: string[]): Promise<void> {
  const [bootstrap, topic, mode, sizeArg, countArg, runArg] = args as [string, string, string, string, string, string];
  const size = Number(sizeArg);
  const perBatch = TXN_RECORDS / PARTITIONS;
  const rounds = Math.ceil(Number(countArg) / TXN_RECORDS);
  const i = bootstrap.lastIndexOf(':');
  const socket = connect({ host: bootstrap.slice(0, i), port: Number(bootstrap.slice(i + 1)) });
  socket.setNoDelay(true);
  await new Promise<void>((res, rej) => socket.once('connect', res).once('error', rej));
  const frames = new FrameReader(1 << 30);
  const waiting: Array<(frame: Buffer) => void> = [];
  socket.on('data', (chunk: Buffer) => {
    for (const f of frames.push(chunk)) waiting.shift()!(Buffer.from(f));
  });
  let corked = false;
  const call = (frame: Buffer) => new Promise<Buffer>((res) => {
    waiting.push(res);
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(() => {
        corked = false;
        socket.uncork();
      });
    }
    socket.write(frame);
  });
  let correlationId = 1;
  const request = async <A extends ApiSpec>(api: A, version: number, body: RequestOf<A>) => decodeResponse(api, version, await call(encodeRequest(api, { apiKey: api.key, apiVersion: version, correlationId: correlationId++, clientId: 'bench' }, body))).body;
  const txnId = `bench-${topic}-${runArg}`;
  const txn = mode === 'txn';
  if (txn) {
    const fc = await request(FindCoordinator, 3, { key: txnId, keyType: 1, coordinatorKeys: [] });
    if (fc.errorCode !== 0) throw new Error(`FindCoordinator: error ${fc.errorCode}`);
  }
  const init = await request(InitProducerId, 4, { transactionalId: txn ? txnId : null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
  if (init.errorCode !== 0) throw new Error(`InitProducerId: error ${init.errorCode}`);
  const { producerId, producerEpoch } = init;
  const value = Buffer.alloc(size, 'x');
  const template = buildBatch(Array.from({ length: perBatch }, () => ({ value })), { producerId, producerEpoch, baseSequence: 0, transactional: txn });
  // Every Produce request built before the clock starts: round r, partition p.
  const requests: Buffer[] = [];
  for (let r = 0; r < rounds; r++) {
    for (let p = 0; p < PARTITIONS; p++) {
      const batch = Buffer.from(template);
      batch.writeInt32BE(r * perBatch, BASE_SEQUENCE);
      batch.writeUInt32BE(computeBatchCrc(batch), CRC);
      requests.push(encodeRequest(Produce, { apiKey: 0, apiVersion: 9, correlationId: 0, clientId: 'bench' }, { transactionalId: txn ? txnId : null, acks: -1, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: p, records: batch }] }] }));
    }
  }
  const check = (frame: Buffer) => {
    const r = decodeResponse(Produce, 9, frame).body.responses[0]!.partitionResponses[0]!;
    if (r.errorCode !== 0) throw new Error(`Produce: error ${r.errorCode} ${r.errorMessage ?? ''}`);
  };
  const all = Array.from({ length: PARTITIONS }, (_, p) => p);
  const t0 = performance.now();
  if (txn) {
    for (let r = 0; r < rounds; r++) {
      const add = await request(AddPartitionsToTxn, 3, { transactions: [], v3AndBelowTransactionalId: txnId, v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch, v3AndBelowTopics: [{ name: topic, partitions: all }] });
      for (const x of add.resultsByTopicV3AndBelow[0]!.resultsByPartition) if (x.partitionErrorCode !== 0) throw new Error(`AddPartitionsToTxn: error ${x.partitionErrorCode}`);
      await Promise.all(all.map(async (p) => check(await call(requests[r * PARTITIONS + p]!))));
      const end = await request(EndTxn, 3, { transactionalId: txnId, producerId, producerEpoch, committed: true });
      if (end.errorCode !== 0) throw new Error(`EndTxn: error ${end.errorCode}`);
    }
  } else {
    let next = 0;
    await Promise.all(Array.from({ length: IN_FLIGHT * PARTITIONS }, async () => {
      while (next < requests.length) check(await call(requests[next++]!));
    }));
  }
  const secs = (performance.now() - t0) / 1000;
  socket.destroy();
  const result: LoadResult = { records: rounds * TXN_RECORDS, bytes: rounds * TXN_RECORDS * size, secs, transactions: txn ? rounds : 0 };
  console.log(JSON.stringify(result));
}

function procCpu(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

function startSamsa(dataDir: string): Promise<{ proc: ChildProcess; bootstrap: string }> {
  const full = pin('1', [process.execPath, MAIN, 'start', '--log.dirs', dataDir, '--listeners', `PLAINTEXT://127.0.0.1:${nextPort++}`]);
  const proc = spawn(full[0]!, full.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((res, rej) => {
    let buf = '';
    const timer = setTimeout(() => rej(new Error('samsa not ready after 30 s')), 30_000);
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      const m = /"listener":"([^"]+)"/.exec(buf);
      if (m) {
        clearTimeout(timer);
        proc.stderr!.removeAllListeners('data');
        proc.stderr!.resume();
        res({ proc, bootstrap: m[1]! });
      }
    });
    proc.once('exit', (code) => rej(new Error(`samsa exited (${code}) before it was ready: ${buf.slice(-500)}`)));
  });
}

function runPinned(cmd: string[], serverPid: number): Promise<{ stdout: string; serverCpuS: number }> {
  const full = pin('0', cmd);
  const cpu0 = procCpu(serverPid);
  const proc = spawn(full[0]!, full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
  return new Promise((res, rej) => {
    proc.once('exit', (code) => {
      const serverCpuS = procCpu(serverPid) - cpu0;
      if (code !== 0) rej(new Error(`${cmd.join(' ')} exited ${code}: ${stderr}`));
      else res({ stdout, serverCpuS });
    });
  });
}

interface Stat {
  median: number;
  min: number;
  max: number;
}
const stat = (xs: number[]): Stat => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s[s.length - 1]! };
};
const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e4 ? `${(x / 1e3).toFixed(1)} k` : x >= 100 ? x.toFixed(0) : x.toFixed(2));
const fmtStat = (s: Stat) => `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;

interface Run {
  msgsPerSec: number;
  mbPerSec: number;
  txnPerSec: number;
  cpuSPerGB: number;
}

async function main(): Promise<void> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} missing: run \`npx tsc -p .\` first`);
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'samsa-bench-txn-'));
  const machine = {
    cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version, kernel: release(),
    pinned: HAS_TASKSET ? 'client core 0, broker core 1' : 'not pinned (no taskset)', runs: RUNS, scale: SCALE,
  };
  console.error(`bench: ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, ${RUNS} runs per mode`);
  const samsa = await startSamsa(join(work, 'data'));
  const pid = samsa.proc.pid!;
  const cli = (args: string[]) => execFileSync(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  const rows: Array<{ case: string; plain: Stat; txn: Stat; ratio: number; txnPerSec: Stat; cpuSPerGB: { plain: Stat; txn: Stat } }> = [];
  let seq = 0;
  try {
    for (const c of [
      { name: '100 B records, transactions of 1,000 (8 batches of 125)', size: 100, count: 1_000_000 },
      { name: '1 KiB records, transactions of 1,000 (8 batches of 125)', size: 1024, count: 300_000 },
    ]) {
      const count = Math.max(TXN_RECORDS, Math.round(c.count * SCALE));
      const runs: Record<'plain' | 'txn', Run[]> = { plain: [], txn: [] };
      for (let i = 0; i < RUNS; i++) {
        for (const mode of i % 2 === 0 ? (['plain', 'txn'] as const) : (['txn', 'plain'] as const)) {
          const topic = `txn-bench-${seq++}`;
          cli(['topic', 'create', '-b', samsa.bootstrap, '-p', String(PARTITIONS), topic]);
          try {
            const r = await runPinned([process.execPath, SELF, 'load', samsa.bootstrap, topic, mode, String(c.size), String(count), String(i)], pid);
            const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as LoadResult;
            runs[mode].push({ msgsPerSec: out.records / out.secs, mbPerSec: out.bytes / 1e6 / out.secs, txnPerSec: out.transactions / out.secs, cpuSPerGB: r.serverCpuS / (out.bytes / 1e9) });
          } finally {
            cli(['topic', 'delete', '-b', samsa.bootstrap, topic]);
          }
        }
      }
      const plain = stat(runs.plain.map((r) => r.msgsPerSec));
      const txn = stat(runs.txn.map((r) => r.msgsPerSec));
      const row = { case: c.name, plain, txn, ratio: txn.median / plain.median, txnPerSec: stat(runs.txn.map((r) => r.txnPerSec)), cpuSPerGB: { plain: stat(runs.plain.map((r) => r.cpuSPerGB)), txn: stat(runs.txn.map((r) => r.cpuSPerGB)) } };
      console.error(`  ${c.name}: plain ${fmtStat(plain)}, txn ${fmtStat(txn)} msgs/s, txn/plain ${row.ratio.toFixed(2)}`);
      rows.push(row);
    }
  } finally {
    const exited = new Promise((r) => samsa.proc.once('exit', r));
    samsa.proc.kill('SIGTERM');
    await exited;
    rmSync(work, { recursive: true, force: true });
  }
  const date = new Date().toISOString().slice(0, 10);
  const header = ['case', 'non-transactional msgs/s', 'transactional msgs/s', 'txn/plain', 'transactions/s', 'broker CPU s/GB plain', 'broker CPU s/GB txn'];
  const body = rows.map((r) => [r.case, fmtStat(r.plain), fmtStat(r.txn), r.ratio.toFixed(2), fmtStat(r.txnPerSec), fmtStat(r.cpuSPerGB.plain), fmtStat(r.cpuSPerGB.txn)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  const table = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
  const out = join(ROOT, 'bench/results', `transactions-${date}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), command: 'node dist/bench/transactions.js', env: { BENCH_RUNS: env.BENCH_RUNS, BENCH_SCALE: env.BENCH_SCALE }, machine, generator: { partitions: PARTITIONS, inFlightPerPartition: IN_FLIGHT, recordsPerTransaction: TXN_RECORDS }, durationS: (Date.now() - started) / 1000, rows }, null, 2) + '\n');
  console.log(`\nTransactional produce against non-transactional (idempotent) — ${date} — ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, ${machine.pinned}, median of ${RUNS} (min–max)\n`);
  console.log(table);
  console.log(`\n${out} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

if (process.argv[2] === 'load') {
  generateLoad(process.argv.slice(3)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
