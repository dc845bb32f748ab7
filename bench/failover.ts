// `node dist/bench/failover.js`: how long a partition is not writable with acks=all after its
// leader is killed with SIGKILL, on a 3-broker cluster (a real ZooKeeper, three broker
// processes) with zookeeper.session.timeout.ms=1500, and where the time goes:
//
//   detection    kill → the leader's registration is gone (ZooKeeper expired its session)
//   election     → the controller wrote the partition's new state (leader, epoch, ISR)
//   propagation  → a surviving broker's Metadata names the new leader
//   client       → the first acks=all record acknowledged by the new leader (a probe client
//                  polling Metadata and producing every 10 ms)
//
// Alongside, a librdkafka producer (confluent-kafka, 200 records/s, default backoffs) reports
// when its first acks=all record after the kill was acknowledged. The reference measured in the
// same run is the detection figure: the session timeout that no failover in ZooKeeper mode can
// beat. ZooKeeper runs with tickTime 200 ms (sessions expire on tick boundaries). Each trial
// kills the leader of a partition not led by the controller, restarts it, and a preferred
// election (ElectLeaders) restores the leaders before the next. Knobs: BENCH_RUNS (trials,
// default 5). Writes a table and bench/results/failover-<date>.json.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ElectLeaders, Metadata, OffsetForLeaderEpoch } from '../src/protocol/index.js';
import { buildBatch } from '../src/record/builder.js';
import { waitFor } from '../test/helpers/broker-process.js';
import { WireClient, produceBatch } from '../test/helpers/wire-client.js';
import { ZkCluster } from '../test/helpers/zk-cluster.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TRIALS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const SESSION_MS = 1500;
const TOPIC = 'failover';
const PROBE_EVERY_MS = 10;

interface Trial {
  partition: number;
  killed: number;
  newLeader: number;
  detectionMs: number;
  electionMs: number;
  propagationMs: number;
  clientMs: number;
  totalMs: number;
  librdkafkaMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) => `${Math.round(median(xs))} (${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))})`;

async function leaderOf(c: WireClient, partition: number): Promise<number> {
  const md = await c.request(Metadata, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: TOPIC }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }, 2000);
  return md.topics[0]?.partitions.find((p) => p.partitionIndex === partition)?.leaderId ?? -1;
}

async function electPreferred(cluster: ZkCluster): Promise<void> {
  const c = await WireClient.connect(cluster.broker((await cluster.controller()).id).bootstrap);
  try {
    await c.request(ElectLeaders, 2, { electionType: 0, topicPartitions: null, timeoutMs: 10_000 });
  } finally {
    c.close();
  }
}

async function trial(cluster: ZkCluster): Promise<Trial> {
  const zk = await cluster.zkClient();
  await electPreferred(cluster);
  const controller = (await cluster.controller()).id;
  let partition = -1;
  let killed = -1;
  await waitFor(async () => {
    for (let p = 0; p < 3; p++) {
      const s = await cluster.partitionState(TOPIC, p);
      if (s.isr.length !== 3) return false;
      if (s.leader !== controller && partition < 0) [partition, killed] = [p, s.leader];
    }
    return partition >= 0;
  }, { timeoutMs: 30_000, intervalMs: 50, what: 'all replicas in sync and a partition led outside the controller' });
  const survivors = [1, 2, 3].filter((id) => id !== killed);
  const conns = new Map<number, WireClient>();
  for (const id of survivors) conns.set(id, await WireClient.connect(cluster.broker(id).bootstrap));

  // The librdkafka producer, warmed up on the partition before the kill.
  const py = spawn('/usr/bin/python3', [join(ROOT, 'bench', 'py', 'failover_producer.py'), cluster.bootstrap, TOPIC, String(partition), '200', '8'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let pyOut = '';
  py.stdout.on('data', (d: Buffer) => (pyOut += d));
  const pyExit = new Promise<void>((r) => py.once('exit', () => r()));
  await waitFor(() => pyOut.split('\n').length > 100, { timeoutMs: 15_000, what: 'the librdkafka producer acknowledged' });

  const statePath = `/brokers/topics/${TOPIC}/partitions/${partition}/state`;
  const expired = new Promise<number>((r) => void zk.exists(`/brokers/ids/${killed}`, { watch: () => r(Date.now()) }));
  const written = new Promise<number>((r) => void zk.getData(statePath, { watch: () => r(Date.now()) }));
  const oldEpoch = (await cluster.partitionState(TOPIC, partition)).leader_epoch;
  const killedAt = Date.now();
  await cluster.broker(killed).kill('SIGKILL');

  let metaAt = 0;
  let ackAt = 0;
  let newLeader = -1;
  const batch = buildBatch([{ key: null, value: Buffer.from('probe') }]);
  while (ackAt === 0) {
    if (Date.now() - killedAt > 20_000) throw new Error(`partition ${partition} not writable 20 s after broker ${killed} was killed`);
    if (newLeader < 0) {
      for (const c of conns.values()) {
        const l = await leaderOf(c, partition).catch(() => -1);
        if (l >= 0 && l !== killed) {
          metaAt = Date.now();
          newLeader = l;
          break;
        }
      }
    }
    if (newLeader >= 0) {
      const r = await produceBatch(conns.get(newLeader)!, TOPIC, partition, batch, -1).catch(() => null);
      if (r && r.errorCode === 0) ackAt = Date.now();
    }
    if (ackAt === 0) await sleep(PROBE_EVERY_MS);
  }
  const expiredAt = await expired;
  const writtenAt = await written;
  await pyExit;
  // Acknowledged by the new leader: at or above the end of the killed leader's epoch (an
  // acknowledgement of the old leader may reach the application just after the kill).
  const epochs = await conns.get(newLeader)!.request(OffsetForLeaderEpoch, 4, { replicaId: -1, topics: [{ topic: TOPIC, partitions: [{ partition, currentLeaderEpoch: -1, leaderEpoch: oldEpoch }] }] });
  const newEpochStart = epochs.topics[0]!.partitions[0]!.endOffset;
  const reports = pyOut.trim().split('\n').map((l) => JSON.parse(l) as { t: number; ok: boolean; o: number });
  const firstAfter = reports.find((r) => r.ok && r.o >= newEpochStart);
  if (!firstAfter) throw new Error('the librdkafka producer had no acknowledgement after the kill');
  for (const c of conns.values()) c.close();
  await cluster.broker(killed).restart();
  return {
    partition,
    killed,
    newLeader,
    detectionMs: expiredAt - killedAt,
    electionMs: writtenAt - expiredAt,
    propagationMs: metaAt - writtenAt,
    clientMs: ackAt - metaAt,
    totalMs: ackAt - killedAt,
    librdkafkaMs: firstAfter.t - killedAt,
  };
}

async function main(): Promise<void> {
  const cluster = await ZkCluster.start({ brokers: 3, sessionTimeoutMs: SESSION_MS, settings: { 'auto.leader.rebalance.enable': 'false' } });
  try {
    await cluster.createTopic(TOPIC, [[1, 2, 3], [2, 3, 1], [3, 1, 2]], { 'min.insync.replicas': '2' });
    const trials: Trial[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const t = await trial(cluster);
      trials.push(t);
      console.error(`bench: trial ${i + 1}: broker ${t.killed} killed (partition ${t.partition}), writable on broker ${t.newLeader} after ${t.totalMs} ms (librdkafka ${Math.round(t.librdkafkaMs)} ms)`);
    }
    const col = (k: keyof Trial) => trials.map((t) => t[k]);
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}`;
    const table = [
      `machine: ${machine} (3 brokers, ZooKeeper and the clients on the same cores)`,
      `zookeeper.session.timeout.ms=${SESSION_MS}, ZooKeeper tickTime 200 ms, RF 3, min.insync.replicas=2; ${TRIALS} trials, median (min–max), ms`,
      '',
      '| from the SIGKILL of the leader to | ms |',
      '| --- | --- |',
      `| its registration gone (detection; the reference: the session timeout) | ${fmt(col('detectionMs'))} |`,
      `| + new state written by the controller (election) | ${fmt(col('electionMs'))} |`,
      `| + a survivor's Metadata names the new leader (propagation) | ${fmt(col('propagationMs'))} |`,
      `| + first acks=all record acknowledged, probe client (client) | ${fmt(col('clientMs'))} |`,
      `| **writable again (total, probe client)** | **${fmt(col('totalMs'))}** |`,
      `| first acks=all acknowledgement after the kill, librdkafka 2.0 producer | ${fmt(col('librdkafkaMs'))} |`,
    ].join('\n');
    console.log(table);
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const date = new Date().toISOString().slice(0, 10);
    writeFileSync(join(dir, `failover-${date}.json`), JSON.stringify({ date, machine, sessionTimeoutMs: SESSION_MS, zkTickMs: 200, trials }, null, 2) + '\n');
  } finally {
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exitCode = 1;
});
