/**
 * Admin requests of a cluster broker, as Kafka's ZooKeeper mode carries them out (AdminZkClient):
 * the broker that received the request validates it against its metadata, writes the intent to
 * ZooKeeper — a topic's assignment, a deletion mark, a config with its change notification — and
 * the controller acts on it; the request is answered once this broker's metadata shows the result.
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { Clock } from '../../util/clock.js';
import { PRODUCER_ID_BLOCK_SIZE, type Controller, type ControllerResult, type CreateTopicSpec, type PartitionsIncrease, type ProducerIdBlock } from '../controller.js';
import { sameConfigs, type MetadataDelta, type MetadataImage, type TopicImage } from '../metadata-image.js';
import { planCreatePartitions, planCreateTopic, planTopicConfigs, type Planned, type TopicDefaults } from '../topic-changes.js';
import { ZkCode, ZooKeeperMultiError, isZkError, type MultiOp, type ZooKeeperClient } from '../zookeeper/index.js';
import type { BrokerMetadata } from './broker-metadata.js';
import {
  ZkPaths,
  decodeProducerIdBlock,
  decodeTopicAssignment,
  encodeConfigChange,
  encodeEntityConfig,
  encodeProducerIdBlock,
  encodeTopicAssignment,
} from './znodes.js';

export interface ZkAdminOptions {
  metadata: BrokerMetadata;
  /** The current session (a new one after an expiry). */
  zk: () => ZooKeeperClient;
  defaults: () => TopicDefaults;
  clock: Clock;
  /** How long a request waits for the controller's result to reach this broker. */
  propagationTimeoutMs: number;
}

const outcome = (p: Planned<TopicImage>): ControllerResult => (p.ok ? { errorCode: ErrorCode.NONE, message: null, topic: p.value } : { errorCode: p.errorCode, message: p.message });

function zkFailure(err: unknown): ControllerResult {
  return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, message: `ZooKeeper: ${(err as Error).message}` };
}

export class ZkAdmin implements Controller {
  constructor(private readonly opts: ZkAdminOptions) {}

  get image(): MetadataImage {
    return this.opts.metadata.image;
  }

  onDelta(listener: (delta: MetadataDelta) => void): void {
    this.opts.metadata.onDelta(listener);
  }

  /** Resolves true once `done` holds for this broker's metadata, false after the propagation timeout. */
  private until(done: (image: MetadataImage) => boolean): Promise<boolean> {
    if (done(this.image)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = this.opts.clock.schedule(this.opts.propagationTimeoutMs, () => {
        stop();
        resolve(false);
      });
      const stop = this.opts.metadata.watch(() => {
        if (!done(this.image)) return false;
        timer.cancel();
        resolve(true);
        return true;
      });
    });
  }

  async createTopics(specs: readonly CreateTopicSpec[], validateOnly: boolean): Promise<ControllerResult[]> {
    const planned: TopicImage[] = [];
    // ZooKeeper says what exists, not this broker's view: a broker that has just started knows
    // no topic and no other broker yet, and must not call an existing topic unplaceable.
    const existing = await Promise.all(specs.map((spec) => this.opts.zk().exists(ZkPaths.topic(spec.name)).catch(() => null)));
    const results = specs.map((spec, i) => {
      if (existing[i]) return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, message: `Topic '${spec.name}' already exists.` };
      const p = planCreateTopic(this.image, spec, this.opts.defaults(), planned);
      if (p.ok) planned.push(p.value);
      return outcome(p);
    });
    if (validateOnly) return results;
    return Promise.all(results.map(async (r) => {
      if (r.errorCode !== ErrorCode.NONE || !r.topic) return r;
      const t = r.topic;
      const ops: MultiOp[] = [
        { op: 'create', path: ZkPaths.configTopic(t.name), data: encodeEntityConfig(t.configs) },
        { op: 'create', path: ZkPaths.topic(t.name), data: encodeTopicAssignment({ topicId: t.id, partitions: t.partitions.map((p) => [...p.replicas]) }) },
      ];
      // Brokers learn configs from change notifications: one for a topic created with configs.
      if (Object.keys(t.configs).length > 0) ops.push({ op: 'create', path: ZkPaths.configChangePrefix, data: encodeConfigChange('topics', t.name), mode: 'persistentSequential' });
      try {
        await this.opts.zk().multi(ops);
      } catch (err) {
        if (err instanceof ZooKeeperMultiError && err.code === ZkCode.NODEEXISTS) {
          // The config node left by a deletion still in progress, or the topic itself.
          return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, message: `Topic '${t.name}' already exists.` };
        }
        return zkFailure(err);
      }
      const ready = await this.until((img) => {
        const now = img.topic(t.name);
        return now !== undefined && now.id === t.id && now.partitions.length === t.partitions.length && now.partitions.every((p) => p.leader >= 0) && sameConfigs(now.configs, t.configs);
      });
      if (!ready) return { errorCode: ErrorCode.REQUEST_TIMED_OUT, message: `Topic '${t.name}' was created but its leaders were not known within ${this.opts.propagationTimeoutMs} ms.`, topic: t };
      return { ...r, topic: this.image.topic(t.name) ?? t };
    }));
  }

  async deleteTopics(names: readonly string[]): Promise<ControllerResult[]> {
    const seen = new Set<string>();
    return Promise.all(names.map(async (name): Promise<ControllerResult> => {
      const t = this.image.topic(name);
      if (!t || seen.has(name)) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: 'This server does not host this topic-partition.' };
      seen.add(name);
      try {
        await this.opts.zk().create(ZkPaths.deleteTopic(name));
      } catch (err) {
        if (!isZkError(err, ZkCode.NODEEXISTS)) return zkFailure(err);
      }
      const gone = await this.until((img) => img.topic(name)?.id !== t.id);
      if (!gone) return { errorCode: ErrorCode.REQUEST_TIMED_OUT, message: `Topic '${name}' is marked for deletion; the deletion did not complete within ${this.opts.propagationTimeoutMs} ms.` };
      return { errorCode: ErrorCode.NONE, message: null, topic: t };
    }));
  }

  async createPartitions(increases: readonly PartitionsIncrease[], validateOnly: boolean): Promise<ControllerResult[]> {
    let added = 0;
    const results = increases.map((inc) => {
      const p = planCreatePartitions(this.image, inc, this.opts.defaults(), added);
      if (p.ok) added += inc.count - this.image.topic(inc.name)!.partitions.length;
      return outcome(p);
    });
    if (validateOnly) return results;
    return Promise.all(results.map(async (r) => {
      if (r.errorCode !== ErrorCode.NONE || !r.topic) return r;
      const t = r.topic;
      const zk = this.opts.zk();
      try {
        const { data, stat } = await zk.getData(ZkPaths.topic(t.name));
        const stored = decodeTopicAssignment(t.name, data);
        if (stored.topicId !== t.id) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `The topic '${t.name}' does not exist.` };
        if (stored.partitions.length >= t.partitions.length) return { errorCode: ErrorCode.INVALID_PARTITIONS, message: `Topic already has ${stored.partitions.length} partitions.` };
        // As Kafka: a topic being reassigned does not grow until the move is done.
        if ((stored.addingReplicas?.size ?? 0) + (stored.removingReplicas?.size ?? 0) > 0) return { errorCode: ErrorCode.REASSIGNMENT_IN_PROGRESS, message: `A partition reassignment of topic '${t.name}' is in progress.` };
        const partitions = [...stored.partitions, ...t.partitions.slice(stored.partitions.length).map((p) => [...p.replicas])];
        await zk.setData(ZkPaths.topic(t.name), encodeTopicAssignment({ ...stored, topicId: t.id, partitions }), stat.version);
      } catch (err) {
        if (isZkError(err, ZkCode.BADVERSION)) return { errorCode: ErrorCode.REASSIGNMENT_IN_PROGRESS, message: `Topic '${t.name}' changed while its partitions were added; retry.` };
        if (isZkError(err, ZkCode.NONODE)) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `The topic '${t.name}' does not exist.` };
        return zkFailure(err);
      }
      const ready = await this.until((img) => {
        const now = img.topic(t.name);
        return now !== undefined && now.partitions.length >= t.partitions.length && now.partitions.every((p) => p.leader >= 0);
      });
      if (!ready) return { errorCode: ErrorCode.REQUEST_TIMED_OUT, message: `The partitions of '${t.name}' were added but their leaders were not known within ${this.opts.propagationTimeoutMs} ms.` };
      return { ...r, topic: this.image.topic(t.name) ?? t };
    }));
  }

  async alterTopicConfigs(changes: ReadonlyArray<{ name: string; configs: Record<string, string> }>, validateOnly: boolean): Promise<ControllerResult[]> {
    const results = changes.map((c) => outcome(planTopicConfigs(this.image, c.name, c.configs)));
    if (validateOnly) return results;
    return Promise.all(results.map(async (r) => {
      if (r.errorCode !== ErrorCode.NONE || !r.topic) return r;
      const t = r.topic;
      const zk = this.opts.zk();
      const path = ZkPaths.configTopic(t.name);
      const data = encodeEntityConfig(t.configs);
      try {
        const exists = await zk.exists(path);
        await zk.multi([
          exists ? { op: 'setData', path, data } : { op: 'create', path, data },
          { op: 'create', path: ZkPaths.configChangePrefix, data: encodeConfigChange('topics', t.name), mode: 'persistentSequential' },
        ]);
      } catch (err) {
        return zkFailure(err);
      }
      // This broker reads the change from ZooKeeper like every other; answering before would let
      // a DescribeConfigs right after the request show the old values.
      const applied = await this.until((img) => {
        const now = img.topic(t.name);
        return now === undefined || sameConfigs(now.configs, t.configs);
      });
      if (!applied) return { errorCode: ErrorCode.REQUEST_TIMED_OUT, message: `The configs of '${t.name}' were written but not read back within ${this.opts.propagationTimeoutMs} ms.` };
      return r;
    }));
  }

  /**
   * Kafka's AdminZkClient.changeBrokerConfig: /config/brokers/<entity> replaced, with a
   * brokers/<entity> change notification every broker reads; answered once this broker has
   * read the new configs back (the entity is always this broker's own or <default>).
   */
  async alterBrokerConfigs(changes: ReadonlyArray<{ entity: string; configs: Record<string, string> }>, validateOnly: boolean): Promise<ControllerResult[]> {
    if (validateOnly) return changes.map(() => ({ errorCode: ErrorCode.NONE, message: null }));
    return Promise.all(changes.map(async (c): Promise<ControllerResult> => {
      const zk = this.opts.zk();
      const path = ZkPaths.configBroker(c.entity);
      const data = encodeEntityConfig(c.configs);
      try {
        const exists = await zk.exists(path);
        await zk.multi([
          exists ? { op: 'setData', path, data } : { op: 'create', path, data },
          { op: 'create', path: ZkPaths.configChangePrefix, data: encodeConfigChange('brokers', c.entity), mode: 'persistentSequential' },
        ]);
      } catch (err) {
        return zkFailure(err);
      }
      const applied = await this.until((img) => sameConfigs(img.brokerConfig(c.entity), c.configs));
      if (!applied) return { errorCode: ErrorCode.REQUEST_TIMED_OUT, message: `The configs of broker entity ${c.entity} were written but not read back within ${this.opts.propagationTimeoutMs} ms.` };
      return { errorCode: ErrorCode.NONE, message: null };
    }));
  }

  /**
   * The next block after /latest_producer_id_block, claimed with a write conditioned on the
   * version read, so two brokers asking at once never get the same block.
   */
  async allocateProducerIdBlock(brokerId: number): Promise<ProducerIdBlock> {
    const zk = this.opts.zk();
    for (let attempt = 0; attempt < 100; attempt++) {
      let start = 0;
      let version = -1;
      try {
        const { data, stat } = await zk.getData(ZkPaths.producerIdBlock);
        start = decodeProducerIdBlock(data).end + 1;
        version = stat.version;
      } catch (err) {
        if (!isZkError(err, ZkCode.NONODE)) throw err;
      }
      if (start + PRODUCER_ID_BLOCK_SIZE > Number.MAX_SAFE_INTEGER) throw new Error('producer ids exhausted');
      const data = encodeProducerIdBlock({ brokerId, start, end: start + PRODUCER_ID_BLOCK_SIZE - 1 });
      try {
        if (version < 0) await zk.create(ZkPaths.producerIdBlock, data);
        else await zk.setData(ZkPaths.producerIdBlock, data, version);
        return { firstProducerId: start, size: PRODUCER_ID_BLOCK_SIZE };
      } catch (err) {
        if (!isZkError(err, ZkCode.BADVERSION) && !isZkError(err, ZkCode.NODEEXISTS)) throw err;
      }
    }
    throw new Error('could not claim a producer id block: /latest_producer_id_block kept changing');
  }
}

