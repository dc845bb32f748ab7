/**
 * Followers copying their leaders' logs (Kafka's ReplicaFetcherManager and ReplicaFetcherThread):
 * one fetcher per leader broker, batching every partition this broker follows from it into one
 * Fetch with this broker's replica id. The leader reads them from its segments as for consumers;
 * the follower appends the leader's batches at the leader's offsets, takes the leader's high
 * watermark, and truncates where the leader's epochs say its log diverged (KIP-320).
 */
import type { Connection, PeerSecurity } from '../client/connection.js';
import { LazyConnection } from '../client/lazy-connection.js';
import type { ReqBody } from '../client/util.js';
import type { BrokerInfo } from '../cluster/metadata-image.js';
import { ErrorCode } from '../protocol/errors.js';
import { Fetch } from '../protocol/messages/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import type { Partition } from './partition.js';

export interface ReplicaFetchSettings {
  /** replica.fetch.wait.max.ms */
  maxWaitMs: number;
  /** replica.fetch.min.bytes */
  minBytes: number;
  /** replica.fetch.response.max.bytes */
  maxBytes: number;
  /** replica.fetch.max.bytes */
  partitionMaxBytes: number;
  /** replica.fetch.backoff.ms */
  backoffMs: number;
  /** replica.socket.timeout.ms: a leader that does not answer a fetch within it (beyond the fetch's wait) is given up on. */
  socketTimeoutMs: number;
}

export interface ReplicaFetcherOptions {
  nodeId: number;
  /** This broker's registration epoch (sent from Fetch v15). */
  brokerEpoch: () => number;
  /** A broker's address in the current metadata. */
  broker: (id: number) => BrokerInfo | undefined;
  settings: ReplicaFetchSettings;
  /** The inter-broker listener's TLS and SASL. */
  peer?: PeerSecurity;
  clock: Clock;
  log: Logger;
}

const sleep = (clock: Clock, ms: number) => new Promise<void>((r) => clock.schedule(ms, r));

class LeaderFetcher {
  readonly partitions = new Map<string, Partition>();
  /** Partitions left out of fetches until this time (an error the leader's next metadata fixes). */
  private readonly delayedUntil = new Map<string, number>();
  /** Consecutive "the leader has not heard yet" answers per partition: the retry backs off from 20 ms. */
  private readonly notYet = new Map<string, number>();
  private readonly conn = new LazyConnection((b) => ({ host: b.host, port: b.port, clientId: `samsa-replica-fetcher-${this.opts.nodeId}`, connectTimeoutMs: this.opts.settings.socketTimeoutMs, requestTimeoutMs: this.opts.settings.maxWaitMs + this.opts.settings.socketTimeoutMs, ...this.opts.peer }));
  private running = false;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    readonly leaderId: number,
    private readonly opts: ReplicaFetcherOptions,
  ) {}

  add(p: Partition): void {
    this.partitions.set(p.key, p);
    this.delayedUntil.delete(p.key);
    this.notYet.delete(p.key);
    if (!this.running) void this.run();
    this.wake?.();
  }

  remove(p: Partition): void {
    this.partitions.delete(p.key);
    this.delayedUntil.delete(p.key);
    this.notYet.delete(p.key);
  }

  stop(): void {
    this.stopped = true;
    this.conn.close();
    this.wake?.();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (!this.stopped && this.partitions.size > 0) {
        const now = this.opts.clock.now();
        const ready = [...this.partitions.values()].filter((p) => (this.delayedUntil.get(p.key) ?? 0) <= now && !p.isLeader);
        if (ready.length === 0) {
          let until = now + this.opts.settings.backoffMs;
          for (const p of this.partitions.values()) if (!p.isLeader) until = Math.min(until, this.delayedUntil.get(p.key) ?? now);
          await new Promise<void>((resolve) => {
            this.wake = resolve;
            this.opts.clock.schedule(Math.max(1, until - now), resolve);
          });
          this.wake = null;
          continue;
        }
        try {
          await this.fetchOnce(ready);
        } catch (err) {
          this.conn.reset();
          if (this.stopped) break;
          this.opts.log.debug({ err, leader: this.leaderId }, 'replica fetch failed; retrying');
          await sleep(this.opts.clock, this.opts.settings.backoffMs);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private connection(): Promise<Connection> {
    const b = this.opts.broker(this.leaderId);
    if (!b) throw new Error(`leader ${this.leaderId} is not in the metadata`);
    return this.conn.get(b);
  }

  private async fetchOnce(parts: Partition[]): Promise<void> {
    const conn = await this.connection();
    const version = conn.versionFor(Fetch);
    if (version < 12) throw new Error(`leader ${this.leaderId} serves Fetch only up to v${version}`);
    const byTopic = new Map<string, Partition[]>();
    for (const p of parts) {
      let l = byTopic.get(p.topic);
      if (!l) byTopic.set(p.topic, (l = []));
      l.push(p);
    }
    const s = this.opts.settings;
    const body = {
      replicaId: this.opts.nodeId,
      replicaState: { replicaId: this.opts.nodeId, replicaEpoch: this.opts.brokerEpoch() },
      maxWaitMs: s.maxWaitMs,
      minBytes: s.minBytes,
      maxBytes: s.maxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...byTopic].map(([topic, ps]) => ({
        topic,
        topicId: ps[0]!.topicId,
        partitions: ps.map((p) => ({
          partition: p.index,
          currentLeaderEpoch: p.leaderEpoch,
          fetchOffset: p.logEndOffset,
          lastFetchedEpoch: p.log.latestEpoch(),
          logStartOffset: p.logStartOffset,
          partitionMaxBytes: s.partitionMaxBytes,
        })),
      })),
      forgottenTopicsData: [],
      rackId: '',
    };
    const res = await conn.sendAt(Fetch, version, body as ReqBody<typeof Fetch>, { timeoutMs: s.maxWaitMs + s.socketTimeoutMs });
    if (res.errorCode !== ErrorCode.NONE) throw new Error(`Fetch from leader ${this.leaderId} failed with error ${res.errorCode}`);
    for (const t of res.responses) {
      const name = byTopic.has(t.topic) ? t.topic : [...byTopic.keys()].find((n) => byTopic.get(n)![0]!.topicId === t.topicId);
      if (name === undefined) continue;
      for (const pd of t.partitions) {
        const p = byTopic.get(name)!.find((x) => x.index === pd.partitionIndex);
        // Stale answers are dropped: the partition moved (or stopped) while the fetch was out.
        if (!p || this.partitions.get(p.key) !== p || p.isLeader) continue;
        this.apply(p, pd);
      }
    }
  }

  private apply(p: Partition, pd: { errorCode: number; highWatermark: number; logStartOffset: number; divergingEpoch: { epoch: number; endOffset: number }; records: unknown }): void {
    if (pd.errorCode !== ErrorCode.UNKNOWN_LEADER_EPOCH && pd.errorCode !== ErrorCode.NOT_LEADER_OR_FOLLOWER) this.notYet.delete(p.key);
    if (pd.errorCode === ErrorCode.NONE) {
      if (pd.divergingEpoch.epoch >= 0) {
        // The leader's log differs from ours after this epoch: cut ours back to where they agree.
        const mine = p.log.endOffsetForEpoch(pd.divergingEpoch.epoch);
        const to = Math.min(pd.divergingEpoch.endOffset, mine.endOffset < 0 ? p.logEndOffset : mine.endOffset, p.logEndOffset);
        this.opts.log.info({ topic: p.topic, partition: p.index, to, divergingEpoch: pd.divergingEpoch }, 'truncating a follower log where it diverged from the leader');
        p.truncateTo(to);
        return;
      }
      const records = Buffer.isBuffer(pd.records) ? pd.records : Buffer.alloc(0);
      const out = p.appendRecordsAsFollower(records, pd.highWatermark);
      if (out && !out.ok) {
        this.opts.log.warn({ topic: p.topic, partition: p.index, errorCode: out.errorCode, reason: out.message }, 'cannot append replicated records');
        this.delayedUntil.set(p.key, this.opts.clock.now() + this.opts.settings.backoffMs);
      }
      return;
    }
    if (pd.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      // Below the leader's log start: start over there. Above its end: what the leader has committed is ours too.
      if (p.logEndOffset < pd.logStartOffset) p.truncateFullyAndStartAt(pd.logStartOffset);
      else if (pd.highWatermark >= 0 && pd.highWatermark < p.logEndOffset) p.truncateTo(pd.highWatermark);
      return;
    }
    if (pd.errorCode === ErrorCode.UNKNOWN_LEADER_EPOCH || pd.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER) {
      // The controller told the new leader and its followers at once, and this fetch came first:
      // the leader is moments from knowing. Waiting out replica.fetch.backoff.ms here would hold
      // every acks=all write of a failover for a second.
      const n = this.notYet.get(p.key) ?? 0;
      this.notYet.set(p.key, n + 1);
      this.delayedUntil.set(p.key, this.opts.clock.now() + Math.min(this.opts.settings.backoffMs, 20 * 2 ** n));
      return;
    }
    // Another epoch or unknown here: the controller's next state settles it.
    this.delayedUntil.set(p.key, this.opts.clock.now() + this.opts.settings.backoffMs);
  }
}

export class ReplicaFetcherManager {
  private readonly fetchers = new Map<number, LeaderFetcher>();
  private readonly following = new Map<string, number>();
  private stopped = false;

  constructor(private readonly opts: ReplicaFetcherOptions) {}

  /** `p` follows `leaderId` from now on (-1: no leader, nothing to fetch from). */
  follow(p: Partition, leaderId: number): void {
    this.unfollow(p);
    // A LeaderAndIsr answered while the broker stops starts no fetcher.
    if (leaderId < 0 || leaderId === this.opts.nodeId || this.stopped) return;
    let f = this.fetchers.get(leaderId);
    if (!f) this.fetchers.set(leaderId, (f = new LeaderFetcher(leaderId, this.opts)));
    f.add(p);
    this.following.set(p.key, leaderId);
  }

  unfollow(p: Partition): void {
    const leader = this.following.get(p.key);
    if (leader === undefined) return;
    this.following.delete(p.key);
    const f = this.fetchers.get(leader);
    if (!f) return;
    f.remove(p);
    if (f.partitions.size === 0) {
      f.stop();
      this.fetchers.delete(leader);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const f of this.fetchers.values()) f.stop();
    this.fetchers.clear();
    this.following.clear();
  }
}
