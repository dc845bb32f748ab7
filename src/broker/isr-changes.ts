/**
 * A leader's ISR changes (Kafka's ISR expiration task and AlterPartitionManager): followers that
 * have not caught up within replica.lag.time.max.ms are proposed out, followers that reached the
 * high watermark in this leader's epoch are proposed in. A change is never applied here first:
 * it goes to the controller with AlterPartition, conditioned on the partition epoch, and takes
 * effect when the controller's answer (or its next metadata) says so.
 */
import type { Connection, PeerSecurity } from '../client/connection.js';
import { LazyConnection } from '../client/lazy-connection.js';
import type { ReqBody } from '../client/util.js';
import type { MetadataImage } from '../cluster/metadata-image.js';
import type { BrokerMetadata } from '../cluster/zk-mode/broker-metadata.js';
import { ErrorCode } from '../protocol/errors.js';
import { AlterPartition } from '../protocol/messages/index.js';
import type { Clock, Timer } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import type { Partition } from './partition.js';

export interface IsrChangesOptions {
  nodeId: number;
  brokerEpoch: () => number;
  image: () => MetadataImage;
  metadata: BrokerMetadata;
  partitions: () => Iterable<Partition>;
  /** replica.lag.time.max.ms */
  maxLagMs: number;
  /** controller.socket.timeout.ms: how long an AlterPartition may go unanswered before it is sent again. */
  requestTimeoutMs: number;
  /** The inter-broker listener's TLS and SASL. */
  peer?: PeerSecurity;
  clock: Clock;
  log: Logger;
}

interface Proposal {
  p: Partition;
  newIsr: number[];
  /** The state the proposal is conditioned on. */
  leaderEpoch: number;
  partitionEpoch: number;
}

const RETRY_MS = 200;

export class IsrChanges {
  private readonly queued = new Map<string, Proposal>();
  private sending = false;
  private readonly conn = new LazyConnection((b) => ({ host: b.host, port: b.port, clientId: `samsa-alter-partition-${this.opts.nodeId}`, connectTimeoutMs: this.opts.requestTimeoutMs, requestTimeoutMs: this.opts.requestTimeoutMs, ...this.opts.peer }));
  private scanTimer: Timer | null = null;
  private stopped = false;
  /** The controller (id and address) the AlterPartition in flight went to; null when none is. */
  private inFlightTo: string | null = null;

  constructor(private readonly opts: IsrChangesOptions) {}

  /** Scans for lagging followers every half of replica.lag.time.max.ms, as Kafka's isr-expiration task. */
  start(): void {
    const every = Math.max(10, Math.floor(this.opts.maxLagMs / 2));
    const tick = (): void => {
      if (this.stopped) return;
      this.shrinkLagging();
      this.scanTimer = this.opts.clock.schedule(every, tick);
    };
    this.scanTimer = this.opts.clock.schedule(every, tick);
  }

  stop(): void {
    this.stopped = true;
    this.scanTimer?.cancel();
    this.conn.close();
  }

  /**
   * Called on each new metadata image: an AlterPartition still waiting on a controller that is
   * no longer the controller is sent again to the new one, as Kafka's controller channel does.
   * A controller killed behind a network fault may never close its end, and the request would
   * otherwise hold every ISR change of this broker for controller.socket.timeout.ms.
   */
  controllerMoved(): void {
    if (this.inFlightTo !== null && this.inFlightTo !== this.controllerKey()) this.conn.reset();
  }

  private controllerKey(): string | null {
    const image = this.opts.image();
    const c = image.controllerId >= 0 ? image.broker(image.controllerId) : undefined;
    return c ? `${c.id}@${c.host}:${c.port}` : null;
  }

  shrinkLagging(): void {
    for (const p of this.opts.partitions()) {
      const lagging = p.outOfSyncReplicas(this.opts.maxLagMs);
      if (lagging.length === 0) continue;
      this.opts.log.info({ topic: p.topic, partition: p.index, lagging, isr: p.isr }, 'shrinking the ISR: followers have not caught up');
      this.propose(p, p.isr.filter((r) => !lagging.includes(r)));
    }
  }

  /** A change for `p`, sent with the next batch (one in flight per partition). */
  propose(p: Partition, newIsr: number[]): void {
    if (p.pendingIsr !== null || this.stopped) return;
    p.pendingIsr = newIsr;
    this.queued.set(p.key, { p, newIsr, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch });
    if (!this.sending) void this.sendLoop();
  }

  private async controllerConnection(): Promise<Connection> {
    const image = this.opts.image();
    const controller = image.controllerId >= 0 ? image.broker(image.controllerId) : undefined;
    if (!controller) throw new Error('no controller known');
    return this.conn.get(controller);
  }

  private async sendLoop(): Promise<void> {
    this.sending = true;
    try {
      while (this.queued.size > 0 && !this.stopped) {
        const batch = [...this.queued.values()];
        this.queued.clear();
        // A proposal overtaken by a new leadership or state is dropped: its premise is gone.
        const live = batch.filter((b) => b.p.isLeader && b.p.leaderEpoch === b.leaderEpoch && b.p.partitionEpoch === b.partitionEpoch);
        for (const b of batch) if (!live.includes(b) && b.p.pendingIsr === b.newIsr) b.p.pendingIsr = null;
        if (live.length === 0) continue;
        try {
          await this.send(live);
        } catch (err) {
          this.conn.reset();
          this.opts.log.debug({ err }, 'AlterPartition failed; retrying');
          for (const b of live) if (!this.queued.has(b.p.key)) this.queued.set(b.p.key, b);
          await new Promise<void>((r) => this.opts.clock.schedule(RETRY_MS, r));
        }
      }
    } finally {
      this.sending = false;
    }
  }

  private async send(batch: Proposal[]): Promise<void> {
    this.inFlightTo = this.controllerKey();
    try {
      await this.sendTo(await this.controllerConnection(), batch);
    } finally {
      this.inFlightTo = null;
    }
  }

  private async sendTo(conn: Connection, batch: Proposal[]): Promise<void> {
    const version = conn.versionFor(AlterPartition);
    if (version < 2) throw new Error('the controller does not serve AlterPartition v2+');
    const byTopic = new Map<string, Proposal[]>();
    for (const b of batch) {
      let l = byTopic.get(b.p.topicId);
      if (!l) byTopic.set(b.p.topicId, (l = []));
      l.push(b);
    }
    const body = {
      brokerId: this.opts.nodeId,
      brokerEpoch: this.opts.brokerEpoch(),
      topics: [...byTopic].map(([topicId, ps]) => ({
        topicName: ps[0]!.p.topic,
        topicId,
        partitions: ps.map((b) => ({
          partitionIndex: b.p.index,
          leaderEpoch: b.leaderEpoch,
          newIsr: b.newIsr,
          newIsrWithEpochs: b.newIsr.map((id) => ({ brokerId: id, brokerEpoch: -1 })),
          leaderRecoveryState: 0,
          partitionEpoch: b.partitionEpoch,
        })),
      })),
    };
    const res = await conn.sendAt(AlterPartition, version, body as ReqBody<typeof AlterPartition>);
    if (res.errorCode !== ErrorCode.NONE) throw new Error(`AlterPartition refused: error ${res.errorCode}`);
    for (const t of res.topics) {
      for (const r of t.partitions) {
        const b = batch.find((x) => x.p.topicId === t.topicId && x.p.index === r.partitionIndex);
        if (!b) continue;
        if (r.errorCode === ErrorCode.NONE) {
          this.opts.metadata.applyIsrChange(b.p.topic, b.p.index, { leader: r.leaderId, leaderEpoch: r.leaderEpoch, isr: r.isr, partitionEpoch: r.partitionEpoch });
          if (b.p.pendingIsr === b.newIsr) b.p.pendingIsr = null;
          continue;
        }
        this.opts.log.info({ topic: b.p.topic, partition: b.p.index, errorCode: r.errorCode, newIsr: b.newIsr }, 'the controller refused an ISR change');
        // Stale premise (another state or leader): the controller's next metadata settles it.
        if (b.p.pendingIsr === b.newIsr) b.p.pendingIsr = null;
      }
    }
  }
}
