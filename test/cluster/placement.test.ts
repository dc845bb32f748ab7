// Replica placement: leaders round-robin over brokers (balanced), followers spread by a shift that
// grows every round, racks alternated so a partition's replicas span as many racks as there are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlacementError, placeReplicas } from '../../src/cluster/placement.js';

const brokers = (n: number, racks?: string[]) => Array.from({ length: n }, (_, i) => ({ id: i + 1, rack: racks ? racks[i % racks.length]! : null }));

function counts(assignment: number[][]): { leaders: Map<number, number>; replicas: Map<number, number> } {
  const leaders = new Map<number, number>();
  const replicas = new Map<number, number>();
  for (const a of assignment) {
    leaders.set(a[0]!, (leaders.get(a[0]!) ?? 0) + 1);
    for (const r of a) replicas.set(r, (replicas.get(r) ?? 0) + 1);
  }
  return { leaders, replicas };
}

test('12 partitions x RF 3 on 3 brokers: 4 leaders and 12 replicas on each, whatever the start', () => {
  for (let start = 0; start < 3; start++) {
    for (let shift = 0; shift < 3; shift++) {
      const a = placeReplicas(brokers(3), { partitions: 12, replicationFactor: 3, startIndex: start, replicaShift: shift });
      assert.equal(a.length, 12);
      for (const r of a) assert.equal(new Set(r).size, 3, `distinct replicas ${r}`);
      const { leaders, replicas } = counts(a);
      assert.deepEqual([...leaders.values()], [4, 4, 4]);
      assert.deepEqual([...replicas.values()], [12, 12, 12]);
    }
  }
});

test('leaders balanced and followers spread on 5 brokers, RF 2', () => {
  const a = placeReplicas(brokers(5), { partitions: 20, replicationFactor: 2, startIndex: 0, replicaShift: 0 });
  const { leaders, replicas } = counts(a);
  assert.deepEqual([...leaders.values()], [4, 4, 4, 4, 4]);
  assert.deepEqual([...replicas.values()], [8, 8, 8, 8, 8]);
  // The followers of broker 1's four leaderships are not all on one broker.
  const followersOf1 = new Set(a.filter((r) => r[0] === 1).map((r) => r[1]));
  assert.ok(followersOf1.size >= 3, `followers of broker 1: ${[...followersOf1]}`);
});

test('with racks, each partition spans min(RF, racks) racks and leaders stay balanced', () => {
  const racks = ['a', 'b', 'c'];
  const bs = brokers(6, racks);
  const rackOf = new Map(bs.map((b) => [b.id, b.rack]));
  const a = placeReplicas(bs, { partitions: 12, replicationFactor: 3, startIndex: 1, replicaShift: 2 });
  for (const r of a) assert.equal(new Set(r.map((id) => rackOf.get(id))).size, 3, `racks of ${r}`);
  assert.deepEqual([...counts(a).leaders.values()], [2, 2, 2, 2, 2, 2]);
  const two = placeReplicas(brokers(4, ['x', 'y']), { partitions: 8, replicationFactor: 2, startIndex: 0, replicaShift: 0 });
  const rackOf2 = new Map(brokers(4, ['x', 'y']).map((b) => [b.id, b.rack]));
  for (const r of two) assert.equal(new Set(r.map((id) => rackOf2.get(id))).size, 2);
});

test('continuing a topic (CreatePartitions) keeps the round-robin going', () => {
  const first = placeReplicas(brokers(3), { partitions: 2, replicationFactor: 1, startIndex: 0, replicaShift: 0 });
  const more = placeReplicas(brokers(3), { partitions: 4, replicationFactor: 1, firstPartition: 2, startIndex: 0, replicaShift: 0 });
  assert.deepEqual([...first, ...more].map((r) => r[0]), [1, 2, 3, 1, 2, 3]);
});

test('impossible requests are refused with Kafka\'s messages', () => {
  assert.throws(() => placeReplicas(brokers(2), { partitions: 1, replicationFactor: 3 }), (e: Error) => e instanceof PlacementError && /Replication factor: 3 larger than available brokers: 2/.test(e.message));
  assert.throws(() => placeReplicas([{ id: 1, rack: 'a' }, { id: 2, rack: null }], { partitions: 1, replicationFactor: 1 }), /Not all brokers have rack information/);
  assert.throws(() => placeReplicas(brokers(1), { partitions: 0, replicationFactor: 1 }), /Number of partitions must be larger than 0/);
});
