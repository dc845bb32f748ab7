/**
 * Helpers for the consumer-group tests: long-running client processes (kcat -G, Python
 * consumers) whose output is watched while they run, and group look-ups over the wire.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { DescribeGroups, OffsetFetch } from '../../src/protocol/index.js';
import { buildBatch } from '../../src/record/builder.js';
import { repoRoot, waitFor } from '../helpers/broker-process.js';
import { produceBatch, type WireClient } from '../helpers/wire-client.js';

/** Settings that make groups fast to form and to expire in tests. */
export const FAST_GROUPS: Record<string, string> = {
  'group.initial.rebalance.delay.ms': '0',
  'group.min.session.timeout.ms': '1000',
  'offsets.topic.num.partitions': '4',
};

/** A client process that keeps running; stdout and stderr accumulate while it does. */
export class Background {
  readonly child: ChildProcess;
  out = '';
  err = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitedFlag = false;

  constructor(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => (this.out += s));
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.err += s));
    this.child.stdin!.on('error', () => {});
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => {
      this.exitedFlag = true;
      resolve({ code, signal });
    }));
  }

  get running(): boolean {
    return !this.exitedFlag;
  }

  /** Complete stdout lines so far. */
  lines(): string[] {
    const i = this.out.lastIndexOf('\n');
    return i < 0 ? [] : this.out.slice(0, i).split('\n');
  }

  /** Writes a line to stdin (commands for the Python drivers). */
  send(line: string): void {
    this.child.stdin!.write(line + '\n');
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  /** Sends sig and waits (bounded) for the exit; SIGKILL if it does not come. */
  async stop(sig: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.signal(sig);
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<null>((r) => (timer = setTimeout(() => r(null), timeoutMs)));
    const r = await Promise.race([this.exited, t]);
    clearTimeout(timer);
    if (r) return r;
    this.child.kill('SIGKILL');
    throw new Error(`process did not exit within ${timeoutMs} ms of ${sig}\nstderr: ${this.err.slice(-2000)}`);
  }

  /** SIGKILL (also works on a stopped process) and wait. */
  kill(): Promise<unknown> {
    this.signal('SIGKILL');
    return this.exited;
  }
}

/** Committed offsets of a group for a topic's partitions (-1 where none), via OffsetFetch v7. */
export async function committedOffsets(wire: WireClient, group: string, topic: string, partitions: number): Promise<number[]> {
  const idx = Array.from({ length: partitions }, (_, i) => i);
  const r = await wire.request(OffsetFetch, 7, { groupId: group, topics: [{ name: topic, partitionIndexes: idx }], groups: [], requireStable: false });
  if (r.errorCode !== 0) throw new Error(`OffsetFetch ${group}: error ${r.errorCode}`);
  const parts = r.topics.find((t) => t.name === topic)?.partitions ?? [];
  return idx.map((p) => parts.find((x) => x.partitionIndex === p)?.committedOffset ?? -1);
}

/** DescribeGroups v5 of one group. */
export async function describeGroup(wire: WireClient, group: string) {
  const r = await wire.request(DescribeGroups, 5, { groups: [group], includeAuthorizedOperations: false });
  return r.groups[0]!;
}

/** Produces `count` records to each partition with values `${tag}-${partition}-${i}`; returns all values. */
export async function produceTagged(wire: WireClient, topic: string, partitions: number, count: number, tag: string): Promise<string[]> {
  const all: string[] = [];
  for (let p = 0; p < partitions; p++) {
    const values = Array.from({ length: count }, (_, i) => `${tag}-${p}-${i}`);
    const r = await produceBatch(wire, topic, p, buildBatch(values.map((v) => ({ key: `k${p}`, value: v }))));
    if (r.errorCode !== 0) throw new Error(`produce ${topic}/${p}: error ${r.errorCode}`);
    all.push(...values);
  }
  return all;
}

/** Polls until the committed offsets equal `expected` (bounded). */
export function waitCommitted(wire: WireClient, group: string, topic: string, expected: number[], timeoutMs = 15_000): Promise<unknown> {
  let last: number[] = [];
  return waitFor(async () => {
    last = await committedOffsets(wire, group, topic, expected.length);
    return last.every((o, i) => o === expected[i]);
  }, { timeoutMs, intervalMs: 100, what: `committed offsets of ${group} = ${expected} (last ${last})` });
}

export { waitFor };
