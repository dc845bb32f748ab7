/**
 * Test helpers for driving a real broker process and external programs (kcat, Python clients).
 *
 * - `repoRoot`: the repository root, resolved from this file's location (works from both
 *   `test/helpers/` and the compiled `dist/test/helpers/`), for locating `dist/src/cli/main.js`
 *   and non-TypeScript fixtures such as `test/interop/py/*.py` (tsc does not copy them).
 * - `BrokerProcess.start()`: spawns `node dist/src/cli/main.js start` with a temporary data dir
 *   on an ephemeral port (optionally under a lower `ulimit -n`), waits (bounded) for the "ready"
 *   log line and parses the listener.
 *   `kill()`, `stop()` (SIGTERM and wait), `restart()` (same data dir, same port) and `cleanup()`.
 * - `run()`: runs a command with a timeout and captures stdout/stderr.
 * - `freePort()`, `waitFor()`: an ephemeral free port; poll a condition with a deadline.
 *
 * Every wait here is bounded; nothing sleeps for a fixed time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reservePort } from './ports.js';

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'tsconfig.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The repository root (the folder holding package.json). */
export const repoRoot = findRepoRoot();
/** The compiled CLI entry point. */
export const cliPath = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
/** The Python interpreter that has Debian's python3-confluent-kafka and python3-kafka. */
export const python = '/usr/bin/python3';

/** Polls `cond` every `intervalMs` until it returns a truthy value, or throws after `timeoutMs`. */
export async function waitFor<T>(cond: () => T | Promise<T>, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() >= deadline) {
      const why = lastErr instanceof Error ? `: ${lastErr.message}` : '';
      throw new Error(`timed out after ${opts.timeoutMs ?? 10_000} ms waiting for ${opts.what ?? 'condition'}${why}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 20));
  }
}

/** A free port outside the kernel's ephemeral range, reserved for this test process (see ports.ts). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return reservePort(host);
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  /** True when the timeout killed the command. */
  timedOut: boolean;
  ms: number;
}

export interface RunOptions {
  /** Kill (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
  /** Written to the command's stdin, which is then closed. Without it stdin is empty. */
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Runs a command to completion (bounded by a timeout) and captures its output. Never rejects for a non-zero exit. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? repoRoot, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => {}); // the command may exit before reading all its input
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), timedOut, ms: Date.now() - started });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Like `run`, but throws (with stderr) unless the command exits 0; returns stdout as text. */
export async function runOk(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} ${r.timedOut ? 'timed out' : `exited ${r.code ?? r.signal}`}\n${r.stderr.slice(-4000)}`);
  }
  return r.stdout.toString('utf8');
}

/** Runs a Python script from `test/interop/py/` with /usr/bin/python3; returns stdout (throws on failure). */
export function runPython(script: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  return runOk(python, [join(repoRoot, 'test', 'interop', 'py', script), ...args], opts);
}

export interface BrokerProcessOptions {
  /** Extra broker settings, Kafka names (e.g. {'num.partitions': '4'}); passed as --name value. */
  settings?: Record<string, string>;
  /** Use this data dir (not removed by cleanup) instead of a fresh temporary one. */
  dataDir?: string;
  /** Port to listen on; default a reserved one (ports.ts), 0 for the kernel's pick. Restarts reuse the port of the first start. */
  port?: number;
  /** Bound on the wait for the ready line; default 15 s. */
  readyTimeoutMs?: number;
  /** Extra environment (e.g. SAMSA_LOG_LEVEL). */
  env?: NodeJS.ProcessEnv;
  /** Run the broker with this open-file limit (`ulimit -n`, soft and hard), for every start. */
  openFileLimit?: number;
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** A command that runs the broker, e.g. ['ip', 'netns', 'exec', 'ns1'] (it must exec it, keeping the pid). */
  wrap?: readonly string[];
}

// A test process that exits early (a failed assertion, a signal) takes its brokers and their
// data with it.
const liveBrokers = new Set<BrokerProcess>();
process.on('exit', () => {
  for (const b of liveBrokers) b.cleanup();
});

/**
 * A broker running as a child process (`node dist/src/cli/main.js start`). Its stderr (JSON log
 * lines) is kept in `log` for diagnostics; `exited` resolves with the exit code or signal.
 */
export class BrokerProcess {
  readonly dataDir: string;
  private readonly ownsDir: boolean;
  private child: ChildProcess | null = null;
  private exitPromise: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | null = null;
  port = 0;
  host = '127.0.0.1';
  /** Everything the broker wrote to stderr, across restarts. */
  log = '';
  /** Milliseconds from spawn to the ready line, of the latest start. */
  startupMs = 0;
  /** http://host:port of /metrics and the console, from the ready line (null when off). */
  adminUrl: string | null = null;

  private constructor(private readonly opts: BrokerProcessOptions) {
    this.ownsDir = opts.dataDir === undefined;
    this.dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'samsa-test-'));
    this.port = opts.port ?? -1;
  }

  /** Spawns a broker and waits until it is ready. */
  static async start(opts: BrokerProcessOptions = {}): Promise<BrokerProcess> {
    const b = new BrokerProcess(opts);
    liveBrokers.add(b);
    try {
      await b.spawn();
    } catch (err) {
      b.cleanup();
      throw err;
    }
    return b;
  }

  /** host:port for clients. */
  get bootstrap(): string {
    return `${this.host}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  private async spawn(): Promise<void> {
    // not 0: a restart after a kill must find its port free, which the kernel's ephemeral range does not promise
    if (this.port === -1) this.port = await reservePort();
    const args = [cliPath, 'start', '--log.dirs', this.dataDir, '--listeners', `PLAINTEXT://${this.opts.host ?? '127.0.0.1'}:${this.port}`];
    // The HTTP listener on a free port: brokers of parallel tests must not share 9644.
    if (this.opts.settings?.['admin.listeners'] === undefined) args.push('--admin.listeners', 'http://127.0.0.1:0');
    for (const [k, v] of Object.entries(this.opts.settings ?? {})) args.push(`--${k}`, v);
    const started = Date.now();
    const limit = this.opts.openFileLimit;
    // bash sets the limit and execs node, so the pid is the broker's
    let [cmd, argv] = limit === undefined ? [process.execPath, args] : ['bash', ['-c', 'ulimit -n "$0" && exec "$@"', String(limit), process.execPath, ...args]];
    if (this.opts.wrap && this.opts.wrap.length > 0) [cmd, argv] = [this.opts.wrap[0]!, [...this.opts.wrap.slice(1), cmd, ...argv]];
    const child = spawn(cmd, argv, { cwd: repoRoot, env: { ...process.env, ...this.opts.env }, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    const logFrom = this.log.length;
    this.exitPromise = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    // The broker exits anyway, but what held it open after its stop is a leak to be told of
    // ('close': its last log lines are in).
    child.once('close', () => {
      for (const line of this.log.slice(logFrom).split('\n')) if (line.includes('still held open after the stop')) process.stderr.write(`broker ${this.dataDir}: ${line}\n`);
    });
    const timeoutMs = this.opts.readyTimeoutMs ?? 15_000;
    await new Promise<void>((resolve, reject) => {
      let pending = '';
      let ready = false;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`broker not ready within ${timeoutMs} ms\n${this.log.slice(-4000)}`));
      }, timeoutMs);
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (s: string) => {
        this.log += s;
        if (ready) return;
        pending += s;
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          const m = /"listener":"([^"]+):(\d+)"/.exec(line);
          if (m) {
            ready = true;
            clearTimeout(timer);
            this.host = m[1]!;
            this.port = Number(m[2]);
            this.adminUrl = /"admin":"([^"]+)"/.exec(line)?.[1] ?? null;
            this.startupMs = Date.now() - started;
            resolve();
            return;
          }
        }
      });
      child.once('exit', (code, signal) => {
        if (ready) return;
        clearTimeout(timer);
        reject(new Error(`broker exited (${code ?? signal}) before ready\n${this.log.slice(-4000)}`));
      });
    });
  }

  /** Sends a signal and waits (bounded) for the process to exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.child;
    if (!child || !this.exitPromise) throw new Error('broker not started');
    const logFrom = this.log.length;
    if (this.running) child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`broker did not exit within ${timeoutMs} ms of ${signal}; its log since:\n${logLines(this.log.slice(logFrom))}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exitPromise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal without waiting (SIGSTOP / SIGCONT to pause and resume). */
  signal(sig: NodeJS.Signals): void {
    if (!this.running) throw new Error('broker not running');
    this.child!.kill(sig);
  }

  /**
   * Graceful stop: SIGTERM and wait for exit (SIGKILL if it does not exit in time). The bound
   * leaves room for a controlled shutdown's retries (controlled.shutdown.retry.backoff.ms apart).
   */
  async stop(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    try {
      return await this.kill('SIGTERM', timeoutMs);
    } catch (err) {
      if (this.running) this.child!.kill('SIGKILL');
      throw err;
    }
  }

  /** Starts the broker again on the same data dir and the same port (after stop or kill). */
  async restart(): Promise<void> {
    if (this.running) await this.stop();
    await this.spawn();
  }

  /** Kills the process if still running and removes the temporary data dir. Safe to call twice. */
  cleanup(): void {
    liveBrokers.delete(this);
    if (this.running) this.child!.kill('SIGKILL');
    if (this.ownsDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A log for a failure message: the last lines, each cut short (stack traces would crowd out the rest). */
function logLines(log: string, lines = 40, width = 400): string {
  return log.split('\n').filter((l) => l !== '').slice(-lines).map((l) => (l.length > width ? `${l.slice(0, width)}…` : l)).join('\n');
}
