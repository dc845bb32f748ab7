/**
 * Memory hardening harness: runs one hostile-client scenario ("row") against a broker process held
 * to a memory limit, and checks that the broker neither blows the limit nor dies, and still serves
 * a normal client afterwards.
 *
 *   await runMemoryRow({
 *     name: 'my attack',
 *     setup: async (b) => { ... create topics, produce ... },
 *     attack: async (b, ctx) => {
 *       const s = await ctx.raw();            // a socket that never reads; closed after the row
 *       s.write(hostileBytes);
 *       await ctx.rssSettled();               // until the broker's RSS stops growing
 *     },
 *   });
 *
 * - The broker runs with NODE_OPTIONS=--max-old-space-size=<heapMiB> (default 256), so a heap that
 *   grows without bound ends in a V8 OOM instead of swap.
 * - A watchdog samples VmRSS from /proc/<pid>/status every 20 ms while setup, attack and the check
 *   run; past rssLimitMiB (default 512) it kills the broker at once (other work shares the
 *   machine) and the row fails, naming the peak.
 * - After the attack every socket the row opened through `ctx` is closed; then a fresh connection
 *   must get ApiVersions and Metadata answered (bounded), and the broker must still be running.
 *
 * Each row gets its own broker, so one row's memory never counts against the next.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { ApiVersions, Metadata } from '../../src/protocol/index.js';
import { BrokerProcess } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';

export const MiB = 1024 * 1024;

/** The process's resident set in MiB, or null once it is gone. */
export function rssMiB(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Samples a process's RSS; kills it (SIGKILL) the first time the RSS passes `limitMiB`. */
export class RssWatchdog {
  peakMiB = 0;
  lastMiB = 0;
  /** When the RSS last rose by more than `settleMiB` over the level it had settled at. */
  lastRiseAt = Date.now();
  private settledAt = 0;
  /** Set once the limit was passed (the process was killed then). */
  exceeded: number | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly listeners = new Set<(why: Error) => void>();

  constructor(private readonly pid: number, readonly limitMiB: number, private readonly settleMiB = 4, intervalMs = 20) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.sample();
  }

  private sample(): void {
    const rss = rssMiB(this.pid);
    if (rss === null) {
      this.fire(new Error('the broker process is gone'));
      return;
    }
    this.lastMiB = rss;
    if (rss > this.peakMiB) this.peakMiB = rss;
    if (rss > this.settledAt + this.settleMiB) {
      this.settledAt = rss;
      this.lastRiseAt = Date.now();
    }
    if (rss > this.limitMiB && this.exceeded === null) {
      this.exceeded = rss;
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      this.fire(new Error(`broker RSS reached ${rss.toFixed(0)} MiB, over the ${this.limitMiB} MiB limit: killed`));
    }
  }

  /** Called once with the reason when the limit is passed or the process is gone. */
  onTrip(fn: (why: Error) => void): void {
    this.listeners.add(fn);
  }

  private fire(why: Error): void {
    const ls = [...this.listeners];
    this.listeners.clear();
    for (const l of ls) l(why);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export interface AttackContext {
  readonly broker: BrokerProcess;
  readonly watchdog: RssWatchdog;
  /** A raw connection to the broker that never reads what it is sent; closed after the attack. */
  raw(): Promise<Socket>;
  /** A WireClient closed after the attack (for well-formed requests that are read). */
  client(): Promise<WireClient>;
  /** Polls `cond` every 20 ms until it holds; rejects after timeoutMs or when the watchdog trips. */
  until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs?: number): Promise<void>;
  /** Until the broker's RSS has made no new high (by 4 MiB) for `quietMs` (default 500) since the call, bounded. */
  rssSettled(quietMs?: number, timeoutMs?: number): Promise<void>;
  /**
   * Writes `chunk` `times` times, following the socket's back-pressure; resolves once all is
   * handed to the kernel, or when the socket closes or is stalled (nothing taken for `stallMs`).
   * One chunk serves every write, so the attacker holds no more than it.
   */
  writeRepeated(s: Socket, chunk: Buffer, times: number, stallMs?: number): Promise<'sent' | 'stalled' | 'closed'>;
}

export interface MemoryRow {
  name: string;
  /** Broker settings (Kafka names). */
  settings?: Record<string, string>;
  /** Extra environment for the broker, e.g. SAMSA_SENDFILE=0 for the plain read path. */
  env?: NodeJS.ProcessEnv;
  /** Runs before the attack (the watchdog already samples); topics, data, ... */
  setup?: (broker: BrokerProcess) => Promise<void>;
  attack: (ctx: AttackContext) => Promise<void>;
  /** Broker RSS bound, MiB (default 512). */
  rssLimitMiB?: number;
  /** --max-old-space-size for the broker, MiB (default 256). */
  heapMiB?: number;
  /** Bound on setup + attack + check (default 30 s). */
  timeoutMs?: number;
}

export interface MemoryRowResult {
  name: string;
  /** RSS after setup, before the attack. */
  baselineMiB: number;
  peakMiB: number;
  ms: number;
}

/** Runs one row; throws (assert) if the broker passed the RSS limit, died, or stopped serving. */
export async function runMemoryRow(row: MemoryRow): Promise<MemoryRowResult> {
  const started = Date.now();
  const limit = row.rssLimitMiB ?? 512;
  const broker = await BrokerProcess.start({
    settings: row.settings,
    env: { ...row.env, NODE_OPTIONS: `--max-old-space-size=${row.heapMiB ?? 256}` },
  });
  const watchdog = new RssWatchdog(broker.pid!, limit);
  const sockets: Socket[] = [];
  const clients: WireClient[] = [];
  let tripped: Error | null = null;
  const tripWaiters = new Set<(e: Error) => void>();
  watchdog.onTrip((e) => {
    tripped = e;
    for (const w of tripWaiters) w(e);
  });
  /** Races `p` against the watchdog and the row's deadline. */
  const guarded = <T>(p: Promise<T>, deadline: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (tripped) return reject(tripped);
      const timer = setTimeout(() => reject(new Error(`${row.name}: ${what} not done within the row's time`)), Math.max(0, deadline - Date.now()));
      const onTrip = (e: Error) => reject(e);
      tripWaiters.add(onTrip);
      p.then(resolve, reject).finally(() => {
        clearTimeout(timer);
        tripWaiters.delete(onTrip);
      });
    });
  const deadline = started + (row.timeoutMs ?? 30_000);

  const ctx: AttackContext = {
    broker,
    watchdog,
    async raw() {
      const s = await new Promise<Socket>((resolve, reject) => {
        const c = connect({ host: broker.host, port: broker.port }, () => resolve(c));
        c.once('error', reject);
      });
      s.on('error', () => {});
      s.setNoDelay(true);
      s.pause();
      sockets.push(s);
      return s;
    },
    async client() {
      const c = await WireClient.connect(broker.bootstrap);
      clients.push(c);
      return c;
    },
    async until(cond, what, timeoutMs = 15_000) {
      const end = Math.min(deadline, Date.now() + timeoutMs);
      for (;;) {
        if (tripped) throw tripped;
        if (await cond()) return;
        if (Date.now() >= end) throw new Error(`${row.name}: timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async rssSettled(quietMs = 500, timeoutMs = 15_000) {
      // Counted from the call too: what was just sent may not have reached the broker yet.
      const from = Date.now();
      await ctx.until(() => Date.now() - Math.max(from, watchdog.lastRiseAt) >= quietMs, 'the broker RSS to settle', timeoutMs);
    },
    writeRepeated(s, chunk, times, stallMs = 1000) {
      return new Promise((resolve) => {
        let left = times;
        let done = false;
        const finish = (how: 'sent' | 'stalled' | 'closed') => {
          if (done) return;
          done = true;
          clearInterval(watch);
          resolve(how);
        };
        s.once('close', () => finish('closed'));
        // Stalled: the kernel has taken nothing more for stallMs (the broker stopped reading).
        let taken = -1;
        let since = Date.now();
        const watch = setInterval(() => {
          const now = s.bytesWritten - s.writableLength;
          if (now !== taken) {
            taken = now;
            since = Date.now();
          } else if (Date.now() - since >= stallMs) {
            finish('stalled');
          }
          if (left === 0 && s.writableLength === 0) finish('sent');
        }, 20);
        const pump = () => {
          while (left > 0 && !done && !s.destroyed) {
            left--;
            if (!s.write(chunk)) {
              s.once('drain', pump);
              return;
            }
          }
        };
        pump();
      });
    },
  };

  try {
    if (row.setup) await guarded(row.setup(broker), deadline, 'setup');
    const baselineMiB = watchdog.lastMiB;
    await guarded(row.attack(ctx), deadline, 'the attack');
    for (const s of sockets) s.destroy();
    for (const c of clients) c.close();

    // A normal client on a fresh connection is still served.
    const check = (async () => {
      const c = await WireClient.connect(broker.bootstrap);
      try {
        const av = await c.request(ApiVersions, 3, { clientSoftwareName: 'samsa-hardening', clientSoftwareVersion: '1' });
        assert.equal(av.errorCode, 0);
        const md = await c.request(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
        assert.equal(md.brokers.length, 1);
      } finally {
        c.close();
      }
    })();
    await guarded(check, Math.max(deadline, Date.now() + 10_000), 'the check that a normal client is served');
    if (tripped) throw tripped;
    assert.ok(broker.running, `${row.name}: the broker is still running`);
    assert.ok(watchdog.peakMiB < limit, `${row.name}: peak RSS ${watchdog.peakMiB.toFixed(0)} MiB under ${limit} MiB`);
    return { name: row.name, baselineMiB, peakMiB: watchdog.peakMiB, ms: Date.now() - started };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`${row.name}: ${why} (peak RSS ${watchdog.peakMiB.toFixed(0)} MiB)\n${broker.log.slice(-1500)}`);
  } finally {
    watchdog.stop();
    for (const s of sockets) s.destroy();
    for (const c of clients) c.close();
    broker.cleanup();
  }
}
