// Group consumer over Kafka's classic group protocol: FindCoordinator, JoinGroup (with the
// MEMBER_ID_REQUIRED round of KIP-394), the leader computes a range assignment, SyncGroup,
// Heartbeat on a timer, OffsetFetch for starting positions, OffsetCommit, LeaveGroup on close.
import { Heartbeat, JoinGroup, LeaveGroup, SyncGroup } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { Admin } from './admin.js';
import type { KafkaClient } from './client.js';
import type { Connection } from './connection.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../protocol/consumer-protocol.js';
import { rangeAssign } from './range-assignor.js';
import { Fetcher, type ConsumedRecord, type FetcherOptions } from './consumer.js';
import { ClientError, KafkaError, sleep } from './util.js';

export interface GroupConsumerOptions extends FetcherOptions {
  groupId: string;
  topics: string[];
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  groupInstanceId?: string | null;
  /** Commit positions every autoCommitIntervalMs and on close (enable.auto.commit). */
  autoCommit?: boolean;
  autoCommitIntervalMs?: number;
}

const REJOIN_CODES: Set<number> = new Set([ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.ILLEGAL_GENERATION, ErrorCode.UNKNOWN_MEMBER_ID]);
const COORDINATOR_CODES: Set<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);

export class GroupConsumer {
  readonly admin: Admin;
  readonly fetcher: Fetcher;
  memberId = '';
  generationId = -1;
  leader = false;
  assignment = new Map<string, number[]>();
  private coordinator: Connection | null = null;
  private needRejoin = true;
  private hbTimer: NodeJS.Timeout | null = null;
  private lastCommit = Date.now();
  private closed = false;

  constructor(readonly client: KafkaClient, readonly opts: GroupConsumerOptions) {
    this.admin = new Admin(client);
    this.fetcher = new Fetcher(client, this.admin, { autoOffsetReset: 'latest', ...opts });
  }

  private async coord(): Promise<Connection> {
    if (this.coordinator && !this.coordinator.closed) return this.coordinator;
    this.coordinator = await this.admin.coordinator(this.opts.groupId);
    return this.coordinator;
  }

  /** Joins (or rejoins) the group and sets up the fetcher for the assignment. */
  async join(): Promise<void> {
    this.stopHeartbeat();
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new ClientError('CLOSED', 'consumer is closed');
      try {
        await this.joinOnce();
        this.needRejoin = false;
        this.startHeartbeat();
        return;
      } catch (e) {
        if (!(e instanceof KafkaError) && !(e instanceof ClientError && e.retriable)) throw e;
        if (e instanceof KafkaError) {
          if (e.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
          else if (COORDINATOR_CODES.has(e.errorCode)) this.coordinator = null;
          else if (!REJOIN_CODES.has(e.errorCode) && !e.retriable) throw e;
        } else this.coordinator = null;
        if (attempt > 20) throw e;
        await sleep(Math.min(100 * (attempt + 1), 1000));
      }
    }
  }

  private async joinOnce(): Promise<void> {
    const conn = await this.coord();
    const g = this.opts.groupId;
    const join = async () =>
      conn.send(
        JoinGroup,
        {
          groupId: g,
          sessionTimeoutMs: this.opts.sessionTimeoutMs ?? 10_000,
          rebalanceTimeoutMs: this.opts.rebalanceTimeoutMs ?? 30_000,
          memberId: this.memberId,
          groupInstanceId: this.opts.groupInstanceId ?? null,
          protocolType: 'consumer',
          protocols: [{ name: 'range', metadata: encodeSubscription(this.opts.topics) }],
          reason: null,
        },
        { timeoutMs: (this.opts.rebalanceTimeoutMs ?? 30_000) + 5000 },
      );
    let res = await join();
    if (res.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      this.memberId = res.memberId;
      res = await join();
    }
    if (res.errorCode !== 0) throw new KafkaError(res.errorCode, `join group ${g}`);
    this.memberId = res.memberId;
    this.generationId = res.generationId;
    this.leader = res.leader === res.memberId;
    let assignments: { memberId: string; assignment: Buffer }[] = [];
    if (this.leader && !res.skipAssignment) {
      const members = res.members.map((m) => ({ memberId: m.memberId, topics: decodeSubscription(m.metadata)?.topics ?? [] }));
      const topics = [...new Set(members.flatMap((m) => m.topics))];
      const md = await this.client.metadata(topics);
      const counts = new Map(md.topics.filter((t) => t.errorCode === 0).map((t) => [t.name, t.partitions.length]));
      const plan = rangeAssign(members, counts);
      assignments = [...plan].map(([memberId, a]) => ({ memberId, assignment: encodeAssignment(a) }));
    }
    const sync = await conn.send(
      SyncGroup,
      {
        groupId: g,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: this.opts.groupInstanceId ?? null,
        protocolType: 'consumer',
        protocolName: res.protocolName ?? 'range',
        assignments,
      },
      { timeoutMs: (this.opts.rebalanceTimeoutMs ?? 30_000) + 5000 },
    );
    if (sync.errorCode !== 0) throw new KafkaError(sync.errorCode, `sync group ${g}`);
    const a = decodeAssignment(sync.assignment);
    this.assignment = new Map((a?.assignedPartitions ?? []).map((t) => [t.topic, [...t.partitions].sort((x, y) => x - y)]));
    // Starting positions: committed offsets, else the reset policy.
    this.fetcher.clear();
    const wanted = [...this.assignment].map(([topic, partitions]) => ({ topic, partitions }));
    const committed = wanted.length ? await this.admin.fetchOffsets(g, wanted, conn) : [];
    for (const [topic, partitions] of this.assignment) {
      const missing: number[] = [];
      for (const p of partitions) {
        const c = committed.find((o) => o.topic === topic && o.partition === p);
        if (c) this.fetcher.assign(topic, p, c.offset);
        else missing.push(p);
      }
      if (missing.length) {
        const reset = this.opts.autoOffsetReset ?? 'latest';
        if (reset === 'none') throw new ClientError('NO_OFFSET', `no committed offset for ${topic} ${missing.join(',')} in group ${g}`);
        const offs = await this.admin.listOffsets(topic, missing, reset === 'earliest' ? -2 : -1);
        for (const p of missing) this.fetcher.assign(topic, p, offs.get(p) ?? 0);
      }
    }
  }

  private startHeartbeat(): void {
    const every = this.opts.heartbeatIntervalMs ?? 3000;
    this.hbTimer = setInterval(() => void this.heartbeat(), every);
    this.hbTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.hbTimer) clearInterval(this.hbTimer);
    this.hbTimer = null;
  }

  private async heartbeat(): Promise<void> {
    try {
      const conn = await this.coord();
      const res = await conn.send(Heartbeat, {
        groupId: this.opts.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: this.opts.groupInstanceId ?? null,
      });
      if (res.errorCode === 0) return;
      if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
      if (COORDINATOR_CODES.has(res.errorCode)) this.coordinator = null;
      this.needRejoin = true;
    } catch {
      this.coordinator = null;
    }
  }

  /** Records since the last poll; rejoins first when the group is rebalancing. */
  async poll(): Promise<ConsumedRecord[]> {
    if (this.needRejoin) {
      if (this.opts.autoCommit !== false && this.generationId >= 0) await this.commit().catch(() => undefined);
      await this.join();
    }
    // Auto-commit before fetching, as Kafka's consumer does: the positions then cover only the
    // records earlier polls handed out, never the ones this poll is about to return.
    if (this.opts.autoCommit !== false && Date.now() - this.lastCommit >= (this.opts.autoCommitIntervalMs ?? 5000)) {
      await this.commit().catch((e) => {
        if (e instanceof KafkaError && REJOIN_CODES.has(e.errorCode)) this.needRejoin = true;
      });
    }
    return this.fetcher.poll();
  }

  /** Commits the current positions (the next offset to read) of the assignment. */
  async commit(): Promise<void> {
    this.lastCommit = Date.now();
    const offsets = this.fetcher.assignment().map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset }));
    if (offsets.length === 0) return;
    const conn = await this.coord();
    await this.admin.commitOffsets(this.opts.groupId, offsets, { generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.opts.groupInstanceId ?? null }, conn);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.stopHeartbeat();
    try {
      if (this.opts.autoCommit !== false && this.generationId >= 0) await this.commit().catch(() => undefined);
      if (this.memberId) {
        const conn = await this.coord();
        await conn.send(LeaveGroup, {
          groupId: this.opts.groupId,
          memberId: this.memberId,
          members: [{ memberId: this.memberId, groupInstanceId: this.opts.groupInstanceId ?? null, reason: null }],
        });
      }
    } catch {
      // leaving is best effort; the session timeout removes us anyway
    }
    this.closed = true;
  }
}
