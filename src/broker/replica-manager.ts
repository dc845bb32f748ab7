/**
 * The partitions this broker hosts (Kafka's ReplicaManager): it applies each metadata delta —
 * opening logs and making replicas leaders or followers, stopping and deleting replicas of
 * deleted topics, pushing topic config changes to live logs — and checkpoints every partition's
 * high watermark in Kafka's replication-offset-checkpoint, so a restart never exposes an offset
 * that was not committed.
 */
import * as path from 'node:path';
import type { BrokerConfig } from '../config/broker-config.js';
import { effectiveTopicConfig, hasPolicy } from '../config/topic-configs.js';
import { sameIds, type MetadataDelta, type MetadataImage, type TopicImage } from '../cluster/metadata-image.js';
import { topicCodec } from '../record/batch-rewrite.js';
import { readOffsetCheckpoint, writeOffsetCheckpoint } from '../storage/checkpoint.js';
import type { LogCleaner } from '../storage/cleaner.js';
import { realFs, type FileSystem } from '../storage/fs.js';
import type { LogManager } from '../storage/log-manager.js';
import type { Log } from '../storage/log.js';
import { ProducerStateManager } from '../txn/producer-state-manager.js';
import type { Clock, Timer } from '../util/clock.js';
import { log as rootLog } from '../util/log.js';
import { NEW_LEADERSHIP_KEY, type DelayedOperations } from './delayed-operations.js';
import { Partition, type PartitionSettings } from './partition.js';
import type { ReplicaFetcherManager } from './replica-fetcher.js';
import { toLogConfig } from './topic-log-config.js';

export const HIGH_WATERMARK_CHECKPOINT = 'replication-offset-checkpoint';

const keyOf = (topic: string, index: number) => `${topic}\u0000${index}`;

export interface ReplicaManagerOptions {
  nodeId: number;
  config: BrokerConfig;
  logs: LogManager;
  cleaner: LogCleaner;
  delayed: DelayedOperations;
  clock: Clock;
  fs?: FileSystem;
  /** Cluster mode: the fetchers that copy followed partitions from their leaders. */
  fetchers?: ReplicaFetcherManager;
  /** Cluster mode: a leader's follower caught up and may join the ISR. */
  onIsrExpand?: (p: Partition, newIsr: number[]) => void;
}

export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  private readonly checkpointed: Map<string, number>;
  private readonly fs: FileSystem;
  private checkpointTimer: Timer | null = null;
  private producerExpirationTimer: Timer | null = null;
  private readonly logger = rootLog.child({ component: 'replica-manager' });

  constructor(private readonly opts: ReplicaManagerOptions) {
    this.fs = opts.fs ?? realFs;
    this.checkpointed = readOffsetCheckpoint(this.fs, this.checkpointFile);
  }

  private get checkpointFile(): string {
    return path.join(this.opts.logs.dir, HIGH_WATERMARK_CHECKPOINT);
  }

  partition(topic: string, index: number): Partition | undefined {
    return this.partitions.get(keyOf(topic, index));
  }

  allPartitions(): IterableIterator<Partition> {
    return this.partitions.values();
  }

  batchLogStartCheckpoints<T>(fn: () => T): { result: T; checkpointed: boolean } {
    return this.opts.logs.batchLogStartCheckpoints(fn);
  }

  /** Every partition of every topic in the image that this broker holds a replica of. */
  applyImage(image: MetadataImage): void {
    for (const t of image.topics()) this.applyTopic(t);
  }

  /**
   * Applies what changed. Throws if a log cannot be created (the controller then undoes the
   * change); what was created before the failure is removed again by the undoing delta.
   */
  applyDelta(delta: MetadataDelta): void {
    for (const t of delta.deletedTopics) this.stopTopic(t);
    for (const t of delta.changedTopics) this.applyTopic(t);
    // A new dynamic broker value is the default of every topic that has none of its own.
    for (const t of delta.brokerConfigsChanged ? delta.image.topics() : delta.changedConfigs) this.applySettings(t);
  }

  private settingsFor(t: TopicImage): { eff: Record<string, string>; settings: PartitionSettings } {
    const eff = effectiveTopicConfig(this.opts.config, t.configs);
    return {
      eff,
      settings: { maxMessageBytes: Number(eff['max.message.bytes']), codec: topicCodec(eff['compression.type']!), requireKeys: hasPolicy(eff, 'compact'), downConversion: eff['message.downconversion.enable'] !== 'false', minInsyncReplicas: Number(eff['min.insync.replicas']) },
    };
  }

  leadershipsTaken = 0;

  /** ISR changes of partitions this broker leads, since the process started. */
  isrShrinks = 0;
  isrExpands = 0;

  private applyTopic(t: TopicImage): void {
    const { eff, settings } = this.settingsFor(t);
    const logConfig = toLogConfig(eff);
    t.partitions.forEach((state, i) => {
      const key = keyOf(t.name, i);
      let p = this.partitions.get(key);
      if (!state.replicas.includes(this.opts.nodeId)) {
        if (p) this.stopPartition(p);
        return;
      }
      const fresh = !p;
      if (!p) {
        const log = this.opts.logs.getOrCreateLog(t.name, i, logConfig, t.id);
        const producerState = this.loadProducerState(log);
        p = new Partition(t.name, t.id, i, log, this.opts.nodeId, () => this.opts.clock.now(), (x) => this.opts.delayed.checkAndComplete(x.key), producerState);
        log.onRoll = (baseOffset) => producerState.takeSnapshot(baseOffset, false);
        if (this.opts.onIsrExpand) p.onIsrExpand = this.opts.onIsrExpand;
        const hw = this.checkpointed.get(`${t.name}-${i}`);
        if (hw !== undefined) log.updateHighWatermark(hw);
        this.partitions.set(key, p);
      }
      p.settings = settings;
      const leads = state.leader === this.opts.nodeId;
      // A delta names every partition of a changed topic: only a changed state is a transition,
      // and a new ISR under the same leader and epoch is not a new leadership.
      if (!fresh && p.isLeader === leads && p.leaderEpoch === state.leaderEpoch) {
        if (p.partitionEpoch === state.partitionEpoch && sameIds(p.isr, state.isr) && sameIds(p.replicas, state.replicas)) return;
        if (leads) {
          // Kafka's IsrShrinksPerSec / IsrExpandsPerSec, counted by the leader that keeps leading.
          if (state.isr.length < p.isr.length) this.isrShrinks++;
          else if (state.isr.length > p.isr.length) this.isrExpands++;
          p.updateIsr(state);
          return;
        }
        if (p.leaderId === state.leader) {
          p.makeFollower(state);
          return;
        }
      }
      if (leads) {
        this.opts.fetchers?.unfollow(p);
        p.makeLeader(state);
        this.leadershipsTaken++;
        // A follower's fetch waiting here for its other partitions would hold back the first
        // fetch of this one, and with it every acks=all write, for up to replica.fetch.wait.max.ms.
        this.opts.delayed.checkAndComplete(NEW_LEADERSHIP_KEY);
      } else {
        p.makeFollower(state);
        this.opts.fetchers?.follow(p, state.leader);
      }
    });
  }

  /**
   * The partition's producer state from its snapshots and log. A failure to read them leaves the
   * state empty (logged): producers are then accepted at whatever sequence they continue with.
   */
  private loadProducerState(log: Log): ProducerStateManager {
    const config = this.opts.config;
    const opts = {
      topicPartition: `${log.topic}-${log.partition}`,
      // Read where it is used: producer.id.expiration.ms is dynamic.
      get producerIdExpirationMs(): number {
        return config.int('producer.id.expiration.ms');
      },
      snapshots: { fs: this.fs, dir: log.dir },
    };
    try {
      return ProducerStateManager.load(log, opts, this.opts.clock.now(), this.opts.logs.hadCleanShutdown);
    } catch (err) {
      this.logger.error({ err, topic: log.topic, partition: log.partition }, 'cannot load producer state; starting empty');
      return new ProducerStateManager(opts);
    }
  }

  private applySettings(t: TopicImage): void {
    const { eff, settings } = this.settingsFor(t);
    const logConfig = toLogConfig(eff);
    t.partitions.forEach((_, i) => {
      const p = this.partitions.get(keyOf(t.name, i));
      if (!p) return;
      p.log.updateConfig(logConfig);
      p.settings = settings;
    });
  }

  private stopTopic(t: TopicImage): void {
    t.partitions.forEach((_, i) => {
      const p = this.partitions.get(keyOf(t.name, i));
      if (p && p.topicId === t.id) this.stopPartition(p);
    });
  }

  /** The replica is gone: its log is deleted and whatever waited on it is answered. */
  private stopPartition(p: Partition): void {
    this.opts.fetchers?.unfollow(p);
    this.partitions.delete(p.key);
    this.opts.logs.deleteLog(p.topic, p.index);
    this.opts.cleaner.forget(p.topic, p.index);
    this.checkpointed.delete(`${p.topic}-${p.index}`);
    this.opts.delayed.checkAndComplete(p.key);
  }

  checkpointHighWatermarks(): void {
    const entries = [...this.partitions.values()].map((p) => ({ topic: p.topic, partition: p.index, offset: p.highWatermark }));
    writeOffsetCheckpoint(this.fs, this.checkpointFile, entries);
  }

  /** replica.high.watermark.checkpoint.interval.ms: the checkpoint is written on that period. */
  startCheckpoints(intervalMs: number): void {
    const tick = (): void => {
      try {
        this.checkpointHighWatermarks();
      } catch (err) {
        this.logger.warn({ err }, 'high watermark checkpoint failed');
      }
      this.checkpointTimer = this.opts.clock.schedule(intervalMs, tick);
    };
    this.checkpointTimer = this.opts.clock.schedule(intervalMs, tick);
  }

  /**
   * Every producer.id.expiration.check.interval.ms: producers idle for producer.id.expiration.ms
   * are forgotten, and so are producers whose batches retention removed, with the snapshots below
   * each log start.
   */
  startProducerExpiration(): void {
    const interval = this.opts.config.int('producer.id.expiration.check.interval.ms');
    const tick = (): void => {
      this.expireProducers();
      this.producerExpirationTimer = this.opts.clock.schedule(interval, tick);
    };
    this.producerExpirationTimer = this.opts.clock.schedule(interval, tick);
  }

  expireProducers(): void {
    const now = this.opts.clock.now();
    for (const p of this.partitions.values()) {
      try {
        p.producerState.removeExpiredProducers(now);
        p.producerState.removeProducersBelow(p.logStartOffset);
        p.producerState.deleteSnapshotsBefore(p.logStartOffset);
      } catch (err) {
        this.logger.warn({ err, topic: p.topic, partition: p.index }, 'producer expiration failed');
      }
    }
  }

  stop(): void {
    this.opts.fetchers?.stop();
    this.checkpointTimer?.cancel();
    this.checkpointTimer = null;
    this.producerExpirationTimer?.cancel();
    this.producerExpirationTimer = null;
    for (const p of this.partitions.values()) p.producerState.snapshotAtShutdown(p.logEndOffset);
    try {
      this.checkpointHighWatermarks();
    } catch (err) {
      this.logger.warn({ err }, 'high watermark checkpoint failed');
    }
  }
}
