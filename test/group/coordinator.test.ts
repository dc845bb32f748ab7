// The classic group coordinator's state machine without a network: a GroupCoordinator over an
// in-memory CoordinatorLog. Join/sync/heartbeat/leave, MEMBER_ID_REQUIRED, static members and
// fencing, session expiry, offsets persisted as __consumer_offsets records and replayed on load,
// and partitionForGroup against Java's String.hashCode.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';

// Quiet the coordinator's info logs (the logger reads the level when first imported).
process.env.SAMSA_LOG_LEVEL ??= 'warn';
const { GroupCoordinator } = await import('../../src/group/coordinator.js');
const { decodeCoordinatorRecord, partitionForGroup } = await import('../../src/group/records.js');
const { ErrorCode } = await import('../../src/protocol/errors.js');
const { ManualClock } = await import('../../src/util/clock.js');
type Coordinator = InstanceType<typeof GroupCoordinator>;
type JoinRequest = Parameters<Coordinator['join']>[0];
type JoinResult = Awaited<ReturnType<Coordinator['join']>>;
type CoordinatorLog = ConstructorParameters<typeof GroupCoordinator>[0];

class MemoryLog implements CoordinatorLog {
  readonly parts: Array<Array<{ key: Buffer; value: Buffer | null }>>;
  constructor(readonly partitionCount: number) {
    this.parts = Array.from({ length: partitionCount }, () => []);
  }
  append(partition: number, records: Array<{ key: Buffer; value: Buffer | null }>): void {
    assert.ok(partition >= 0 && partition < this.partitionCount);
    this.parts[partition]!.push(...records.map((r) => ({ key: Buffer.from(r.key), value: r.value && Buffer.from(r.value) })));
  }
  readAll(partition: number) {
    return this.parts[partition]!;
  }
}

const SETTINGS = {
  minSessionTimeoutMs: 100,
  maxSessionTimeoutMs: 60_000,
  initialRebalanceDelayMs: 0,
  maxGroupSize: 100,
  offsetsRetentionMs: 7 * 24 * 3600_000,
  offsetMetadataMaxBytes: 4096,
};

const coordinators: Coordinator[] = [];
function make(log = new MemoryLog(4), settings: Partial<typeof SETTINGS> = {}): { c: Coordinator; log: MemoryLog } {
  const c = new GroupCoordinator(log, { ...SETTINGS, ...settings });
  coordinators.push(c);
  return { c, log };
}
after(() => {
  for (const c of coordinators) c.stop();
});

const meta = (s: string) => Buffer.from(s);
function req(groupId: string, memberId: string, o: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId,
    memberId,
    groupInstanceId: null,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: meta('m') }],
    clientId: 'client',
    clientHost: '/127.0.0.1',
    requireKnownMemberId: true,
    supportsSkipAssignment: false,
    ...o,
  };
}

/** Resolves a join result (parked joins resolve when the rebalance completes) with a bound. */
async function settle<T>(p: Promise<T> | T, ms = 2000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([Promise.resolve(p), t]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a promise is still pending after the microtask queue and a timer tick drained. */
async function pending(p: Promise<unknown> | unknown): Promise<boolean> {
  let done = false;
  void Promise.resolve(p).then(() => (done = true));
  await new Promise((r) => setTimeout(r, 5));
  return !done;
}

/** Two-step join (MEMBER_ID_REQUIRED then join with the id); returns the parked join. */
function joinNew(c: Coordinator, groupId: string, o: Partial<JoinRequest> = {}): { memberId: string; result: Promise<JoinResult> | JoinResult } {
  const first = c.join(req(groupId, '', o));
  assert.ok(!(first instanceof Promise), 'first join answers at once');
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.ok(first.memberId.startsWith(`${o.clientId ?? 'client'}-`), first.memberId);
  return { memberId: first.memberId, result: c.join(req(groupId, first.memberId, o)) };
}

async function syncAll(c: Coordinator, groupId: string, generationId: number, leader: string, assignments: Record<string, string>, others: string[] = []) {
  const otherSyncs = others.map((m) => c.sync({ groupId, memberId: m, generationId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] }));
  const leaderSync = c.sync({
    groupId, memberId: leader, generationId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range',
    assignments: Object.entries(assignments).map(([memberId, a]) => ({ memberId, assignment: Buffer.from(a) })),
  });
  const results = await settle(Promise.all([leaderSync, ...otherSyncs]));
  for (const r of results) assert.equal(r.errorCode, ErrorCode.NONE);
  return results.map((r) => r.assignment.toString());
}

describe('GroupCoordinator: membership', () => {
  test('first join gets MEMBER_ID_REQUIRED, the rejoin with that id makes generation 1 with it as leader', async () => {
    const { c } = make();
    const { memberId, result } = joinNew(c, 'g1');
    const r = await settle(result);
    assert.equal(r.errorCode, ErrorCode.NONE);
    assert.equal(r.generationId, 1);
    assert.equal(r.leader, memberId);
    assert.equal(r.memberId, memberId);
    assert.equal(r.protocolName, 'range');
    assert.equal(r.protocolType, 'consumer');
    assert.deepEqual(r.members.map((m) => [m.memberId, m.metadata.toString()]), [[memberId, 'm']]);
    assert.equal(c.group('g1')!.state, 'CompletingRebalance');
    assert.deepEqual(await syncAll(c, 'g1', 1, memberId, { [memberId]: 'A0' }), ['A0']);
    assert.equal(c.group('g1')!.state, 'Stable');
    assert.equal(c.heartbeat({ groupId: 'g1', memberId, generationId: 1, groupInstanceId: null }), ErrorCode.NONE);
    // A join without the v4 requirement joins at once.
    const old = await settle(c.join(req('g-old', '', { requireKnownMemberId: false })));
    assert.equal(old.errorCode, ErrorCode.NONE);
    assert.equal(old.generationId, 1);
    assert.equal(old.leader, old.memberId);
  });

  test('a second member triggers a rebalance: heartbeat says REBALANCE_IN_PROGRESS, both rejoin into generation 2', async () => {
    const { c } = make();
    const a = joinNew(c, 'g');
    const ra = await settle(a.result);
    await syncAll(c, 'g', 1, a.memberId, { [a.memberId]: 'all' });

    const b = joinNew(c, 'g');
    assert.ok(await pending(b.result), 'the new member waits for the existing one to rejoin');
    assert.equal(c.group('g')!.state, 'PreparingRebalance');
    assert.equal(c.heartbeat({ groupId: 'g', memberId: a.memberId, generationId: ra.generationId, groupInstanceId: null }), ErrorCode.REBALANCE_IN_PROGRESS);
    // Commits of the current generation are still accepted while preparing (onPartitionsRevoked commits).
    assert.equal(c.commitAllowed('g', a.memberId, 1, null), ErrorCode.NONE);
    const [ja, jb] = await settle(Promise.all([c.join(req('g', a.memberId)), b.result]));
    assert.equal(ja.generationId, 2);
    assert.equal(jb.generationId, 2);
    assert.equal(ja.leader, a.memberId, 'the leader stays the leader');
    assert.equal(jb.leader, a.memberId);
    assert.deepEqual(ja.members.map((m) => m.memberId).sort(), [a.memberId, b.memberId].sort());
    assert.deepEqual(jb.members, [], 'followers do not get the member list');
    // Commits while assignments are being computed are refused.
    assert.equal(c.commitAllowed('g', a.memberId, 2, null), ErrorCode.REBALANCE_IN_PROGRESS);
    // The follower's sync waits for the leader's.
    const followerSync = c.sync({ groupId: 'g', memberId: b.memberId, generationId: 2, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
    assert.ok(await pending(followerSync));
    const [la] = await syncAll(c, 'g', 2, a.memberId, { [a.memberId]: 'p0,p1', [b.memberId]: 'p2,p3' });
    assert.equal(la, 'p0,p1');
    assert.equal((await settle(followerSync)).assignment.toString(), 'p2,p3');
    assert.equal(c.group('g')!.state, 'Stable');
    // A late sync in Stable gets the stored assignment.
    assert.equal((await settle(c.sync({ groupId: 'g', memberId: b.memberId, generationId: 2, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }))).assignment.toString(), 'p2,p3');
  });

  test('invalid requests get Kafka error codes', async () => {
    const { c } = make();
    const a = joinNew(c, 'g');
    await settle(a.result);
    await syncAll(c, 'g', 1, a.memberId, { [a.memberId]: 'x' });
    const hb = (o: { groupId?: string; memberId?: string; generationId?: number; groupInstanceId?: string | null }) =>
      c.heartbeat({ groupId: 'g', memberId: a.memberId, generationId: 1, groupInstanceId: null, ...o });
    assert.equal(hb({ memberId: 'nobody' }), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(hb({ generationId: 7 }), ErrorCode.ILLEGAL_GENERATION);
    assert.equal(hb({ groupId: '' }), ErrorCode.INVALID_GROUP_ID);
    assert.equal(hb({ groupId: 'no-such-group' }), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(hb({ groupInstanceId: 'not-registered' }), ErrorCode.UNKNOWN_MEMBER_ID, 'an unregistered instance id is unknown (Kafka validateCurrentMember)');
    const j = (o: Partial<JoinRequest>) => c.join(req('g', 'x', o)) as JoinResult;
    assert.equal(j({ groupId: '' }).errorCode, ErrorCode.INVALID_GROUP_ID);
    assert.equal(j({}).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(j({ groupId: 'no-such-group' }).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(j({ memberId: '', sessionTimeoutMs: 10 }).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    assert.equal(j({ memberId: '', sessionTimeoutMs: 120_000 }).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    assert.equal(j({ memberId: '', protocolType: 'connect' }).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal(j({ memberId: '', protocols: [{ name: 'roundrobin', metadata: meta('') }] }).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const s = (o: object) => c.sync({ groupId: 'g', memberId: a.memberId, generationId: 1, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [], ...o });
    assert.equal((await settle(s({ generationId: 0 }))).errorCode, ErrorCode.ILLEGAL_GENERATION);
    assert.equal((await settle(s({ memberId: 'nobody' }))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal((await settle(s({ groupId: '' }))).errorCode, ErrorCode.INVALID_GROUP_ID);
    assert.equal((await settle(s({ protocolName: 'roundrobin' }))).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal(c.commitAllowed('g', 'nobody', 1, null), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(c.commitAllowed('g', a.memberId, 5, null), ErrorCode.ILLEGAL_GENERATION);
    assert.equal(c.commitAllowed('', a.memberId, 1, null), ErrorCode.INVALID_GROUP_ID);
    assert.equal(c.commitAllowed('g', '', -1, null), ErrorCode.UNKNOWN_MEMBER_ID, 'generation-less commits only into empty groups');
    assert.equal(c.commitAllowed('fresh', '', -1, null), ErrorCode.NONE);
    assert.equal(c.leave('g', 'nobody', null), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(c.leave('', a.memberId, null), ErrorCode.INVALID_GROUP_ID);
    assert.equal(c.deleteGroup('g'), ErrorCode.NON_EMPTY_GROUP);
    assert.equal(c.deleteGroup('no-such-group'), ErrorCode.GROUP_ID_NOT_FOUND);
  });

  test('a group whose partition another broker leads is NOT_COORDINATOR for every group request, transactional commits too', async () => {
    const { c } = make();
    const a = joinNew(c, 'g');
    await settle(a.result);
    await syncAll(c, 'g', 1, a.memberId, { [a.memberId]: 'x' });
    assert.equal(c.txnCommitAllowed('g', a.memberId, 1, null), ErrorCode.NONE);
    c.ownsPartition = () => false;
    // A producer that keeps the old coordinator finds the new one only through NOT_COORDINATOR
    // (ILLEGAL_GENERATION for a group it no longer has kept a transactional loop failing for ever).
    assert.equal(c.txnCommitAllowed('g', a.memberId, 1, null), ErrorCode.NOT_COORDINATOR);
    assert.equal(c.txnCommitAllowed('unknown-here', 'm', 3, null), ErrorCode.NOT_COORDINATOR);
    assert.equal(c.commitAllowed('g', a.memberId, 1, null), ErrorCode.NOT_COORDINATOR);
    assert.equal(c.heartbeat({ groupId: 'g', memberId: a.memberId, generationId: 1, groupInstanceId: null }), ErrorCode.NOT_COORDINATOR);
    assert.equal(c.leave('g', a.memberId, null), ErrorCode.NOT_COORDINATOR);
    assert.equal((c.join(req('g', a.memberId)) as JoinResult).errorCode, ErrorCode.NOT_COORDINATOR);
  });

  test('leave: the remaining member rebalances alone; the last leave empties the group', async () => {
    const { c } = make();
    const a = joinNew(c, 'g');
    const b = joinNew(c, 'g');
    const [ja] = await settle(Promise.all([a.result, b.result]));
    assert.equal(ja.generationId, 1);
    await syncAll(c, 'g', 1, ja.leader, { [a.memberId]: 'a', [b.memberId]: 'b' }, [ja.leader === a.memberId ? b.memberId : a.memberId]);
    assert.equal(c.leave('g', ja.leader, null), ErrorCode.NONE);
    const rest = ja.leader === a.memberId ? b.memberId : a.memberId;
    assert.equal(c.group('g')!.state, 'PreparingRebalance');
    assert.equal(c.heartbeat({ groupId: 'g', memberId: rest, generationId: 1, groupInstanceId: null }), ErrorCode.REBALANCE_IN_PROGRESS);
    const j = await settle(c.join(req('g', rest)));
    assert.equal(j.generationId, 2);
    assert.equal(j.leader, rest, 'leadership passes to the remaining member');
    await syncAll(c, 'g', 2, rest, { [rest]: 'a,b' });
    assert.equal(c.leave('g', rest, null), ErrorCode.NONE);
    // Nobody left to rejoin: the rebalance completes at once into Empty.
    await settle((async () => { while (c.group('g')!.state !== 'Empty') await new Promise((r) => setTimeout(r, 5)); })());
    assert.equal(c.group('g')!.generationId, 3);
    assert.equal(c.group('g')!.members.size, 0);
  });

  test('initial rebalance delay: a new group waits for more members before the first generation', async () => {
    const { c } = make(undefined, { initialRebalanceDelayMs: 150 });
    const t0 = Date.now();
    const a = joinNew(c, 'g');
    assert.ok(await pending(a.result));
    const b = joinNew(c, 'g');
    const [ja, jb] = await settle(Promise.all([a.result, b.result]));
    assert.ok(Date.now() - t0 >= 140, `waited ${Date.now() - t0} ms`);
    assert.equal(ja.generationId, 1);
    assert.equal(jb.generationId, 1, 'both members are in the first generation');
  });

  test('static membership: a restarted instance replaces its old member id without a rebalance; the old id is fenced', async () => {
    const { c } = make();
    const inst = (id: string) => ({ groupInstanceId: id });
    // Static members join without MEMBER_ID_REQUIRED.
    const pa = c.join(req('g', '', inst('ia')));
    const pb = c.join(req('g', '', inst('ib')));
    const [ja, jb] = await settle(Promise.all([pa, pb]));
    assert.equal(ja.errorCode, ErrorCode.NONE);
    assert.equal(ja.generationId, 1);
    assert.ok(ja.memberId.startsWith('ia-'));
    const leader = ja.leader;
    const follower = leader === ja.memberId ? jb : ja;
    const followerInst = follower === ja ? 'ia' : 'ib';
    const leaderInst = followerInst === 'ia' ? 'ib' : 'ia';
    const syncs = await settle(Promise.all([
      c.sync({ groupId: 'g', memberId: leader, generationId: 1, groupInstanceId: leaderInst, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: ja.memberId, assignment: meta('A') }, { memberId: jb.memberId, assignment: meta('B') }] }),
      c.sync({ groupId: 'g', memberId: follower.memberId, generationId: 1, groupInstanceId: followerInst, protocolType: 'consumer', protocolName: 'range', assignments: [] }),
    ]));
    assert.deepEqual(syncs.map((s) => s.errorCode), [0, 0]);
    const followerAssignment = follower === ja ? 'A' : 'B';

    // The follower's process restarts: joins with an empty member id and its instance id.
    const rejoin = await settle(c.join(req('g', '', inst(followerInst))));
    assert.equal(rejoin.errorCode, ErrorCode.NONE);
    assert.notEqual(rejoin.memberId, follower.memberId, 'a new member id');
    assert.equal(rejoin.generationId, 1, 'no new generation');
    assert.equal(c.group('g')!.state, 'Stable', 'no rebalance');
    assert.equal(c.heartbeat({ groupId: 'g', memberId: leader, generationId: 1, groupInstanceId: leaderInst }), ErrorCode.NONE, 'the other member sees no rebalance');
    const s = await settle(c.sync({ groupId: 'g', memberId: rejoin.memberId, generationId: 1, groupInstanceId: followerInst, protocolType: 'consumer', protocolName: 'range', assignments: [] }));
    assert.equal(s.assignment.toString(), followerAssignment, 'it keeps its assignment');
    // The old incarnation is fenced.
    assert.equal(c.heartbeat({ groupId: 'g', memberId: follower.memberId, generationId: 1, groupInstanceId: followerInst }), ErrorCode.FENCED_INSTANCE_ID);
    assert.equal(c.commitAllowed('g', follower.memberId, 1, followerInst), ErrorCode.FENCED_INSTANCE_ID);
    assert.equal((c.join(req('g', follower.memberId, inst(followerInst))) as JoinResult).errorCode, ErrorCode.FENCED_INSTANCE_ID);
    assert.equal(c.leave('g', follower.memberId, followerInst), ErrorCode.FENCED_INSTANCE_ID);
    assert.equal(c.group('g')!.members.size, 2);

    // The static leader restarting learns the members but (v9) may skip the assignment.
    const lr = await settle(c.join(req('g', '', { ...inst(leaderInst), supportsSkipAssignment: true })));
    assert.equal(lr.generationId, 1);
    assert.equal(lr.leader, lr.memberId);
    assert.equal(lr.skipAssignment, true);
    assert.equal(lr.members.length, 2);
    assert.equal(c.group('g')!.state, 'Stable');

    // Leaving by instance id removes the static member and rebalances.
    assert.equal(c.leave('g', '', followerInst), ErrorCode.NONE);
    assert.equal(c.group('g')!.state, 'PreparingRebalance');
    assert.equal(c.group('g')!.staticMembers.has(followerInst), false);
  });

  test('session expiry removes a silent member and rebalances; its partitions go to the rest', async () => {
    const { c } = make();
    c.start();
    const a = joinNew(c, 'g', { sessionTimeoutMs: 400, rebalanceTimeoutMs: 5000 });
    const b = joinNew(c, 'g', { sessionTimeoutMs: 400, rebalanceTimeoutMs: 5000 });
    const [ja] = await settle(Promise.all([a.result, b.result]));
    const leader = ja.leader;
    const silent = leader === a.memberId ? b.memberId : a.memberId;
    // t0 precedes the silent member's last sign of life (its sync), so its session cannot end
    // before t0 + 400 ms however slowly this test runs.
    const t0 = Date.now();
    await syncAll(c, 'g', 1, leader, { [a.memberId]: 'x', [b.memberId]: 'y' }, [silent]);
    // The leader keeps heartbeating; the other stops.
    let code: number = ErrorCode.NONE;
    while (code === ErrorCode.NONE && Date.now() - t0 < 3000) {
      await new Promise((r) => setTimeout(r, 50));
      code = c.heartbeat({ groupId: 'g', memberId: leader, generationId: 1, groupInstanceId: null });
    }
    assert.equal(code, ErrorCode.REBALANCE_IN_PROGRESS);
    const waited = Date.now() - t0;
    assert.ok(waited >= 400 && waited < 3000, `expired after ${waited} ms (session 400 ms)`);
    assert.equal(c.group('g')!.members.has(silent), false);
    const j = await settle(c.join(req('g', leader, { sessionTimeoutMs: 400 })));
    assert.equal(j.generationId, 2);
    assert.deepEqual(j.members.map((m) => m.memberId), [leader]);
    assert.deepEqual(await syncAll(c, 'g', 2, leader, { [leader]: 'x,y' }), ['x,y']);
    assert.equal(c.heartbeat({ groupId: 'g', memberId: silent, generationId: 1, groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('a member that goes silent during a rebalance expires after its session timeout, not the rebalance timeout', async () => {
    const { c } = make();
    c.start();
    const o = { sessionTimeoutMs: 400, rebalanceTimeoutMs: 30_000 };
    const a = joinNew(c, 'g', o);
    const b = joinNew(c, 'g', o);
    const [ja] = await settle(Promise.all([a.result, b.result]));
    const leader = ja.leader;
    const silent = leader === a.memberId ? b.memberId : a.memberId;
    await syncAll(c, 'g', 1, leader, { [a.memberId]: 'x', [b.memberId]: 'y' }, [silent]);
    // The leader rejoins (say its subscription changed); the other never does.
    const t0 = Date.now();
    const j = await settle(c.join(req('g', leader, { ...o, protocols: [{ name: 'range', metadata: meta('m2') }] })), 3000);
    assert.equal(j.errorCode, ErrorCode.NONE);
    assert.equal(j.generationId, 2);
    assert.deepEqual(j.members.map((m) => m.memberId), [leader]);
    assert.ok(Date.now() - t0 < 2000, `completed after ${Date.now() - t0} ms`);
  });

  test('a member that never rejoins is dropped at the rebalance timeout', async () => {
    const { c } = make();
    const o = { sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 300 };
    const a = joinNew(c, 'g', o);
    const b = joinNew(c, 'g', o);
    const [ja] = await settle(Promise.all([a.result, b.result]));
    const leader = ja.leader;
    const other = leader === a.memberId ? b.memberId : a.memberId;
    await syncAll(c, 'g', 1, leader, { [a.memberId]: 'x', [b.memberId]: 'y' }, [other]);
    const t0 = Date.now();
    const j = await settle(c.join(req('g', leader, { ...o, protocols: [{ name: 'range', metadata: meta('m2') }] })));
    assert.ok(Date.now() - t0 >= 250, `completed after ${Date.now() - t0} ms`);
    assert.equal(j.generationId, 2);
    assert.deepEqual(j.members.map((m) => m.memberId), [leader]);
  });
});

describe('GroupCoordinator: simulated time', () => {
  test('each member expires exactly at its own session deadline', async () => {
    const clock = new ManualClock(1_000_000);
    const c = new GroupCoordinator(new MemoryLog(4), SETTINGS, clock);
    coordinators.push(c);
    c.start();
    const a = joinNew(c, 'g', { sessionTimeoutMs: 1000, rebalanceTimeoutMs: 5000 });
    const b = joinNew(c, 'g', { sessionTimeoutMs: 1700, rebalanceTimeoutMs: 5000 });
    const [ja] = await settle(Promise.all([a.result, b.result]));
    const follower = ja.leader === a.memberId ? b.memberId : a.memberId;
    await syncAll(c, 'g', 1, ja.leader, { [a.memberId]: 'x', [b.memberId]: 'y' }, [follower]);
    const g = c.group('g')!;
    assert.equal(g.state, 'Stable');
    // Both went silent at the sync; the 1000 ms session runs out at exactly +1000.
    clock.advance(999);
    assert.deepEqual([...g.members.keys()].sort(), [a.memberId, b.memberId].sort());
    clock.advance(1);
    assert.deepEqual([...g.members.keys()], [b.memberId]);
    assert.equal(g.state, 'PreparingRebalance');
    // The other keeps its own, longer session during the rebalance.
    clock.advance(699);
    assert.deepEqual([...g.members.keys()], [b.memberId]);
    clock.advance(1);
    assert.equal(g.members.size, 0);
    assert.equal(g.state, 'Empty');
  });

  test('a heartbeat moves the deadline: the session ends a full timeout after the last one', async () => {
    const clock = new ManualClock(5_000);
    const c = new GroupCoordinator(new MemoryLog(4), SETTINGS, clock);
    coordinators.push(c);
    c.start();
    const a = joinNew(c, 'g', { sessionTimeoutMs: 1000, rebalanceTimeoutMs: 5000 });
    const ja = await settle(a.result);
    await syncAll(c, 'g', 1, ja.leader, { [a.memberId]: 'x' });
    clock.advance(800);
    assert.equal(c.heartbeat({ groupId: 'g', memberId: a.memberId, generationId: 1, groupInstanceId: null }), ErrorCode.NONE);
    clock.advance(999);
    assert.equal(c.group('g')!.members.size, 1);
    clock.advance(1);
    assert.equal(c.group('g')!.members.size, 0);
  });
});

describe('GroupCoordinator: sync phase', () => {
  test('a leader that never sends SyncGroup is removed at the rebalance timeout and the follower rejoins alone', async () => {
    const { c } = make();
    c.start();
    const o = { sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 400 };
    // t0 precedes the end of the join phase, where the 400 ms sync deadline starts.
    const t0 = Date.now();
    const a = joinNew(c, 'g', o);
    const b = joinNew(c, 'g', o);
    const [ja, jb] = await settle(Promise.all([a.result, b.result]));
    assert.equal(ja.generationId, 1);
    const leader = ja.leader;
    const follower = leader === a.memberId ? b.memberId : a.memberId;
    // The follower syncs and waits for an assignment the dead leader never sends.
    const waiting = c.sync({ groupId: 'g', memberId: follower, generationId: jb.generationId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    const r = await settle(waiting, 3000);
    assert.equal(r.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    assert.ok(Date.now() - t0 >= 400, `released after ${Date.now() - t0} ms`);
    assert.equal(c.group('g')!.members.has(leader), false);
    const j = await settle(c.join(req('g', follower, o)), 3000);
    assert.equal(j.errorCode, ErrorCode.NONE);
    assert.equal(j.generationId, 2);
    assert.equal(j.leader, follower);
    assert.deepEqual(j.members.map((m) => m.memberId), [follower]);
  });
});

describe('GroupCoordinator: offsets and persistence', () => {
  test('commits are records in partitionForGroup; a new coordinator replays them, tombstones included', async () => {
    const { c, log } = make(new MemoryLog(4));
    assert.equal(c.commitAllowed('grp', '', -1, null), ErrorCode.NONE);
    c.commitOffsets('grp', [
      { topic: 't', partition: 0, offset: 10, leaderEpoch: 3, metadata: 'meta-0' },
      { topic: 't', partition: 1, offset: 20, leaderEpoch: -1, metadata: '' },
    ]);
    c.commitOffsets('grp', [{ topic: 't', partition: 0, offset: 15, leaderEpoch: 4, metadata: 'later' }]);
    c.commitOffsets('other', [{ topic: 'u', partition: 2, offset: 7, leaderEpoch: 0, metadata: '' }]);
    const p = partitionForGroup('grp', 4);
    assert.equal(c.partitionFor('grp'), p);
    assert.equal(log.parts[p]!.length >= 3, true);
    for (let i = 0; i < 4; i++) {
      for (const r of log.parts[i]!) {
        const d = decodeCoordinatorRecord(r.key, r.value);
        assert.notEqual(d.kind, 'unknown');
        assert.equal(partitionForGroup((d as { group: string }).group, 4), i, 'every record is in its group\'s partition');
      }
    }
    const last = decodeCoordinatorRecord(log.parts[p]!.at(-1)!.key, log.parts[p]!.at(-1)!.value);
    assert.equal(last.kind, 'offset');
    if (last.kind === 'offset') {
      assert.deepEqual([last.group, last.topic, last.partition], ['grp', 't', 0]);
      assert.equal(last.value!.offset, 15);
      assert.equal(last.value!.leaderEpoch, 4);
      assert.equal(last.value!.metadata, 'later');
    }

    // A group with members, stable, persisted too.
    const a = joinNew(c, 'live', { groupInstanceId: null });
    await settle(a.result);
    await syncAll(c, 'live', 1, a.memberId, { [a.memberId]: 'assigned' });
    c.commitOffsets('live', [{ topic: 't', partition: 3, offset: 99, leaderEpoch: -1, metadata: '' }]);
    // Delete one offset of grp: a tombstone.
    c.deleteOffsets(c.group('grp')!, [c.group('grp')!.offsetKey('t', 1)]);

    const { c: c2 } = make(log);
    c2.load();
    const g = c2.group('grp')!;
    assert.equal(g.state, 'Empty');
    assert.deepEqual([...g.offsets.entries()].map(([k, o]) => [k, o.offset, o.leaderEpoch, o.metadata]), [[g.offsetKey('t', 0), 15, 4, 'later']]);
    assert.equal(c2.group('other')!.offsets.get(c2.group('other')!.offsetKey('u', 2))!.offset, 7);
    const live = c2.group('live')!;
    assert.equal(live.state, 'Stable');
    assert.equal(live.generationId, 1);
    assert.equal(live.leaderId, a.memberId);
    assert.equal(live.protocolName, 'range');
    assert.equal(live.members.get(a.memberId)!.assignment.toString(), 'assigned');
    assert.equal(live.offsets.get(live.offsetKey('t', 3))!.offset, 99);
    // The reloaded member can carry on in its generation.
    assert.equal(c2.heartbeat({ groupId: 'live', memberId: a.memberId, generationId: 1, groupInstanceId: null }), ErrorCode.NONE);

    // DeleteGroups writes tombstones: a third load sees nothing of grp.
    assert.equal(c2.deleteGroup('grp'), ErrorCode.NONE);
    assert.equal(c2.group('grp'), undefined);
    const { c: c3 } = make(log);
    c3.load();
    assert.equal(c3.group('grp'), undefined);
    assert.ok(c3.group('other'));
  });

  test('offsets.retention: offsets of a group without members expire and are tombstoned, then the group goes', async () => {
    const { c, log } = make(new MemoryLog(2), { offsetsRetentionMs: 200 });
    assert.equal(c.commitAllowed('old', '', -1, null), ErrorCode.NONE);
    c.commitOffsets('old', [{ topic: 't', partition: 0, offset: 5, leaderEpoch: -1, metadata: '' }]);
    // A group with a live member keeps its offsets however old they are.
    const a = joinNew(c, 'live', { sessionTimeoutMs: 60_000 });
    const ja = await settle(a.result);
    await syncAll(c, 'live', ja.generationId, a.memberId, { [a.memberId]: 'x' });
    assert.equal(c.commitAllowed('live', a.memberId, ja.generationId, null), ErrorCode.NONE);
    c.commitOffsets('live', [{ topic: 't', partition: 1, offset: 9, leaderEpoch: -1, metadata: '' }]);
    c.start();
    const deadline = Date.now() + 3000;
    while (c.group('old') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(c.group('old'), undefined, 'the expired group is gone');
    assert.equal(c.group('live')!.offsets.size, 1, 'a group with members keeps its offsets');
    const p = c.partitionFor('old');
    const tombstones = log.parts[p]!.map((r) => decodeCoordinatorRecord(r.key, r.value)).filter((d) => d.kind !== 'unknown' && d.group === 'old' && d.value === null);
    assert.deepEqual(tombstones.map((d) => d.kind).sort(), ['group', 'offset']);
  });

  test('partitionForGroup is Kafka\'s abs(String.hashCode) mod N', () => {
    // Java: "".hashCode() = 0, "a" = 97, "abc" = 96354, "hello" = 99162322,
    // "Hello World" = -862545276, "polygenelubricants" = Integer.MIN_VALUE (Utils.abs gives 0).
    assert.equal(partitionForGroup('', 50), 0);
    assert.equal(partitionForGroup('a', 50), 97 % 50);
    assert.equal(partitionForGroup('abc', 50), 96354 % 50);
    assert.equal(partitionForGroup('hello', 50), 99162322 % 50);
    assert.equal(partitionForGroup('Hello World', 50), 862545276 % 50);
    assert.equal(partitionForGroup('polygenelubricants', 50), 0);
    assert.equal(partitionForGroup('my-group', 50), 12);
    assert.equal(partitionForGroup('abc', 7), 96354 % 7);
    // Non-ASCII: Java hashes UTF-16 code units. "é" = 0xE9 = 233.
    assert.equal(partitionForGroup('é', 50), 233 % 50);
    assert.equal(partitionForGroup('\u{1F600}', 1000), ((0xd83d * 31 + 0xde00) | 0) % 1000);
  });
});
