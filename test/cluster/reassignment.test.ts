// Partition reassignment on a 4-broker ZooKeeper cluster of real processes (KIP-455):
// - RF 3 on {1,2,3} moved to {2,3,4} with `samsa topic reassign --execute` under a running acks=all
//   producer (confluent-kafka): the topic znode and Metadata end on [2,3,4], broker 1's logs are
//   deleted, and every acknowledged record is in every new replica's log, in order, offsets dense;
// - a move onto a frozen broker (SIGSTOP) cannot finish: it is listed, cancelled, and the partition
//   is back on its original replicas, the frozen broker's copy deleted once it runs again;
// - `samsa cluster decommission N --execute --wait` empties broker N of every replica, losing nothing;
// - a move in flight when the controller is killed is finished by the next controller, which
//   reads it back from the topic znode.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Admin } from '../../src/client/admin.js';
import { KafkaClient } from '../../src/client/client.js';
import { buildBatch } from '../../src/record/builder.js';
import { readRecords } from '../../src/record/records.js';
import { cliPath, python, repoRoot, run, waitFor } from '../helpers/broker-process.js';
import { WireClient, produceBatch, readAll, splitBatches } from '../helpers/wire-client.js';
import { ZkCluster } from '../helpers/zk-cluster.js';
import { zookeeperAvailable } from '../helpers/zookeeper-process.js';

const skip = !zookeeperAvailable() && 'Debian zookeeper not installed';

interface TopicZnode {
  partitions: Record<string, number[]>;
  adding_replicas: Record<string, number[]>;
  removing_replicas: Record<string, number[]>;
  version: number;
}

/** The values in a replica's log files on disk, by offset: what that replica holds, leader or not. */
function replicaLog(cluster: ZkCluster, broker: number, topic: string, partition: number): Array<{ offset: number; value: string }> {
  const dir = join(cluster.broker(broker).dataDir, `${topic}-${partition}`);
  const out: Array<{ offset: number; value: string }> = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    for (const batch of splitBatches(readFileSync(join(dir, f)))) {
      for (const r of readRecords(batch)) out.push({ offset: r.offset, value: r.value?.toString('utf8') ?? '' });
    }
  }
  return out;
}

async function samsa(cluster: ZkCluster, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = await run(process.execPath, [cliPath, ...args, '-b', cluster.bootstrap, '--timeout', '20s'], { timeoutMs: 120_000 });
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

describe('partition reassignment', { skip, timeout: 300_000 }, () => {
  let cluster: ZkCluster;
  let client: KafkaClient;
  let admin: Admin;
  before(async () => {
    // Sessions outlive a frozen broker: the cancelled move's target stays registered while frozen.
    cluster = await ZkCluster.start({ brokers: 4, sessionTimeoutMs: 20_000, settings: { 'replica.lag.time.max.ms': '5000' } });
    client = new KafkaClient({ brokers: cluster.bootstrap, clientId: 'reassignment-test', retries: 5, retryBackoffMs: 200 });
    admin = new Admin(client);
  });
  after(async () => {
    await client?.close();
    await cluster?.stop();
  });

  const znode = async (topic: string) => JSON.parse((await (await cluster.zkClient()).getData(`/brokers/topics/${topic}`)).data.toString()) as TopicZnode;
  const isr = async (topic: string, p: number) => (JSON.parse((await (await cluster.zkClient()).getData(`/brokers/topics/${topic}/partitions/${p}/state`)).data.toString()) as { isr: number[] }).isr;

  test('RF 3 from {1,2,3} to {2,3,4} under an acks=all producer: every acknowledged record on every new replica, broker 1 emptied', async () => {
    await cluster.createTopic('moved', [[1, 2, 3], [2, 3, 1]], { 'min.insync.replicas': '2' }, (await cluster.controller()).id);
    const count = 3000;
    const producer = spawn(python, [join(repoRoot, 'test', 'cluster', 'py', 'acked_producer.py'), cluster.bootstrap, 'moved', String(count), '250'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MESSAGE_TIMEOUT_MS: '60000' } });
    let out = '';
    let err = '';
    producer.stdout.on('data', (d: Buffer) => (out += d));
    producer.stderr.on('data', (d: Buffer) => (err += d));
    const exited = new Promise<number | null>((r) => producer.once('exit', (code) => r(code)));
    try {
      await waitFor(() => out.split('\n').length > 300, { timeoutMs: 30_000, what: '300 acknowledgements before the move' });
      const plan = await samsa(cluster, ['topic', 'reassign', 'moved', '--broker-list', '2,3,4']);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stdout, /moved\s+0\s+1,2,3\s+\S+/);
      assert.match(plan.stdout, /plan only/);
      assert.deepEqual((await znode('moved')).partitions, { 0: [1, 2, 3], 1: [2, 3, 1] }, 'a plan without --execute changed the assignment');
      const exec = await samsa(cluster, ['topic', 'reassign', 'moved', '--broker-list', '2,3,4', '--execute']);
      assert.equal(exec.code, 0, exec.stderr);
      const ackedBefore = out.split('\n').length;
      await waitFor(async () => (await admin.listPartitionReassignments(null)).length === 0, { timeoutMs: 60_000, what: 'the reassignment to finish' });
      // The producer went on through the move.
      await waitFor(() => out.split('\n').length >= ackedBefore + 200, { timeoutMs: 30_000, what: '200 acknowledgements after the move' });
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r('timeout'), 90_000)))]);
      clearTimeout(timer);
      assert.equal(code, 0, `the producer did not finish: ${err.slice(-2000)}`);
    } finally {
      producer.kill('SIGKILL');
    }
    const z = await znode('moved');
    for (const p of ['0', '1']) assert.deepEqual([...z.partitions[p]!].sort(), [2, 3, 4], `partition ${p}: ${JSON.stringify(z)}`);
    assert.deepEqual([z.adding_replicas, z.removing_replicas, z.version], [{}, {}, 3]);
    const md = await client.metadata(['moved']);
    for (const p of md.topics[0]!.partitions) {
      assert.deepEqual([...p.replicas].sort(), [2, 3, 4], 'Metadata replicas');
      assert.ok(p.isr.every((r) => [2, 3, 4].includes(r)), `ISR ${p.isr} within the new replicas`);
      assert.ok([2, 3, 4].includes(p.leader), `leader ${p.leader}`);
    }
    await waitFor(() => !existsSync(join(cluster.broker(1).dataDir, 'moved-0')) && !existsSync(join(cluster.broker(1).dataDir, 'moved-1')), { timeoutMs: 15_000, what: "broker 1's logs of the moved topic deleted" });

    const reports = out.trim().split('\n').map((l) => JSON.parse(l) as { p?: number; o?: number; v: string; err?: string });
    const acked = reports.filter((r) => r.err === undefined);
    assert.equal(acked.length, count, `deliveries failed: ${JSON.stringify(reports.find((r) => r.err))}`);
    for (const p of [0, 1]) {
      const mine = acked.filter((r) => r.p === p).sort((a, b) => a.o! - b.o!);
      await waitFor(async () => (await isr('moved', p)).length === 3, { timeoutMs: 30_000, what: `partition ${p}: the three new replicas in sync` });
      for (const id of [2, 3, 4]) {
        // Followers may trail the high watermark by a fetch: wait for the last acknowledged offset.
        const log = await waitFor(() => {
          const l = replicaLog(cluster, id, 'moved', p);
          return l.length > 0 && l[l.length - 1]!.offset >= mine[mine.length - 1]!.o! ? l : null;
        }, { timeoutMs: 20_000, what: `broker ${id}'s copy of moved-${p} complete` });
        log.forEach((r, i) => assert.equal(r.offset, i, `broker ${id} moved-${p}: offsets dense`));
        const byOffset = new Map(log.map((r) => [r.offset, r.value]));
        for (const r of mine) assert.equal(byOffset.get(r.o!), r.v, `broker ${id} moved-${p}: acknowledged ${r.v} at ${r.o}`);
        // Each partition holds its values in the order they were produced.
        const seq = log.map((r) => Number(r.value.slice(2)));
        assert.ok(seq.every((v, i) => i === 0 || v > seq[i - 1]!), `broker ${id} moved-${p}: produced order`);
      }
    }
  });

  test('a move onto a frozen broker stays in progress, is listed, and cancelled back to the original replicas', async () => {
    const { id: controller } = await cluster.controller();
    const [a, frozen] = [1, 2, 3, 4].filter((x) => x !== controller) as [number, number];
    await cluster.createTopic('stuck', [[a, controller]]);
    const wire = await WireClient.connect(cluster.broker(a).bootstrap);
    try {
      await waitFor(async () => (await isr('stuck', 0)).length === 2, { timeoutMs: 15_000, what: 'stuck in sync' });
      assert.equal((await produceBatch(wire, 'stuck', 0, buildBatch([{ key: null, value: Buffer.from('kept') }]), -1)).errorCode, 0);
      cluster.broker(frozen).signal('SIGSTOP');
      try {
        const started = await admin.alterPartitionReassignments([{ topic: 'stuck', partition: 0, replicas: [a, frozen] }]);
        assert.deepEqual(started.map((r) => r.errorCode), [0], JSON.stringify(started));
        const listed = await admin.listPartitionReassignments(null);
        assert.deepEqual(listed, [{ topic: 'stuck', partition: 0, replicas: [a, frozen, controller], addingReplicas: [frozen], removingReplicas: [controller] }]);
        const inFlight = await znode('stuck');
        assert.deepEqual([inFlight.partitions, inFlight.adding_replicas, inFlight.removing_replicas], [{ 0: [a, frozen, controller] }, { 0: [frozen] }, { 0: [controller] }]);
        // It cannot finish: the frozen broker never fetches.
        await new Promise((r) => setTimeout(r, 1500));
        assert.equal((await admin.listPartitionReassignments([{ topic: 'stuck', partitions: [0] }])).length, 1, 'a move onto a frozen broker finished');
        // Kafka's refusals: a broker that is not alive, a partition that does not exist, nothing to cancel.
        const refused = await admin.alterPartitionReassignments([
          { topic: 'stuck', partition: 5, replicas: [a] },
          { topic: 'moved', partition: 0, replicas: [a, 99] },
          { topic: 'moved', partition: 1, replicas: null },
        ]);
        assert.deepEqual(refused.map((r) => [r.topic, r.partition, r.errorCode]), [['stuck', 5, 3], ['moved', 0, 39], ['moved', 1, 85]]);
        const status = await samsa(cluster, ['topic', 'reassign', 'stuck', '--status']);
        assert.equal(status.code, 0, status.stderr);
        assert.match(status.stdout, new RegExp(`stuck\\s+0\\s+${a},${frozen},${controller}\\s+${frozen}\\s+${controller}`));
        const cancel = await samsa(cluster, ['topic', 'reassign', 'stuck', '--cancel']);
        assert.equal(cancel.code, 0, cancel.stderr);
        assert.deepEqual(await admin.listPartitionReassignments(null), []);
        const z = await znode('stuck');
        assert.deepEqual([z.partitions, z.adding_replicas, z.removing_replicas], [{ 0: [a, controller] }, {}, {}]);
        const again = await samsa(cluster, ['topic', 'reassign', 'stuck', '--cancel']);
        assert.equal(again.code, 1);
        assert.match(again.stderr, /^samsa: no reassignment in progress for stuck\n$/);
      } finally {
        cluster.broker(frozen).signal('SIGCONT');
      }
      await waitFor(async () => {
        const md = await client.metadata(['stuck']);
        const p = md.topics[0]!.partitions[0]!;
        return p.replicas.join(',') === `${a},${controller}` && p.isr.length === 2;
      }, { timeoutMs: 20_000, what: 'stuck back on its replicas, both in sync' });
      await waitFor(() => !existsSync(join(cluster.broker(frozen).dataDir, 'stuck-0')), { timeoutMs: 20_000, what: "the frozen broker's copy deleted once it runs" });
      const records = await readAll(wire, 'stuck', 0);
      assert.deepEqual(records.map((r) => [r.offset, r.value]), [[0, 'kept']]);
    } finally {
      wire.close();
    }
  });

  test('samsa cluster decommission N --execute --wait: no replica left on N, every record kept', async () => {
    const { id: controller } = await cluster.controller();
    const n = [4, 3, 2, 1].find((x) => x !== controller)!;
    const assignments = [[1, 2], [2, 3], [3, 4], [4, 1], [1, 3], [2, 4]];
    await cluster.createTopic('decom', assignments, { 'min.insync.replicas': '1' });
    const wire = await WireClient.connect(cluster.broker(controller).bootstrap);
    const written: string[][] = assignments.map(() => []);
    try {
      await waitFor(async () => (await Promise.all(assignments.map((_, p) => isr('decom', p)))).every((s) => s.length === 2), { timeoutMs: 20_000, what: 'decom in sync' });
      for (let p = 0; p < assignments.length; p++) {
        for (let i = 0; i < 20; i++) {
          const values = Array.from({ length: 5 }, (_, j) => `p${p}-${i * 5 + j}`);
          await waitFor(async () => {
            const md = await client.metadata(['decom'], false);
            const leader = md.topics[0]!.partitions[p]!.leader;
            const c = await WireClient.connect(cluster.broker(leader).bootstrap);
            try {
              return (await produceBatch(c, 'decom', p, buildBatch(values.map((v) => ({ key: null, value: Buffer.from(v) }))), -1)).errorCode === 0;
            } finally {
              c.close();
            }
          }, { timeoutMs: 10_000, what: `produce to decom-${p}` });
          written[p]!.push(...values);
        }
      }
      const planOnly = await samsa(cluster, ['cluster', 'decommission', String(n)]);
      assert.equal(planOnly.code, 0, planOnly.stderr);
      assert.match(planOnly.stdout, /plan only/);
      const unknown = await samsa(cluster, ['cluster', 'decommission', '42']);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /^samsa: unknown broker 42 \(brokers: 1, 2, 3, 4\)\n$/);
      const done = await samsa(cluster, ['cluster', 'decommission', String(n), '--execute', '--wait', '--format', 'json']);
      assert.equal(done.code, 0, done.stderr);
      const result = JSON.parse(done.stdout) as { moves: Array<{ topic: string; partition: number; proposed: number[] }>; executed: boolean; completed: boolean };
      assert.equal(result.executed, true);
      assert.ok(result.moves.some((m) => m.topic === 'decom'));
      assert.deepEqual(await admin.listPartitionReassignments(null), []);
      const md = await client.metadata(null);
      for (const t of md.topics) {
        for (const p of t.partitions) assert.ok(!p.replicas.includes(n) && !p.isr.includes(n), `${t.name}-${p.partition} still on broker ${n}: ${p.replicas}`);
      }
      await waitFor(() => !readdirSync(cluster.broker(n).dataDir).some((d) => /^(decom|moved|stuck)-\d+$/.test(d)), { timeoutMs: 20_000, what: `broker ${n}'s partition directories deleted` });
      // Replicas and preferred leaders of decom stay spread over the three others.
      const decom = md.topics.find((t) => t.name === 'decom')!;
      const per = new Map<number, number>();
      for (const p of decom.partitions) for (const r of p.replicas) per.set(r, (per.get(r) ?? 0) + 1);
      assert.deepEqual([...per.values()].sort(), [4, 4, 4], `decom replicas per broker: ${JSON.stringify([...per])}`);
      for (let p = 0; p < assignments.length; p++) {
        const leader = decom.partitions[p]!.leader;
        const c = await WireClient.connect(cluster.broker(leader).bootstrap);
        try {
          const records = await readAll(c, 'decom', p);
          assert.deepEqual(records.map((r) => r.value), written[p], `decom-${p}`);
          records.forEach((r, i) => assert.equal(r.offset, i));
        } finally {
          c.close();
        }
      }
    } finally {
      wire.close();
    }
  });

  // Last: it kills the controller.
  test('a move in flight when the controller is killed is finished by the next controller', async () => {
    const { id: old } = await cluster.controller();
    const [a, b, f] = [1, 2, 3, 4].filter((x) => x !== old) as [number, number, number];
    await cluster.createTopic('resumed', [[a, b]]);
    await waitFor(async () => (await isr('resumed', 0)).length === 2, { timeoutMs: 15_000, what: 'resumed in sync' });
    const wire = await WireClient.connect(cluster.broker(a).bootstrap);
    try {
      for (let i = 0; i < 10; i++) assert.equal((await produceBatch(wire, 'resumed', 0, buildBatch([{ key: null, value: Buffer.from(`r${i}`) }]), -1)).errorCode, 0);
      // The target cannot catch up while frozen, so the move is still in flight when the controller dies.
      cluster.broker(f).signal('SIGSTOP');
      try {
        const started = await admin.alterPartitionReassignments([{ topic: 'resumed', partition: 0, replicas: [a, f] }]);
        assert.deepEqual(started.map((r) => r.errorCode), [0]);
        await cluster.broker(old).kill('SIGKILL');
      } finally {
        cluster.broker(f).signal('SIGCONT');
      }
      await waitFor(async () => {
        const { id } = await cluster.controller();
        return id !== old;
      }, { timeoutMs: 45_000, what: 'a new controller' });
      await waitFor(async () => {
        const z = await znode('resumed');
        return JSON.stringify([z.partitions, z.adding_replicas, z.removing_replicas]) === JSON.stringify([{ 0: [a, f] }, {}, {}]);
      }, { timeoutMs: 30_000, what: 'the new controller to finish the move' });
      await waitFor(() => !existsSync(join(cluster.broker(b).dataDir, 'resumed-0')), { timeoutMs: 20_000, what: "the removed replica's log deleted" });
      const copy = await waitFor(() => {
        const l = replicaLog(cluster, f, 'resumed', 0);
        return l.length === 10 ? l : null;
      }, { timeoutMs: 20_000, what: "the new replica's copy" });
      assert.deepEqual(copy.map((r) => [r.offset, r.value]), Array.from({ length: 10 }, (_, i) => [i, `r${i}`]));
    } finally {
      wire.close();
    }
  });
});
