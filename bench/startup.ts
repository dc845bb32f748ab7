// Startup benchmark: time from process start to accepting connections for `samsa start`
// (`npm start` runs the same command), and the broker's RSS when idle.
//
// Run after `npx tsc -p .`: node dist/bench/startup.js. Each run spawns
// `node dist/src/cli/main.js start` on a fresh data dir and a free port, and poll-connects every
// 2 ms until a TCP connect succeeds; the figure is the median of STARTUP_RUNS (default 5) runs.
// Idle RSS is VmRSS from /proc/<pid>/status one second after the broker accepted connections.
// Then one Produce (acks=1) is sent on the first accepted connection: process start to its
// acknowledgement is the cold-start figure a client sees (issue target < 300 ms).
// Prints a table and writes bench/results/startup-<date>.json. Target: < 500 ms to accepting.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstProduce, waitAccepting } from './probe.js';

const RUNS = Math.max(1, Number(process.env.STARTUP_RUNS ?? 5));
const TARGET_MS = 500;
const READY_TIMEOUT_MS = 15_000;
const IDLE_SETTLE_MS = 1000;

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
}
const ROOT = repoRoot();
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** VmRSS and VmHWM of a process, in KiB. */
function memory(pid: number): { rssKiB: number; hwmKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') };
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

interface Run {
  acceptMs: number;
  /** Process start to the first acknowledged produce. */
  firstProduceMs: number;
  /** The broker's own figure from its ready line (performance.now() at ready), for comparison. */
  selfReportedMs: number | null;
  idleRssKiB: number;
  hwmKiB: number;
}

async function once(): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-startup-'));
  const port = await freePort();
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [MAIN, 'start', '--log.dirs', dir, '--listeners', `PLAINTEXT://127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => (log += s));
  try {
    await waitAccepting(port, READY_TIMEOUT_MS, () => child.exitCode === null).catch((err: Error) => {
      throw new Error(`${err.message}:\n${log}`);
    });
    const acceptMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const errorCode = await firstProduce(port);
    if (errorCode !== 0) throw new Error(`first produce failed with error ${errorCode}`);
    const firstProduceMs = Number(process.hrtime.bigint() - t0) / 1e6;
    await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
    const mem = memory(child.pid!);
    const m = /"startupMs":(\d+)/.exec(log);
    return { acceptMs, firstProduceMs, selfReportedMs: m ? Number(m[1]) : null, idleRssKiB: mem.rssKiB, hwmKiB: mem.hwmKiB };
  } finally {
    child.kill('SIGTERM');
    await waitExit(child, 10_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function main(): Promise<void> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} missing: run npx tsc -p . first`);
  await once(); // warm the file-system cache: the figures are for a warm start
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once());
  const accept = runs.map((r) => r.acceptMs);
  const rss = runs.map((r) => r.idleRssKiB / 1024);
  const produce = runs.map((r) => r.firstProduceMs);
  const result = {
    benchmark: 'startup',
    date: new Date().toISOString(),
    node: process.version,
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    runs: RUNS,
    loadAverage1m: loadavg()[0],
    command: 'node dist/src/cli/main.js start --log.dirs <fresh temp dir> --listeners PLAINTEXT://127.0.0.1:<free port>',
    acceptMs: { median: median(accept), min: Math.min(...accept), max: Math.max(...accept), all: accept },
    firstAcknowledgedProduceMs: { median: median(produce), min: Math.min(...produce), max: Math.max(...produce), all: produce },
    selfReportedReadyMs: runs.map((r) => r.selfReportedMs),
    idleRssMiB: { median: median(rss), min: Math.min(...rss), max: Math.max(...rss), all: rss },
    peakRssMiB: median(runs.map((r) => r.hwmKiB / 1024)),
    targetMs: TARGET_MS,
    meetsTarget: median(accept) < TARGET_MS,
  };
  const f1 = (x: number) => x.toFixed(1);
  console.log(`Samsa startup — node ${process.version}, ${result.cores} cores (${result.cpu}), median of ${RUNS}, load average ${result.loadAverage1m.toFixed(1)}`);
  console.log('| metric                                   | median | min    | max    |');
  console.log('| ---------------------------------------- | ------ | ------ | ------ |');
  console.log(`| process start → accepting (ms)           | ${f1(result.acceptMs.median).padStart(6)} | ${f1(result.acceptMs.min).padStart(6)} | ${f1(result.acceptMs.max).padStart(6)} |`);
  console.log(`| process start → first produce acked (ms) | ${f1(result.firstAcknowledgedProduceMs.median).padStart(6)} | ${f1(result.firstAcknowledgedProduceMs.min).padStart(6)} | ${f1(result.firstAcknowledgedProduceMs.max).padStart(6)} |`);
  console.log(`| idle RSS (MiB)                           | ${f1(result.idleRssMiB.median).padStart(6)} | ${f1(result.idleRssMiB.min).padStart(6)} | ${f1(result.idleRssMiB.max).padStart(6)} |`);
  console.log(`target < ${TARGET_MS} ms: ${result.meetsTarget ? 'met' : 'NOT met'}`);
  const outDir = join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `startup-${result.date.slice(0, 10)}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`wrote ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
