// `node dist/bench/idempotence.js`: what the idempotent producer costs the broker, idempotence
// on against off on the same broker process in the same run, runs of the two modes interleaved
// (off, on, on, off, …) so drift in the machine hits both alike. Every figure is the median of
// BENCH_RUNS runs (default 7) with min–max; the target is on/off ≥ 0.95.
//
// 1. broker: a load generator on the project's protocol module sends the same pre-built Produce
//    requests in both modes — with idempotence their batches carry a producer id and consecutive
//    sequences, without they carry -1 — to 8 partitions, five in flight per partition, acks=all,
//    one connection: enough to keep the broker's core busy. Nothing differs
//    but the header fields, so the ratio is the broker's cost: its sequence check and state
//    update, once per batch. Cases from large batches to one record per batch (where that
//    per-batch cost weighs most).
// 2. librdkafka: rdperf (or kcat) with enable.idempotence=true and =false, both with acks=all
//    and at most 5 requests in flight (what librdkafka sets for idempotence), against Samsa and
//    against librdkafka's mock cluster: the mock's on/off ratio is what the client itself costs
//    (librdkafka's idempotent producer sends differently), the bound for Samsa's.
//
// Client (generator, rdperf, kcat) pinned to core 0, broker to core 1 (taskset). The page cache is
// filled before the runs (bench/page-cache.ts; BENCH_SETTLE=0 skips it). Knobs: BENCH_RUNS=N,
// BENCH_SCALE=F (multiplies record counts), BENCH_ONLY=TEXT (cases whose "part server case"
// contains it), BENCH_PORT=N, BENCH_TOOLS=DIR (rdperf and the mock:
// ../shared/bench-tools; without them part 2 uses kcat and has no mock reference).
// Writes a table and bench/results/idempotence-<date>.json.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InitProducerId, Produce, decodeResponse, encodeRequest } from '../src/protocol/index.js';
import { BASE_SEQUENCE, CRC, computeBatchCrc } from '../src/record/batch-header.js';
import { buildBatch } from '../src/record/builder.js';
import { FrameReader } from '../src/server/frame-reader.js';
import { PageCacheSettler } from './page-cache.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(ROOT, 'dist/src/cli/main.js');
const SELF = fileURLToPath(import.meta.url);
const env = process.env;
const RUNS = Math.max(1, Number(env.BENCH_RUNS ?? 7));
const SCALE = Number(env.BENCH_SCALE ?? 1);
const SETTLE = env.BENCH_SETTLE !== '0' && process.platform === 'linux';
let nextPort = Number(env.BENCH_PORT ?? 39150);
const CLK_TCK = 100;
const TARGET = 0.95;
const IN_FLIGHT = 5;
const LOAD_PARTITIONS = 8;
/** BENCH_ONLY=text: only the cases whose "part server case" contains it. */
const ONLY = env.BENCH_ONLY ?? '';

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

// ---------------------------------------------------------------- the load generator (part 1)

interface LoadResult {
  records: number;
  bytes: number;
  secs: number;
  /** The generator's own CPU seconds while sending: near `secs`, it and not the broker was the limit. */
  cpuS: number;
}

/**
 * Child mode: `idempotence.js load BOOTSTRAP TOPIC PARTITIONS on|off SIZE PER_BATCH COUNT`. Builds
 * every request first (not timed): one batch each, partitions in turn, each partition's batches
 * with consecutive sequences of one producer id. Then keeps IN_FLIGHT requests per partition
 * outstanding on one connection (the most an idempotent client may) until all are answered, and
 * prints one JSON line. Any error code in an answer fails the run.
 */
async function generateLoad(args: string[]): Promise<void> {
  const [bootstrap, topic, partitionsArg, mode, sizeArg, perBatchArg, countArg] = args as [string, string, string, string, string, string, string];
  const partitions = Number(partitionsArg);
  const size = Number(sizeArg);
  const perBatch = Number(perBatchArg);
  const batches = Math.ceil(Number(countArg) / perBatch);
  const i = bootstrap.lastIndexOf(':');
  const socket = connect({ host: bootstrap.slice(0, i), port: Number(bootstrap.slice(i + 1)) });
  socket.setNoDelay(true);
  await new Promise<void>((res, rej) => socket.once('connect', res).once('error', rej));
  const frames = new FrameReader(1 << 30);
  const waiting: Array<(frame: Buffer) => void> = [];
  socket.on('data', (chunk: Buffer) => {
    for (const f of frames.push(chunk)) waiting.shift()!(Buffer.from(f));
  });
  // The requests the answers of one read let go leave in one write (see the uncork below).
  let corked = false;
  const corkUntilTick = () => {
    if (corked) return;
    corked = true;
    socket.cork();
    setImmediate(() => {
      corked = false;
      socket.uncork();
    });
  };
  const call = (frame: Buffer) => new Promise<Buffer>((res) => {
    waiting.push(res);
    corkUntilTick();
    socket.write(frame);
  });
  let producerId = -1;
  if (mode === 'on') {
    const r = decodeResponse(InitProducerId, 4, await call(encodeRequest(InitProducerId, { apiKey: 22, apiVersion: 4, correlationId: 0, clientId: 'bench' }, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 })));
    if (r.body.errorCode !== 0) throw new Error(`InitProducerId: error ${r.body.errorCode}`);
    producerId = r.body.producerId;
  }
  const value = Buffer.alloc(size, 'x');
  const template = buildBatch(Array.from({ length: perBatch }, () => ({ value })), mode === 'on' ? { producerId, producerEpoch: 0, baseSequence: 0 } : {});
  const requests: Buffer[] = [];
  for (let b = 0; b < batches; b++) {
    const batch = Buffer.from(template);
    const partition = b % partitions;
    if (mode === 'on') {
      batch.writeInt32BE(Math.floor(b / partitions) * perBatch, BASE_SEQUENCE);
      batch.writeUInt32BE(computeBatchCrc(batch), CRC);
    }
    requests.push(encodeRequest(Produce, { apiKey: 0, apiVersion: 9, correlationId: b + 1, clientId: 'bench' }, { transactionalId: null, acks: -1, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }] }));
  }
  const check = (frame: Buffer) => {
    const r = decodeResponse(Produce, 9, frame).body.responses[0]!.partitionResponses[0]!;
    if (r.errorCode !== 0) throw new Error(`Produce: error ${r.errorCode} ${r.errorMessage ?? ''}`);
  };
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let next = 0;
  // Answers come in request order, so the last IN_FLIGHT × partitions sent hold IN_FLIGHT per partition.
  await Promise.all(Array.from({ length: IN_FLIGHT * partitions }, async () => {
    while (next < requests.length) check(await call(requests[next++]!));
  }));
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  socket.destroy();
  const result: LoadResult = { records: batches * perBatch, bytes: batches * perBatch * size, secs, cpuS: (cpu.user + cpu.system) / 1e6 };
  console.log(JSON.stringify(result));
}

// ---------------------------------------------------------------- processes

type Tools = { kind: 'rdperf'; rdperf: string; mock: string } | { kind: 'kcat' };

function findTools(): Tools {
  const src = env.BENCH_TOOLS ?? resolve(ROOT, '../shared/bench-tools');
  if (existsSync(join(src, 'build.sh'))) {
    const out = join(tmpdir(), `samsa-bench-tools-${process.getuid?.() ?? 0}`);
    mkdirSync(out, { recursive: true });
    try {
      execFileSync('bash', [join(src, 'build.sh'), out], { stdio: ['ignore', 'ignore', 'inherit'] });
      if (existsSync(join(out, 'rdperf')) && existsSync(join(out, 'mock_cluster'))) return { kind: 'rdperf', rdperf: join(out, 'rdperf'), mock: join(out, 'mock_cluster') };
    } catch (err) {
      console.error(`bench: building rdperf failed (${(err as Error).message}); kcat instead`);
    }
  }
  if (!which('kcat')) throw new Error('neither rdperf nor kcat is available');
  return { kind: 'kcat' };
}

function procCpu(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

interface Server {
  proc: ChildProcess;
  bootstrap: string;
}

/** Spawns a server pinned to core 1 and resolves with the address its ready line names. */
function startServer(cmd: string[], stream: 'stdout' | 'stderr', ready: RegExp): Promise<Server> {
  const full = pin('1', cmd);
  const proc = spawn(full[0]!, full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((res, rej) => {
    let buf = '';
    const timer = setTimeout(() => rej(new Error(`${cmd[0]} not ready after 30 s`)), 30_000);
    (stream === 'stdout' ? proc.stderr! : proc.stdout!).resume();
    const s = stream === 'stdout' ? proc.stdout! : proc.stderr!;
    s.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      const m = ready.exec(buf);
      if (m) {
        clearTimeout(timer);
        s.removeAllListeners('data');
        s.resume();
        res({ proc, bootstrap: m[1]! });
      }
    });
    proc.once('exit', (code) => rej(new Error(`${cmd.join(' ')} exited (${code}) before it was ready: ${buf.slice(-500)}`)));
  });
}

async function stop(s: Server): Promise<void> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  const exited = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM');
  await exited;
}

const samsaCli = (args: string[]) => execFileSync(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });

/** Runs a client pinned to core 0; resolves with its stdout and the server's CPU seconds meanwhile. */
function runPinned(cmd: string[], serverPid: number): Promise<{ stdout: string; wallS: number; serverCpuS: number }> {
  const full = pin('0', cmd);
  const cpu0 = procCpu(serverPid);
  const t0 = performance.now();
  const proc = spawn(full[0]!, full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
  return new Promise((res, rej) => {
    proc.once('exit', (code) => {
      const wallS = (performance.now() - t0) / 1000;
      const serverCpuS = procCpu(serverPid) - cpu0;
      if (code !== 0) rej(new Error(`${cmd.join(' ')} exited ${code}: ${stderr}`));
      else res({ stdout, wallS, serverCpuS });
    });
  });
}

const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop()!) as T;

// ---------------------------------------------------------------- cases and statistics

interface Run {
  msgsPerSec: number;
  mbPerSec: number;
  /** Broker CPU seconds per GB produced; NaN for the mock (not measured). */
  cpuSPerGB: number;
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
const fmt = (x: number) => (!Number.isFinite(x) ? '–' : x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e4 ? `${(x / 1e3).toFixed(1)} k` : x >= 100 ? x.toFixed(0) : x.toFixed(2));
const fmtStat = (s: Stat) => (Number.isFinite(s.median) ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : '–');

interface Row {
  part: 'broker' | 'librdkafka';
  server: 'samsa' | 'mock';
  case: string;
  unit: 'msgs/s' | 'MB/s';
  off: Stat;
  on: Stat;
  ratio: number;
  cpuSPerGB: { off: Stat; on: Stat };
}

/** RUNS runs of each mode, interleaved; `run` produces into a fresh topic of its own. */
async function measure(part: Row['part'], server: Row['server'], name: string, unit: Row['unit'], run: (mode: 'on' | 'off') => Promise<Run>): Promise<Row | null> {
  if (!`${part} ${server} ${name}`.includes(ONLY)) return null;
  const runs: Record<'off' | 'on', Run[]> = { off: [], on: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const mode of i % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) runs[mode].push(await run(mode));
  }
  const rate = (r: Run) => (unit === 'MB/s' ? r.mbPerSec : r.msgsPerSec);
  const off = stat(runs.off.map(rate));
  const on = stat(runs.on.map(rate));
  const row: Row = { part, server, case: name, unit, off, on, ratio: on.median / off.median, cpuSPerGB: { off: stat(runs.off.map((r) => r.cpuSPerGB)), on: stat(runs.on.map((r) => r.cpuSPerGB)) } };
  console.error(`  ${part} ${server} ${name}: off ${fmtStat(off)}, on ${fmtStat(on)} ${unit}, on/off ${row.ratio.toFixed(2)}`);
  return row;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} missing: run \`npx tsc -p .\` first`);
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'samsa-bench-idem-'));
  const tools = findTools();
  const settler = SETTLE ? new PageCacheSettler(join(work, 'page-cache-fill')) : null;
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    kernel: release(),
    client: tools.kind === 'rdperf' ? 'rdperf (librdkafka)' : 'kcat',
    pinned: HAS_TASKSET ? 'client core 0, broker core 1' : 'not pinned (no taskset)',
    runs: RUNS,
    scale: SCALE,
  };
  console.error(`bench: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${RUNS} runs per mode`);
  const samsa = await startServer([process.execPath, MAIN, 'start', '--log.dirs', join(work, 'data'), '--listeners', `PLAINTEXT://127.0.0.1:${nextPort++}`], 'stderr', /"listener":"([^"]+)"/);
  const samsaPid = samsa.proc.pid!;
  const measured: Array<Row | null> = [];
  let topicSeq = 0;
  /** A fresh topic on Samsa, the page cache topped up, `fn` run, the topic deleted again. */
  const inTopic = async <T>(partitions: number, fn: (topic: string) => Promise<T>): Promise<T> => {
    const topic = `idem-${topicSeq++}`;
    samsaCli(['topic', 'create', '-b', samsa.bootstrap, '-p', String(partitions), topic]);
    settler?.topUp();
    try {
      return await fn(topic);
    } finally {
      samsaCli(['topic', 'delete', '-b', samsa.bootstrap, topic]);
    }
  };
  try {
    settler?.settle();
    // Part 1: the broker alone.
    for (const c of [
      { name: '100 B × 8000 per batch (0.9 MB)', size: 100, perBatch: 8_000, count: 10_000_000, unit: 'msgs/s' as const },
      { name: '1 KiB × 16 per batch (16 KiB)', size: 1024, perBatch: 16, count: 500_000, unit: 'MB/s' as const },
      { name: '100 B × 100 per batch (10 KB)', size: 100, perBatch: 100, count: 4_000_000, unit: 'msgs/s' as const },
      { name: '100 B × 1 per batch', size: 100, perBatch: 1, count: 300_000, unit: 'msgs/s' as const },
    ]) {
      const count = Math.max(c.perBatch, Math.round(c.count * SCALE));
      measured.push(await measure('broker', 'samsa', c.name, c.unit, (mode) => inTopic(LOAD_PARTITIONS, async (topic) => {
        const r = await runPinned([process.execPath, SELF, 'load', samsa.bootstrap, topic, String(LOAD_PARTITIONS), mode, String(c.size), String(c.perBatch), String(count)], samsaPid);
        const out = lastJson<LoadResult>(r.stdout);
        return { msgsPerSec: out.records / out.secs, mbPerSec: out.bytes / 1e6 / out.secs, cpuSPerGB: r.serverCpuS / (out.bytes / 1e9) };
      })));
    }
    // Part 2: librdkafka's producer, against Samsa and (with rdperf) its mock cluster.
    const common = ['acks=all', 'max.in.flight.requests.per.connection=5', 'linger.ms=5'];
    const mock = tools.kind === 'rdperf' ? await startServer([tools.mock, '1'], 'stdout', /^BOOTSTRAP (\S+)/m) : null;
    try {
      for (const c of [
        { name: '100 B, batch.num.messages=10000', size: 100, kv: [...common, 'batch.num.messages=10000'], count: 2_000_000 },
        { name: '100 B, batch.num.messages=100', size: 100, kv: [...common, 'batch.num.messages=100'], count: 500_000 },
      ]) {
        const count = Math.round(c.count * SCALE);
        const client = (bootstrap: string, topic: string, mode: 'on' | 'off') => {
          const kv = [...c.kv, `enable.idempotence=${mode === 'on'}`];
          return tools.kind === 'rdperf'
            ? [tools.rdperf, 'produce', bootstrap, topic, '1', String(count), String(c.size), '300', ...kv]
            : ['sh', '-c', `yes ${'x'.repeat(c.size)} | head -n ${count} | "$@"`, 'sh', 'kcat', '-P', '-b', bootstrap, '-t', topic, ...kv.flatMap((x) => ['-X', x])];
        };
        const figures = (stdout: string, wallS: number, cpuS: number): Run => {
          const bytes = count * c.size;
          if (tools.kind === 'kcat') return { msgsPerSec: count / wallS, mbPerSec: bytes / 1e6 / wallS, cpuSPerGB: cpuS / (bytes / 1e9) };
          const out = lastJson<{ msgs: number; msgs_s: number; MB_s: number; errors: number }>(stdout);
          if (out.errors > 0 || out.msgs < count) throw new Error(`rdperf delivered ${out.msgs}/${count} with ${out.errors} errors`);
          return { msgsPerSec: out.msgs_s, mbPerSec: out.MB_s, cpuSPerGB: cpuS / (bytes / 1e9) };
        };
        measured.push(await measure('librdkafka', 'samsa', c.name, 'msgs/s', (mode) => inTopic(1, async (topic) => {
          const r = await runPinned(client(samsa.bootstrap, topic, mode), samsaPid);
          return figures(r.stdout, r.wallS, r.serverCpuS);
        })));
        if (mock) {
          measured.push(await measure('librdkafka', 'mock', c.name, 'msgs/s', async (mode) => {
            // The mock auto-creates topics and keeps only the newest ~5 MiB of each partition.
            const r = await runPinned(client(mock.bootstrap, `idem-mock-${topicSeq++}`, mode), mock.proc.pid!);
            return { ...figures(r.stdout, r.wallS, r.serverCpuS), cpuSPerGB: NaN };
          }));
        }
      }
    } finally {
      if (mock) await stop(mock);
    }
  } finally {
    await stop(samsa);
    settler?.close();
    rmSync(work, { recursive: true, force: true });
  }
  const rows = measured.filter((r): r is Row => r !== null);
  const date = new Date().toISOString().slice(0, 10);
  const header = ['part', 'server', 'case', 'unit', 'idempotence off', 'idempotence on', 'on/off', 'target', 'broker CPU s/GB off', 'broker CPU s/GB on'];
  const body = rows.map((r) => [
    r.part, r.server, r.case, r.unit, fmtStat(r.off), fmtStat(r.on), r.ratio.toFixed(2),
    r.part === 'broker' ? `≥ ${TARGET} ${r.ratio >= TARGET ? 'MET' : 'NOT MET'}` : '',
    fmtStat(r.cpuSPerGB.off), fmtStat(r.cpuSPerGB.on),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const table = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
  const out = join(ROOT, 'bench/results', `idempotence-${date}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), command: 'node dist/bench/idempotence.js', env: { BENCH_RUNS: env.BENCH_RUNS, BENCH_SCALE: env.BENCH_SCALE, BENCH_SETTLE: env.BENCH_SETTLE }, machine, generator: { partitions: LOAD_PARTITIONS, inFlightPerPartition: IN_FLIGHT }, durationS: (Date.now() - started) / 1000, rows }, null, 2) + '\n');
  console.log(`\nIdempotent produce, on vs off — ${date} — ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.pinned}, median of ${RUNS} (min–max)\n`);
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
