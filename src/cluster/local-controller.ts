/**
 * The controller of a single node: a one-broker cluster whose metadata lives in the data
 * directory (samsa-metadata.json). Every change is validated, persisted with one write per
 * request and published as a delta before the request is answered.
 */
import { ErrorCode } from '../protocol/errors.js';
import { PRODUCER_ID_BLOCK_SIZE, type Controller, type ControllerResult, type CreateTopicSpec, type PartitionsIncrease, type ProducerIdBlock } from './controller.js';
import { MetadataImage, diffImages, type BrokerInfo, type MetadataDelta, type TopicImage } from './metadata-image.js';
import type { MetadataStore, TopicRecord } from './metadata-store.js';
import { newPartitionState, planCreatePartitions, planCreateTopic, planTopicConfigs, type Planned, type TopicDefaults } from './topic-changes.js';

function toImage(r: TopicRecord, live: ReadonlySet<number>): TopicImage {
  return {
    name: r.name,
    id: r.id,
    internal: r.internal,
    configs: { ...r.configs },
    partitions: r.partitions.map((p) => ({ ...newPartitionState(p.replicas, live), leaderEpoch: p.leaderEpoch ?? 0, partitionEpoch: p.partitionEpoch ?? 0 })),
  };
}

function toRecord(t: TopicImage): TopicRecord {
  return {
    name: t.name,
    id: t.id,
    internal: t.internal,
    configs: { ...t.configs },
    partitions: t.partitions.map((p) => ({
      replicas: [...p.replicas],
      ...(p.leaderEpoch !== 0 ? { leaderEpoch: p.leaderEpoch } : {}),
      ...(p.partitionEpoch !== 0 ? { partitionEpoch: p.partitionEpoch } : {}),
    })),
  };
}

const outcome = (p: Planned<TopicImage>): ControllerResult => (p.ok ? { errorCode: ErrorCode.NONE, message: null, topic: p.value } : { errorCode: p.errorCode, message: p.message });

export class LocalController implements Controller {
  private current: MetadataImage;
  private readonly listeners: Array<(d: MetadataDelta) => void> = [];

  constructor(
    private readonly store: MetadataStore,
    self: BrokerInfo,
    private readonly defaults: () => TopicDefaults,
  ) {
    const live = new Set([self.id]);
    const brokerConfigs = new Map(Object.entries(store.brokerConfigs?.() ?? {}).filter(([, c]) => Object.keys(c).length > 0));
    this.current = new MetadataImage(1, store.clusterId, self.id, [self], [...store.topics()].map((t) => toImage(t, live)), brokerConfigs);
  }

  get image(): MetadataImage {
    return this.current;
  }

  onDelta(listener: (delta: MetadataDelta) => void): void {
    this.listeners.push(listener);
  }

  /** The broker's address once its listener is bound (an ephemeral port is known only then). */
  updateSelf(self: BrokerInfo): void {
    this.publish(this.current.with({ version: this.current.version + 1, brokers: [self] }));
  }

  private publish(next: MetadataImage): void {
    const delta = diffImages(this.current, next);
    this.current = next;
    for (const l of this.listeners) l(delta);
  }

  /**
   * Persists and publishes a change; null when done, else why not. A change is all or nothing:
   * when a broker cannot apply it (its logs cannot be created: disk full, too many open files)
   * the previous metadata is written back and republished, so no half-created topic remains.
   */
  private commit(put: TopicImage[], remove: string[] = []): string | null {
    if (put.length === 0 && remove.length === 0) return null;
    const previous = this.current;
    const next = previous.with({ version: previous.version + 1, put, remove });
    try {
      this.store.replaceTopics([...next.topics()].map(toRecord));
    } catch (err) {
      return `Cannot write cluster metadata: ${(err as Error).message}`;
    }
    try {
      this.publish(next);
      return null;
    } catch (err) {
      const why = `Cannot apply the change: ${(err as Error).message}`;
      try {
        this.store.replaceTopics([...previous.topics()].map(toRecord));
      } finally {
        this.publish(previous.with({ version: next.version + 1 }));
      }
      return why;
    }
  }

  /** Results of a change that could not be applied: every planned one becomes KAFKA_STORAGE_ERROR. */
  private failed(results: ControllerResult[], why: string | null): ControllerResult[] {
    if (why === null) return results;
    return results.map((r) => (r.errorCode === ErrorCode.NONE ? { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: why } : r));
  }

  async createTopics(specs: readonly CreateTopicSpec[], validateOnly: boolean): Promise<ControllerResult[]> {
    const created: TopicImage[] = [];
    const results = specs.map((spec) => {
      const planned = planCreateTopic(this.current, spec, this.defaults(), created);
      if (planned.ok) created.push(planned.value);
      return outcome(planned);
    });
    return validateOnly ? results : this.failed(results, this.commit(created));
  }

  async deleteTopics(names: readonly string[]): Promise<ControllerResult[]> {
    const gone: string[] = [];
    const results = names.map((name): ControllerResult => {
      const t = this.current.topic(name);
      if (!t || gone.includes(name)) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: 'This server does not host this topic-partition.' };
      gone.push(name);
      return { errorCode: ErrorCode.NONE, message: null, topic: t };
    });
    return this.failed(results, this.commit([], gone));
  }

  async createPartitions(increases: readonly PartitionsIncrease[], validateOnly: boolean): Promise<ControllerResult[]> {
    const changed: TopicImage[] = [];
    let added = 0;
    const results = increases.map((inc) => {
      const planned = planCreatePartitions(this.current, inc, this.defaults(), added);
      if (planned.ok) {
        changed.push(planned.value);
        added += inc.count - this.current.topic(inc.name)!.partitions.length;
      }
      return outcome(planned);
    });
    return validateOnly ? results : this.failed(results, this.commit(changed));
  }

  async alterTopicConfigs(changes: ReadonlyArray<{ name: string; configs: Record<string, string> }>, validateOnly: boolean): Promise<ControllerResult[]> {
    const changed: TopicImage[] = [];
    const results = changes.map((c) => {
      const planned = planTopicConfigs(this.current, c.name, c.configs);
      if (planned.ok) changed.push(planned.value);
      return outcome(planned);
    });
    return validateOnly ? results : this.failed(results, this.commit(changed));
  }

  /** Persisted in samsa-metadata.json with one write, then published: the broker applies them from the delta. */
  async alterBrokerConfigs(changes: ReadonlyArray<{ entity: string; configs: Record<string, string> }>, validateOnly: boolean): Promise<ControllerResult[]> {
    const ok: ControllerResult[] = changes.map(() => ({ errorCode: ErrorCode.NONE, message: null }));
    if (validateOnly || changes.length === 0) return ok;
    const fail = (why: string) => changes.map((): ControllerResult => ({ errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: why }));
    if (!this.store.replaceBrokerConfigs) return fail('this metadata store cannot keep broker configs');
    const previous = this.current;
    const next = new Map(previous.brokerConfigs);
    for (const c of changes) {
      if (Object.keys(c.configs).length === 0) next.delete(c.entity);
      else next.set(c.entity, { ...c.configs });
    }
    try {
      this.store.replaceBrokerConfigs(Object.fromEntries(next));
    } catch (err) {
      return fail(`Cannot write cluster metadata: ${(err as Error).message}`);
    }
    try {
      this.publish(previous.with({ version: previous.version + 1, brokerConfigs: next }));
      return ok;
    } catch (err) {
      const why = `Cannot apply the change: ${(err as Error).message}`;
      try {
        this.store.replaceBrokerConfigs(Object.fromEntries(previous.brokerConfigs));
      } finally {
        this.publish(previous.with({ version: this.current.version + 1 }));
      }
      return fail(why);
    }
  }

  /**
   * One broker, so every block is its own; the block is in samsa-metadata.json before any id of
   * it is used, so ids never repeat across restarts (the unused rest of a block is skipped, as
   * in Kafka).
   */
  async allocateProducerIdBlock(_brokerId: number): Promise<ProducerIdBlock> {
    if (!this.store.reserveProducerIds) throw new Error('this metadata store cannot allocate producer ids');
    const firstProducerId = this.store.reserveProducerIds(PRODUCER_ID_BLOCK_SIZE);
    // Producer ids are JS numbers on the broker: exact below 2^53, far beyond any real use.
    if (firstProducerId + PRODUCER_ID_BLOCK_SIZE > Number.MAX_SAFE_INTEGER) throw new Error('producer ids exhausted');
    return { firstProducerId, size: PRODUCER_ID_BLOCK_SIZE };
  }
}
