// `node dist/bench/replication.js`: what replication costs, on one 3-broker cluster (a real
// ZooKeeper and three broker processes) in one run, with the same client (rdperf on librdkafka,
// from ../shared/bench-tools) — 1 KiB records produced with acks=all to a topic of RF 3 against
// acks=1 to a topic of RF 1, both led by broker 1, runs of the two interleaved. Also the broker
// CPU-seconds per GB: the leader's per GB produced, each follower's per GB replicated.
//
// On one 2-core machine the three brokers and the client share the cores, so the RF 3 case does
// three times the broker work on the same cores: the ratio is stated with that. Every figure is
// the median of BENCH_RUNS runs (default 3) with min–max. Knobs: BENCH_RUNS, BENCH_SCALE
// (multiplies the record count, default 200,000). Writes a table and
// bench/results/replication-<date>.json.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTopics } from '../src/protocol/index.js';
import { WireClient } from '../test/helpers/wire-client.js';
import { ZkCluster } from '../test/helpers/zk-cluster.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const env = process.env;
const RUNS = Math.max(1, Number(env.BENCH_RUNS ?? 3));
const COUNT = Math.max(1000, Math.round(200_000 * Number(env.BENCH_SCALE ?? 1)));
const SIZE = 1024;
const CLK_TCK = 100;

function rdperf(): string {
  const src = env.BENCH_TOOLS ?? resolve(ROOT, '../shared/bench-tools');
  if (!existsSync(join(src, 'build.sh'))) throw new Error(`the reference tools are not in ${src}`);
  const out = join(tmpdir(), `samsa-bench-tools-${process.getuid?.() ?? 0}`);
  mkdirSync(out, { recursive: true });
  execFileSync('bash', [join(src, 'build.sh'), out], { stdio: ['ignore', 'ignore', 'inherit'] });
  return join(out, 'rdperf');
}

function cpuSeconds(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

function produce(tool: string, bootstrap: string, topic: string, acks: string): Promise<{ msgs_s: number; MB_s: number; errors: number }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(tool, ['produce', bootstrap, topic, '1', String(COUNT), String(SIZE), '300', `acks=${acks}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`rdperf exited ${code}`);
        resolvePromise(JSON.parse(line) as { msgs_s: number; MB_s: number; errors: number });
      } catch (err) {
        reject(err);
      }
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[], d = 0) => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;

async function main(): Promise<void> {
  const tool = rdperf();
  const cluster = await ZkCluster.start({ brokers: 3, sessionTimeoutMs: 10_000 });
  try {
    const wire = await WireClient.connect(cluster.broker(1).bootstrap);
    const r = await wire.request(CreateTopics, 7, {
      topics: [
        { name: 'rf3', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2, 3] }], configs: [{ name: 'min.insync.replicas', value: '2' }] },
        { name: 'rf1', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1] }], configs: [] },
      ],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    wire.close();
    for (const t of r.topics) if (t.errorCode !== 0) throw new Error(`cannot create ${t.name}: ${t.errorMessage}`);
    const pids = [1, 2, 3].map((id) => cluster.broker(id).pid!);
    const rows = { rf1: [] as number[], rf3: [] as number[], leaderCpuPerGb: [] as number[], followerCpuPerGb: [] as number[], rf1LeaderCpuPerGb: [] as number[] };
    const gb = (COUNT * SIZE) / 1e9;
    for (let run = 0; run < RUNS; run++) {
      for (const mode of run % 2 === 0 ? ['rf1', 'rf3'] : ['rf3', 'rf1']) {
        const before = pids.map(cpuSeconds);
        const res = await produce(tool, cluster.broker(1).bootstrap, mode, mode === 'rf3' ? 'all' : '1');
        if (res.errors > 0) throw new Error(`${res.errors} produce errors in ${mode}`);
        const used = pids.map((p, i) => cpuSeconds(p) - before[i]!);
        if (mode === 'rf1') {
          rows.rf1.push(res.msgs_s);
          rows.rf1LeaderCpuPerGb.push(used[0]! / gb);
        } else {
          rows.rf3.push(res.msgs_s);
          rows.leaderCpuPerGb.push(used[0]! / gb);
          rows.followerCpuPerGb.push((used[1]! + used[2]!) / 2 / gb);
        }
        console.error(`bench: ${mode} run ${run + 1}: ${Math.round(res.msgs_s)} msgs/s, broker CPU ${used.map((u) => u.toFixed(2)).join(' / ')} s`);
      }
    }
    const ratio = median(rows.rf3) / median(rows.rf1);
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}`;
    const table = [
      `machine: ${machine} (3 brokers, ZooKeeper and the client on the same cores)`,
      `records: ${COUNT} × ${SIZE} B per run, 1 partition led by broker 1, ${RUNS} runs per case, median (min–max)`,
      '',
      '| figure | value |',
      '| --- | --- |',
      `| acks=1, RF 1 (msgs/s) | ${fmt(rows.rf1)} |`,
      `| acks=all, RF 3, min.insync.replicas=2 (msgs/s) | ${fmt(rows.rf3)} |`,
      `| ratio RF 3 / RF 1 | ${ratio.toFixed(2)} |`,
      `| leader CPU-s per GB produced, RF 1 | ${fmt(rows.rf1LeaderCpuPerGb, 2)} |`,
      `| leader CPU-s per GB produced, RF 3 | ${fmt(rows.leaderCpuPerGb, 2)} |`,
      `| follower CPU-s per GB replicated (mean of the two) | ${fmt(rows.followerCpuPerGb, 2)} |`,
    ].join('\n');
    console.log(table);
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const date = new Date().toISOString().slice(0, 10);
    writeFileSync(join(dir, `replication-${date}.json`), JSON.stringify({ date, machine, count: COUNT, size: SIZE, runs: RUNS, ...rows, ratio }, null, 2) + '\n');
  } finally {
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exitCode = 1;
});
