// ElectLeaders through `samsa cluster elect-leaders` on a 3-broker cluster without automatic
// rebalancing: a restarted broker does not lead again until a preferred election gives it its
// partitions back; an unclean election gives a leaderless partition its only live replica, which
// then takes writes; bad input is one line and a non-zero exit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBatch } from '../../src/record/builder.js';
import { cliPath, run, runOk, waitFor } from '../helpers/broker-process.js';
import { WireClient, produceBatch } from '../helpers/wire-client.js';
import { ZkCluster } from '../helpers/zk-cluster.js';
import { zookeeperAvailable } from '../helpers/zookeeper-process.js';

const SESSION_MS = 3000;

describe('samsa cluster elect-leaders', { skip: !zookeeperAvailable() && 'Debian zookeeper not installed', timeout: 180_000 }, () => {
  let cluster: ZkCluster;
  const cli = (...args: string[]) => runOk(process.execPath, [cliPath, ...args, '-b', cluster.bootstrap], { timeoutMs: 30_000 });
  before(async () => {
    cluster = await ZkCluster.start({ brokers: 3, sessionTimeoutMs: SESSION_MS, settings: { 'auto.leader.rebalance.enable': 'false', 'replica.lag.time.max.ms': '2000' } });
    await cluster.createTopic('pref', [[1, 2, 3], [2, 3, 1], [3, 1, 2]], { 'min.insync.replicas': '2' });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('preferred: a restarted broker leads its preferred partition again only after the election', async () => {
    await waitFor(async () => (await cluster.partitionState('pref', 0)).isr.length === 3, { timeoutMs: 20_000, what: 'pref-0 in sync' });
    await cluster.broker(1).kill('SIGKILL');
    await waitFor(async () => (await cluster.partitionState('pref', 0)).leader === 2, { timeoutMs: SESSION_MS + 10_000, what: 'broker 2 leads pref-0' });
    await cluster.broker(1).restart();
    await waitFor(async () => (await cluster.partitionState('pref', 0)).isr.length === 3, { timeoutMs: 30_000, what: 'broker 1 back in the ISR' });
    assert.equal((await cluster.partitionState('pref', 0)).leader, 2, 'no rebalance without an election');
    const out = await cli('cluster', 'elect-leaders', '--format', 'json');
    const results = JSON.parse(out) as Array<{ topic: string; partition: number; errorCode: number }>;
    assert.deepEqual(results.filter((r) => r.topic === 'pref'), [{ topic: 'pref', partition: 0, errorCode: 0, error: null }]);
    await waitFor(async () => (await cluster.partitionState('pref', 0)).leader === 1, { timeoutMs: 10_000, what: 'broker 1 leads pref-0 again' });
    // Nothing left to elect; one partition asked for by name says why.
    assert.match(await cli('cluster', 'elect-leaders'), /every partition is led by its preferred replica already/);
    assert.match(await cli('cluster', 'elect-leaders', '-t', 'pref', '-p', '1'), /pref\s+1\s+ELECTION_NOT_NEEDED/);
  });

  test('unclean: a leaderless partition gets its only live replica, which takes writes', async () => {
    await cluster.createTopic('lonely', [[2, 3]], { 'min.insync.replicas': '1' });
    await waitFor(async () => (await cluster.partitionState('lonely', 0)).isr.length === 2, { timeoutMs: 20_000, what: 'lonely-0 in sync' });
    await cluster.broker(3).kill('SIGKILL');
    await waitFor(async () => sameSet((await cluster.partitionState('lonely', 0)).isr, [2]), { timeoutMs: SESSION_MS + 10_000, what: 'ISR [2]' });
    await cluster.broker(2).kill('SIGKILL');
    await waitFor(async () => (await cluster.partitionState('lonely', 0)).leader === -1, { timeoutMs: SESSION_MS + 10_000, what: 'lonely-0 without a leader' });
    await cluster.broker(3).restart();
    // 3 is live but out of sync: a clean election has nobody, the preferred one neither.
    const preferred = await cli('cluster', 'elect-leaders', '-t', 'lonely');
    assert.match(preferred, /lonely\s+0\s+PREFERRED_LEADER_NOT_AVAILABLE/);
    assert.equal((await cluster.partitionState('lonely', 0)).leader, -1);
    const out = await cli('cluster', 'elect-leaders', '--type', 'unclean', '-t', 'lonely', '-p', '0');
    assert.match(out, /lonely\s+0\s+elected/);
    const s = await cluster.partitionState('lonely', 0);
    assert.deepEqual({ leader: s.leader, isr: s.isr }, { leader: 3, isr: [3] });
    const wire = await WireClient.connect(cluster.broker(3).bootstrap);
    try {
      const r = await waitFor(async () => {
        const res = await produceBatch(wire, 'lonely', 0, buildBatch([{ key: null, value: Buffer.from('after') }]), -1);
        return res.errorCode === 0 ? res : null;
      }, { timeoutMs: 10_000, what: 'a write to the new leader' });
      assert.equal(r.errorCode, 0);
    } finally {
      wire.close();
    }
    await cluster.broker(2).restart();
  });

  test('bad input: one line, non-zero exit', async () => {
    for (const [args, msg] of [
      [['--type', 'bogus'], /--type must be preferred or unclean/],
      [['-p', '0'], /--partitions needs --topic/],
      [['-t', 'pref', '-p', '7'], /topic pref has no partition 7/],
      [['-t', 'nope'], /no topic nope|UNKNOWN_TOPIC/],
    ] as Array<[string[], RegExp]>) {
      const r = await run(process.execPath, [cliPath, 'cluster', 'elect-leaders', ...args, '-b', cluster.bootstrap], { timeoutMs: 30_000 });
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, msg);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
