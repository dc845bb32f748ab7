/**
 * Partition reassignment in ZooKeeper mode (KIP-455; Kafka's KafkaController.onPartitionReassignment),
 * run by the active controller on its event queue.
 *
 * With ORS the original replicas, TRS the target and RS = TRS ∪ ORS: the topic znode gets RS with
 * adding_replicas (TRS − ORS) and removing_replicas (ORS − TRS), the leader epoch is bumped and every
 * replica in RS hears LeaderAndIsr, so the new replicas start fetching. Once every TRS member is in
 * the ISR (the leader says so with AlterPartition), a leader from TRS is elected if the current one
 * is not in it, ORS − TRS leave the ISR, and the state and the topic znode (TRS, nothing adding or
 * removing) are written in one fenced transaction; the removed replicas get StopReplica with
 * deletion. Kafka writes these in several steps; one ZooKeeper multi leaves no half-finished
 * move for the next controller, which resumes whatever the topic znodes still show in flight.
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import { ZkCode, isZkError, type MultiOp, type MultiResult, type ZooKeeperClient } from '../zookeeper/index.js';
import { ZkPaths, decodeTopicAssignment, encodePartitionState, encodeTopicAssignment, type TopicAssignment } from './znodes.js';

/** A partition's state as the controller holds it (the state znode and its version). */
export interface ReassignPartitionState {
  leader: number;
  leaderEpoch: number;
  isr: number[];
  controllerEpoch: number;
  zkVersion: number;
}

/** A topic as the controller holds it; this module changes its replicas and states in place. */
export interface ReassignTopic {
  id: string;
  replicas: number[][];
  states: Array<ReassignPartitionState | null>;
}

export type PartitionRef = { topic: string; partition: number };

/** What the controller lends this module: its view, its fenced writes and its requests to brokers. */
export interface ReassignmentHost {
  readonly log: Logger;
  readonly clock: Clock;
  zk(): ZooKeeperClient;
  isActive(): boolean;
  /** Runs `event` on the controller's queue, after everything queued before it. */
  enqueue(event: () => Promise<void>): void;
  controllerEpoch(): number;
  topics(): ReadonlyMap<string, ReassignTopic>;
  isLive(brokerId: number): boolean;
  liveBrokerIds(): number[];
  fencedMulti(ops: MultiOp[]): Promise<MultiResult[]>;
  /** The controller's own fencing error: it must reach the controller's queue, which resigns. */
  isFenced(err: unknown): boolean;
  sendLeaderAndIsr(brokerId: number, partitions: readonly PartitionRef[]): void;
  sendUpdateMetadata(brokerIds: readonly number[], partitions: readonly PartitionRef[]): void;
  sendStopReplica(brokerId: number, partitions: readonly PartitionRef[], deletePartition: boolean): Promise<unknown>;
}

export interface ReassignmentRequestItem {
  topic: string;
  partition: number;
  /** The target replicas, preferred leader first; null cancels the partition's reassignment. */
  replicas: readonly number[] | null;
}

export interface ReassignmentOutcome {
  topic: string;
  partition: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface OngoingReassignment {
  topic: string;
  partition: number;
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

interface InFlight {
  adding: number[];
  removing: number[];
}

const minus = (a: readonly number[], b: readonly number[]) => a.filter((x) => !b.includes(x));

export class Reassignments {
  /** Partitions being reassigned, by topic then partition; what the topic znodes say. */
  private readonly inFlight = new Map<string, Map<number, InFlight>>();
  /** Requests waiting on the queue; a resignation answers them NOT_CONTROLLER. */
  private readonly pending = new Set<(code: number) => void>();

  constructor(private readonly host: ReassignmentHost) {}

  // ---- hooks the controller calls ----------------------------------------------------------

  /** A topic znode was read: its adding/removing replicas are the reassignments in flight. */
  loaded(topic: string, a: TopicAssignment): void {
    const m = new Map<number, InFlight>();
    const parts = new Set([...(a.addingReplicas?.keys() ?? []), ...(a.removingReplicas?.keys() ?? [])]);
    for (const p of parts) m.set(p, { adding: [...(a.addingReplicas?.get(p) ?? [])], removing: [...(a.removingReplicas?.get(p) ?? [])] });
    if (m.size > 0) this.inFlight.set(topic, m);
    else this.inFlight.delete(topic);
  }

  /** This broker resigned: the next controller rebuilds all of it from the topic znodes. */
  clear(): void {
    this.inFlight.clear();
    for (const answer of [...this.pending]) answer(ErrorCode.NOT_CONTROLLER);
    this.pending.clear();
  }

  /** The replicas being added and removed, as LeaderAndIsr carries them. */
  ongoing(topic: string, partition: number): { addingReplicas: number[]; removingReplicas: number[] } {
    const f = this.inFlight.get(topic)?.get(partition);
    return f ? { addingReplicas: [...f.adding], removingReplicas: [...f.removing] } : { addingReplicas: [], removingReplicas: [] };
  }

  /**
   * A new controller took over (after it told every broker the full state): moves whose target
   * is already in sync are finished now; the others finish on the leader's next ISR expansion.
   */
  async resume(): Promise<void> {
    const all: PartitionRef[] = [];
    for (const [topic, m] of this.inFlight) for (const partition of m.keys()) all.push({ topic, partition });
    if (all.length === 0) return;
    this.host.log.info({ partitions: all.map((c) => `${c.topic}-${c.partition}`) }, 'resuming partition reassignments');
    await this.completeReady(all);
  }

  /** The ISR of these partitions changed (AlterPartition): a move whose target is now in sync finishes. */
  isrChanged(partitions: readonly PartitionRef[]): void {
    const moving = partitions.filter((c) => this.inFlight.get(c.topic)?.has(c.partition));
    if (moving.length > 0) this.host.enqueue(() => this.completeReady(moving));
  }

  // ---- AlterPartitionReassignments / ListPartitionReassignments ----------------------------

  /**
   * Starts (or cancels) reassignments and answers once they are written, as Kafka does, not when
   * the data has moved; REQUEST_TIMED_OUT when the controller did not get to them in `timeoutMs`.
   */
  alter(items: readonly ReassignmentRequestItem[], timeoutMs: number): Promise<{ errorCode: number; partitions: ReassignmentOutcome[] }> {
    if (!this.host.isActive()) return Promise.resolve({ errorCode: ErrorCode.NOT_CONTROLLER, partitions: [] });
    return new Promise((resolve) => {
      let done = false;
      const finish = (errorCode: number, partitions: ReassignmentOutcome[]): void => {
        if (done) return;
        done = true;
        timer.cancel();
        this.pending.delete(abort);
        resolve({ errorCode, partitions });
      };
      const abort = (code: number): void => finish(code, []);
      const timer = this.host.clock.schedule(Math.max(0, timeoutMs), () =>
        finish(ErrorCode.NONE, items.map((i) => ({ topic: i.topic, partition: i.partition, errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: 'The controller did not start the reassignment in time.' }))),
      );
      this.pending.add(abort);
      this.host.enqueue(async () => {
        if (done) return;
        if (!this.host.isActive()) return abort(ErrorCode.NOT_CONTROLLER);
        try {
          finish(ErrorCode.NONE, await this.start(items));
        } catch (err) {
          if (this.host.isFenced(err)) {
            abort(ErrorCode.NOT_CONTROLLER);
            throw err;
          }
          this.host.log.warn({ err }, 'partition reassignment not written');
          finish(ErrorCode.NONE, items.map((i) => ({ topic: i.topic, partition: i.partition, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: `The reassignment could not be written: ${err instanceof Error ? err.message : String(err)}` })));
        }
      });
    });
  }

  /** The reassignments in flight: all, or those of the named partitions (others are left out, as Kafka does). */
  list(wanted: ReadonlyArray<{ topic: string; partitions: readonly number[] }> | null): { errorCode: number; reassignments: OngoingReassignment[] } {
    if (!this.host.isActive()) return { errorCode: ErrorCode.NOT_CONTROLLER, reassignments: [] };
    const out: OngoingReassignment[] = [];
    const add = (topic: string, partition: number): void => {
      const f = this.inFlight.get(topic)?.get(partition);
      const replicas = this.host.topics().get(topic)?.replicas[partition];
      if (f && replicas) out.push({ topic, partition, replicas: [...replicas], addingReplicas: [...f.adding], removingReplicas: [...f.removing] });
    };
    if (wanted === null) {
      for (const [topic, m] of [...this.inFlight].sort((a, b) => a[0].localeCompare(b[0]))) for (const p of [...m.keys()].sort((a, b) => a - b)) add(topic, p);
    } else {
      for (const w of wanted) for (const p of w.partitions) add(w.topic, p);
    }
    return { errorCode: ErrorCode.NONE, reassignments: out };
  }

  // ---- the algorithm -----------------------------------------------------------------------

  private async start(items: readonly ReassignmentRequestItem[]): Promise<ReassignmentOutcome[]> {
    const outcomes: ReassignmentOutcome[] = [];
    const fail = (i: ReassignmentRequestItem, errorCode: number, errorMessage: string) => outcomes.push({ topic: i.topic, partition: i.partition, errorCode, errorMessage });
    const zk = this.host.zk();
    const deleting = new Set((await zk.getChildren(ZkPaths.deleteTopics)).children);
    /** Per topic: partition → the new RS, its adding and removing replicas, and the replicas dropped from an earlier move. */
    const plans = new Map<string, Map<number, { rs: number[]; target: number[]; flight: InFlight | null; dropped: number[]; item: ReassignmentRequestItem }>>();
    for (const item of items) {
      const t = this.host.topics().get(item.topic);
      const rs = t?.replicas[item.partition];
      if (!t || !rs || !t.states[item.partition] || deleting.has(item.topic)) {
        fail(item, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find partition ${item.topic}-${item.partition}.`);
        continue;
      }
      if (plans.get(item.topic)?.has(item.partition)) {
        fail(item, ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Partition ${item.topic}-${item.partition} is named twice in the request.`);
        continue;
      }
      const flight = this.inFlight.get(item.topic)?.get(item.partition) ?? null;
      const original = flight ? minus(rs, flight.adding) : [...rs];
      let target: number[];
      if (item.replicas === null) {
        if (!flight) {
          fail(item, ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, `Partition ${item.topic}-${item.partition} is not being reassigned.`);
          continue;
        }
        target = original;
      } else {
        target = [...item.replicas];
        const why = this.invalidTarget(target, original);
        if (why) {
          fail(item, ErrorCode.INVALID_REPLICA_ASSIGNMENT, why);
          continue;
        }
      }
      // Target first, so the preferred leader of the new set leads RS too (Kafka's reassignTo).
      const next = [...new Set([...target, ...original])];
      if (!flight && next.length === rs.length && next.every((r, i) => r === rs[i])) {
        // Already placed so: nothing to write, no epoch to bump.
        outcomes.push({ topic: item.topic, partition: item.partition, errorCode: ErrorCode.NONE, errorMessage: null });
        continue;
      }
      const adding = minus(target, original);
      const removing = minus(original, target);
      const dropped = minus(rs, next);
      let m = plans.get(item.topic);
      if (!m) plans.set(item.topic, (m = new Map()));
      m.set(item.partition, { rs: next, target, flight: adding.length + removing.length > 0 ? { adding, removing } : null, dropped, item });
    }
    if (plans.size === 0) return outcomes;

    // One transaction: each topic znode (version-checked, so a partition count grown meanwhile is
    // not overwritten) and each moving partition's state with a new leader epoch.
    const ops: MultiOp[] = [];
    const stateWrites: Array<{ topic: string; partition: number; state: ReassignPartitionState }> = [];
    for (const [topic, m] of plans) {
      const t = this.host.topics().get(topic)!;
      const { data, stat } = await zk.getData(ZkPaths.topic(topic));
      const stored = decodeTopicAssignment(topic, data);
      const partitions = stored.partitions.map((r, i) => (m.get(i)?.rs ?? t.replicas[i] ?? r));
      const flights = new Map(this.inFlight.get(topic) ?? []);
      for (const [p, plan] of m) {
        if (plan.flight) flights.set(p, plan.flight);
        else flights.delete(p);
      }
      ops.push({ op: 'setData', path: ZkPaths.topic(topic), data: encodeTopicAssignment(this.assignment(t.id, partitions, flights)), version: stat.version });
      for (const [p, plan] of m) {
        const cur = t.states[p]!;
        // Replicas an earlier move was adding and this one does not want leave the ISR now; one
        // of them leading (elected while the move ran) hands over to a replica that stays.
        const isr = cur.isr.filter((r) => !plan.dropped.includes(r));
        const leader = plan.dropped.includes(cur.leader) ? (plan.rs.find((r) => this.host.isLive(r) && isr.includes(r)) ?? -1) : cur.leader;
        const state: ReassignPartitionState = { ...cur, leader, isr, leaderEpoch: cur.leaderEpoch + 1, controllerEpoch: this.host.controllerEpoch() };
        ops.push({ op: 'setData', path: ZkPaths.partitionState(topic, p), data: encodePartitionState(state), version: cur.zkVersion });
        stateWrites.push({ topic, partition: p, state });
      }
    }
    const results = await this.host.fencedMulti(ops);
    // Results follow the ops: per topic, the topic znode then its partitions' states.
    let at = 0;
    let w = 0;
    const moved: PartitionRef[] = [];
    const stops = new Map<number, PartitionRef[]>();
    for (const [topic, m] of plans) {
      at++;
      const t = this.host.topics().get(topic)!;
      let flights = this.inFlight.get(topic);
      if (!flights) this.inFlight.set(topic, (flights = new Map()));
      for (const [p, plan] of m) {
        const r = results[at++];
        const s = stateWrites[w++]!.state;
        s.zkVersion = r && r.op === 'setData' ? r.stat.version : s.zkVersion + 1;
        t.states[p] = s;
        t.replicas[p] = plan.rs;
        if (plan.flight) flights.set(p, plan.flight);
        else flights.delete(p);
        moved.push({ topic, partition: p });
        for (const id of plan.dropped) {
          const l = stops.get(id) ?? [];
          l.push({ topic, partition: p });
          stops.set(id, l);
        }
        outcomes.push({ topic, partition: p, errorCode: ErrorCode.NONE, errorMessage: null });
        this.host.log.info({ topic, partition: p, replicas: plan.rs, target: plan.target, adding: plan.flight?.adding ?? [], removing: plan.flight?.removing ?? [], cancel: plan.item.replicas === null }, 'partition reassignment started');
      }
      if (flights.size === 0) this.inFlight.delete(topic);
    }
    this.tell(moved, stops);
    // A target already in sync (a reorder, a smaller set, a cancel) finishes at once.
    await this.completeReady(moved);
    return outcomes;
  }

  /** Kafka's validateReplicas: why a target cannot be taken, or null. */
  private invalidTarget(target: readonly number[], original: readonly number[]): string | null {
    if (target.length === 0) return 'Empty replica list specified in partition reassignment.';
    if (new Set(target).size !== target.length) return `Duplicate replica ids in partition reassignment replica list: [${target.join(', ')}].`;
    if (target.some((r) => !Number.isInteger(r) || r < 0)) return `Invalid broker id in replica list: [${target.join(', ')}].`;
    const adding = minus(target, original);
    if (!adding.every((r) => this.host.isLive(r))) {
      return `Replica assignment has brokers that are not alive. Replica list: [${adding.join(', ')}], live broker list: [${this.host.liveBrokerIds().join(', ')}].`;
    }
    return null;
  }

  /**
   * Finishes every given move whose target replicas are all in the ISR and one of them can lead.
   * Throws on a failed write: the controller's queue retries the event, which starts from its view.
   */
  private async completeReady(candidates: readonly PartitionRef[]): Promise<void> {
    if (!this.host.isActive()) return;
    const byTopic = new Map<string, Map<number, { target: number[]; removing: number[]; state: ReassignPartitionState }>>();
    for (const c of candidates) {
      const t = this.host.topics().get(c.topic);
      const f = this.inFlight.get(c.topic)?.get(c.partition);
      const cur = t?.states[c.partition];
      const rs = t?.replicas[c.partition];
      if (!t || !f || !cur || !rs || byTopic.get(c.topic)?.has(c.partition)) continue;
      const target = minus(rs, f.removing);
      if (!target.every((r) => cur.isr.includes(r))) continue;
      const leader = target.includes(cur.leader) && this.host.isLive(cur.leader) ? cur.leader : target.find((r) => this.host.isLive(r) && cur.isr.includes(r));
      if (leader === undefined) continue;
      const state: ReassignPartitionState = { leader, leaderEpoch: cur.leaderEpoch + 1, isr: cur.isr.filter((r) => target.includes(r)), controllerEpoch: this.host.controllerEpoch(), zkVersion: cur.zkVersion };
      let m = byTopic.get(c.topic);
      if (!m) byTopic.set(c.topic, (m = new Map()));
      m.set(c.partition, { target, removing: f.removing, state });
    }
    if (byTopic.size === 0) return;
    const zk = this.host.zk();
    const ops: MultiOp[] = [];
    for (const [topic, m] of byTopic) {
      const t = this.host.topics().get(topic)!;
      const { data, stat } = await zk.getData(ZkPaths.topic(topic));
      const stored = decodeTopicAssignment(topic, data);
      const partitions = stored.partitions.map((r, i) => (m.get(i)?.target ?? t.replicas[i] ?? r));
      const flights = new Map(this.inFlight.get(topic) ?? []);
      for (const p of m.keys()) flights.delete(p);
      ops.push({ op: 'setData', path: ZkPaths.topic(topic), data: encodeTopicAssignment(this.assignment(t.id, partitions, flights)), version: stat.version });
      for (const [p, plan] of m) {
        ops.push({ op: 'setData', path: ZkPaths.partitionState(topic, p), data: encodePartitionState(plan.state), version: t.states[p]!.zkVersion });
      }
    }
    let results: MultiResult[];
    try {
      results = await this.host.fencedMulti(ops);
    } catch (err) {
      // A state changed meanwhile (a broker died, an ISR changed): the events that changed it
      // come next on the queue, and the next ISR change of these partitions tries again.
      if (!this.host.isFenced(err) && isZkError(err, ZkCode.BADVERSION)) return;
      throw err;
    }
    let at = 0;
    const done: PartitionRef[] = [];
    const stops = new Map<number, PartitionRef[]>();
    for (const [topic, m] of byTopic) {
      at++;
      const t = this.host.topics().get(topic)!;
      const flights = this.inFlight.get(topic);
      for (const [p, plan] of m) {
        const r = results[at++];
        plan.state.zkVersion = r && r.op === 'setData' ? r.stat.version : plan.state.zkVersion + 1;
        t.states[p] = plan.state;
        t.replicas[p] = plan.target;
        flights?.delete(p);
        done.push({ topic, partition: p });
        for (const id of plan.removing) {
          const l = stops.get(id) ?? [];
          l.push({ topic, partition: p });
          stops.set(id, l);
        }
        this.host.log.info({ topic, partition: p, replicas: plan.target, leader: plan.state.leader, leaderEpoch: plan.state.leaderEpoch, removed: plan.removing }, 'partition reassignment completed');
      }
      if (flights && flights.size === 0) this.inFlight.delete(topic);
    }
    this.tell(done, stops);
  }

  /**
   * Every replica of the partitions hears its new state, every broker the new replica sets (a
   * replica no longer listed deletes its log on that alone), and the replicas that left get
   * StopReplica with deletion, as Kafka sends.
   */
  private tell(partitions: readonly PartitionRef[], stops: ReadonlyMap<number, PartitionRef[]>): void {
    const topics = this.host.topics();
    const live = this.host.liveBrokerIds();
    for (const id of live) {
      const mine = partitions.filter((c) => topics.get(c.topic)?.replicas[c.partition]?.includes(id));
      if (mine.length > 0) this.host.sendLeaderAndIsr(id, mine);
    }
    this.host.sendUpdateMetadata(live, partitions);
    for (const [id, ps] of stops) {
      if (this.host.isLive(id)) void this.host.sendStopReplica(id, ps, true).catch(() => {});
    }
  }

  private assignment(topicId: string, partitions: number[][], flights: ReadonlyMap<number, InFlight>): TopicAssignment {
    const adding = new Map<number, number[]>();
    const removing = new Map<number, number[]>();
    for (const [p, f] of flights) {
      if (f.adding.length > 0) adding.set(p, f.adding);
      if (f.removing.length > 0) removing.set(p, f.removing);
    }
    return { topicId, partitions, addingReplicas: adding, removingReplicas: removing };
  }
}

