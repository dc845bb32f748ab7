// Reassignment plans: balanced replicas and preferred leaders, racks spread, only what must move
// moves, and one-line errors for plans that cannot be made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlanError, planReassignment, type PartitionAssignment, type Plan } from '../../src/cli/reassign-plan.js';
import { formatPlan } from '../../src/cli/reassign.js';

const brokers = (ids: number[], racks?: Record<number, string>) => ids.map((id) => ({ id, rack: racks?.[id] ?? null }));
const topic = (name: string, replicas: number[][]): PartitionAssignment[] => replicas.map((r, partition) => ({ topic: name, partition, replicas: r }));

/** Every partition's final replicas: the plan's proposal or, unmoved, its current list. */
function finalAssignment(parts: PartitionAssignment[], plan: Plan): number[][] {
  return parts.map((p) => plan.moves.find((m) => m.topic === p.topic && m.partition === p.partition)?.proposed ?? [...p.replicas]);
}

function counts(assignment: number[][]) {
  const replicas = new Map<number, number>();
  const leaders = new Map<number, number>();
  for (const a of assignment) {
    leaders.set(a[0]!, (leaders.get(a[0]!) ?? 0) + 1);
    for (const r of a) replicas.set(r, (replicas.get(r) ?? 0) + 1);
  }
  return { replicas, leaders };
}

test('RF 3 on {1,2,3} to brokers 2,3,4: the two kept replicas stay, 4 joins, leaders spread', () => {
  const parts = topic('t', [[1, 2, 3]]);
  const plan = planReassignment({ brokers: brokers([2, 3, 4]), partitions: parts });
  assert.equal(plan.moves.length, 1);
  const [m] = plan.moves;
  assert.deepEqual([...m!.proposed].sort(), [2, 3, 4]);
  assert.equal(m!.proposed[0], 2, 'a replica already holding the data leads, not the new one');
  assert.deepEqual(m!.current, [1, 2, 3]);
});

test('12 partitions RF 3 on brokers 1-3 spread onto 1-6: 6 replicas and 2 leaders each, no partition moved more than needed', () => {
  const parts = topic('t', Array.from({ length: 12 }, (_, i) => [1, 2, 3].map((_, j) => ((i + j) % 3) + 1)));
  const plan = planReassignment({ brokers: brokers([1, 2, 3, 4, 5, 6]), partitions: parts });
  const fin = finalAssignment(parts, plan);
  const { replicas, leaders } = counts(fin);
  for (const id of [1, 2, 3, 4, 5, 6]) {
    assert.equal(replicas.get(id), 6, `replicas on ${id}: ${JSON.stringify(fin)}`);
    assert.equal(leaders.get(id), 2, `leaders on ${id}: ${JSON.stringify(fin)}`);
  }
  for (const r of fin) assert.equal(new Set(r).size, 3);
  // Half of the 36 replicas must move to reach 6 per broker; no more than that.
  const movedReplicas = fin.reduce((s, r, i) => s + r.filter((x) => !parts[i]!.replicas.includes(x)).length, 0);
  assert.equal(movedReplicas, 18);
});

test('an already balanced topic is left alone', () => {
  const parts = topic('t', [[1, 2], [2, 3], [3, 1]]);
  const plan = planReassignment({ brokers: brokers([1, 2, 3]), partitions: parts });
  assert.deepEqual(plan.moves, []);
  assert.match(formatPlan(plan, 'nothing to move'), /^nothing to move\n$/);
});

test('rack-aware: the replacement comes from a rack the partition does not use yet', () => {
  const racks = { 1: 'a', 2: 'b', 3: 'c', 4: 'a', 5: 'c' };
  // Broker 3 (rack c) leaves: 5 (rack c) replaces it rather than 4 (rack a, already used by 1).
  const parts = topic('t', [[1, 2, 3]]);
  const plan = planReassignment({ brokers: brokers([1, 2, 4, 5], racks), partitions: parts, rebalance: false });
  assert.equal(plan.rackAware, true);
  assert.deepEqual(plan.moves[0]!.proposed, [1, 2, 5]);
  assert.match(formatPlan(plan, ''), /^t\s+0\s+1,2,3\s+1,2,5$/m);
  assert.match(formatPlan(plan, ''), /^5\s+c\s+1\s+0$/m, 'the broker table shows each broker\'s rack');
});

test('rack-aware spreading: 6 partitions RF 2 over 2 racks, every partition on both racks', () => {
  const racks = { 1: 'a', 2: 'a', 3: 'b', 4: 'b' };
  const parts = topic('t', Array.from({ length: 6 }, () => [1, 2]));
  const plan = planReassignment({ brokers: brokers([1, 2, 3, 4], racks), partitions: parts });
  const fin = finalAssignment(parts, plan);
  for (const r of fin) assert.deepEqual(new Set(r.map((x) => racks[x as 1 | 2 | 3 | 4])), new Set(['a', 'b']), JSON.stringify(fin));
  const { replicas, leaders } = counts(fin);
  assert.deepEqual([1, 2, 3, 4].map((id) => replicas.get(id)), [3, 3, 3, 3]);
  for (const id of [1, 2, 3, 4]) assert.ok((leaders.get(id) ?? 0) <= 2, `leaders on ${id}`);
});

test('decommission: only the partitions on the broker move, each by one replica, onto the least loaded brokers', () => {
  const parts = topic('t', [[1, 2, 3], [2, 3, 4], [3, 4, 1], [4, 1, 2], [1, 3, 4], [2, 4, 1]]);
  const on4 = parts.filter((p) => p.replicas.includes(4));
  const plan = planReassignment({ brokers: brokers([1, 2, 3]), partitions: on4, fixed: parts.filter((p) => !p.replicas.includes(4)), rebalance: false });
  assert.equal(plan.moves.length, on4.length);
  for (const m of plan.moves) {
    assert.ok(!m.proposed.includes(4));
    assert.deepEqual(m.current.filter((r) => r !== 4).filter((r) => !m.proposed.includes(r)), [], 'a replica that could stay moved');
  }
  const fin = finalAssignment(parts, plan);
  const { replicas, leaders } = counts(fin);
  assert.deepEqual([1, 2, 3].map((id) => replicas.get(id)), [6, 6, 6]);
  assert.deepEqual([1, 2, 3].map((id) => leaders.get(id)), [2, 2, 2]);
});

test('a replication factor larger than the brokers is refused in one line', () => {
  assert.throws(() => planReassignment({ brokers: brokers([1, 2]), partitions: topic('t', [[1, 2, 3]]) }), (e: unknown) => e instanceof PlanError && e.message === 'partition t-0 has replication factor 3, larger than the 2 brokers to place it on');
});

test('the printed plan: the moves, then every broker with its replicas and leaders', () => {
  const plan = planReassignment({ brokers: brokers([2, 3, 4]), partitions: topic('orders', [[1, 2, 3]]) });
  assert.equal(formatPlan(plan, ''), [
    'TOPIC   PARTITION  CURRENT  PROPOSED',
    'orders  0          1,2,3    2,3,4',
    '',
    'BROKER  RACK  REPLICAS  LEADERS',
    '2       -     1         1',
    '3       -     1         0',
    '4       -     1         0',
    '',
  ].join('\n'));
});

test('decommission over several topics: what moves spreads each topic evenly, not only the cluster', () => {
  // Another topic loads brokers 2 and 3; decom is even on 1-4 before broker 4 leaves.
  const other = topic('other', [[2, 3], [3, 2], [2, 3]]);
  const decom = topic('decom', [[1, 2], [2, 3], [3, 4], [4, 1], [1, 3], [2, 4]]);
  const on4 = decom.filter((p) => p.replicas.includes(4));
  const plan = planReassignment({ brokers: brokers([1, 2, 3]), partitions: on4, fixed: [...other, ...decom.filter((p) => !p.replicas.includes(4))], rebalance: false });
  const { replicas } = counts(finalAssignment(decom, plan));
  assert.deepEqual([1, 2, 3].map((id) => replicas.get(id)), [4, 4, 4]);
});

test('decommission where greedy ties would pile onto one broker: the placed replicas are evened out', () => {
  // Cluster-wide load from other topics makes each topic-level tie go the same way.
  const other = [...topic('moved', [[2, 3, 4], [3, 4, 2]]), ...topic('stuck', [[2, 1]])];
  const decom = topic('decom', [[1, 2], [2, 3], [3, 4], [4, 1], [1, 3], [2, 4]]);
  const on4 = [...other, ...decom].filter((p) => p.replicas.includes(4));
  const plan = planReassignment({ brokers: brokers([1, 2, 3]), partitions: on4, fixed: [...other, ...decom].filter((p) => !p.replicas.includes(4)), rebalance: false });
  const { replicas } = counts(finalAssignment(decom, plan));
  assert.deepEqual([1, 2, 3].map((id) => replicas.get(id)), [4, 4, 4]);
  for (const m of plan.moves) assert.deepEqual(m.current.filter((r) => r !== 4).filter((r) => !m.proposed.includes(r)), [], 'a replica that could stay moved');
});
