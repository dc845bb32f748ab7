// `npm run bench`: Samsa against librdkafka's in-memory mock cluster, same client, same run.
//
// Client: rdperf (../shared/bench-tools, built into a temp dir) when that folder exists, else kcat
// (throughput only, no mock reference). Client pinned to core 0, brokers to core 1 (taskset).
// Every figure is the median of BENCH_RUNS runs (default 3) with min–max; output is a table and
// bench/results/bench-<date>.json.
//
// Knobs: BENCH_QUICK=1 (1 run, quarter-size loads: a smoke test, not a result), BENCH_RUNS=N,
// BENCH_SCALE=F (multiplies message counts), BENCH_ONLY=startup,produce,consume,latency,e2e,footprint
// (comma list), BENCH_TOOLS=DIR (reference tools source, default ../shared/bench-tools next to the
// repo), BENCH_PORT=N (first of the ports used, default 39050), BENCH_SETTLE=0 (measure without
// first filling the page cache; see page-cache.ts).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PageCacheSettler } from './page-cache.js';
import { firstProduce, waitAccepting } from './probe.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(ROOT, 'dist/src/cli/main.js');
const env = process.env;
const QUICK = env.BENCH_QUICK === '1';
const RUNS = Math.max(1, Number(env.BENCH_RUNS ?? (QUICK ? 1 : 3)));
const SCALE = Number(env.BENCH_SCALE ?? (QUICK ? 0.25 : 1));
const ONLY = env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(',')) : null;
const SETTLE = env.BENCH_SETTLE !== '0' && process.platform === 'linux';
let nextPort = Number(env.BENCH_PORT ?? 39050);
const CLK_TCK = 100;
const HAS_TASKSET = which('taskset');
const CLIENT_CORE = '0';
const BROKER_CORE = '1';

function which(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const wanted = (s: string) => !ONLY || ONLY.has(s);
const n = (x: number) => Math.max(1, Math.round(x * SCALE));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pin = (core: string, cmd: string[]) => (HAS_TASKSET ? ['taskset', '-c', core, ...cmd] : cmd);

// ---------------------------------------------------------------- tools
type Tools = { kind: 'rdperf'; rdperf: string; mock: string } | { kind: 'kcat'; kcat: string };

function findTools(): Tools {
  const src = env.BENCH_TOOLS ?? resolve(ROOT, '../shared/bench-tools');
  if (existsSync(join(src, 'build.sh'))) {
    const out = join(tmpdir(), `samsa-bench-tools-${process.getuid?.() ?? 0}`);
    mkdirSync(out, { recursive: true });
    try {
      execFileSync('bash', [join(src, 'build.sh'), out], { stdio: ['ignore', 'ignore', 'inherit'] });
      const rdperf = join(out, 'rdperf');
      const mock = join(out, 'mock_cluster');
      if (existsSync(rdperf) && existsSync(mock)) return { kind: 'rdperf', rdperf, mock };
    } catch (err) {
      console.error(`bench: building the reference tools failed (${(err as Error).message}); falling back to kcat`);
    }
  }
  if (!which('kcat')) throw new Error('neither the reference tools nor kcat are available');
  console.error('bench: reference tools not found: kcat as the client, no mock-cluster reference, no latency figures');
  return { kind: 'kcat', kcat: 'kcat' };
}

// ---------------------------------------------------------------- processes
function procCpu(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}
function procRssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

interface Server {
  name: 'samsa' | 'mock';
  proc: ChildProcess;
  pid: number;
  bootstrap: string;
  readyMs: number;
  startupMs?: number;
  stop(): Promise<void>;
}

function waitExit(proc: ChildProcess, ms: number): Promise<boolean> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(true);
  return new Promise((res) => {
    const t = setTimeout(() => res(false), ms);
    proc.once('exit', () => {
      clearTimeout(t);
      res(true);
    });
  });
}
async function stopProc(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  if (!(await waitExit(proc, 10_000))) {
    proc.kill('SIGKILL');
    await waitExit(proc, 2000);
  }
}
const live = new Set<ChildProcess>();
async function stopAll(): Promise<void> {
  await Promise.all([...live].map(stopProc));
}
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));

/** Spawns a line-emitting server and resolves when `match` sees its ready line. */
function spawnServer(cmd: string[], extraEnv: Record<string, string>, stream: 'stdout' | 'stderr', match: (line: string) => string | null): Promise<{ proc: ChildProcess; line: string; ms: number }> {
  const t0 = performance.now();
  const proc = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, ...extraEnv } });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  return new Promise((res, rej) => {
    let buf = '';
    let tail = '';
    let done = false;
    const other = stream === 'stdout' ? proc.stderr! : proc.stdout!;
    other.resume();
    const s = stream === 'stdout' ? proc.stdout! : proc.stderr!;
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      if (done) return;
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        tail = (tail + line + '\n').slice(-1000);
        const m = match(line);
        if (m !== null) {
          done = true;
          res({ proc, line: m, ms: performance.now() - t0 });
          return;
        }
      }
    });
    proc.once('exit', (code) => {
      if (!done) rej(new Error(`${cmd.join(' ')} exited with ${code} before it was ready: ${tail}${buf.slice(-500)}`));
    });
    setTimeout(() => {
      if (!done) {
        proc.kill('SIGKILL');
        rej(new Error(`${cmd.join(' ')} not ready after 30 s`));
      }
    }, 30_000).unref();
  });
}

async function startSamsa(dataDir: string, extraEnv: Record<string, string> = {}): Promise<Server> {
  const port = nextPort++;
  const cmd = pin(BROKER_CORE, [process.execPath, MAIN, 'start', '--log.dirs', dataDir, '--listeners', `PLAINTEXT://127.0.0.1:${port}`]);
  const { proc, line, ms } = await spawnServer(cmd, { ...extraEnv }, 'stderr', (l) => (l.includes('"listener"') ? l : null));
  const ready = JSON.parse(line) as { listener: string; startupMs?: number };
  return { name: 'samsa', proc, pid: proc.pid!, bootstrap: ready.listener, readyMs: ms, startupMs: ready.startupMs, stop: () => stopProc(proc) };
}

async function startMock(mock: string, topics: string[]): Promise<Server> {
  const { proc, line, ms } = await spawnServer(pin(BROKER_CORE, [mock, '1', ...topics]), {}, 'stdout', (l) => (l.startsWith('BOOTSTRAP ') ? l.slice(10).trim() : null));
  return { name: 'mock', proc, pid: proc.pid!, bootstrap: line, readyMs: ms, stop: () => stopProc(proc) };
}

async function createTopics(s: Server, partitions: number, names: string[]): Promise<void> {
  if (names.length === 0) return;
  for (let i = 0; i < names.length; i += 50) {
    execFileSync(process.execPath, [MAIN, 'topic', 'create', '-b', s.bootstrap, '-p', String(partitions), ...names.slice(i, i + 50)], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

// ---------------------------------------------------------------- client runs
interface ClientResult {
  out: Record<string, number>;
  clientCpu: number;
  wallS: number;
  brokerCpu: number;
  brokerRssMaxMiB: number;
}

/** Runs the client pinned to core 0 under bash `times` (its CPU), sampling the broker's CPU and RSS. */
async function runClient(cmd: string[], server: Server | null, extraEnv: Record<string, string> = {}): Promise<ClientResult> {
  const cpu0 = server ? procCpu(server.pid) : NaN;
  let rssMax = server ? procRssMiB(server.pid) : NaN;
  const sampler = server ? setInterval(() => (rssMax = Math.max(rssMax, procRssMiB(server.pid))), 100) : null;
  const t0 = performance.now();
  const proc = spawn('bash', ['-c', '"$@"; rc=$?; times >&2; exit $rc', 'bash', ...pin(CLIENT_CORE, cmd)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, ...extraEnv } });
  live.add(proc);
  let stdout = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const code: number = await new Promise((r) => proc.once('exit', (c) => r(c ?? 1)));
  live.delete(proc);
  const wallS = (performance.now() - t0) / 1000;
  if (sampler) clearInterval(sampler);
  const brokerCpu = server ? procCpu(server.pid) - cpu0 : NaN;
  const lines = stderr.trim().split('\n');
  const m = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s/.exec(lines[lines.length - 1] ?? '');
  const clientCpu = m ? Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]) : NaN;
  const jsonLine = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  const out = jsonLine ? (JSON.parse(jsonLine) as Record<string, number>) : {};
  if (code !== 0 && code !== 3) throw new Error(`${cmd.join(' ')} failed (${code}): ${stderr.slice(-800)}`);
  if (code === 3) out.incomplete = 1;
  return { out, clientCpu, wallS, brokerCpu, brokerRssMaxMiB: rssMax };
}

// Client settings applied identically to both brokers. queued.min.messages is raised because at
// 100 B a single 10 MB fetch exceeds the default (100000) and librdkafka then backs off fetching
// for fetch.queue.backoff.ms (1 s), which would measure the client's backoff, not the broker.
const CONSUMER_KV = ['fetch.wait.max.ms=5', 'queued.min.messages=1000000'];

function produceCmd(t: Tools, s: Server, topic: string, parts: number, count: number, size: number, kv: string[]): string[] {
  if (t.kind === 'rdperf') return [t.rdperf, 'produce', s.bootstrap, topic, String(parts), String(count), String(size), '300', ...kv];
  // kcat sends one message per line: a generator on the client core feeds it.
  const x = 'x'.repeat(size);
  return ['sh', '-c', `yes ${x} | head -n ${count} | "$@"`, 'sh', t.kcat, '-P', '-b', s.bootstrap, '-t', topic, ...kv.flatMap((v) => ['-X', v])];
}
function consumeCmd(t: Tools, s: Server, topic: string, parts: number, count: number, kv: string[], maxSeconds = 300): string[] {
  if (t.kind === 'rdperf') return [t.rdperf, 'consume', s.bootstrap, topic, String(parts), String(count), String(maxSeconds), ...kv];
  return [t.kcat, '-C', '-b', s.bootstrap, '-t', topic, '-o', 'beginning', '-c', String(count), '-e', '-q', '-f', '\\n', ...kv.filter((x) => !x.startsWith('queued.')).flatMap((x) => ['-X', x])];
}
/** kcat prints nothing measurable: figures come from the wall clock. */
function kcatFigures(r: ClientResult, msgs: number, size: number): void {
  if (r.out.msgs_s !== undefined) return;
  r.out = { msgs, bytes: msgs * size, secs: r.wallS, msgs_s: msgs / r.wallS, MB_s: (msgs * size) / 1e6 / r.wallS };
}

// ---------------------------------------------------------------- statistics and output
interface Stat {
  median: number;
  min: number;
  max: number;
  runs: number[];
}
function stat(xs: number[]): Stat | null {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return { median: v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2, min: v[0]!, max: v[v.length - 1]!, runs: xs };
}
interface Row {
  section: string;
  name: string;
  unit: string;
  mock: Stat | null;
  samsa: Stat | null;
  /** Samsa / mock unless the metric is lower-is-better (then reported as a difference). */
  ratio?: number;
  target?: string;
  met?: boolean;
  extra?: Record<string, Stat | number | string | null>;
}
const rows: Row[] = [];
const notes: string[] = [];

function fmt(x: number | undefined | null, unit = ''): string {
  if (x === undefined || x === null || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  const s = a >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : a >= 1e4 ? `${(x / 1e3).toFixed(1)} k` : a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
  return unit ? `${s} ${unit}` : s;
}
function fmtStat(s: Stat | null): string {
  if (!s) return '–';
  return s.runs.length > 1 ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : fmt(s.median);
}

function printTable(): string {
  const head = ['section', 'figure', 'unit', 'mock', 'samsa', 'ratio / diff', 'target'];
  const body = rows.map((r) => [
    r.section,
    r.name,
    r.unit,
    fmtStat(r.mock),
    fmtStat(r.samsa),
    r.ratio === undefined ? '' : r.unit === 'ms' ? `${r.ratio >= 0 ? '+' : ''}${r.ratio.toFixed(2)} ms` : r.ratio.toFixed(2),
    r.target ? `${r.target} ${r.met ? 'MET' : 'MISSED'}` : '',
  ]);
  const all = [head, ...body];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`;
  return [line(head), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

// ---------------------------------------------------------------- sections
let workDir = '';
let tools: Tools;
let settler: PageCacheSettler | null = null;
const settling = { count: 0, readMiB: 0, ms: 0, firstMs: 0, firstMiB: 0 };

/** Fills the page cache again if memory was freed since the last run (see page-cache.ts). */
function settle(): void {
  if (!settler) return;
  const first = settling.count === 0;
  const r = first ? settler.settle() : settler.topUp();
  if (!r) return;
  if (first) {
    settling.firstMs = r.ms;
    settling.firstMiB = r.readMiB;
    console.error(`  page cache filled: ${r.readMiB} MiB read in ${(r.ms / 1000).toFixed(1)} s, ${r.freeMiB.toFixed(0)} MiB left free`);
  }
  settling.count++;
  settling.readMiB += r.readMiB;
  settling.ms += r.ms;
}

/** Runs `each(server, run)` for mock and samsa, interleaved run by run. */
async function sideBySide(servers: Server[], runs: number, each: (s: Server, run: number) => Promise<ClientResult>): Promise<Map<string, ClientResult[]>> {
  const res = new Map<string, ClientResult[]>(servers.map((s) => [s.name, []]));
  for (let i = 0; i < runs; i++) {
    for (const s of servers) {
      // Each run starts with no dirty pages: otherwise the kernel's writeback of the previous
      // Samsa run's data competes for the cores of whichever server runs next.
      execFileSync('sync');
      settle();
      res.get(s.name)!.push(await each(s, i));
    }
  }
  return res;
}
// Consume rate from the first message on: librdkafka's consumer spends ~0.5 s before its first
// fetch against either broker, which would otherwise dilute every consume figure.
const cMsgs = (r: ClientResult) => r.out.msgs_s_from_first ?? r.out.msgs_s!;
const cMB = (r: ClientResult) => r.out.MB_s_from_first ?? r.out.MB_s!;
const pick = (rs: ClientResult[] | undefined, f: (r: ClientResult) => number) => (rs ? stat(rs.map(f)) : null);

async function sectionStartup(): Promise<void> {
  const times: number[] = [];
  const self: number[] = [];
  const idle: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // A new process's memory comes from the same free pages as the page cache's (page-cache.ts).
    settle();
    const dir = mkdtempSync(join(workDir, 'startup-'));
    const port = nextPort++;
    const bootstrap = `127.0.0.1:${port}`;
    const t0 = performance.now();
    const brokerP = spawnServer(pin(BROKER_CORE, [process.execPath, MAIN, 'start', '--log.dirs', dir, '--listeners', `PLAINTEXT://${bootstrap}`]), {}, 'stderr', (l) => (l.includes('"listener"') ? l : null));
    // A purpose-built probe: poll-connect every 2 ms, then one Produce on the first accepted
    // connection, so no client library's reconnect back-off ends up in the figure.
    await waitAccepting(port, 15_000, () => true);
    const errorCode = await firstProduce(port);
    if (errorCode !== 0) notes.push(`startup run ${i}: the first produce failed with error ${errorCode}`);
    times.push(performance.now() - t0);
    const { proc, line } = await brokerP;
    self.push((JSON.parse(line) as { startupMs: number }).startupMs);
    await sleep(1000);
    idle.push(procRssMiB(proc.pid!));
    await stopProc(proc);
    rmSync(dir, { recursive: true, force: true });
  }
  const s = stat(times);
  rows.push({ section: 'startup', name: 'spawn → first acknowledged produce (probe polls connect every 2 ms)', unit: 'ms', mock: null, samsa: s, target: '< 300 ms', met: !!s && s.median < 300 });
  rows.push({ section: 'startup', name: 'broker-reported startup (process start → listening)', unit: 'ms', mock: null, samsa: stat(self) });
  rows.push({ section: 'footprint', name: 'RSS idle (fresh broker, 1 s after one produce)', unit: 'MiB', mock: null, samsa: stat(idle) });
}

async function sectionProduce(): Promise<void> {
  const combos: { size: number; parts: number; acks: string; comp: string }[] = [];
  for (const size of [100, 1024]) for (const parts of [1, 6]) for (const acks of ['1', 'all']) for (const comp of ['none', 'lz4']) combos.push({ size, parts, acks, comp });
  const topic = (c: (typeof combos)[number], s: string, run: number) => `p-${c.size}-${c.parts}-${c.acks}-${c.comp}-${s}-${run}`;
  const dir = mkdtempSync(join(workDir, 'produce-'));
  const samsa = await startSamsa(dir);
  const servers: Server[] = [samsa];
  if (tools.kind === 'rdperf') {
    const mockTopics = combos.flatMap((c) => Array.from({ length: RUNS }, (_, r) => `${topic(c, 'mock', r)}:${c.parts}`));
    servers.unshift(await startMock(tools.mock, mockTopics));
  }
  for (const parts of [1, 6]) await createTopics(samsa, parts, combos.filter((c) => c.parts === parts).flatMap((c) => Array.from({ length: RUNS }, (_, r) => topic(c, 'samsa', r))));
  let rssLoad = -Infinity;
  for (const c of combos) {
    const count = n(c.size === 100 ? 2_000_000 : 600_000);
    const kv = [`acks=${c.acks}`, `compression.codec=${c.comp}`, ...(tools.kind === 'kcat' ? ['linger.ms=5', 'batch.num.messages=10000'] : [])];
    const res = await sideBySide(servers, RUNS, async (s, run) => {
      const r = await runClient(produceCmd(tools, s, topic(c, s.name, run), c.parts, count, c.size, kv), s);
      kcatFigures(r, count, c.size);
      if (s.name === 'samsa') rssLoad = Math.max(rssLoad, r.brokerRssMaxMiB);
      return r;
    });
    const label = `${c.size === 100 ? '100 B' : '1 KiB'} × ${c.parts}p acks=${c.acks} ${c.comp}`;
    const m = res.get('mock');
    const sa = res.get('samsa');
    const useMB = c.size === 1024;
    const metric = (r: ClientResult) => (useMB ? r.out.MB_s! : r.out.msgs_s!);
    const row: Row = { section: 'produce', name: label, unit: useMB ? 'MB/s' : 'msgs/s', mock: pick(m, metric), samsa: pick(sa, metric) };
    row.extra = {
      samsa_msgs_s: pick(sa, (r) => r.out.msgs_s!),
      samsa_MB_s: pick(sa, (r) => r.out.MB_s!),
      mock_msgs_s: pick(m, (r) => r.out.msgs_s!),
      mock_MB_s: pick(m, (r) => r.out.MB_s!),
      samsa_broker_cpu_s: pick(sa, (r) => r.brokerCpu),
      mock_broker_cpu_s: pick(m, (r) => r.brokerCpu),
      samsa_client_cpu_s: pick(sa, (r) => r.clientCpu),
      mock_client_cpu_s: pick(m, (r) => r.clientCpu),
      samsa_broker_cpu_s_per_GB: pick(sa, (r) => r.brokerCpu / (r.out.bytes! / 1e9)),
      mock_broker_cpu_s_per_GB: pick(m, (r) => r.brokerCpu / (r.out.bytes! / 1e9)),
      samsa_p99_ms: pick(sa, (r) => r.out.p99_ms!),
      mock_p99_ms: pick(m, (r) => r.out.p99_ms!),
    };
    if (row.mock && row.samsa) row.ratio = row.samsa.median / row.mock.median;
    if (c.acks === '1' && c.comp === 'none' && row.ratio !== undefined) {
      const need = c.size === 100 ? 0.8 : c.parts === 1 ? 0.75 : undefined;
      if (need !== undefined) {
        row.target = `≥ ${need.toFixed(2)}`;
        row.met = row.ratio >= need;
      }
    }
    rows.push(row);
    console.error(`  produce ${label}: samsa ${fmtStat(row.samsa)} mock ${fmtStat(row.mock)} ${row.unit}`);
  }
  rows.push({ section: 'footprint', name: 'RSS under load (max during the produce matrix)', unit: 'MiB', mock: null, samsa: stat([rssLoad]) });
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
}

async function sectionConsume(): Promise<void> {
  // Under 4 MiB per partition (the mock keeps ~5 MiB), 6 partitions, re-read RDPERF_PASSES times.
  const parts = 6;
  const passes = Math.max(2, n(10));
  const dir = mkdtempSync(join(workDir, 'consume-'));
  const samsa = await startSamsa(dir);
  const servers: Server[] = [samsa];
  if (tools.kind === 'rdperf') servers.unshift(await startMock(tools.mock, ['c-100:6', 'c-1024:6']));
  await createTopics(samsa, parts, ['c-100', 'c-1024']);
  for (const size of [100, 1024]) {
    const perPass = parts * (size === 100 ? 32_000 : 3_500);
    for (const s of servers) await runClient(produceCmd(tools, s, `c-${size}`, parts, perPass, size, ['acks=1']), s);
    const res = await sideBySide(servers, RUNS, async (s) => {
      const r = await runClient(consumeCmd(tools, s, `c-${size}`, parts, perPass, CONSUMER_KV), s, { RDPERF_PASSES: String(tools.kind === 'rdperf' ? passes : 1) });
      kcatFigures(r, perPass, size);
      return r;
    });
    const m = res.get('mock');
    const sa = res.get('samsa');
    const row: Row = { section: 'consume', name: `${size === 100 ? "100 B" : "1 KiB"} × ${parts}p, ${perPass} msgs × ${tools.kind === "rdperf" ? passes : 1} passes`, unit: 'msgs/s', mock: pick(m, cMsgs), samsa: pick(sa, cMsgs) };
    row.extra = {
      samsa_MB_s: pick(sa, cMB),
      mock_MB_s: pick(m, cMB),
      samsa_msgs_s_incl_start: pick(sa, (r) => r.out.msgs_s!),
      mock_msgs_s_incl_start: pick(m, (r) => r.out.msgs_s!),
      samsa_broker_cpu_s_per_GB: pick(sa, (r) => r.brokerCpu / (r.out.bytes! / 1e9)),
      mock_broker_cpu_s_per_GB: pick(m, (r) => r.brokerCpu / (r.out.bytes! / 1e9)),
      samsa_client_cpu_s: pick(sa, (r) => r.clientCpu),
      mock_client_cpu_s: pick(m, (r) => r.clientCpu),
      samsa_first_msg_ms: pick(sa, (r) => r.out.first_msg_ms!),
      mock_first_msg_ms: pick(m, (r) => r.out.first_msg_ms!),
    };
    if (row.mock && row.samsa) {
      row.ratio = row.samsa.median / row.mock.median;
      row.target = '≥ 0.80';
      row.met = row.ratio >= 0.8;
    }
    rows.push(row);
    console.error(`  consume ${row.name}: samsa ${fmtStat(row.samsa)} mock ${fmtStat(row.mock)} msgs/s`);
  }
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
}

async function sectionLatency(): Promise<void> {
  if (tools.kind !== 'rdperf') {
    notes.push('latency: not measured (needs rdperf from ../shared/bench-tools; kcat reports no delivery latency)');
    return;
  }
  const secs = Math.max(1, 5 * SCALE);
  const combos: { rate: number; linger: number }[] = [];
  for (const rate of [10_000, 100_000]) for (const linger of [0, 5]) combos.push({ rate, linger });
  const topic = (c: (typeof combos)[number], s: string, run: number) => `l-${c.rate}-${c.linger}-${s}-${run}`;
  const dir = mkdtempSync(join(workDir, 'latency-'));
  const samsa = await startSamsa(dir);
  const mock = await startMock(tools.mock, combos.flatMap((c) => Array.from({ length: RUNS }, (_, r) => `${topic(c, 'mock', r)}:1`)));
  await createTopics(samsa, 1, combos.flatMap((c) => Array.from({ length: RUNS }, (_, r) => topic(c, 'samsa', r))));
  for (const c of combos) {
    const count = Math.round(c.rate * secs);
    const res = await sideBySide([mock, samsa], RUNS, (s, run) => runClient(produceCmd(tools, s, topic(c, s.name, run), 1, count, 100, [`linger.ms=${c.linger}`]), s, { RDPERF_RATE: String(c.rate) }));
    const m = res.get('mock');
    const sa = res.get('samsa');
    for (const q of ['p50_ms', 'p99_ms'] as const) {
      const row: Row = { section: 'latency', name: `produce ${q.slice(0, 3)} @ ${c.rate / 1000} k msgs/s, linger.ms=${c.linger}, 100 B × 1p`, unit: 'ms', mock: pick(m, (r) => r.out[q]!), samsa: pick(sa, (r) => r.out[q]!) };
      if (row.mock && row.samsa) row.ratio = row.samsa.median - row.mock.median;
      if (q === 'p99_ms' && c.rate === 100_000 && c.linger === 5 && row.ratio !== undefined) {
        row.target = '≤ mock + 2 ms';
        row.met = row.ratio <= 2;
      }
      row.extra = { samsa_broker_cpu_s: pick(sa, (r) => r.brokerCpu), mock_broker_cpu_s: pick(m, (r) => r.brokerCpu), samsa_client_cpu_s: pick(sa, (r) => r.clientCpu), mock_client_cpu_s: pick(m, (r) => r.clientCpu) };
      rows.push(row);
    }
    console.error(`  latency ${c.rate}/s linger ${c.linger}: samsa p99 ${fmtStat(pick(sa, (r) => r.out.p99_ms!))} mock ${fmtStat(pick(m, (r) => r.out.p99_ms!))}`);
  }
  notes.push('latency: rdperf reports p50 and p99 only (no p99.9); delivery latency = produce() call to delivery report, measured by the client.');
  await Promise.all([samsa.stop(), mock.stop()]);
  rmSync(dir, { recursive: true, force: true });
}

async function sectionE2e(): Promise<void> {
  if (tools.kind !== 'rdperf') return;
  const rate = 100_000;
  const secs = Math.max(1, 5 * SCALE);
  const count = Math.round(rate * secs);
  const dir = mkdtempSync(join(workDir, 'e2e-'));
  const samsa = await startSamsa(dir);
  const names = Array.from({ length: RUNS }, (_, r) => r);
  const mock = await startMock(tools.mock, names.map((r) => `e-mock-${r}:1`));
  await createTopics(samsa, 1, names.map((r) => `e-samsa-${r}`));
  const res = await sideBySide([mock, samsa], RUNS, async (s, run) => {
    const t = `e-${s.name}-${run}`;
    // Consumer first (default fetch.wait.max.ms: the broker's long poll is part of what is measured).
    // Bounded: the mock keeps ~5 MiB per partition, so a consumer that falls behind may never see all.
    const cons = runClient(consumeCmd(tools, s, t, 1, count, ['queued.min.messages=1000000'], secs + 8), s);
    await sleep(1500);
    await runClient(produceCmd(tools, s, t, 1, count, 100, ['linger.ms=5']), null, { RDPERF_RATE: String(rate) });
    return cons;
  });
  for (const q of ['e2e_p50_ms', 'e2e_p99_ms'] as const) {
    const row: Row = { section: 'e2e', name: `end-to-end ${q.slice(4, 7)} @ 100 k msgs/s (produce→consume, ms resolution)`, unit: 'ms', mock: pick(res.get('mock'), (r) => r.out[q]!), samsa: pick(res.get('samsa'), (r) => r.out[q]!) };
    if (row.mock && row.samsa) row.ratio = row.samsa.median - row.mock.median;
    rows.push(row);
  }
  notes.push('e2e: consumer wall clock minus the record CreateTime, as rdperf measures it (1 ms resolution); producer linger.ms=5, consumer default fetch.wait.max.ms; producer and consumer both on core 0.');
  await Promise.all([samsa.stop(), mock.stop()]);
  rmSync(dir, { recursive: true, force: true });
}

async function sectionFootprint(): Promise<void> {
  const dir = mkdtempSync(join(workDir, 'big-'));
  let samsa = await startSamsa(dir);
  await createTopics(samsa, 1, ['big']);
  await sleep(500);
  const idle = procRssMiB(samsa.pid);
  const totalMsgs = n(4 * 1024 * 1024); // 4 GiB of 1 KiB records
  settle();
  const r = await runClient(produceCmd(tools, samsa, 'big', 1, totalMsgs, 1024, ['acks=1']), samsa);
  kcatFigures(r, totalMsgs, 1024);
  await sleep(2000);
  const after = procRssMiB(samsa.pid);
  const gib = (totalMsgs * 1024) / 2 ** 30;
  rows.push({ section: 'footprint', name: 'RSS idle (before the 4 GiB load)', unit: 'MiB', mock: null, samsa: stat([idle]) });
  rows.push({ section: 'footprint', name: `RSS max while writing ${gib.toFixed(2)} GiB (1 KiB × 1p)`, unit: 'MiB', mock: null, samsa: stat([r.brokerRssMaxMiB]) });
  rows.push({ section: 'footprint', name: `RSS after ${gib.toFixed(2)} GiB written (+2 s)`, unit: 'MiB', mock: null, samsa: stat([after]), target: '< 150 MiB', met: after < 150 });
  rows.push({ section: 'cpu', name: `broker CPU per GB produced (${gib.toFixed(2)} GiB, 1 KiB × 1p acks=1)`, unit: 's/GB', mock: null, samsa: stat([r.brokerCpu / (r.out.bytes! / 1e9)]), extra: { MB_s: r.out.MB_s!, client_cpu_s: r.clientCpu, broker_cpu_s: r.brokerCpu } });
  // 1 GiB straight from the log (no re-reads), with sendfile forced off and on (restart, same data).
  const msgs = Math.min(totalMsgs, n(1024 * 1024));
  const modes: { label: string; env: Record<string, string> }[] = [
    { label: 'default', env: {} },
    { label: 'SAMSA_SENDFILE=0', env: { SAMSA_SENDFILE: '0' } },
    { label: 'SAMSA_SENDFILE=1', env: { SAMSA_SENDFILE: '1' } },
  ];
  for (const mode of modes) {
    if (mode.label !== 'default') {
      await samsa.stop();
      samsa = await startSamsa(dir, mode.env);
    }
    const rs: ClientResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      settle();
      const c = await runClient(consumeCmd(tools, samsa, 'big', 1, msgs, CONSUMER_KV), samsa, { RDPERF_PASSES: '1' });
      kcatFigures(c, msgs, 1024);
      rs.push(c);
    }
    const row: Row = { section: 'consume-log', name: `Samsa ${((msgs * 1024) / 2 ** 30).toFixed(2)} GiB straight from its log, 1 KiB, ${mode.label}`, unit: 'MB/s', mock: null, samsa: pick(rs, cMB) };
    row.extra = { msgs_s: pick(rs, cMsgs), MB_s_incl_start: pick(rs, (x) => x.out.MB_s!), broker_cpu_s_per_GB: pick(rs, (x) => x.brokerCpu / (x.out.bytes! / 1e9)), client_cpu_s: pick(rs, (x) => x.clientCpu) };
    rows.push(row);
    rows.push({ section: 'cpu', name: `broker CPU per GB consumed (1 KiB, from the log, ${mode.label})`, unit: 's/GB', mock: null, samsa: row.extra.broker_cpu_s_per_GB as Stat | null });
    console.error(`  consume 1 GiB ${mode.label}: ${fmtStat(row.samsa)} MB/s, ${fmtStat(row.extra.broker_cpu_s_per_GB as Stat)} CPU s/GB`);
  }
  await samsa.stop();
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} missing: run \`npx tsc -p .\` first`);
  const started = Date.now();
  workDir = mkdtempSync(join(tmpdir(), 'samsa-bench-'));
  tools = findTools();
  if (SETTLE) settler = new PageCacheSettler(join(workDir, 'page-cache-fill'));
  if (!HAS_TASKSET) notes.push('taskset not found: client and broker were NOT pinned to separate cores');
  if (cpus().length < 2) notes.push('fewer than 2 cores: pinning to cores 0 and 1 is not possible');
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    kernel: release(),
    client: tools.kind === 'rdperf' ? 'rdperf (librdkafka)' : 'kcat',
    librdkafka: (() => {
      try {
        return execFileSync('pkg-config', ['--modversion', 'rdkafka'], { encoding: 'utf8' }).trim();
      } catch {
        return 'unknown';
      }
    })(),
    runs: RUNS,
    scale: SCALE,
  };
  console.error(`bench: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}, client ${machine.client}, ${RUNS} run(s) per figure, scale ${SCALE}`);
  try {
    if (wanted('startup')) await sectionStartup();
    if (wanted('produce')) await sectionProduce();
    if (wanted('consume')) await sectionConsume();
    if (wanted('latency')) await sectionLatency();
    if (wanted('e2e')) await sectionE2e();
    if (wanted('footprint')) await sectionFootprint();
  } finally {
    await stopAll();
    settler?.close();
    rmSync(workDir, { recursive: true, force: true });
  }
  if (settler && settling.count > 0)
    notes.push(
      `page cache: filled before the first run (${settling.firstMiB} MiB of a sparse file read in ${(settling.firstMs / 1000).toFixed(1)} s) and topped up ${settling.count - 1} times when memory had been freed (${settling.readMiB - settling.firstMiB} MiB, ${((settling.ms - settling.firstMs) / 1000).toFixed(1)} s), so every run writes into a full page cache as a long-running broker does; BENCH_SETTLE=0 turns this off (see bench/page-cache.ts).`,
    );
  else if (!SETTLE) notes.push('page cache: not settled before runs (BENCH_SETTLE=0): figures for produce depend on how much never-touched VM memory the kernel hands out.');
  const table = printTable();
  const date = new Date().toISOString().slice(0, 10);
  const out = join(ROOT, 'bench/results', `bench-${date}${QUICK ? '-quick' : ''}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), command: 'npm run bench', env: { BENCH_QUICK: env.BENCH_QUICK, BENCH_RUNS: env.BENCH_RUNS, BENCH_SCALE: env.BENCH_SCALE, BENCH_ONLY: env.BENCH_ONLY, BENCH_SETTLE: env.BENCH_SETTLE, SAMSA_SENDFILE: env.SAMSA_SENDFILE, SAMSA_NATIVE_CRC: env.SAMSA_NATIVE_CRC }, machine, durationS: (Date.now() - started) / 1000, rows, notes }, null, 2) + '\n');
  console.log(`\nSamsa vs librdkafka mock cluster — ${date} — ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.client} ${machine.librdkafka}, median of ${RUNS} (min–max)\n`);
  console.log(table);
  for (const note of notes) console.log(`- ${note}`);
  console.log(`\n${out} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

main().catch(async (err: unknown) => {
  console.error(err);
  await stopAll();
  process.exit(1);
});
