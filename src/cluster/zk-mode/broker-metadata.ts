/**
 * A cluster broker's view of the metadata (Kafka's ZkMetadataCache together with the partition
 * states LeaderAndIsr sets): built only from what the controller sends — UpdateMetadata for the
 * whole cluster, LeaderAndIsr for this broker's replicas, StopReplica — plus the topic configs
 * read from ZooKeeper. Requests from a controller older than the newest one seen, or addressed
 * to an earlier registration of this broker, change nothing (KIP-380).
 */
import { ErrorCode } from '../../protocol/errors.js';
import { MetadataImage, diffImages, sameConfigs, sameIds, type BrokerConfigsImage, type BrokerInfo, type MetadataDelta, type PartitionState, type TopicImage } from '../metadata-image.js';

/** Kafka's LeaderAndIsr.LeaderDuringDelete: UpdateMetadata's mark of a partition being deleted. */
export const LEADER_DURING_DELETE = -2;

export interface ControllerPartitionState {
  topic: string;
  partition: number;
  controllerEpoch: number;
  leader: number;
  leaderEpoch: number;
  isr: readonly number[];
  /** The state znode's version: Kafka's partition epoch. */
  partitionEpoch: number;
  replicas: readonly number[];
}

/** What every controller request carries to be checked against. */
export interface ControllerStamp {
  controllerId: number;
  controllerEpoch: number;
  /** The epoch of this broker's registration the controller addressed; -1 when not sent (old versions). */
  brokerEpoch: number;
}

export interface PartitionOutcome {
  topic: string;
  partition: number;
  errorCode: number;
}

const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);

interface TopicEntry {
  id: string;
  partitions: Map<number, PartitionState>;
  /** The image's TopicImage while nothing changed, so unchanged topics keep their identity in deltas. */
  image: TopicImage | null;
}

export class BrokerMetadata {
  private current: MetadataImage;
  private readonly topics = new Map<string, TopicEntry>();
  private readonly configs = new Map<string, Readonly<Record<string, string>>>();
  /** This broker's and the cluster-wide dynamic broker configs, from /config/brokers. */
  private brokerConfigs: BrokerConfigsImage = new Map();
  private brokers: BrokerInfo[] = [];
  private controllerId = -1;
  /** The newest controller epoch seen; requests below it are from a deposed controller. */
  private controllerEpoch = 0;
  private readonly listeners: Array<(d: MetadataDelta) => void> = [];
  private readonly waiters = new Set<() => void>();
  /** Set once the first UpdateMetadata arrived: before it this broker knows nothing of the cluster. */
  hasClusterView = false;

  constructor(
    /** From /cluster/id, known once the session is up. */
    public clusterId: string,
    readonly nodeId: number,
    /** This broker's current registration epoch (the czxid of /brokers/ids/<id>). */
    private readonly brokerEpoch: () => number,
  ) {
    this.current = new MetadataImage(0, clusterId, -1, [], []);
  }

  get image(): MetadataImage {
    return this.current;
  }

  get latestControllerEpoch(): number {
    return this.controllerEpoch;
  }

  onDelta(listener: (d: MetadataDelta) => void): void {
    this.listeners.push(listener);
  }

  /** Calls `check` after every change until it returns true (the caller bounds the wait). */
  watch(check: () => boolean): () => void {
    const w = (): void => {
      if (check()) this.waiters.delete(w);
    };
    this.waiters.add(w);
    return () => this.waiters.delete(w);
  }

  /** The refusal of a request, or NONE when it may be applied. */
  check(stamp: ControllerStamp): number {
    if (stamp.controllerEpoch < this.controllerEpoch) return ErrorCode.STALE_CONTROLLER_EPOCH;
    // Before this process has registered, a request naming a broker epoch was meant for the
    // previous process with this id (the controller has not seen it die yet): acting on it, a
    // restarted broker would lead partitions and serve groups as that process, unregistered.
    const mine = this.brokerEpoch();
    if (stamp.brokerEpoch >= 0 && (mine < 0 || stamp.brokerEpoch < mine)) return ErrorCode.STALE_BROKER_EPOCH;
    return ErrorCode.NONE;
  }

  private accept(stamp: ControllerStamp): void {
    if (stamp.controllerEpoch > this.controllerEpoch || this.controllerId < 0) {
      this.controllerEpoch = stamp.controllerEpoch;
      this.controllerId = stamp.controllerId;
    }
  }

  /** UpdateMetadata: live brokers and the given partitions' states; leader -2 marks a topic being deleted. */
  applyUpdateMetadata(stamp: ControllerStamp, liveBrokers: readonly BrokerInfo[], states: readonly ControllerPartitionState[], topicIds: ReadonlyMap<string, string>): number {
    const refused = this.check(stamp);
    if (refused !== ErrorCode.NONE) return refused;
    this.accept(stamp);
    this.brokers = [...liveBrokers].sort((a, b) => a.id - b.id);
    for (const s of states) {
      if (s.leader === LEADER_DURING_DELETE) {
        this.topics.delete(s.topic);
        continue;
      }
      this.put(s, topicIds.get(s.topic), false);
    }
    this.hasClusterView = true;
    this.publish();
    return ErrorCode.NONE;
  }

  /** LeaderAndIsr: this broker's replicas; a state older than the one held is refused per partition. */
  applyLeaderAndIsr(stamp: ControllerStamp, states: readonly ControllerPartitionState[], topicIds: ReadonlyMap<string, string>): { errorCode: number; partitions: PartitionOutcome[] } {
    const refused = this.check(stamp);
    if (refused !== ErrorCode.NONE) return { errorCode: refused, partitions: [] };
    this.accept(stamp);
    const partitions = states.map((s) => ({ topic: s.topic, partition: s.partition, errorCode: this.put(s, topicIds.get(s.topic), true) }));
    this.publish();
    return { errorCode: ErrorCode.NONE, partitions };
  }

  /** StopReplica: with deletion, the replicas are dropped (their logs go with the delta). */
  applyStopReplica(stamp: ControllerStamp, partitions: ReadonlyArray<{ topic: string; partition: number; deletePartition: boolean }>): { errorCode: number; partitions: PartitionOutcome[] } {
    const refused = this.check(stamp);
    if (refused !== ErrorCode.NONE) return { errorCode: refused, partitions: [] };
    this.accept(stamp);
    for (const p of partitions) {
      if (!p.deletePartition) continue;
      const t = this.topics.get(p.topic);
      const old = t?.partitions.get(p.partition);
      if (!t || !old) continue;
      // A partition leaving this broker's replica set while its topic lives on (reassignment)
      // stays in the image without this broker, so the topic's other partitions stay served
      // (a gap in the partitions would hide the whole topic, and its logs with it).
      t.partitions.set(p.partition, { ...old, replicas: old.replicas.filter((r) => r !== this.nodeId), isr: old.isr.filter((r) => r !== this.nodeId) });
      // A deleted topic is gone already: UpdateMetadata marked it (LEADER_DURING_DELETE) first.
      t.image = null;
    }
    this.publish();
    return { errorCode: ErrorCode.NONE, partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition, errorCode: ErrorCode.NONE })) };
  }

  /**
   * The controller accepted this leader's AlterPartition: the partition's new ISR and epoch, taken
   * only for the same leader epoch and a newer partition epoch than held.
   */
  applyIsrChange(topic: string, partition: number, s: { leader: number; leaderEpoch: number; isr: readonly number[]; partitionEpoch: number }): void {
    const t = this.topics.get(topic);
    const old = t?.partitions.get(partition);
    if (!t || !old || old.leaderEpoch !== s.leaderEpoch || old.leader !== s.leader || s.partitionEpoch <= old.partitionEpoch) return;
    t.partitions.set(partition, { ...old, isr: [...s.isr], partitionEpoch: s.partitionEpoch });
    t.image = null;
    this.publish();
  }

  /** A topic's dynamic configs as read from /config/topics/<t>. */
  setTopicConfigs(topic: string, configs: Readonly<Record<string, string>>): void {
    const old = this.configs.get(topic);
    if (old && sameConfigs(old, configs)) return;
    this.configs.set(topic, configs);
    const t = this.topics.get(topic);
    if (t) t.image = null;
    this.publish();
  }

  /** A broker entity's dynamic configs as read from /config/brokers/<entity> ('<default>' or this broker's id). */
  setBrokerConfigs(entity: string, configs: Readonly<Record<string, string>>): void {
    if (sameConfigs(this.brokerConfigs.get(entity) ?? {}, configs)) return;
    const next = new Map(this.brokerConfigs);
    if (Object.keys(configs).length === 0) next.delete(entity);
    else next.set(entity, configs);
    this.brokerConfigs = next;
    this.publish();
  }

  topicConfigs(topic: string): Readonly<Record<string, string>> {
    return this.configs.get(topic) ?? {};
  }

  private put(s: ControllerPartitionState, topicId: string | undefined, fenced: boolean): number {
    let t = this.topics.get(s.topic);
    if (t && topicId !== undefined && t.id !== topicId) {
      // The same name with another id: the old topic was deleted while this broker did not hear of it.
      this.topics.delete(s.topic);
      t = undefined;
    }
    if (!t) {
      if (topicId === undefined) return ErrorCode.UNKNOWN_TOPIC_ID;
      t = { id: topicId, partitions: new Map(), image: null };
      this.topics.set(s.topic, t);
    }
    const old = t.partitions.get(s.partition);
    if (fenced && old && (s.leaderEpoch < old.leaderEpoch || (s.leaderEpoch === old.leaderEpoch && s.partitionEpoch < old.partitionEpoch))) {
      return ErrorCode.STALE_CONTROLLER_EPOCH;
    }
    if (old && old.leader === s.leader && old.leaderEpoch === s.leaderEpoch && old.partitionEpoch === s.partitionEpoch && sameIds(old.isr, s.isr) && sameIds(old.replicas, s.replicas)) {
      return ErrorCode.NONE;
    }
    t.partitions.set(s.partition, { replicas: [...s.replicas], leader: s.leader, leaderEpoch: s.leaderEpoch, isr: [...s.isr], partitionEpoch: s.partitionEpoch });
    t.image = null;
    return ErrorCode.NONE;
  }

  private publish(): void {
    const images: TopicImage[] = [];
    for (const [name, t] of this.topics) {
      if (!t.image) {
        const partitions: PartitionState[] = [];
        for (let i = 0; i < t.partitions.size; i++) {
          const p = t.partitions.get(i);
          if (!p) break;
          partitions.push(p);
        }
        // A topic is served once all its partitions are known (the controller sends them together).
        if (partitions.length !== t.partitions.size) continue;
        t.image = { name, id: t.id, internal: INTERNAL_TOPICS.has(name), configs: this.configs.get(name) ?? {}, partitions };
      }
      images.push(t.image);
    }
    const next = new MetadataImage(this.current.version + 1, this.clusterId, this.controllerId, this.brokers, images, this.brokerConfigs);
    const delta = diffImages(this.current, next);
    this.current = next;
    for (const l of this.listeners) l(delta);
    for (const w of [...this.waiters]) w();
  }
}



