// A diverged log built on purpose: the leader appends records (acks=1) that its frozen
// followers never get, then loses its leadership while frozen itself; the others take new
// writes. Back as a follower it truncates exactly the records no one else has (the leader's
// epochs say where, KIP-320) and then holds the new leader's log byte for byte.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTopics } from '../../src/protocol/messages/index.js';
import { buildBatch } from '../../src/record/builder.js';
import { runOk, waitFor } from '../helpers/broker-process.js';
import { WireClient, produceBatch } from '../helpers/wire-client.js';
import { ZkCluster } from '../helpers/zk-cluster.js';
import { zookeeperAvailable } from '../helpers/zookeeper-process.js';

const SESSION_MS = 4000;

describe('a diverged follower truncates to the leader', { skip: !zookeeperAvailable() && 'Debian zookeeper not installed', timeout: 120_000 }, () => {
  let cluster: ZkCluster;
  before(async () => {
    cluster = await ZkCluster.start({ brokers: 3, sessionTimeoutMs: SESSION_MS, settings: { 'replica.fetch.wait.max.ms': '200' } });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('the records only the old leader had are truncated; its log then equals the new leader\'s', async () => {
    const controller = (await cluster.controller()).id;
    // The old leader is not the controller, so freezing it does not also move the controller.
    const [oldLeader, third] = [1, 2, 3].filter((i) => i !== controller) as [number, number];
    const next = controller;
    const wire = await WireClient.connect(cluster.broker(controller).bootstrap);
    const r = await wire.request(CreateTopics, 7, { topics: [{ name: 'div', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [oldLeader, next, third] }], configs: [] }], timeoutMs: 30_000, validateOnly: false });
    wire.close();
    assert.equal(r.topics[0]!.errorCode, 0, r.topics[0]!.errorMessage ?? '');
    const zk = await cluster.zkClient();
    const state = async () => JSON.parse((await zk.getData('/brokers/topics/div/partitions/0/state')).data.toString()) as { leader: number; leader_epoch: number; isr: number[] };
    const segment = (id: number) => readFileSync(join(cluster.broker(id).dataDir, 'div-0', '00000000000000000000.log'));
    const toOld = await WireClient.connect(cluster.broker(oldLeader).bootstrap);
    const toOldWaiting = await WireClient.connect(cluster.broker(oldLeader).bootstrap);
    const produce = async (c: WireClient, v: string, acks: number) => produceBatch(c, 'div', 0, buildBatch([{ key: null, value: Buffer.from(v) }]), acks);
    for (let i = 0; i < 5; i++) assert.equal((await produce(toOld, `shared-${i}`, -1)).errorCode, 0);

    // The followers frozen (briefly: their sessions live on), the leader takes writes only it has.
    cluster.broker(next).signal('SIGSTOP');
    cluster.broker(third).signal('SIGSTOP');
    try {
      // A fetch the followers sent just before they froze would carry the next records to them
      // once resumed; it is answered (empty) within replica.fetch.wait.max.ms, and no other is
      // sent. Nothing outside the leader shows that moment, so it is waited out.
      await new Promise((r) => setTimeout(r, 600));
      for (let i = 0; i < 3; i++) {
        const out = await produce(toOld, `only-old-${i}`, 1);
        assert.equal(out.errorCode, 0);
        assert.equal(out.baseOffset, 5 + i);
      }
    } catch (err) {
      cluster.broker(next).signal('SIGCONT');
      cluster.broker(third).signal('SIGCONT');
      throw err;
    }
    // An acks=all write that the frozen followers cannot replicate waits on this leadership. When
    // the leadership ends it must be answered NOT_LEADER_OR_FOLLOWER, not by a later high
    // watermark: the new leader's records fill its offset after the truncation.
    const waiting = produce(toOldWaiting, 'only-old-3', -1);
    try {
      await waitFor(() => segment(oldLeader).includes(Buffer.from('only-old-3')), { timeoutMs: 5000, what: 'the acks=all write appended by the old leader' });
    } finally {
      // The leader is frozen before the followers wake, so their first fetch cannot reach it;
      // it stays frozen until its session ends and the controller moves leadership on.
      cluster.broker(oldLeader).signal('SIGSTOP');
      cluster.broker(next).signal('SIGCONT');
      cluster.broker(third).signal('SIGCONT');
    }
    toOld.close();
    let newLeader: number;
    try {
      newLeader = (await waitFor(async () => {
        const s = await state();
        return s.leader !== oldLeader && s.leader >= 0 ? s : null;
      }, { timeoutMs: SESSION_MS + 10_000, what: 'a new leader' })).leader;
      const toNew = await WireClient.connect(cluster.broker(newLeader).bootstrap);
      for (let i = 0; i < 4; i++) {
        const out = await produce(toNew, `new-${i}`, -1);
        assert.equal(out.errorCode, 0);
        assert.equal(out.baseOffset, 5 + i, 'the new leader continues after the shared records');
      }
      toNew.close();
    } finally {
      cluster.broker(oldLeader).signal('SIGCONT');
    }
    // Back as a follower, it truncates and catches up, and rejoins the ISR.
    await waitFor(async () => (await state()).isr.includes(oldLeader), { timeoutMs: 20_000, what: 'the old leader back in the ISR' });
    assert.equal((await waiting).errorCode, 6, 'the waiting acks=all write answered NOT_LEADER_OR_FOLLOWER when its leadership ended');
    toOldWaiting.close();
    await waitFor(() => segment(oldLeader).equals(segment(newLeader)), { timeoutMs: 10_000, what: 'the old leader\'s log equal to the new leader\'s' });
    assert.ok(segment(oldLeader).length > 0);
    const records = await runOk('kcat', ['-b', cluster.bootstrap, '-C', '-t', 'div', '-e', '-o', 'beginning', '-f', '%o:%s\n'], { timeoutMs: 20_000 });
    assert.equal(records, ['shared-0', 'shared-1', 'shared-2', 'shared-3', 'shared-4', 'new-0', 'new-1', 'new-2', 'new-3'].map((v, i) => `${i}:${v}`).join('\n') + '\n');
    assert.ok(!segment(oldLeader).includes(Buffer.from('only-old')), 'the old leader kept records no one else had');
    assert.ok(cluster.broker(oldLeader).log.includes('truncating a follower log where it diverged from the leader'));
  });
});
