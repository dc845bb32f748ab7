/**
 * Reassignment plans for `samsa topic reassign` and `samsa cluster decommission`: which partitions
 * go where. A plan moves as little as it can — a replica already on an allowed broker stays unless
 * that broker holds more than its share — and spreads what moves evenly: every broker ends with at
 * most ceil(replicas / brokers) replicas and ceil(partitions / brokers) preferred leaderships of
 * what is counted. A replica that moves goes where its topic has the fewest, then where the
 * cluster has the fewest, so each topic is spread and so is the whole. With racks on every
 * broker, a partition's replicas go to as many racks as possible. Pure functions: the commands
 * feed them the metadata and print or submit the result.
 */
import type { PlacementBroker } from '../cluster/placement.js';

export interface PartitionAssignment {
  topic: string;
  partition: number;
  /** Preferred leader first. */
  replicas: readonly number[];
}

export interface PlanRequest {
  /** The brokers replicas may be placed on. */
  brokers: readonly PlacementBroker[];
  /** The partitions to plan. */
  partitions: readonly PartitionAssignment[];
  /** Partitions that stay as they are but count in the brokers' load (the rest of the topic, or the cluster). */
  fixed?: readonly PartitionAssignment[];
  /**
   * false: a replica on an allowed broker always stays, even on a broker over its share (a
   * decommission moves only what must move); true (default): brokers over their share give up replicas.
   */
  rebalance?: boolean;
}

export interface PlannedMove {
  topic: string;
  partition: number;
  current: number[];
  proposed: number[];
}

export interface BrokerLoad {
  id: number;
  rack: string | null;
  replicas: number;
  leaders: number;
}

export interface Plan {
  /** Only the partitions whose replica list changes. */
  moves: PlannedMove[];
  /** Every allowed broker's replicas and preferred leaderships once the plan is done (planned and fixed partitions). */
  load: BrokerLoad[];
  rackAware: boolean;
}

export class PlanError extends Error {}

export function planReassignment(req: PlanRequest): Plan {
  const brokers = [...req.brokers].sort((a, b) => a.id - b.id);
  if (brokers.length === 0) throw new PlanError('no brokers to place replicas on');
  const allowed = new Map(brokers.map((b) => [b.id, b]));
  const rackAware = brokers.every((b) => b.rack !== null);
  const rackOf = (id: number) => allowed.get(id)?.rack ?? null;
  const racks = new Set(brokers.map((b) => b.rack)).size;
  for (const p of req.partitions) {
    if (p.replicas.length > brokers.length) {
      throw new PlanError(`partition ${p.topic}-${p.partition} has replication factor ${p.replicas.length}, larger than the ${brokers.length} broker${brokers.length === 1 ? '' : 's'} to place it on`);
    }
    if (p.replicas.length === 0) throw new PlanError(`partition ${p.topic}-${p.partition} has no replicas`);
  }
  const replicas = new Map<number, number>(brokers.map((b) => [b.id, 0]));
  const leaders = new Map<number, number>(brokers.map((b) => [b.id, 0]));
  const bump = (m: Map<number, number>, id: number, by = 1) => {
    if (m.has(id)) m.set(id, m.get(id)! + by);
  };
  // The same counts per topic ('<topic>\u0000<broker>').
  const topicReplicas = new Map<string, number>();
  const topicLeaders = new Map<string, number>();
  const per = (m: Map<string, number>, topic: string, id: number) => m.get(`${topic}\u0000${id}`) ?? 0;
  const bumpTopic = (m: Map<string, number>, topic: string, id: number) => {
    if (allowed.has(id)) m.set(`${topic}\u0000${id}`, per(m, topic, id) + 1);
  };
  const place = (topic: string, id: number) => {
    bump(replicas, id);
    bumpTopic(topicReplicas, topic, id);
  };
  const lead = (topic: string, id: number) => {
    bump(leaders, id);
    bumpTopic(topicLeaders, topic, id);
  };
  for (const f of req.fixed ?? []) {
    for (const r of f.replicas) place(f.topic, r);
    if (f.replicas[0] !== undefined) lead(f.topic, f.replicas[0]);
  }
  const totalReplicas = [...replicas.values()].reduce((a, b) => a + b, 0) + req.partitions.reduce((s, p) => s + p.replicas.length, 0);
  const totalLeaders = [...leaders.values()].reduce((a, b) => a + b, 0) + req.partitions.length;
  const replicaCap = Math.ceil(totalReplicas / brokers.length);
  const leaderCap = Math.ceil(totalLeaders / brokers.length);
  const rebalance = req.rebalance ?? true;

  // 1. Keep what may stay: allowed brokers, one replica per rack while racks suffice, under the cap.
  const keptIndex: Array<Set<number>> = [];
  const chosen: number[][] = req.partitions.map((p) => {
    const keep: number[] = [];
    keptIndex.push(new Set());
    for (const r of p.replicas) {
      if (!allowed.has(r) || keep.length >= p.replicas.length) continue;
      if (rebalance && replicas.get(r)! >= replicaCap) continue;
      if (rackAware && racks >= p.replicas.length && keep.some((k) => rackOf(k) === rackOf(r))) continue;
      keep.push(r);
      keptIndex[keptIndex.length - 1]!.add(r);
      place(p.topic, r);
    }
    return keep;
  });
  // 2. Fill the rest: a rack the partition does not use yet, then the least loaded broker.
  req.partitions.forEach((p, i) => {
    const keep = chosen[i]!;
    while (keep.length < p.replicas.length) {
      const usedRacks = new Set(keep.map(rackOf));
      const pick = brokers
        .filter((b) => !keep.includes(b.id))
        .sort((a, b) => (rackAware ? Number(usedRacks.has(a.rack)) - Number(usedRacks.has(b.rack)) : 0) || per(topicReplicas, p.topic, a.id) - per(topicReplicas, p.topic, b.id) || replicas.get(a.id)! - replicas.get(b.id)! || a.id - b.id)[0]!;
      keep.push(pick.id);
      place(p.topic, pick.id);
    }
  });
  // 2b. Greedy filling can tie its way into an uneven topic (two ties broken the same way). The
  // replicas placed in step 2 move anyway, so moving them again costs nothing: each goes to
  // another broker while that evens out its topic (or, the topic even, the cluster) without
  // spreading the partition over fewer racks.
  const distinctRacks = (ids: readonly number[]) => new Set(ids.map(rackOf)).size;
  const placed: Array<{ i: number; slot: number }> = [];
  req.partitions.forEach((_p, i) => {
    chosen[i]!.forEach((r, slot) => {
      if (!keptIndex[i]!.has(r)) placed.push({ i, slot });
    });
  });
  for (let improved = true, rounds = 0; improved && rounds < 100; rounds++) {
    improved = false;
    for (const { i, slot } of placed) {
      const c = chosen[i]!;
      const topicName = req.partitions[i]!.topic;
      const x = c[slot]!;
      for (const b of brokers) {
        const y = b.id;
        if (c.includes(y)) continue;
        const tx = per(topicReplicas, topicName, x);
        const ty = per(topicReplicas, topicName, y);
        const better = ty + 1 < tx || (ty === tx && replicas.get(y)! + 1 < replicas.get(x)!);
        if (!better) continue;
        const next = c.map((r, j) => (j === slot ? y : r));
        if (rackAware && distinctRacks(next) < distinctRacks(c)) continue;
        c[slot] = y;
        bump(replicas, x, -1);
        topicReplicas.set(`${topicName}\u0000${x}`, tx - 1);
        place(topicName, y);
        improved = true;
        break;
      }
    }
  }
  // 3. Preferred leaders: the current one stays (under its share, when rebalancing); the others
  // go to the replica leading least in the topic, then in the cluster, one that already holds
  // the data before a new one.
  const leader: Array<number | undefined> = req.partitions.map((p, i) => {
    const cur = p.replicas[0]!;
    if (chosen[i]!.includes(cur) && (!rebalance || leaders.get(cur)! < leaderCap)) {
      lead(p.topic, cur);
      return cur;
    }
    return undefined;
  });
  req.partitions.forEach((p, i) => {
    if (leader[i] !== undefined) return;
    const c = chosen[i]!;
    const pick = [...c].sort((a, b) => per(topicLeaders, p.topic, a) - per(topicLeaders, p.topic, b) || leaders.get(a)! - leaders.get(b)! || Number(!p.replicas.includes(a)) - Number(!p.replicas.includes(b)) || c.indexOf(a) - c.indexOf(b))[0]!;
    lead(p.topic, pick);
    leader[i] = pick;
  });
  const moves: PlannedMove[] = [];
  req.partitions.forEach((p, i) => {
    const l = leader[i]!;
    const proposed = [l, ...chosen[i]!.filter((r) => r !== l)];
    if (proposed.length !== p.replicas.length || proposed.some((r, j) => r !== p.replicas[j])) {
      moves.push({ topic: p.topic, partition: p.partition, current: [...p.replicas], proposed });
    }
  });
  return { moves, load: brokers.map((b) => ({ id: b.id, rack: b.rack, replicas: replicas.get(b.id)!, leaders: leaders.get(b.id)! })), rackAware };
}
