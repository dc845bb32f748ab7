/**
 * The cluster's controller in ZooKeeper mode (Kafka's KafkaController): every broker campaigns
 * through the ephemeral /controller znode; the winner bumps /controller_epoch in the same
 * transaction and from then on conditions every write on that znode's version, so a deposed
 * controller — paused past its session, or with a new session that has not yet heard it lost —
 * changes nothing (KAFKA-6082). It reacts to ZooKeeper watches one event at a time: brokers
 * joining and leaving, topics created, grown and marked for deletion; it elects leaders and
 * tells the brokers in one LeaderAndIsr and one UpdateMetadata per broker per event.
 */
import { randomBytes } from 'node:crypto';
import type { PeerSecurity } from '../../client/connection.js';
import { ErrorCode } from '../../protocol/errors.js';
import { LeaderAndIsr, StopReplica, UpdateMetadata } from '../../protocol/messages/index.js';
import type { Clock, Timer } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import { sameIds, type BrokerInfo } from '../metadata-image.js';
import { ZkCode, ZooKeeperMultiError, isZkError, type MultiOp, type MultiResult, type ZooKeeperClient } from '../zookeeper/index.js';
import { LEADER_DURING_DELETE } from './broker-metadata.js';
import { controlledShutdownElection, imbalancedPartitions, offlineElection, preferredElection, uncleanElection, type LeaderIsr, type PartitionLeadership } from './leader-election.js';
import { ControllerChannel } from './controller-channel.js';
import { Reassignments, type ReassignmentHost } from './reassignment.js';
import {
  ZkPaths,
  decodeBrokerRegistration,
  decodeController,
  decodeControllerEpoch,
  decodePartitionState,
  decodeTopicAssignment,
  encodeController,
  encodeControllerEpoch,
  encodePartitionState,
  encodeTopicAssignment,
} from './znodes.js';

export interface KafkaControllerOptions {
  brokerId: number;
  /** The current ZooKeeper session (a new one after an expiry). */
  zk: () => ZooKeeperClient;
  clock: Clock;
  log: Logger;
  /** Brokers' listener name to address them by (the inter-broker listener). */
  listenerName: string;
  /** auto.leader.rebalance.enable, leader.imbalance.per.broker.percentage, leader.imbalance.check.interval.seconds (in ms). */
  leaderRebalance?: { enabled: boolean; maxImbalancePercent: number; checkIntervalMs: number };
  /** controller.socket.timeout.ms; default Kafka's 30 s. */
  socketTimeoutMs?: number;
  /** The inter-broker listener's TLS and SASL. */
  peer?: PeerSecurity;
  /** unclean.leader.election.enable of a topic (its own or the broker default); default never. */
  uncleanLeaderElection?: (topic: string) => boolean;
}

export interface ElectionResult {
  topic: string;
  partition: number;
  errorCode: number;
  message: string | null;
}

/** ElectLeaders' election types. */
export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;

export interface AlterPartitionItem {
  topic: string;
  partition: number;
  leaderEpoch: number;
  newIsr: readonly number[];
  partitionEpoch: number;
}

export interface AlterPartitionResult extends AlterPartitionItem {
  errorCode: number;
  leaderId: number;
  isr: readonly number[];
}

export interface AlterPartitionAnswer {
  errorCode: number;
  partitions: AlterPartitionResult[];
}

/** A write refused because /controller_epoch moved on: another controller was elected. */
class FencedError extends Error {}

interface PartitionCtx {
  leader: number;
  leaderEpoch: number;
  isr: number[];
  controllerEpoch: number;
  /** Version of the state znode (the partition epoch); -1 while it does not exist. */
  zkVersion: number;
}

interface TopicCtx {
  id: string;
  replicas: number[][];
  states: Array<PartitionCtx | null>;
}

interface LiveBroker {
  info: BrokerInfo;
  epoch: number;
}

type Change = { topic: string; partition: number };
type StatePlan = { c: Change; next: LeaderIsr };

/** ZooKeeper's default jute.maxbuffer is 1 MiB; multis of this many small writes stay far below it. */
const OPS_PER_MULTI = 500;
const EVENT_RETRY_MS = 1000;
const STOP_REPLICA_WAIT_MS = 10_000;

export class KafkaController {
  private chain: Promise<void> = Promise.resolve();
  private generation = 0;
  private active = false;
  private stopped = false;
  private epoch = 0;
  private epochZkVersion = -1;
  private brokers = new Map<number, LiveBroker>();
  private topics = new Map<string, TopicCtx>();
  private channel: ControllerChannel | null = null;
  /** Brokers in controlled shutdown: registered still, but no longer leaders or ISR members. */
  private readonly shuttingDown = new Set<number>();
  private rebalanceTimer: Timer | null = null;
  /** The broker that holds /controller, as last read (-1: none). */
  activeControllerId = -1;
  /** Partition reassignments (AlterPartitionReassignments), run on this controller's queue. */
  readonly reassignments: Reassignments;

  constructor(private readonly opts: KafkaControllerOptions) {
    this.reassignments = new Reassignments(this.reassignmentHost());
  }

  get isActive(): boolean {
    return this.active;
  }

  get controllerEpoch(): number {
    return this.epoch;
  }

  /** Starts campaigning (again, after a new session). */
  start(): void {
    this.stopped = false;
    this.enqueue(() => this.elect());
  }

  /** Gives up controllership and stops reacting to events (shutdown, or the session expired). */
  stop(): void {
    this.stopped = true;
    this.resign();
  }

  private enqueue(event: () => Promise<void>, gen = this.generation): void {
    this.chain = this.chain.then(async () => {
      if (this.stopped || gen !== this.generation) return;
      try {
        await event();
      } catch (err) {
        if (err instanceof FencedError) {
          this.opts.log.warn({ epoch: this.epoch }, 'another controller was elected; resigning');
          this.resign();
          this.enqueue(() => this.elect());
          return;
        }
        if (this.stopped || gen !== this.generation) return;
        this.opts.log.warn({ err }, 'controller event failed; retrying');
        this.opts.clock.schedule(EVENT_RETRY_MS, () => this.enqueue(event, gen));
      }
    });
  }

  /** Events of a watch set in this generation; a resignation ends them. */
  private watcher(event: () => Promise<void>): () => void {
    const gen = this.generation;
    return () => this.enqueue(event, gen);
  }

  private resign(): void {
    if (this.active) this.opts.log.info({ epoch: this.epoch }, 'resigned as controller');
    this.active = false;
    this.generation++;
    this.channel?.close();
    this.channel = null;
    this.rebalanceTimer?.cancel();
    this.rebalanceTimer = null;
    this.shuttingDown.clear();
    this.brokers.clear();
    this.topics.clear();
    this.reassignments.clear();
  }

  // ---- election ------------------------------------------------------------------------------

  private async elect(): Promise<void> {
    const zk = this.opts.zk();
    const onChange = this.watcherForController();
    try {
      const { data } = await zk.getData(ZkPaths.controller, { watch: onChange });
      this.activeControllerId = decodeController(data);
      return;
    } catch (err) {
      if (!isZkError(err, ZkCode.NONODE)) throw err;
    }
    try {
      await zk.create(ZkPaths.controllerEpoch, encodeControllerEpoch(0));
    } catch (err) {
      if (!isZkError(err, ZkCode.NODEEXISTS)) throw err;
    }
    const { data, stat } = await zk.getData(ZkPaths.controllerEpoch);
    const epoch = decodeControllerEpoch(data) + 1;
    let results: MultiResult[];
    try {
      results = await zk.multi([
        { op: 'create', path: ZkPaths.controller, data: encodeController(this.opts.brokerId, this.opts.clock.now()), mode: 'ephemeral' },
        { op: 'setData', path: ZkPaths.controllerEpoch, data: encodeControllerEpoch(epoch), version: stat.version },
      ]);
    } catch (err) {
      // Another broker won this round: follow it.
      if (err instanceof ZooKeeperMultiError && (err.code === ZkCode.NODEEXISTS || err.code === ZkCode.BADVERSION)) return this.elect();
      throw err;
    }
    const set = results[1];
    this.epoch = epoch;
    this.epochZkVersion = set && set.op === 'setData' ? set.stat.version : stat.version + 1;
    this.activeControllerId = this.opts.brokerId;
    this.active = true;
    await zk.exists(ZkPaths.controller, { watch: this.watcherForController() });
    this.opts.log.info({ epoch, epochZkVersion: this.epochZkVersion }, 'elected controller');
    await this.onBecomeController();
  }

  private watcherForController(): () => void {
    const gen = this.generation;
    return () => this.enqueue(async () => this.onControllerChange(), gen);
  }

  /** /controller changed or went away: campaign, or resign if it is no longer this broker. */
  private async onControllerChange(): Promise<void> {
    const zk = this.opts.zk();
    let holder = -1;
    try {
      holder = decodeController((await zk.getData(ZkPaths.controller)).data);
    } catch (err) {
      if (!isZkError(err, ZkCode.NONODE)) throw err;
    }
    if (this.active && holder === this.opts.brokerId) {
      await zk.exists(ZkPaths.controller, { watch: this.watcherForController() });
      return;
    }
    if (this.active) this.resign();
    await this.elect();
  }

  // ---- writes, all fenced by the controller epoch ------------------------------------------

  private async fencedMulti(ops: MultiOp[]): Promise<MultiResult[]> {
    const out: MultiResult[] = [];
    for (let i = 0; i < ops.length || (i === 0 && ops.length === 0); i += OPS_PER_MULTI) {
      if (ops.length === 0) break;
      const batch: MultiOp[] = [{ op: 'check', path: ZkPaths.controllerEpoch, version: this.epochZkVersion }, ...ops.slice(i, i + OPS_PER_MULTI)];
      try {
        const r = await this.opts.zk().multi(batch);
        out.push(...r.slice(1));
      } catch (err) {
        if (err instanceof ZooKeeperMultiError && err.failedIndex === 0) throw new FencedError('controller epoch moved');
        throw err;
      }
    }
    return out;
  }

  // ---- the controller's view -----------------------------------------------------------------

  private async onBecomeController(): Promise<void> {
    // Resigned (stopped, or the session went) while the election was being written: a channel
    // opened now would outlive the resignation that was meant to close it.
    if (!this.active || this.stopped) return;
    this.channel = new ControllerChannel(this.opts.clock, this.opts.log, this.opts.socketTimeoutMs ?? 30_000, this.opts.peer);
    await this.readBrokers();
    const zk = this.opts.zk();
    const { children } = await zk.getChildren(ZkPaths.topics, { watch: this.watcher(() => this.onTopicChange()) });
    await Promise.all(children.map((name) => this.readTopic(name)));
    this.channel.setBrokers([...this.brokers.values()]);
    const changed = await this.settlePartitions(this.allPartitions());
    // A new controller tells every broker everything: it cannot know what they missed.
    const all = this.allPartitions();
    this.sendUpdateMetadata([...this.brokers.keys()], all);
    for (const id of this.brokers.keys()) this.sendLeaderAndIsr(id, all.filter((c) => this.replicasOf(c).includes(id)));
    this.opts.log.info({ brokers: [...this.brokers.keys()], topics: this.topics.size, partitions: all.length, changed: changed.length }, 'controller ready');
    await this.reassignments.resume();
    this.scheduleRebalanceCheck();
    await this.onTopicDeletion();
  }

  private async readBrokers(): Promise<{ added: number[]; removed: number[] }> {
    const zk = this.opts.zk();
    const { children } = await zk.getChildren(ZkPaths.brokerIds, { watch: this.watcher(() => this.onBrokerChange()) });
    const now = new Map<number, LiveBroker>();
    for (const c of children) {
      const id = Number(c);
      if (!Number.isInteger(id)) continue;
      try {
        const { data, stat } = await zk.getData(ZkPaths.broker(id));
        const r = decodeBrokerRegistration(id, data);
        const ep = r.endpoints.map((e) => /^([^:]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(e)).find((m) => m && m[1] === this.opts.listenerName);
        const host = ep ? ep[2]!.replace(/^\[|\]$/g, '') : r.host;
        const port = ep ? Number(ep[3]) : r.port;
        const ids: Record<string, number> = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 };
        const endpoints = r.endpoints.map((e) => /^([^:]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(e)).filter((m): m is RegExpExecArray => m !== null)
          .map((m) => ({ listener: m[1]!, host: m[2]!.replace(/^\[|\]$/g, ''), port: Number(m[3]), securityProtocol: ids[r.protocols?.[m[1]!] ?? m[1]!] ?? 0 }));
        now.set(id, { info: { id, host, port, rack: r.rack, ...(endpoints.length > 1 ? { endpoints } : {}) }, epoch: Number(stat.czxid) });
      } catch (err) {
        if (isZkError(err, ZkCode.NONODE)) continue;
        throw err;
      }
    }
    const added: number[] = [];
    const removed: number[] = [];
    for (const [id, b] of now) {
      const old = this.brokers.get(id);
      if (!old) added.push(id);
      else if (old.epoch !== b.epoch) {
        // Restarted within one event: it lost its state, so it is both gone and new.
        removed.push(id);
        added.push(id);
      }
    }
    for (const id of this.brokers.keys()) if (!now.has(id)) removed.push(id);
    this.brokers = now;
    // A broker that went away or registered anew is done with its shutdown.
    for (const id of [...removed, ...added]) this.shuttingDown.delete(id);
    return { added, removed };
  }

  private async readTopic(name: string): Promise<TopicCtx | null> {
    const zk = this.opts.zk();
    let data: Buffer;
    try {
      data = (await zk.getData(ZkPaths.topic(name), { watch: this.watcher(() => this.onPartitionModification(name)) })).data;
    } catch (err) {
      if (isZkError(err, ZkCode.NONODE)) return null;
      throw err;
    }
    const a = decodeTopicAssignment(name, data);
    let id = a.topicId;
    if (id === null) {
      // A topic written by a tool that predates topic ids (Kafka 2.8 adds them the same way).
      id = randomBytes(16).toString('base64url');
      await this.fencedMulti([{ op: 'setData', path: ZkPaths.topic(name), data: encodeTopicAssignment({ ...a, topicId: id }) }]);
    }
    this.reassignments.loaded(name, a);
    const old = this.topics.get(name);
    const t: TopicCtx = old && old.id === id ? old : { id, replicas: [], states: [] };
    // The states are read together: a controller taking over 10,000 partitions waits for one
    // round of pipelined reads, not 10,000 round trips.
    const from = t.states.length;
    const states = await Promise.all(a.partitions.slice(from).map((_, i) => this.readState(name, from + i)));
    states.forEach((s, i) => {
      t.replicas[from + i] = a.partitions[from + i]!;
      t.states[from + i] = s;
    });
    this.topics.set(name, t);
    return t;
  }

  private async readState(topic: string, p: number): Promise<PartitionCtx | null> {
    const path = ZkPaths.partitionState(topic, p);
    try {
      const { data, stat } = await this.opts.zk().getData(path);
      const s = decodePartitionState(path, data);
      return { ...s, zkVersion: stat.version };
    } catch (err) {
      if (isZkError(err, ZkCode.NONODE)) return null;
      throw err;
    }
  }

  private allPartitions(): Change[] {
    const out: Change[] = [];
    for (const [topic, t] of this.topics) for (let p = 0; p < t.replicas.length; p++) out.push({ topic, partition: p });
    return out;
  }

  private replicasOf(c: Change): number[] {
    return this.topics.get(c.topic)?.replicas[c.partition] ?? [];
  }

  private liveInfos(): BrokerInfo[] {
    return [...this.brokers.values()].map((b) => b.info).sort((a, b) => a.id - b.id);
  }

  /** Registered and not shutting down: the brokers that may lead or join an ISR (Kafka's liveBrokerIds). */
  private readonly eligible = (id: number): boolean => this.brokers.has(id) && !this.shuttingDown.has(id);

  /** Brings the given partitions to a state the eligible brokers can serve (offlineElection). Returns the partitions whose state was written. */
  private async settlePartitions(candidates: readonly Change[]): Promise<Change[]> {
    const plans: StatePlan[] = [];
    for (const c of candidates) {
      const t = this.topics.get(c.topic)!;
      const cur = t.states[c.partition] ?? null;
      let next = offlineElection(cur, t.replicas[c.partition]!, this.eligible);
      if (cur && (next ?? cur).leader < 0 && this.opts.uncleanLeaderElection?.(c.topic)) {
        // No in-sync replica is left: the topic accepts losing what only they had.
        const unclean = uncleanElection(cur, t.replicas[c.partition]!, this.eligible);
        if (unclean.ok) {
          next = unclean.next;
          this.opts.log.warn({ topic: c.topic, partition: c.partition, leader: next.leader, lastIsr: cur.isr }, 'unclean leader election: an out-of-sync replica leads');
        }
      }
      if (next) plans.push({ c, next });
    }
    return this.writeStates(plans);
  }

  /**
   * Writes new partition states (creating the znodes of new partitions) in fenced multis and
   * takes them into the controller's view. Every change bumps the leader epoch (the plans do).
   */
  private async writeStates(plans: readonly StatePlan[]): Promise<Change[]> {
    const ops: MultiOp[] = [];
    const planned: Array<{ c: Change; state: PartitionCtx; create: boolean }> = [];
    const createdParents = new Set<string>();
    for (const { c, next } of plans) {
      const cur = this.topics.get(c.topic)!.states[c.partition] ?? null;
      const state: PartitionCtx = { ...next, controllerEpoch: this.epoch, zkVersion: cur ? cur.zkVersion : -1 };
      const data = encodePartitionState(state);
      if (cur) {
        ops.push({ op: 'setData', path: ZkPaths.partitionState(c.topic, c.partition), data, version: cur.zkVersion });
      } else {
        if (!createdParents.has(c.topic) && c.partition === 0) {
          // The partitions node of a new topic; a topic growing already has it.
          ops.push({ op: 'create', path: ZkPaths.partitions(c.topic) });
        }
        createdParents.add(c.topic);
        ops.push({ op: 'create', path: ZkPaths.partition(c.topic, c.partition) });
        ops.push({ op: 'create', path: ZkPaths.partitionState(c.topic, c.partition), data });
      }
      planned.push({ c, state, create: !cur });
    }
    if (ops.length === 0) return [];
    const results = await this.fencedMulti(ops);
    // Results follow the ops: a setData result carries the new version; a created state is version 0.
    let at = 0;
    for (const p of planned) {
      if (p.create) {
        at += p.c.partition === 0 ? 3 : 2;
        p.state.zkVersion = 0;
      } else {
        const r = results[at++];
        p.state.zkVersion = r && r.op === 'setData' ? r.stat.version : p.state.zkVersion + 1;
      }
      this.topics.get(p.c.topic)!.states[p.c.partition] = p.state;
    }
    return planned.map((p) => p.c);
  }

  // ---- events ----------------------------------------------------------------------------------

  private async onBrokerChange(): Promise<void> {
    if (!this.active) return;
    const { added, removed } = await this.readBrokers();
    if (added.length === 0 && removed.length === 0) return;
    this.opts.log.info({ added, removed, live: [...this.brokers.keys()] }, 'brokers changed');
    this.channel!.setBrokers([...this.brokers.values()]);
    const gone = new Set(removed);
    const back = new Set(added);
    const affected = this.allPartitions().filter((c) => {
      const s = this.topics.get(c.topic)!.states[c.partition];
      if (!s) return true;
      if (gone.has(s.leader) || s.isr.some((r) => gone.has(r))) return true;
      if (s.leader >= 0) return false;
      return s.isr.some((r) => back.has(r)) || (this.replicasOf(c).some((r) => back.has(r)) && this.opts.uncleanLeaderElection?.(c.topic) === true);
    });
    const changed = await this.settlePartitions(affected);
    const others = [...this.brokers.keys()].filter((id) => !back.has(id));
    const all = this.allPartitions();
    if (added.length > 0) this.sendUpdateMetadata(added, all);
    this.sendUpdateMetadata(others, changed);
    for (const id of added) this.sendLeaderAndIsr(id, all.filter((c) => this.replicasOf(c).includes(id)));
    for (const id of others) this.sendLeaderAndIsr(id, changed.filter((c) => this.replicasOf(c).includes(id)));
  }

  private async onTopicChange(): Promise<void> {
    if (!this.active) return;
    const { children } = await this.opts.zk().getChildren(ZkPaths.topics, { watch: this.watcher(() => this.onTopicChange()) });
    const names = new Set(children);
    for (const name of this.topics.keys()) if (!names.has(name)) this.topics.delete(name);
    const fresh = children.filter((n) => !this.topics.has(n));
    const newPartitions: Change[] = [];
    for (const name of fresh) {
      const t = await this.readTopic(name);
      if (t) for (let p = 0; p < t.replicas.length; p++) newPartitions.push({ topic: name, partition: p });
    }
    await this.announce(newPartitions);
  }

  private async onPartitionModification(name: string): Promise<void> {
    if (!this.active) return;
    const before = this.topics.get(name)?.replicas.length ?? 0;
    const t = await this.readTopic(name);
    if (!t) return;
    const added: Change[] = [];
    for (let p = before; p < t.replicas.length; p++) added.push({ topic: name, partition: p });
    await this.announce(added);
  }

  /** Settles new partitions and tells their replicas and every broker. */
  private async announce(partitions: Change[]): Promise<void> {
    if (partitions.length === 0) return;
    await this.settlePartitions(partitions);
    this.sendUpdateMetadata([...this.brokers.keys()], partitions);
    for (const id of this.brokers.keys()) this.sendLeaderAndIsr(id, partitions.filter((c) => this.replicasOf(c).includes(id)));
  }

  /**
   * Topics marked under /admin/delete_topics: every broker forgets them, their replicas stop and
   * delete their logs, then their znodes go in one fenced transaction. A replica on a broker that
   * is down keeps its files until that broker deletes unknown partitions on its own.
   */
  private async onTopicDeletion(): Promise<void> {
    if (!this.active) return;
    const zk = this.opts.zk();
    const { children } = await zk.getChildren(ZkPaths.deleteTopics, { watch: this.watcher(() => this.onTopicDeletion()) });
    for (const name of children) {
      const t = this.topics.get(name);
      if (!t) {
        await this.fencedMulti([{ op: 'delete', path: ZkPaths.deleteTopic(name) }]).catch((err: unknown) => {
          if (!(err instanceof ZooKeeperMultiError && err.code === ZkCode.NONODE)) throw err;
        });
        continue;
      }
      const parts = t.replicas.map((_, p) => ({ topic: name, partition: p }));
      this.sendUpdateMetadata([...this.brokers.keys()], parts, true);
      const stops: Array<Promise<unknown>> = [];
      for (const id of this.brokers.keys()) {
        const mine = parts.filter((c) => this.replicasOf(c).includes(id));
        if (mine.length > 0) stops.push(this.sendStopReplica(id, mine, true));
      }
      await waitBounded(Promise.allSettled(stops), STOP_REPLICA_WAIT_MS, this.opts.clock);
      const ops: MultiOp[] = [];
      t.replicas.forEach((_, p) => {
        if (t.states[p]) ops.push({ op: 'delete', path: ZkPaths.partitionState(name, p) }, { op: 'delete', path: ZkPaths.partition(name, p) });
      });
      if (t.states.some((s) => s)) ops.push({ op: 'delete', path: ZkPaths.partitions(name) });
      ops.push({ op: 'delete', path: ZkPaths.topic(name) });
      if (await zk.exists(ZkPaths.configTopic(name))) ops.push({ op: 'delete', path: ZkPaths.configTopic(name) });
      ops.push({ op: 'delete', path: ZkPaths.deleteTopic(name) });
      this.topics.delete(name);
      await this.fencedMulti(ops);
      this.opts.log.info({ topic: name }, 'deleted topic');
    }
  }

  // ---- requests from brokers and admins, answered in the event order ------------------------

  /**
   * Runs `fn` as a controller event and answers with its result; a broker that is not (or no
   * longer) the controller answers `notController`, so the caller retries on the elected one.
   */
  private request<T>(notController: T, fn: () => Promise<T>): Promise<T> {
    return new Promise((resolve) => {
      if (!this.active) return resolve(notController);
      let answered = false;
      this.enqueue(async () => {
        if (answered) return;
        if (!this.active) {
          answered = true;
          return resolve(notController);
        }
        try {
          const out = await fn();
          answered = true;
          resolve(out);
        } catch (err) {
          // Fenced, or ZooKeeper failed: the caller retries; the event is not repeated for it.
          answered = true;
          resolve(notController);
          if (err instanceof FencedError) throw err;
          this.opts.log.warn({ err }, 'controller request failed');
        }
      });
    });
  }

  /** Tells every broker the new states and each replica its LeaderAndIsr. */
  private propagate(changed: readonly Change[]): void {
    if (changed.length === 0) return;
    this.sendUpdateMetadata([...this.brokers.keys()], changed);
    for (const id of this.brokers.keys()) this.sendLeaderAndIsr(id, changed.filter((c) => this.replicasOf(c).includes(id)));
  }

  /**
   * ControlledShutdown (Kafka's doControlledShutdown): the broker is marked shutting down, leaves
   * every ISR, and its leaderships move to eligible in-sync replicas in one write. Answers the
   * partitions it still leads (no other in-sync replica); the broker retries while any remain.
   */
  controlledShutdown(brokerId: number, brokerEpoch: number): Promise<{ errorCode: number; remaining: Change[] }> {
    return this.request<{ errorCode: number; remaining: Change[] }>({ errorCode: ErrorCode.NOT_CONTROLLER, remaining: [] }, async () => {
      const b = this.brokers.get(brokerId);
      if (!b) return { errorCode: ErrorCode.BROKER_NOT_AVAILABLE, remaining: [] };
      if (brokerEpoch >= 0 && brokerEpoch < b.epoch) return { errorCode: ErrorCode.STALE_BROKER_EPOCH, remaining: [] };
      this.shuttingDown.add(brokerId);
      const plans: StatePlan[] = [];
      for (const c of this.allPartitions()) {
        const cur = this.topics.get(c.topic)!.states[c.partition];
        const next = cur ? controlledShutdownElection(cur, this.replicasOf(c), brokerId, this.eligible) : null;
        if (next) plans.push({ c, next });
      }
      const changed = await this.writeStates(plans);
      this.propagate(changed);
      const remaining = this.allPartitions().filter((c) => this.topics.get(c.topic)!.states[c.partition]?.leader === brokerId && this.replicasOf(c).length > 1);
      this.opts.log.info({ broker: brokerId, moved: plans.filter((p) => p.next.leader !== brokerId).length, changed: changed.length, remaining: remaining.length }, 'controlled shutdown');
      return { errorCode: ErrorCode.NONE, remaining };
    });
  }

  /**
   * ElectLeaders: a preferred or unclean election for the given partitions (null: all). For all
   * partitions, as Kafka answers, those that needed no election are left out of the results.
   */
  electLeaders(type: number, partitions: readonly Change[] | null): Promise<{ errorCode: number; results: ElectionResult[] }> {
    return this.request<{ errorCode: number; results: ElectionResult[] }>({ errorCode: ErrorCode.NOT_CONTROLLER, results: [] }, async () => {
      if (type !== ElectionType.PREFERRED && type !== ElectionType.UNCLEAN) return { errorCode: ErrorCode.INVALID_REQUEST, results: [] };
      const results: ElectionResult[] = [];
      const plans: StatePlan[] = [];
      for (const c of partitions ?? this.allPartitions()) {
        const cur = this.topics.get(c.topic)?.states[c.partition];
        if (!cur) {
          results.push({ ...c, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `no partition ${c.topic}-${c.partition}` });
          continue;
        }
        const out = (type === ElectionType.PREFERRED ? preferredElection : uncleanElection)(cur, this.replicasOf(c), this.eligible);
        if (!out.ok) {
          if (partitions !== null || out.errorCode !== ErrorCode.ELECTION_NOT_NEEDED) results.push({ ...c, errorCode: out.errorCode, message: out.message });
          continue;
        }
        plans.push({ c, next: out.next });
        results.push({ ...c, errorCode: ErrorCode.NONE, message: null });
      }
      const changed = await this.writeStates(plans);
      this.propagate(changed);
      if (plans.length > 0) this.opts.log.info({ type: type === ElectionType.PREFERRED ? 'preferred' : 'unclean', partitions: plans.map((p) => `${p.c.topic}-${p.c.partition}:${p.next.leader}`) }, 'elected leaders on request');
      return { errorCode: ErrorCode.NONE, results };
    });
  }

  /** auto.leader.rebalance.enable: Kafka's periodic imbalance check, as a controller event. */
  private scheduleRebalanceCheck(): void {
    const r = this.opts.leaderRebalance;
    if (!r?.enabled) return;
    const gen = this.generation;
    this.rebalanceTimer = this.opts.clock.schedule(r.checkIntervalMs, () => {
      if (gen !== this.generation) return;
      this.enqueue(async () => {
        try {
          await this.rebalanceLeaders(r.maxImbalancePercent);
        } finally {
          if (gen === this.generation) this.scheduleRebalanceCheck();
        }
      }, gen);
    });
  }

  private async rebalanceLeaders(maxImbalancePercent: number): Promise<void> {
    if (!this.active) return;
    const leadership = new Map<Change, PartitionLeadership>();
    for (const c of this.allPartitions()) {
      const s = this.topics.get(c.topic)!.states[c.partition];
      // A partition being reassigned gets its leader from the reassignment, as in Kafka.
      const moving = this.reassignments.ongoing(c.topic, c.partition);
      if (s && moving.addingReplicas.length === 0 && moving.removingReplicas.length === 0) leadership.set(c, { replicas: this.replicasOf(c), leader: s.leader });
    }
    const plans: StatePlan[] = [];
    for (const c of imbalancedPartitions(leadership, this.eligible, maxImbalancePercent)) {
      const out = preferredElection(this.topics.get(c.topic)!.states[c.partition]!, this.replicasOf(c), this.eligible);
      if (out.ok) plans.push({ c, next: out.next });
    }
    if (plans.length === 0) return;
    const changed = await this.writeStates(plans);
    this.propagate(changed);
    this.opts.log.info({ partitions: plans.map((p) => `${p.c.topic}-${p.c.partition}:${p.next.leader}`) }, 'leader imbalance: preferred replicas lead again');
  }

  // ---- AlterPartition ------------------------------------------------------------------------

  /**
   * A leader's ISR change (Kafka's processAlterPartition in ZooKeeper mode): accepted only from
   * the partition's leader, in its current leader and partition epochs, with live replicas of the
   * partition; written with the controller epoch check, then announced with UpdateMetadata.
   */
  alterPartition(brokerId: number, brokerEpoch: number, items: readonly AlterPartitionItem[]): Promise<AlterPartitionAnswer> {
    return new Promise((resolve) => {
      if (!this.active) return resolve({ errorCode: ErrorCode.NOT_CONTROLLER, partitions: [] });
      this.enqueue(async () => {
        if (!this.active) return resolve({ errorCode: ErrorCode.NOT_CONTROLLER, partitions: [] });
        const b = this.brokers.get(brokerId);
        if (!b || (brokerEpoch >= 0 && brokerEpoch !== b.epoch)) return resolve({ errorCode: ErrorCode.STALE_BROKER_EPOCH, partitions: [] });
        const answers: AlterPartitionResult[] = [];
        const ops: MultiOp[] = [];
        const writes: Array<{ item: AlterPartitionItem; state: PartitionCtx }> = [];
        for (const item of items) {
          const t = this.topics.get(item.topic);
          const cur = t?.states[item.partition];
          const fail = (errorCode: number) => answers.push({ ...item, errorCode, leaderId: cur?.leader ?? -1, leaderEpoch: cur?.leaderEpoch ?? -1, isr: cur?.isr ?? [], partitionEpoch: cur?.zkVersion ?? -1 });
          if (!t || !cur) {
            fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
            continue;
          }
          if (cur.leader !== brokerId) {
            fail(ErrorCode.NOT_LEADER_OR_FOLLOWER);
            continue;
          }
          if (item.leaderEpoch !== cur.leaderEpoch) {
            fail(item.leaderEpoch < cur.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH);
            continue;
          }
          if (item.partitionEpoch !== cur.zkVersion) {
            fail(ErrorCode.INVALID_UPDATE_VERSION);
            continue;
          }
          const replicas = t.replicas[item.partition]!;
          if (!item.newIsr.includes(brokerId) || item.newIsr.some((r) => !replicas.includes(r) || !this.eligible(r))) {
            fail(ErrorCode.INELIGIBLE_REPLICA);
            continue;
          }
          if (sameIds(item.newIsr, cur.isr)) {
            fail(ErrorCode.NONE);
            continue;
          }
          const state: PartitionCtx = { ...cur, isr: [...item.newIsr], controllerEpoch: this.epoch };
          ops.push({ op: 'setData', path: ZkPaths.partitionState(item.topic, item.partition), data: encodePartitionState(state), version: cur.zkVersion });
          writes.push({ item, state });
        }
        if (ops.length > 0) {
          // One write per request; a state that moved meanwhile fails it all, and the leader retries.
          const results = await this.fencedMulti(ops).catch((err: unknown) => {
            if (err instanceof FencedError) throw err;
            for (const w of writes) answers.push({ ...w.item, errorCode: ErrorCode.INVALID_UPDATE_VERSION, leaderId: -1, leaderEpoch: -1, isr: [], partitionEpoch: -1 });
            return null;
          });
          if (results) {
            writes.forEach((w, i) => {
              const r = results[i];
              w.state.zkVersion = r && r.op === 'setData' ? r.stat.version : w.state.zkVersion + 1;
              this.topics.get(w.item.topic)!.states[w.item.partition] = w.state;
              answers.push({ ...w.item, errorCode: ErrorCode.NONE, leaderId: w.state.leader, leaderEpoch: w.state.leaderEpoch, isr: w.state.isr, partitionEpoch: w.state.zkVersion });
            });
            this.opts.log.info({ broker: brokerId, changes: writes.map((w) => `${w.item.topic}-${w.item.partition} isr [${w.state.isr.join(',')}]`) }, 'ISR changed');
            this.sendUpdateMetadata([...this.brokers.keys()], writes.map((w) => ({ topic: w.item.topic, partition: w.item.partition })));
            this.reassignments.isrChanged(writes.map((w) => ({ topic: w.item.topic, partition: w.item.partition })));
          }
        }
        resolve({ errorCode: ErrorCode.NONE, partitions: answers });
      });
    });
  }

  /** The topic named by an id (AlterPartition v2+ names topics by id). */
  topicNameById(id: string): string | undefined {
    for (const [name, t] of this.topics) if (t.id === id) return name;
    return undefined;
  }

  // ---- requests to brokers -------------------------------------------------------------------

  private groupByTopic(partitions: readonly Change[]): Map<string, number[]> {
    const by = new Map<string, number[]>();
    for (const c of partitions) {
      let l = by.get(c.topic);
      if (!l) by.set(c.topic, (l = []));
      l.push(c.partition);
    }
    return by;
  }

  private sendLeaderAndIsr(brokerId: number, partitions: readonly Change[]): void {
    const b = this.brokers.get(brokerId);
    if (!b || partitions.length === 0 || !this.channel) return;
    const leaders = new Set<number>();
    const topicStates = [...this.groupByTopic(partitions)].map(([name, ps]) => {
      const t = this.topics.get(name)!;
      return {
        topicName: name,
        topicId: t.id,
        partitionStates: ps.map((p) => {
          const s = t.states[p]!;
          if (s.leader >= 0) leaders.add(s.leader);
          return { partitionIndex: p, controllerEpoch: s.controllerEpoch, leader: s.leader, leaderEpoch: s.leaderEpoch, isr: s.isr, partitionEpoch: s.zkVersion, replicas: t.replicas[p]!, ...this.reassignments.ongoing(name, p), isNew: false };
        }),
      };
    });
    const liveLeaders = [...leaders].flatMap((id) => {
      const l = this.brokers.get(id);
      return l ? [{ brokerId: id, hostName: l.info.host, port: l.info.port }] : [];
    });
    const body = { controllerId: this.opts.brokerId, controllerEpoch: this.epoch, brokerEpoch: b.epoch, type: 0, topicStates, liveLeaders };
    this.channel.send(brokerId, LeaderAndIsr, () => body).then(
      (res) => {
        if (res.errorCode !== 0) this.opts.log.warn({ broker: brokerId, errorCode: res.errorCode }, 'LeaderAndIsr refused');
      },
      () => {},
    );
  }

  private sendUpdateMetadata(brokerIds: readonly number[], partitions: readonly Change[], deleting = false): void {
    if (!this.channel) return;
    const liveBrokers = this.liveInfos().map((b) => ({ id: b.id, endpoints: b.endpoints?.map((e) => ({ port: e.port, host: e.host, listener: e.listener, securityProtocol: e.securityProtocol })) ?? [{ port: b.port, host: b.host, listener: this.opts.listenerName, securityProtocol: 0 }], rack: b.rack }));
    const topicStates = [...this.groupByTopic(partitions)].map(([name, ps]) => {
      const t = this.topics.get(name);
      return {
        topicName: name,
        topicId: t?.id ?? '',
        partitionStates: ps.map((p) => {
          const s = t?.states[p];
          const replicas = t?.replicas[p] ?? [];
          return {
            partitionIndex: p,
            controllerEpoch: s?.controllerEpoch ?? this.epoch,
            leader: deleting ? LEADER_DURING_DELETE : (s?.leader ?? -1),
            leaderEpoch: s?.leaderEpoch ?? 0,
            isr: s?.isr ?? [],
            zkVersion: s?.zkVersion ?? 0,
            replicas,
            offlineReplicas: replicas.filter((r) => !this.brokers.has(r)),
          };
        }),
      };
    });
    for (const id of brokerIds) {
      const b = this.brokers.get(id);
      if (!b) continue;
      const body = { controllerId: this.opts.brokerId, controllerEpoch: this.epoch, brokerEpoch: b.epoch, topicStates, liveBrokers };
      this.channel.send(id, UpdateMetadata, () => body).then(
        (res) => {
          if (res.errorCode !== 0) this.opts.log.warn({ broker: id, errorCode: res.errorCode }, 'UpdateMetadata refused');
        },
        () => {},
      );
    }
  }

  private sendStopReplica(brokerId: number, partitions: readonly Change[], deletePartition: boolean): Promise<unknown> {
    const b = this.brokers.get(brokerId);
    if (!b || !this.channel) return Promise.resolve();
    const topicStates = [...this.groupByTopic(partitions)].map(([name, ps]) => ({
      topicName: name,
      partitionStates: ps.map((p) => ({ partitionIndex: p, leaderEpoch: -1, deletePartition })),
    }));
    return this.channel.send(brokerId, StopReplica, () => ({ controllerId: this.opts.brokerId, controllerEpoch: this.epoch, brokerEpoch: b.epoch, topicStates }));
  }

  /** What the reassignment logic (reassignment.ts) may use of this controller. */
  private reassignmentHost(): ReassignmentHost {
    return {
      log: this.opts.log,
      clock: this.opts.clock,
      zk: this.opts.zk,
      isActive: () => this.active,
      enqueue: (event) => this.enqueue(event),
      controllerEpoch: () => this.epoch,
      topics: () => this.topics,
      isLive: (id) => this.brokers.has(id),
      liveBrokerIds: () => [...this.brokers.keys()].sort((a, b) => a - b),
      fencedMulti: (ops) => this.fencedMulti(ops),
      isFenced: (err) => err instanceof FencedError,
      sendLeaderAndIsr: (id, ps) => this.sendLeaderAndIsr(id, ps),
      sendUpdateMetadata: (ids, ps) => this.sendUpdateMetadata(ids, ps),
      sendStopReplica: (id, ps, del) => this.sendStopReplica(id, ps, del),
    };
  }
}


function waitBounded(p: Promise<unknown>, ms: number, clock: Clock): Promise<void> {
  return new Promise((resolve) => {
    const t = clock.schedule(ms, resolve);
    void p.finally(() => {
      t.cancel();
      resolve();
    });
  });
}
