// Consumer groups over the raw protocol (the project's encodeRequest/decodeResponse on a socket):
// Kafka's error codes for invalid requests, a member that stops heartbeating removed after its
// session timeout with its partitions reassigned, and committed offsets surviving a broker
// restart by SIGTERM and by SIGKILL (a real client resumes from them).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess, runPython } from '../helpers/broker-process.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';
import { FindCoordinator, Heartbeat, JoinGroup, LeaveGroup, OffsetCommit, SyncGroup } from '../../src/protocol/index.js';
import { FAST_GROUPS, committedOffsets, describeGroup, produceTagged, waitFor } from '../group/helpers.js';

const UNKNOWN_MEMBER_ID = 25;
const ILLEGAL_GENERATION = 22;
const INVALID_GROUP_ID = 24;
const REBALANCE_IN_PROGRESS = 27;
const MEMBER_ID_REQUIRED = 79;

const brokers: BrokerProcess[] = [];
const clients: WireClient[] = [];
after(() => {
  for (const c of clients) c.close();
  for (const b of brokers) b.cleanup();
});

async function start(): Promise<{ broker: BrokerProcess; wire: WireClient }> {
  const broker = await BrokerProcess.start({ settings: FAST_GROUPS });
  brokers.push(broker);
  return { broker, wire: await connect(broker) };
}
async function connect(broker: BrokerProcess): Promise<WireClient> {
  const c = await WireClient.connect(broker.bootstrap);
  clients.push(c);
  return c;
}

const joinBody = (groupId: string, memberId: string, sessionTimeoutMs = 6000) => ({
  groupId, sessionTimeoutMs, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId: null, protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: Buffer.from('sub') }], reason: null,
});

/** JoinGroup v5 twice (MEMBER_ID_REQUIRED, then with the id); resolves when the join completes. */
async function join(c: WireClient, groupId: string, sessionTimeoutMs = 6000) {
  const first = await c.request(JoinGroup, 5, joinBody(groupId, '', sessionTimeoutMs));
  assert.equal(first.errorCode, MEMBER_ID_REQUIRED);
  return { memberId: first.memberId, joined: c.request(JoinGroup, 5, joinBody(groupId, first.memberId, sessionTimeoutMs), 20_000) };
}

const sync = (c: WireClient, groupId: string, memberId: string, generationId: number, assignments: Array<{ memberId: string; assignment: Buffer }> = []) =>
  c.request(SyncGroup, 3, { groupId, generationId, memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments }, 20_000);
const heartbeat = (c: WireClient, groupId: string, memberId: string, generationId: number) =>
  c.request(Heartbeat, 3, { groupId, generationId, memberId, groupInstanceId: null }).then((r) => r.errorCode);

describe('consumer groups over the wire', { timeout: 120_000 }, () => {
  test('invalid requests get Kafka\'s error codes', async () => {
    const { wire } = await start();
    const group = 'wire-errors';
    const a = await join(wire, group);
    const ja = await a.joined;
    assert.equal(ja.errorCode, 0);
    assert.equal(ja.generationId, 1);
    assert.equal(ja.leader, a.memberId);
    const sa = await sync(wire, group, a.memberId, 1, [{ memberId: a.memberId, assignment: Buffer.from('all') }]);
    assert.equal(sa.errorCode, 0);
    assert.equal(Buffer.from(sa.assignment).toString(), 'all');
    assert.equal(await heartbeat(wire, group, a.memberId, 1), 0);

    // Unknown member.
    assert.equal(await heartbeat(wire, group, 'no-such-member', 1), UNKNOWN_MEMBER_ID);
    assert.equal((await sync(wire, group, 'no-such-member', 1)).errorCode, UNKNOWN_MEMBER_ID);
    assert.equal((await wire.request(JoinGroup, 5, joinBody(group, 'no-such-member'))).errorCode, UNKNOWN_MEMBER_ID);
    const leave = await wire.request(LeaveGroup, 3, { groupId: group, memberId: '', members: [{ memberId: 'no-such-member', groupInstanceId: null, reason: null }] });
    assert.equal(leave.errorCode, 0);
    assert.equal(leave.members[0]!.errorCode, UNKNOWN_MEMBER_ID);
    assert.equal((await wire.request(LeaveGroup, 1, { groupId: group, memberId: 'no-such-member', members: [] })).errorCode, UNKNOWN_MEMBER_ID);
    // Wrong generation.
    assert.equal(await heartbeat(wire, group, a.memberId, 5), ILLEGAL_GENERATION);
    assert.equal((await sync(wire, group, a.memberId, 0)).errorCode, ILLEGAL_GENERATION);
    const commit = (groupId: string, memberId: string, generation: number) => wire.request(OffsetCommit, 8, {
      groupId, generationIdOrMemberEpoch: generation, memberId, groupInstanceId: null, retentionTimeMs: -1,
      topics: [{ name: '__consumer_offsets', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
    }).then((r) => r.topics[0]!.partitions[0]!.errorCode);
    assert.equal(await commit(group, a.memberId, 9), ILLEGAL_GENERATION);
    assert.equal(await commit(group, 'no-such-member', 1), UNKNOWN_MEMBER_ID);
    // Empty group id.
    assert.equal(await heartbeat(wire, '', a.memberId, 1), INVALID_GROUP_ID);
    assert.equal((await wire.request(JoinGroup, 5, joinBody('', ''))).errorCode, INVALID_GROUP_ID);
    assert.equal((await sync(wire, '', a.memberId, 1)).errorCode, INVALID_GROUP_ID);
    assert.equal(await commit('', a.memberId, 1), INVALID_GROUP_ID);
    assert.equal((await wire.request(LeaveGroup, 3, { groupId: '', memberId: '', members: [{ memberId: a.memberId, groupInstanceId: null, reason: null }] })).errorCode, INVALID_GROUP_ID);
    assert.equal((await describeGroup(wire, '')).errorCode, INVALID_GROUP_ID);
    // The member was not disturbed by any of it.
    assert.equal(await heartbeat(wire, group, a.memberId, 1), 0);
    const d = await describeGroup(wire, group);
    assert.equal(d.groupState, 'Stable');
    assert.deepEqual(d.members.map((m) => m.memberId), [a.memberId]);
    const fc = await wire.request(FindCoordinator, 3, { key: group, keyType: 0, coordinatorKeys: [] });
    assert.equal(fc.errorCode, 0);
  });

  test('a member that stops heartbeating is removed after its session timeout; its partitions go to the other member', async () => {
    const { broker, wire } = await start();
    const other = await connect(broker);
    const group = 'wire-expiry';
    const SESSION = 1500;
    const a = await join(wire, group, SESSION);
    assert.equal((await a.joined).generationId, 1, 'a alone (initial delay 0)');
    const b = await join(other, group, SESSION);
    // b's join starts a rebalance that a joins again.
    const [ja, jb] = await Promise.all([wire.request(JoinGroup, 5, joinBody(group, a.memberId, SESSION), 20_000), b.joined]);
    assert.equal(ja.generationId, 2);
    assert.equal(jb.generationId, 2);
    const leaderIsA = ja.leader === a.memberId;
    const [leader, leaderConn, silent] = leaderIsA ? [a.memberId, wire, b.memberId] : [b.memberId, other, a.memberId];
    const silentConn = leaderIsA ? other : wire;
    const gen = ja.generationId;
    // The leader gives 0,1 to itself and 2,3 to the other member.
    const [sl, ss] = await Promise.all([
      sync(leaderConn, group, leader, gen, [{ memberId: leader, assignment: Buffer.from('0,1') }, { memberId: silent, assignment: Buffer.from('2,3') }]),
      sync(silentConn, group, silent, gen),
    ]);
    assert.equal(Buffer.from(sl.assignment).toString(), '0,1');
    assert.equal(Buffer.from(ss.assignment).toString(), '2,3');

    // Only the leader heartbeats from now on.
    const t0 = Date.now();
    await waitFor(async () => (await heartbeat(leaderConn, group, leader, gen)) === REBALANCE_IN_PROGRESS, { timeoutMs: SESSION + 5000, intervalMs: 200, what: 'rebalance after the silent member expires' });
    const waited = Date.now() - t0;
    assert.ok(waited >= SESSION - 300, `expired after ${waited} ms, session ${SESSION} ms`);
    const rejoin = await leaderConn.request(JoinGroup, 5, joinBody(group, leader, SESSION), 20_000);
    assert.equal(rejoin.errorCode, 0);
    assert.equal(rejoin.generationId, gen + 1);
    assert.deepEqual(rejoin.members.map((m) => m.memberId), [leader], 'only the live member is left');
    const s2 = await sync(leaderConn, group, leader, gen + 1, [{ memberId: leader, assignment: Buffer.from('0,1,2,3') }]);
    assert.equal(Buffer.from(s2.assignment).toString(), '0,1,2,3');
    const d = await describeGroup(wire, group);
    assert.equal(d.groupState, 'Stable');
    assert.deepEqual(d.members.map((m) => [m.memberId, Buffer.from(m.memberAssignment).toString()]), [[leader, '0,1,2,3']]);
    // The silent member, if it wakes up, is unknown.
    assert.equal(await heartbeat(silentConn, group, silent, gen), UNKNOWN_MEMBER_ID);
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    test(`committed offsets survive a broker restart by ${signal}: the group resumes from them`, async () => {
      const { broker, wire } = await start();
      const topic = `restart-${signal}`;
      const group = `restart-group-${signal}`;
      assert.equal(await createTopic(wire, topic, 2), 0);
      const all = await produceTagged(wire, topic, 2, 50, 'r');
      const read = async (n: number) => JSON.parse(await runPython('group_confluent.py', [broker.bootstrap, 'read', group, topic, String(n)], { timeoutMs: 45_000 })) as Array<{ partition: number; offset: number; value: string }>;
      const first = await read(30);
      const committed = await committedOffsets(wire, group, topic, 2);
      assert.equal(committed.filter((o) => o > 0).reduce((x, y) => x + y, 0), 30);
      // Another group, left Stable with a member (its metadata must come back too).
      const m = await join(wire, `${group}-live`);
      const jm = await m.joined;
      await sync(wire, `${group}-live`, m.memberId, jm.generationId, [{ memberId: m.memberId, assignment: Buffer.from('kept') }]);

      const exit = await broker.kill(signal);
      assert.equal(signal === 'SIGKILL' ? exit.signal : exit.code, signal === 'SIGKILL' ? 'SIGKILL' : 0);
      await broker.restart();
      const wire2 = await connect(broker);
      assert.deepEqual(await committedOffsets(wire2, group, topic, 2), committed, 'offsets after restart');
      const live = await describeGroup(wire2, `${group}-live`);
      assert.equal(live.groupState, 'Stable');
      assert.deepEqual(live.members.map((x) => [x.memberId, Buffer.from(x.memberAssignment).toString()]), [[m.memberId, 'kept']]);

      const second = await read(70);
      for (const p of [0, 1]) {
        const from = Math.max(0, committed[p]!);
        assert.deepEqual(second.filter((r) => r.partition === p).map((r) => r.offset), Array.from({ length: 50 - from }, (_, i) => from + i), `partition ${p} resumes at ${from}`);
      }
      assert.deepEqual([...first, ...second].map((r) => r.value).sort(), [...all].sort());
      assert.deepEqual(await committedOffsets(wire2, group, topic, 2), [50, 50]);
    });
  }
});
