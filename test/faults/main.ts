// `npm run faults -- --seed S --seconds T [--runs N] [--unsafe]`: N fault runs of T seconds from
// seed S on (S, S+1, ...), each judged by the history checker; prints one table row per run and
// exits non-zero if any run found an anomaly (with --unsafe: if none found any loss, since that
// configuration is meant to lose acknowledged records). Histories go to test-results/faults/.
import { netnsAvailable } from './netns.js';
import { runFaults, type FaultRunResult } from './run.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    process.stderr.write(`faults: --${name} needs a whole number, not "${process.argv[i + 1] ?? ''}"\n`);
    process.exit(2);
  }
  return v;
}

const seed = arg('seed', 1);
const seconds = arg('seconds', 60);
const runs = arg('runs', 1);
const unsafe = process.argv.includes('--unsafe');
const missing = netnsAvailable();
if (missing) {
  process.stderr.write(`faults: ${missing}\n`);
  process.exit(2);
}

const row = (r: FaultRunResult) => {
  const kinds = new Map<string, number>();
  for (const f of r.faults) {
    const k = f.replace(/^cut \S+ from ZooKeeper$/, 'cut from ZooKeeper').replace(/^kill -9 all.*$/, 'kill -9 all').replace(/^(kill -9|SIGSTOP|isolate|split|one-way loss|slow disk) b.*$/, '$1');
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
  const worst = Math.max(...Object.values(r.longestUnavailableMs));
  const t = r.transactions;
  return `| ${r.seed} | ${r.seconds} | ${[...kinds].map(([k, n]) => `${k} ×${n}`).join(', ')} | ${r.acknowledged} | ${r.failed} | ${r.resentAcrossSessions} | ${t.committed} / ${t.aborted} / ${t.unknown} | ${r.anomalies} | ${(worst / 1000).toFixed(1)} s |`;
};

let bad = 0;
process.stdout.write('| seed | seconds | faults | acknowledged | failed deliveries | resent under a new epoch | transactions committed / aborted / unknown | anomalies | longest unavailability |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n');
for (let s = seed; s < seed + Math.max(1, runs); s++) {
  try {
    const r = await runFaults({ seed: s, seconds, unsafe, log: (l) => process.stderr.write(`${l}\n`) });
    process.stdout.write(`${row(r)}\n`);
    for (const [what, list] of [['lost', r.lost], ['duplicated', r.duplicated], ['offset holes', r.offsetHoles], ['phantom reads', r.phantomReads], ['committed re-reads', r.committedRereads], ['unconsumed', r.unconsumed], ['transactions', r.transactionAnomalies], ['exactly once', r.exactlyOnceAnomalies], ['stopped producers', r.stoppedProducers]] as const) {
      if (list.length) process.stderr.write(`seed ${s}: ${what}: ${list.slice(0, 5).join('; ')}\n`);
    }
    if (unsafe ? r.lost.length === 0 : r.anomalies > 0) bad++;
  } catch (err) {
    bad++;
    process.stderr.write(`seed ${s}: the run failed: ${(err as Error).stack ?? String(err)}\n`);
  }
}
process.exitCode = bad > 0 ? 1 : 0;
