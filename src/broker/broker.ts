import { randomBytes } from 'node:crypto';
import { BrokerConfig, newClusterId, parseListener } from '../config/broker-config.js';
import { LocalMetadataStore } from '../cluster/local-store.js';
import type { MetadataStore, TopicRecord } from '../cluster/metadata-store.js';
import { ErrorCode } from '../protocol/errors.js';
import { Listener } from '../server/listener.js';
import { LogManager } from '../storage/log-manager.js';
import { log as rootLog } from '../util/log.js';
import { GroupCoordinator } from '../group/coordinator.js';
import { Dispatcher } from './dispatcher.js';
import { OffsetsTopic } from './offsets-topic.js';
import { ALL_HANDLERS } from './handlers/index.js';
import { Partition } from './partition.js';
import { LogCleaner, type CleanStats } from '../storage/cleaner.js';
import { topicCodec } from './batch-rewrite.js';
import { checkTopicConfigs, effectiveTopicConfig, hasPolicy, toCleanerConfig, toLogConfig } from './topic-config.js';
import { INTERNAL_TOPICS, topicNameProblem } from './topic-names.js';

export interface BrokerEndpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface CreateTopicSpec {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments?: number[][];
  configs?: Record<string, string>;
  validateOnly?: boolean;
  internal?: boolean;
}

export type TopicOutcome = { errorCode: number; message: string | null; topic?: TopicRecord };

const partitionKey = (topic: string, p: number) => `${topic}\u0000${p}`;

/**
 * The single-node broker: owns settings, metadata, logs and partitions, and the listener.
 * Everything runs on the event loop, which serializes every state change.
 */
export class Broker {
  readonly log = rootLog.child({ component: 'broker' });
  readonly nodeId: number;
  readonly store: MetadataStore;
  readonly logs: LogManager;
  readonly dispatcher: Dispatcher;
  readonly offsetsTopic: OffsetsTopic;
  readonly groups: GroupCoordinator;
  private readonly partitions = new Map<string, Partition>();
  private listener: Listener | null = null;
  private boundPort = 0;
  private stopping: Promise<void> | null = null;
  /** Compacts every log whose topic has cleanup.policy compact (including __consumer_offsets). */
  readonly cleaner: LogCleaner;
  private cleanerTimer: NodeJS.Timeout | null = null;

  constructor(readonly config: BrokerConfig) {
    this.nodeId = config.nodeId;
    const dir = config.dataDir;
    this.store = new LocalMetadataStore(dir, (config.get('cluster.id') as string | null) ?? newClusterId(), this.nodeId);
    this.logs = LogManager.open({ dir, configFor: (topic) => this.logConfigFor(topic) });
    this.dispatcher = new Dispatcher(this, ALL_HANDLERS);
    this.cleaner = new LogCleaner({
      dir,
      configFor: (l) => {
        const t = this.store.topic(l.topic);
        return t ? toCleanerConfig(this.topicConfig(t)) : null;
      },
    });
    for (const t of this.store.topics()) this.openPartitions(t);
    this.offsetsTopic = new OffsetsTopic(this);
    this.groups = new GroupCoordinator(this.offsetsTopic, {
      minSessionTimeoutMs: config.int('group.min.session.timeout.ms'),
      maxSessionTimeoutMs: config.int('group.max.session.timeout.ms'),
      initialRebalanceDelayMs: config.int('group.initial.rebalance.delay.ms'),
      maxGroupSize: config.int('group.max.size'),
      offsetsRetentionMs: config.int('offsets.retention.minutes') * 60_000,
      offsetMetadataMaxBytes: config.int('offset.metadata.max.bytes'),
    });
    if (this.offsetsTopic.exists) this.groups.load();
  }

  get clusterId(): string {
    return this.store.clusterId;
  }

  /** The address clients are told to use. */
  get endpoint(): BrokerEndpoint {
    const adv = parseListener(this.config.advertisedListeners[0]!);
    const host = adv.host === '0.0.0.0' ? '127.0.0.1' : adv.host;
    return { nodeId: this.nodeId, host, port: adv.port === 0 ? this.boundPort : adv.port, rack: null };
  }

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    const l = parseListener(this.config.listeners[0]!);
    this.listener = new Listener(
      {
        host: l.host,
        port: l.port,
        maxIdleMs: this.config.int('connections.max.idle.ms'),
        maxFrameBytes: this.config.int('socket.request.max.bytes'),
        queuedMaxRequestBytes: this.config.queuedMaxRequestBytes,
        maxInflightBytes: 64 * 1024 * 1024,
        maxInflightRequests: 128,
      },
      this.dispatcher.dispatch,
      this.log,
    );
    this.boundPort = await this.listener.listen();
    this.groups.start();
    this.logs.startBackgroundTasks({ retentionCheckMs: this.config.int('log.retention.check.interval.ms') });
    if (this.config.bool('log.cleaner.enable')) {
      this.cleanerTimer = setInterval(() => void this.runCleaner(), Math.max(1, this.config.int('log.cleaner.backoff.ms')));
      this.cleanerTimer.unref();
    }
  }

  /** Graceful stop: stop accepting, answer what is in flight, flush, write the clean-shutdown marker. */
  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = (async () => {
        if (this.cleanerTimer) clearInterval(this.cleanerTimer);
        if (this.listener) await this.listener.close();
        this.groups.stop();
        this.logs.close();
      })();
    }
    return this.stopping;
  }

  private logConfigFor(topic: string) {
    const t = this.store.topic(topic);
    return toLogConfig(effectiveTopicConfig(this.config, t?.configs ?? {}));
  }

  topicConfig(t: TopicRecord): Record<string, string> {
    return effectiveTopicConfig(this.config, t.configs);
  }

  /** One log cleaner pass (the background task; tests call it to clean now). */
  async runCleaner(): Promise<CleanStats | null> {
    try {
      return await this.cleaner.runOnce(this.logs.allLogs());
    } catch (err) {
      this.log.error({ err }, 'log cleaner pass failed');
      return null;
    }
  }

  private openPartitions(t: TopicRecord): void {
    const eff = this.topicConfig(t);
    const logConfig = toLogConfig(eff);
    t.partitions.forEach((a, i) => {
      if (this.partitions.has(partitionKey(t.name, i))) return;
      const log = this.logs.getOrCreateLog(t.name, i, logConfig);
      const p = new Partition(t.name, t.id, i, log, a.replicas, Number(eff['max.message.bytes']));
      p.codec = topicCodec(eff['compression.type']!);
      p.requireKeys = hasPolicy(eff, 'compact');
      this.partitions.set(partitionKey(t.name, i), p);
    });
  }

  /** Pushes a topic's effective config to its logs and partitions (no restart needed). */
  private applyTopicConfig(t: TopicRecord): void {
    const eff = this.topicConfig(t);
    const logConfig = toLogConfig(eff);
    t.partitions.forEach((_, i) => {
      const p = this.partitions.get(partitionKey(t.name, i));
      if (!p) return;
      p.log.updateConfig(logConfig);
      p.maxMessageBytes = Number(eff['max.message.bytes']);
      p.codec = topicCodec(eff['compression.type']!);
      p.requireKeys = hasPolicy(eff, 'compact');
    });
  }

  /**
   * Replaces a topic's dynamic configs by `configs` (values already merged by the caller for
   * incremental alters), checked first; persisted and applied live unless validateOnly.
   */
  setTopicConfigs(name: string, configs: Record<string, string>, validateOnly: boolean): TopicOutcome {
    const t = this.store.topic(name);
    if (!t) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `Topic ${name} does not exist.` };
    const bad = checkTopicConfigs(configs);
    if (bad) return { errorCode: ErrorCode.INVALID_CONFIG, message: bad };
    if (validateOnly) return { errorCode: ErrorCode.NONE, message: null, topic: t };
    this.store.updateTopic(name, (rec) => {
      rec.configs = { ...configs };
    });
    this.applyTopicConfig(t);
    this.log.info({ topic: name, configs }, 'topic configs changed');
    return { errorCode: ErrorCode.NONE, message: null, topic: t };
  }

  /** CreatePartitions: grows a topic to `count` partitions (never shrinks). */
  createPartitions(name: string, count: number, assignments: number[][] | null, validateOnly: boolean): TopicOutcome {
    const t = this.store.topic(name);
    if (!t) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `The topic '${name}' does not exist.` };
    const current = t.partitions.length;
    if (count < current) {
      return { errorCode: ErrorCode.INVALID_PARTITIONS, message: `Topic currently has ${current} partitions, which is higher than the requested ${count}.` };
    }
    if (count === current) return { errorCode: ErrorCode.INVALID_PARTITIONS, message: `Topic already has ${current} partitions.` };
    const added = count - current;
    const brokers = this.brokers();
    const known = new Set(brokers.map((b) => b.nodeId));
    const rf = t.partitions[0]?.replicas.length ?? 1;
    let replicas: number[][];
    if (assignments) {
      if (assignments.length !== added) {
        return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: `Increasing the number of partitions by ${added} but ${assignments.length} assignments provided.` };
      }
      for (const a of assignments) {
        if (a.length === 0 || a.some((id) => !known.has(id)) || new Set(a).size !== a.length) {
          return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: `Invalid replica assignment ${JSON.stringify(a)}` };
        }
        if (a.length !== rf) {
          return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: `Inconsistent replication factor between partitions, partition 0 has ${rf} while partitions [${current}] have replication factors [${a.length}], respectively.` };
        }
      }
      replicas = assignments;
    } else {
      if (rf > brokers.length) return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, message: `Replication factor: ${rf} larger than available brokers: ${brokers.length}.` };
      replicas = Array.from({ length: added }, (_, k) => Array.from({ length: rf }, (_, r) => brokers[(current + k + r) % brokers.length]!.nodeId));
    }
    if (validateOnly) return { errorCode: ErrorCode.NONE, message: null, topic: t };
    this.store.updateTopic(name, (rec) => {
      rec.partitions = [...rec.partitions, ...replicas.map((r) => ({ replicas: r }))];
    });
    this.openPartitions(t);
    this.log.info({ topic: name, partitions: count }, 'added partitions');
    return { errorCode: ErrorCode.NONE, message: null, topic: t };
  }

  partition(topic: string, index: number): Partition | undefined {
    return this.partitions.get(partitionKey(topic, index));
  }

  topic(name: string): TopicRecord | undefined {
    return this.store.topic(name);
  }

  topicById(id: string): TopicRecord | undefined {
    return this.store.topicById(id);
  }

  allTopics(): TopicRecord[] {
    return [...this.store.topics()];
  }

  /** The brokers this node knows: itself, on a single node. */
  brokers(): BrokerEndpoint[] {
    return [this.endpoint];
  }

  createTopic(spec: CreateTopicSpec): TopicOutcome {
    const problem = topicNameProblem(spec.name);
    if (problem) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, message: problem };
    if (this.store.topic(spec.name)) return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, message: `Topic '${spec.name}' already exists.` };
    if (INTERNAL_TOPICS.has(spec.name) && !spec.internal) {
      return { errorCode: ErrorCode.INVALID_REQUEST, message: `Topic '${spec.name}' is reserved for internal use` };
    }
    let replicas: number[][];
    if (spec.assignments && spec.assignments.length > 0) {
      if (spec.numPartitions !== -1 || spec.replicationFactor !== -1) {
        return { errorCode: ErrorCode.INVALID_REQUEST, message: 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.' };
      }
      const known = new Set(this.brokers().map((b) => b.nodeId));
      for (const a of spec.assignments) {
        if (a.length === 0 || a.some((id) => !known.has(id)) || new Set(a).size !== a.length) {
          return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: `Invalid replica assignment ${JSON.stringify(a)}` };
        }
      }
      replicas = spec.assignments;
    } else {
      const n = spec.numPartitions === -1 ? this.config.int('num.partitions') : spec.numPartitions;
      const rf = spec.replicationFactor === -1 ? this.config.int('default.replication.factor') : spec.replicationFactor;
      if (n <= 0) return { errorCode: ErrorCode.INVALID_PARTITIONS, message: 'Number of partitions must be larger than 0.' };
      if (rf <= 0) return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, message: 'Replication factor must be larger than 0.' };
      const brokers = this.brokers();
      if (rf > brokers.length) {
        return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, message: `Replication factor: ${rf} larger than available brokers: ${brokers.length}.` };
      }
      replicas = Array.from({ length: n }, (_, i) => Array.from({ length: rf }, (_, r) => brokers[(i + r) % brokers.length]!.nodeId));
    }
    const configs = spec.configs ?? {};
    const bad = checkTopicConfigs(configs);
    if (bad) return { errorCode: ErrorCode.INVALID_CONFIG, message: bad };
    const topic: TopicRecord = {
      name: spec.name,
      id: randomBytes(16).toString('base64url'),
      partitions: replicas.map((r) => ({ replicas: r })),
      configs,
      internal: spec.internal ?? false,
    };
    if (spec.validateOnly) return { errorCode: ErrorCode.NONE, message: null, topic };
    this.store.createTopic(topic);
    this.openPartitions(topic);
    this.log.info({ topic: topic.name, partitions: replicas.length }, 'created topic');
    return { errorCode: ErrorCode.NONE, message: null, topic };
  }

  /** Removes the topic from metadata and its data from disk. */
  deleteTopic(name: string): TopicOutcome {
    const t = this.store.topic(name);
    if (!t) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: 'This server does not host this topic-partition.' };
    if (!this.config.bool('delete.topic.enable')) return { errorCode: ErrorCode.TOPIC_DELETION_DISABLED, message: 'Topic deletion is disabled.' };
    this.store.deleteTopic(name);
    t.partitions.forEach((_, i) => {
      this.partitions.delete(partitionKey(name, i));
      this.logs.deleteLog(name, i);
      this.cleaner.forget(name, i);
    });
    this.log.info({ topic: name }, 'deleted topic');
    return { errorCode: ErrorCode.NONE, message: null, topic: t };
  }

  /** Creates an unknown topic on first use when auto.create.topics.enable allows it. */
  autoCreate(name: string): TopicOutcome {
    return this.createTopic({ name, numPartitions: -1, replicationFactor: -1 });
  }
}

export interface StartedBroker {
  broker: Broker;
  /** host:port for clients' bootstrap.servers. */
  bootstrap: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts a broker inside this process. With no options: an ephemeral port on 127.0.0.1 and the
 * data directory given (or a new temporary one, removed on stop).
 */
export async function startBroker(settings: Record<string, string> = {}, opts: { dataDir?: string } = {}): Promise<StartedBroker> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const ownDir = opts.dataDir === undefined && settings['log.dirs'] === undefined && settings['log.dir'] === undefined;
  const dir = opts.dataDir ?? (ownDir ? mkdtempSync(join(tmpdir(), 'samsa-')) : undefined);
  const flags = new Map(Object.entries({ listeners: 'PLAINTEXT://127.0.0.1:0', ...(dir ? { 'log.dirs': dir } : {}), ...settings }));
  const broker = new Broker(new BrokerConfig([['override', flags]]));
  await broker.start();
  const { host, port } = broker.endpoint;
  return {
    broker,
    bootstrap: `${host}:${port}`,
    port,
    async stop() {
      await broker.stop();
      if (ownDir && dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
