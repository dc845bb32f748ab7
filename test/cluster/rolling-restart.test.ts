// A rolling restart of a 3-broker cluster under an acks=all producer (confluent-kafka, retries
// on, idempotence off): each broker in turn gets SIGTERM, moves its leaderships away through
// ControlledShutdown before it stops, and is started again; the next one goes once every
// replica is back in sync. No delivery error reaches the application, every acknowledged record
// is read back at its acknowledged offset, and afterwards the controller's imbalance check gives
// every broker back its 4 preferred leaderships of the 12.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { python, repoRoot, runOk, waitFor } from '../helpers/broker-process.js';
import { ZkCluster } from '../helpers/zk-cluster.js';
import { zookeeperAvailable } from '../helpers/zookeeper-process.js';

const TOPIC = 'rolling';
const PARTITIONS = 12;
const COUNT = 8000;
const RATE = 250;

describe('rolling restart', { skip: !zookeeperAvailable() && 'Debian zookeeper not installed', timeout: 240_000 }, () => {
  let cluster: ZkCluster;
  before(async () => {
    cluster = await ZkCluster.start({
      brokers: 3,
      sessionTimeoutMs: 6000,
      settings: { 'auto.leader.rebalance.enable': 'true', 'leader.imbalance.check.interval.seconds': '5', 'controlled.shutdown.retry.backoff.ms': '1000' },
    });
    const assignments = Array.from({ length: PARTITIONS }, (_, p) => [0, 1, 2].map((k) => ((p + k) % 3) + 1));
    await cluster.createTopic(TOPIC, assignments, { 'min.insync.replicas': '2' });
  });
  after(async () => {
    await cluster?.stop();
  });

  const leaderCounts = async (): Promise<Record<number, number>> => {
    const counts: Record<number, number> = { 1: 0, 2: 0, 3: 0 };
    for (let p = 0; p < PARTITIONS; p++) {
      const s = await cluster.partitionState(TOPIC, p);
      counts[s.leader] = (counts[s.leader] ?? 0) + 1;
    }
    return counts;
  };
  const allInSync = async (): Promise<boolean> => {
    for (let p = 0; p < PARTITIONS; p++) if ((await cluster.partitionState(TOPIC, p)).isr.length !== 3) return false;
    return true;
  };

  test('SIGTERM, restart, wait for the ISR, broker after broker: no delivery error, nothing acknowledged lost, leaders 4/4/4 again', async () => {
    const producer = spawn(python, [join(repoRoot, 'test', 'cluster', 'py', 'acked_producer.py'), cluster.bootstrap, TOPIC, String(COUNT), String(RATE)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, IDEMPOTENCE: '0', MESSAGE_TIMEOUT_MS: '120000' },
    });
    let out = '';
    let err = '';
    producer.stdout.on('data', (d: Buffer) => (out += d));
    producer.stderr.on('data', (d: Buffer) => (err += d));
    const exited = new Promise<number | null>((r) => producer.once('exit', (code) => r(code)));
    const reportCount = () => out.split('\n').length - 1;
    try {
      for (const id of [1, 2, 3]) {
        await waitFor(allInSync, { timeoutMs: 30_000, intervalMs: 100, what: `every replica in sync before broker ${id} restarts` });
        const before = reportCount();
        await waitFor(() => reportCount() >= before + 300, { timeoutMs: 30_000, what: `300 more acknowledgements before broker ${id} restarts` });
        const b = cluster.broker(id);
        const { code } = await b.stop(60_000);
        assert.equal(code, 0, `broker ${id} stopped cleanly`);
        assert.match(b.log, /controlled shutdown: the controller moved this broker's leaderships/, `broker ${id} shut down through the controller`);
        // While it is down, no partition is led by it.
        assert.equal((await leaderCounts())[id], 0, `broker ${id} leads nothing once stopped`);
        await b.restart();
      }
      assert.ok(reportCount() < COUNT, 'the producer was still producing when the last broker restarted');
      await waitFor(allInSync, { timeoutMs: 30_000, intervalMs: 100, what: 'every replica in sync after the restarts' });
      const balancedFrom = Date.now();
      await waitFor(async () => {
        const c = await leaderCounts();
        return c[1] === 4 && c[2] === 4 && c[3] === 4;
      }, { timeoutMs: 60_000, intervalMs: 200, what: 'leaders 4/4/4 again' });
      assert.ok(Date.now() - balancedFrom < 60_000);
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r('timeout'), 120_000)))]);
      clearTimeout(timer);
      assert.equal(code, 0, `the producer finished\n${err.slice(-3000)}`);
    } finally {
      producer.kill('SIGKILL');
    }
    const reports = out.trim().split('\n').map((l) => JSON.parse(l) as { p?: number; o?: number; v: string; err?: string });
    const failed = reports.filter((r) => r.err !== undefined);
    assert.deepEqual(failed.slice(0, 5), [], `${failed.length} delivery errors reached the application`);
    assert.equal(reports.length, COUNT, 'a delivery report for every record');
    // Every acknowledged record is at its acknowledged offset (retries without idempotence may add duplicates elsewhere).
    const stored = new Map<string, string>();
    const dump = await runOk('kcat', ['-b', cluster.bootstrap, '-C', '-t', TOPIC, '-e', '-o', 'beginning', '-f', '%p %o %s\n'], { timeoutMs: 60_000 });
    for (const line of dump.trim().split('\n')) {
      const [p, o, v] = line.split(' ');
      stored.set(`${p}/${o}`, v!);
    }
    const lost = reports.filter((r) => stored.get(`${r.p}/${r.o}`) !== r.v);
    assert.deepEqual(lost.slice(0, 5), [], `${lost.length} of ${reports.length} acknowledged records not at their offsets`);
    assert.equal(new Set(reports.map((r) => r.v)).size, COUNT);
  });
});
