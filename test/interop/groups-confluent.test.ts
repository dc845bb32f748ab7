// confluent-kafka (Python, librdkafka) consumer groups: commit and resume, rebalances where no
// partition is owned by two members at once (eager range and cooperative-sticky), and static
// membership restarting without a rebalance. The client side is test/interop/py/group_confluent.py.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BrokerProcess, python, repoRoot, runPython } from '../helpers/broker-process.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';
import { Background, FAST_GROUPS, committedOffsets, describeGroup, produceTagged, waitCommitted, waitFor } from '../group/helpers.js';

interface Ev {
  ev: 'assign' | 'revoke' | 'lost' | 'msg' | 'error';
  parts?: number[];
  t: number;
  protocol?: string;
  partition?: number;
  offset?: number;
  value?: string;
  error?: string;
}

class PyMember extends Background {
  constructor(bootstrap: string, group: string, topic: string, strategy: string, instanceId?: string) {
    super(python, [join(repoRoot, 'test', 'interop', 'py', 'group_confluent.py'), bootstrap, 'member', group, topic, strategy, ...(instanceId ? [instanceId] : [])]);
  }
  events(): Ev[] {
    return this.lines().map((l) => JSON.parse(l) as Ev);
  }
  rebalances(): Ev[] {
    return this.events().filter((e) => e.ev !== 'msg');
  }
  owned(): number[] {
    const s = new Set<number>();
    for (const e of this.events()) {
      if (e.ev === 'assign') for (const p of e.parts!) s.add(p);
      else if (e.ev === 'revoke' || e.ev === 'lost') for (const p of e.parts!) s.delete(p);
    }
    return [...s].sort();
  }
  messages(): Ev[] {
    return this.events().filter((e) => e.ev === 'msg');
  }
}

/** Ownership intervals [from, to) per partition, from a member's assign/revoke events (incremental or eager alike). */
function intervals(m: PyMember, name: string): Array<{ member: string; partition: number; from: number; to: number }> {
  const open = new Map<number, number>();
  const out: Array<{ member: string; partition: number; from: number; to: number }> = [];
  for (const e of m.events()) {
    if (e.ev === 'assign') for (const p of e.parts!) open.set(p, e.t);
    else if (e.ev === 'revoke' || e.ev === 'lost') {
      for (const p of e.parts!) {
        if (open.has(p)) out.push({ member: name, partition: p, from: open.get(p)!, to: e.t });
        open.delete(p);
      }
    }
  }
  for (const [p, from] of open) out.push({ member: name, partition: p, from, to: Infinity });
  return out;
}

function assertNoDoubleOwnership(members: Record<string, PyMember>): void {
  const all = Object.entries(members).flatMap(([n, m]) => intervals(m, n));
  for (const a of all) {
    for (const b of all) {
      if (a === b || a.partition !== b.partition || a.member === b.member) continue;
      assert.ok(a.to <= b.from || b.to <= a.from, `partition ${a.partition} owned by ${a.member} [${a.from}, ${a.to}) and ${b.member} [${b.from}, ${b.to})`);
    }
  }
}

describe('confluent-kafka consumer groups', { timeout: 150_000 }, () => {
  let broker: BrokerProcess;
  let wire: WireClient;
  const procs: PyMember[] = [];
  const member = (group: string, topic: string, strategy: string, instanceId?: string) => {
    const m = new PyMember(broker.bootstrap, group, topic, strategy, instanceId);
    procs.push(m);
    return m;
  };
  const errs = () => procs.map((p) => p.err.slice(-600)).join('\n---\n');

  before(async () => {
    broker = await BrokerProcess.start({ settings: FAST_GROUPS });
    wire = await WireClient.connect(broker.bootstrap);
  });

  after(async () => {
    for (const p of procs) await p.kill();
    wire?.close();
    broker?.cleanup();
  });

  test('a consumer reads half and commits; a new consumer in the group resumes exactly after the commit', async () => {
    const topic = 'cg-resume';
    const group = 'cg-resume-group';
    assert.equal(await createTopic(wire, topic, 2), 0);
    const all = await produceTagged(wire, topic, 2, 100, 'v');
    const first = JSON.parse(await runPython('group_confluent.py', [broker.bootstrap, 'read', group, topic, '100'], { timeoutMs: 45_000 })) as Array<{ partition: number; offset: number; value: string }>;
    assert.equal(first.length, 100);
    const next = [0, 1].map((p) => first.filter((r) => r.partition === p).length);
    for (const p of [0, 1]) assert.deepEqual(first.filter((r) => r.partition === p).map((r) => r.offset), Array.from({ length: next[p]! }, (_, i) => i));
    // Committed = the next offset to read (librdkafka commits nothing for a partition it read nothing from).
    assert.deepEqual(await committedOffsets(wire, group, topic, 2), next.map((n) => (n > 0 ? n : -1)));
    assert.equal((await describeGroup(wire, group)).groupState, 'Empty', 'the consumer left on close');

    const second = JSON.parse(await runPython('group_confluent.py', [broker.bootstrap, 'read', group, topic, '100'], { timeoutMs: 45_000 })) as typeof first;
    for (const p of [0, 1]) {
      assert.deepEqual(second.filter((r) => r.partition === p).map((r) => r.offset), Array.from({ length: 100 - next[p]! }, (_, i) => next[p]! + i), `partition ${p} resumes at ${next[p]}`);
    }
    assert.deepEqual([...first, ...second].map((r) => r.value).sort(), [...all].sort());
    assert.deepEqual(await committedOffsets(wire, group, topic, 2), [100, 100]);
  });

  for (const strategy of ['range', 'cooperative-sticky']) {
    test(`${strategy}: a second member joining rebalances with no partition owned twice, and every record is consumed`, async () => {
      const topic = `cg-${strategy}`;
      const group = `cg-${strategy}-group`;
      assert.equal(await createTopic(wire, topic, 4), 0);
      const a = member(group, topic, strategy);
      await waitFor(() => a.owned().length === 4, { timeoutMs: 20_000, what: `a owns all (${errs()})` });
      const first = await produceTagged(wire, topic, 4, 50, 'x');
      await waitFor(() => a.messages().length >= 200, { timeoutMs: 20_000, what: 'a consumes the first 200' });
      await waitCommitted(wire, group, topic, [50, 50, 50, 50]);

      const b = member(group, topic, strategy);
      await waitFor(() => b.owned().length > 0 && a.owned().length > 0 && [...a.owned(), ...b.owned()].sort().join() === '0,1,2,3',
        { timeoutMs: 20_000, intervalMs: 50, what: `split (a ${JSON.stringify(a.rebalances())} b ${JSON.stringify(b.rebalances())} ${errs()})` });
      assert.equal(a.owned().length, 2);
      const second = await produceTagged(wire, topic, 4, 50, 'y');
      await waitFor(() => a.messages().length + b.messages().length >= 400, { timeoutMs: 20_000, what: 'all 400 consumed' });
      const msgs = [...a.messages(), ...b.messages()];
      assert.deepEqual(msgs.map((m) => m.value).sort(), [...first, ...second].sort(), 'every record exactly once');
      for (const m of b.messages()) assert.ok(b.owned().includes(m.partition!), 'b reads only what it owns');

      assertNoDoubleOwnership({ a, b });
      const protocol = strategy === 'cooperative-sticky' ? 'COOPERATIVE' : 'EAGER';
      for (const e of [...a.rebalances(), ...b.rebalances()]) if (e.protocol) assert.equal(e.protocol, protocol);
      const aRevokes = a.rebalances().filter((e) => e.ev === 'revoke');
      assert.equal(aRevokes.length, 1, JSON.stringify(a.rebalances()));
      if (protocol === 'COOPERATIVE') {
        // Incremental: a gives up only the partitions that move to b, and keeps the rest throughout.
        assert.deepEqual(aRevokes[0]!.parts, b.owned());
        assert.deepEqual(a.rebalances().filter((e) => e.ev === 'assign' && e.parts!.length > 0).map((e) => e.parts), [[0, 1, 2, 3]]);
      } else {
        assert.deepEqual(aRevokes[0]!.parts, [0, 1, 2, 3], 'eager: everything is revoked first');
      }
      await waitCommitted(wire, group, topic, [100, 100, 100, 100]);
      assert.equal((await a.stop()).code, 0, a.err);
      assert.equal((await b.stop()).code, 0, b.err);
      assert.deepEqual(a.rebalances().filter((e) => e.ev === 'error'), []);
    });
  }

  test('static membership: a member restarting with its group.instance.id rejoins without a rebalance', async () => {
    const topic = 'cg-static';
    const group = 'cg-static-group';
    assert.equal(await createTopic(wire, topic, 4), 0);
    const a = member(group, topic, 'range', 'instance-a');
    await waitFor(() => a.owned().length === 4, { timeoutMs: 20_000, what: `a owns all (${errs()})` });
    let b = member(group, topic, 'range', 'instance-b');
    await waitFor(() => b.owned().length === 2 && a.owned().length === 2, { timeoutMs: 20_000, intervalMs: 50, what: `split (${errs()})` });
    const bParts = b.owned();
    const before = await describeGroup(wire, group);
    assert.equal(before.groupState, 'Stable');
    assert.deepEqual(before.members.map((m) => m.groupInstanceId).sort(), ['instance-a', 'instance-b']);
    const oldB = before.members.find((m) => m.groupInstanceId === 'instance-b')!.memberId;
    const aRebalances = a.rebalances().length;
    const rebalancesLogged = () => broker.log.split('\n').filter((l) => l.includes('preparing rebalance') && l.includes(group)).length;
    const logged = rebalancesLogged();

    // b's process goes away (a static member sends no LeaveGroup) and comes back within its session.
    assert.equal((await b.stop('SIGTERM')).code, 0, b.err);
    b = member(group, topic, 'range', 'instance-b');
    await waitFor(() => b.owned().length === 2, { timeoutMs: 20_000, what: `b rejoins (${b.err.slice(-800)})` });
    assert.deepEqual(b.owned(), bParts, 'the same partitions as before the restart');
    const values = await produceTagged(wire, topic, 4, 10, 'z');
    await waitFor(() => b.messages().length >= 20 && a.messages().length >= 20, { timeoutMs: 20_000, what: 'both consume after the restart' });
    assert.deepEqual([...a.messages(), ...b.messages()].map((m) => m.value).sort(), [...values].sort());

    const after = await describeGroup(wire, group);
    assert.equal(after.groupState, 'Stable');
    assert.equal(after.members.length, 2);
    const newB = after.members.find((m) => m.groupInstanceId === 'instance-b')!.memberId;
    assert.notEqual(newB, oldB, 'the restarted instance has a new member id');
    assert.equal(a.rebalances().length, aRebalances, `a saw no revoke or assign: ${JSON.stringify(a.rebalances())}`);
    assert.equal(rebalancesLogged(), logged, 'the coordinator started no rebalance');
    assert.match(broker.log, /static member rejoined/);
    await a.stop();
    await b.stop();
  });
});
