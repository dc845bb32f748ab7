// The controller's broker killed with SIGKILL: another broker is elected once its session
// expires, moves the dead broker's leaderships to in-sync replicas, and what was acknowledged
// before is still read back. The next controller frozen with SIGSTOP past its session and
// resumed changes nothing: it rejoins as an ordinary broker under the controller elected
// meanwhile.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateTopics } from '../../src/protocol/messages/index.js';
import { runOk, waitFor } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';
import { ZkCluster } from '../helpers/zk-cluster.js';
import { zookeeperAvailable } from '../helpers/zookeeper-process.js';

const SESSION_MS = 3000;
const TOPIC = 'failover';

async function partitionStates(cluster: ZkCluster): Promise<Array<{ data: string; version: number }>> {
  const zk = await cluster.zkClient();
  const out = [];
  for (let p = 0; p < 6; p++) {
    const { data, stat } = await zk.getData(`/brokers/topics/${TOPIC}/partitions/${p}/state`);
    out.push({ data: data.toString(), version: stat.version });
  }
  return out;
}

/**
 * Everything below the high watermarks, once there are `expected` records: a new leader's high
 * watermark catches up with what the old one committed when its followers first fetch from it.
 */
async function consumeAll(bootstrap: string, expected: number): Promise<string[]> {
  let got: string[] = [];
  await waitFor(async () => {
    const out = await runOk('kcat', ['-b', bootstrap, '-C', '-t', TOPIC, '-e', '-o', 'beginning', '-f', '%s\n'], { timeoutMs: 30_000 });
    got = out.trim().split('\n').filter(Boolean).sort();
    return got.length >= expected;
  }, { timeoutMs: 15_000, intervalMs: 200, what: `${expected} records` }).catch(() => {});
  return got;
}

describe('controller failover', { skip: !zookeeperAvailable() && 'Debian zookeeper not installed', timeout: 180_000 }, () => {
  let cluster: ZkCluster;
  const produced: string[] = [];

  before(async () => {
    cluster = await ZkCluster.start({ brokers: 3, sessionTimeoutMs: SESSION_MS });
    const wire = await WireClient.connect(cluster.broker(2).bootstrap);
    try {
      const r = await wire.request(CreateTopics, 7, { topics: [{ name: TOPIC, numPartitions: 6, replicationFactor: 3, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false });
      assert.equal(r.topics[0]!.errorCode, 0);
    } finally {
      wire.close();
    }
    const lines = Array.from({ length: 120 }, (_, i) => `before-${i}`);
    await runOk('kcat', ['-b', cluster.bootstrap, '-P', '-t', TOPIC, '-X', 'acks=all'], { input: lines.join('\n') + '\n', timeoutMs: 30_000 });
    produced.push(...lines);
  });

  after(async () => {
    await cluster?.stop();
  });

  test('SIGKILL of the controller: another is elected within the session timeout and leaders move to in-sync replicas', async () => {
    const first = await cluster.controller();
    const killedAt = Date.now();
    await cluster.broker(first.id).kill('SIGKILL');
    const next = await waitFor(async () => {
      const c = await cluster.controller().catch(() => null);
      return c && c.id !== first.id ? c : null;
    }, { timeoutMs: SESSION_MS + 10_000, intervalMs: 20, what: 'a new controller' });
    const electedMs = Date.now() - killedAt;
    assert.ok(electedMs <= SESSION_MS + 2000, `a new controller after ${electedMs} ms (session timeout ${SESSION_MS} ms)`);
    assert.equal(next.epoch, first.epoch + 1);
    const survivor = [...cluster.brokers].find(([id]) => id !== first.id)![1];
    // Every partition the dead broker led is led by a live in-sync replica, seen by the survivors.
    await waitFor(async () => {
      const md = JSON.parse(await runOk('kcat', ['-b', survivor.bootstrap, '-L', '-J', '-t', TOPIC])) as { controllerid: number; brokers: unknown[]; topics: Array<{ partitions: Array<{ leader: number; isrs: Array<{ id: number }> }> }> };
      return md.controllerid === next.id && md.brokers.length === 2 && md.topics[0]!.partitions.every((p) => p.leader !== first.id && p.leader >= 0 && !p.isrs.some((r) => r.id === first.id));
    }, { timeoutMs: 15_000, what: 'leaders moved off the dead broker' });
    // What was acknowledged with acks=all before is all there, and the cluster takes writes again.
    assert.deepEqual(await consumeAll(survivor.bootstrap, produced.length), [...produced].sort());
    const more = Array.from({ length: 60 }, (_, i) => `after-kill-${i}`);
    await runOk('kcat', ['-b', survivor.bootstrap, '-P', '-t', TOPIC, '-X', 'acks=all'], { input: more.join('\n') + '\n', timeoutMs: 30_000 });
    produced.push(...more);
    assert.deepEqual(await consumeAll(survivor.bootstrap, produced.length), [...produced].sort());
    await cluster.broker(first.id).restart();
    await waitFor(async () => (await (await cluster.zkClient()).getChildren('/brokers/ids')).children.length === 3, { timeoutMs: 20_000, what: 'the killed broker back' });
  });

  test('SIGSTOP of the controller past its session: a new one is elected, and the resumed one changes nothing', async () => {
    const frozen = await cluster.controller();
    cluster.broker(frozen.id).signal('SIGSTOP');
    let next: { id: number; epoch: number };
    try {
      next = await waitFor(async () => {
        const c = await cluster.controller().catch(() => null);
        return c && c.id !== frozen.id ? c : null;
      }, { timeoutMs: SESSION_MS + 10_000, intervalMs: 20, what: 'a controller other than the frozen one' });
      assert.equal(next.epoch, frozen.epoch + 1);
      // The new controller settles the frozen broker's partitions; then the state is left alone.
      await waitFor(async () => (await partitionStates(cluster)).every((s) => (JSON.parse(s.data) as { leader: number }).leader !== frozen.id), { timeoutMs: 15_000, what: 'leaders moved off the frozen broker' });
    } finally {
      cluster.broker(frozen.id).signal('SIGCONT');
    }
    const settled = await partitionStates(cluster);
    // Resumed, it finds its session expired, registers with a new one and follows the new controller.
    const zk = await cluster.zkClient();
    await waitFor(async () => (await zk.getChildren('/brokers/ids')).children.includes(String(frozen.id)), { timeoutMs: 20_000, what: 'the resumed broker registered again' });
    await waitFor(async () => {
      const md = JSON.parse(await runOk('kcat', ['-b', cluster.broker(frozen.id).bootstrap, '-L', '-J'])) as { controllerid: number; brokers: unknown[] };
      return md.controllerid === next.id && md.brokers.length === 3;
    }, { timeoutMs: 20_000, what: 'the resumed broker following the new controller' });
    assert.deepEqual(await cluster.controller(), next);
    // Afterwards the partitions' leaders and epochs are the new controller's; the only changes
    // are ISR expansions the leaders asked the new controller for (the resumed broker catching up).
    const after = await partitionStates(cluster);
    after.forEach((s, p) => {
      const now = JSON.parse(s.data) as { leader: number; leader_epoch: number; controller_epoch: number; isr: number[] };
      const then = JSON.parse(settled[p]!.data) as { leader: number; leader_epoch: number; controller_epoch: number; isr: number[] };
      assert.equal(now.leader, then.leader, `partition ${p}: leader changed after the old controller resumed`);
      assert.equal(now.leader_epoch, then.leader_epoch, `partition ${p}: leader epoch changed`);
      assert.ok(then.isr.every((r) => now.isr.includes(r)), `partition ${p}: the ISR lost a member`);
      if (s.version !== settled[p]!.version) assert.equal(now.controller_epoch, next.epoch, `partition ${p} written with controller epoch ${now.controller_epoch}`);
    });
    assert.deepEqual(await consumeAll(cluster.broker(frozen.id).bootstrap, produced.length), [...produced].sort());
  });
});
