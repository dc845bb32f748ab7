// kcat -G (librdkafka balanced consumer) against the group coordinator: two members split a
// 4-partition topic, every message is consumed exactly once across them, a member that leaves
// hands its partitions over at the committed offsets, and a member that stops heartbeating
// (SIGSTOP) is expired after its session timeout and its partitions reassigned.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../helpers/broker-process.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';
import { Background, FAST_GROUPS, committedOffsets, describeGroup, produceTagged, waitCommitted, waitFor } from '../group/helpers.js';

const SESSION_MS = 3000;

/**
 * A kcat -G member; its stderr tells its current assignment (eager: revoked empties it). No -o:
 * with -G, kcat applies -o to every assignment, overriding the committed offsets.
 */
class KcatMember extends Background {
  constructor(bootstrap: string, group: string, topic: string) {
    super('kcat', [
      '-b', bootstrap, '-G', group, '-u', '-X', 'auto.offset.reset=earliest', '-f', '%p|%o|%s\\n',
      '-X', `session.timeout.ms=${SESSION_MS}`, '-X', 'heartbeat.interval.ms=250',
      '-X', 'auto.commit.interval.ms=200', '-X', 'fetch.wait.max.ms=100', '-X', 'topic.metadata.refresh.interval.ms=1000',
      topic,
    ]);
  }

  /** Partitions assigned now, from the "% Group ... rebalanced" lines. */
  assignment(): number[] {
    let current: number[] = [];
    for (const line of this.err.split('\n')) {
      const m = /rebalanced \(memberid [^)]*\): (assigned|revoked): (.*)$/.exec(line);
      if (!m) continue;
      current = m[1] === 'assigned' ? [...m[2]!.matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1])).sort() : [];
    }
    return current;
  }

  messages(): Array<{ partition: number; offset: number; value: string }> {
    return this.lines().map((l) => {
      const [p, o, ...v] = l.split('|');
      return { partition: Number(p), offset: Number(o), value: v.join('|') };
    });
  }
}

describe('kcat -G consumer groups', { timeout: 120_000 }, () => {
  let broker: BrokerProcess;
  let wire: WireClient;
  const members: KcatMember[] = [];
  const member = (group: string, topic: string) => {
    const m = new KcatMember(broker.bootstrap, group, topic);
    members.push(m);
    return m;
  };

  before(async () => {
    broker = await BrokerProcess.start({ settings: FAST_GROUPS });
    wire = await WireClient.connect(broker.bootstrap);
  });

  after(async () => {
    for (const m of members) await m.kill();
    wire?.close();
    broker?.cleanup();
  });

  /** Waits until the members' assignments are disjoint, non-empty and cover all 4 partitions. */
  async function waitSplit(a: KcatMember, b: KcatMember) {
    await waitFor(() => {
      const x = a.assignment();
      const y = b.assignment();
      return x.length > 0 && y.length > 0 && [...x, ...y].sort().join() === '0,1,2,3';
    }, { timeoutMs: 20_000, intervalMs: 50, what: `split assignment (a: ${a.err.slice(-500)} b: ${b.err.slice(-500)})` });
    return [a.assignment(), b.assignment()];
  }

  test('two members split the partitions, consume exactly once, and the survivor resumes from the leaver\'s commits', async () => {
    const topic = 'kcat-group';
    const group = 'kcat-g1';
    assert.equal(await createTopic(wire, topic, 4), 0);
    const a = member(group, topic);
    await waitFor(() => a.assignment().length === 4, { timeoutMs: 15_000, what: `first member assigned (${a.err})` });
    const b = member(group, topic);
    const [asA, asB] = await waitSplit(a, b);
    assert.equal(asA.length, 2, `range assignor gives 2 and 2 (${asA} / ${asB})`);

    const first = await produceTagged(wire, topic, 4, 100, 'r1');
    await waitFor(() => a.lines().length + b.lines().length >= 400, { timeoutMs: 20_000, what: 'all 400 consumed' });
    const ma = a.messages();
    const mb = b.messages();
    assert.ok(ma.every((m) => asA.includes(m.partition)), 'a consumed only its partitions');
    assert.ok(mb.every((m) => asB.includes(m.partition)), 'b consumed only its partitions');
    assert.deepEqual([...ma, ...mb].map((m) => m.value).sort(), [...first].sort(), 'each message exactly once');
    for (const m of [...ma, ...mb]) assert.equal(m.value, `r1-${m.partition}-${m.offset}`);
    await waitCommitted(wire, group, topic, [100, 100, 100, 100]);

    // a leaves (SIGTERM: kcat closes the consumer, committing and leaving the group).
    const exit = await a.stop('SIGTERM');
    assert.equal(exit.code, 0, a.err);
    await waitFor(() => b.assignment().length === 4, { timeoutMs: 15_000, what: `b takes over all partitions (${b.err.slice(-800)})` });
    const g = await describeGroup(wire, group);
    assert.equal(g.groupState, 'Stable');
    assert.equal(g.members.length, 1);

    const second = await produceTagged(wire, topic, 4, 50, 'r2');
    await waitFor(() => b.lines().length >= mb.length + 200, { timeoutMs: 20_000, what: 'the survivor consumes the new messages' });
    const all = [...a.messages(), ...b.messages()];
    assert.equal(all.length, 600, 'nothing read twice after the takeover');
    assert.deepEqual(all.map((m) => m.value).sort(), [...first, ...second].sort());
    // The takeover started at the committed offset (100) of a's partitions.
    for (const p of asA) {
      const taken = b.messages().filter((m) => m.partition === p);
      assert.deepEqual(taken.map((m) => m.offset), Array.from({ length: 50 }, (_, i) => 100 + i), `partition ${p} resumed at 100`);
    }
    await waitCommitted(wire, group, topic, [150, 150, 150, 150]);
    assert.equal((await b.stop('SIGTERM')).code, 0);
    await waitFor(async () => (await describeGroup(wire, group)).groupState === 'Empty', { timeoutMs: 10_000, what: 'group empty after both left' });
  });

  test('a member that stops heartbeating (SIGSTOP) is expired after the session timeout and its partitions reassigned', async () => {
    const topic = 'kcat-stall';
    const group = 'kcat-g2';
    assert.equal(await createTopic(wire, topic, 4), 0);
    const a = member(group, topic);
    await waitFor(() => a.assignment().length === 4, { timeoutMs: 15_000, what: 'first member assigned' });
    const b = member(group, topic);
    const [asA] = await waitSplit(a, b);
    const first = await produceTagged(wire, topic, 4, 20, 's1');
    await waitFor(() => a.lines().length + b.lines().length >= 80, { timeoutMs: 20_000, what: 'first 80 consumed' });
    await waitCommitted(wire, group, topic, [20, 20, 20, 20]);
    assert.deepEqual([...a.messages(), ...b.messages()].map((m) => m.value).sort(), [...first].sort());

    const stalledAt = Date.now();
    a.signal('SIGSTOP');
    await waitFor(() => b.assignment().length === 4, { timeoutMs: SESSION_MS + 10_000, intervalMs: 50, what: `b gets all partitions (${b.err.slice(-800)})` });
    const took = Date.now() - stalledAt;
    assert.ok(took >= SESSION_MS - 1000, `reassigned after ${took} ms, not before the session timeout (${SESSION_MS} ms)`);
    const g = await describeGroup(wire, group);
    assert.equal(g.members.length, 1, 'the silent member was removed');
    assert.equal((await committedOffsets(wire, group, topic, 4)).join(), '20,20,20,20');

    const before = b.lines().length;
    const second = await produceTagged(wire, topic, 4, 25, 's2');
    await waitFor(() => b.lines().length >= before + 100, { timeoutMs: 20_000, what: 'survivor consumes everything new' });
    const fromB = b.messages().slice(before);
    assert.deepEqual(fromB.map((m) => m.value).sort(), [...second].sort());
    for (const p of asA) assert.deepEqual(fromB.filter((m) => m.partition === p).map((m) => m.offset), Array.from({ length: 25 }, (_, i) => 20 + i));
    await a.kill();
    assert.equal((await b.stop('SIGTERM')).code, 0);
  });
});
