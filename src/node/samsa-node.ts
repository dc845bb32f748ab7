/**
 * The composition root: builds a broker from its parts and wires them — metadata (the
 * controller and its image), logs, partitions, delayed operations, the group coordinator, the
 * request dispatcher and the TCP listener. `samsa start` and the embedding `startBroker` both
 * use it; nothing below this module knows the whole node.
 */
import type { Controller } from '../cluster/controller.js';
import { LocalController } from '../cluster/local-controller.js';
import { BrokerMetadata } from '../cluster/zk-mode/broker-metadata.js';
import { ZkAdmin } from '../cluster/zk-mode/zk-admin.js';
import { ZkBroker } from '../cluster/zk-mode/zk-broker.js';
import { LocalMetadataStore, LocalSecurityStore } from '../cluster/local-store.js';
import type { BrokerEndpoint, BrokerInfo, TopicImage } from '../cluster/metadata-image.js';
import type { SecurityStore } from '../cluster/security-store.js';
import { ZkSecurityStore } from '../cluster/zk-mode/zk-security.js';
import { BrokerConfig, newClusterId } from '../config/broker-config.js';
import { effectiveTopicConfig } from '../config/topic-configs.js';
import { Dispatcher } from '../broker/dispatcher.js';
import { DelayedOperations } from '../broker/delayed-operations.js';
import { ALL_HANDLERS } from '../broker/handlers/index.js';
import type { GroupsPort, MetadataPort, TransactionsPort } from '../broker/handler.js';
import { LocalTxnMarkers } from '../broker/txn-markers.js';
import { TransactionCoordinator } from '../txn/transaction-coordinator.js';
import { TRANSACTION_STATE_TOPIC } from '../txn/transaction-log.js';
import { OFFSETS_TOPIC, OffsetsTopic } from '../broker/offsets-topic.js';
import type { Partition } from '../broker/partition.js';
import { ReplicaFetcherManager } from '../broker/replica-fetcher.js';
import { ReplicaManager } from '../broker/replica-manager.js';
import { toCleanerConfig, toLogConfig } from '../broker/topic-log-config.js';
import { GroupCoordinator } from '../group/coordinator.js';
import { Listener } from '../server/listener.js';
import { RequestMemory } from '../server/request-memory.js';
import { BrokerSecurity, type SecuredListener } from '../server/security/broker-security.js';
import { SECURITY_PROTOCOL_ID, interBrokerListener, listenerSpecs, type ListenerSpec } from '../server/security/listeners.js';
import { LogCleaner, type CleanStats } from '../storage/cleaner.js';
import { lockDataDir, type DirLock } from '../storage/dir-lock.js';
import type { FileSystem } from '../storage/fs.js';
import { LogManager } from '../storage/log-manager.js';
import { processOpenFiles, processSoftOpenFileLimit } from '../storage/open-files.js';
import { ProducerIdManager } from '../txn/producer-id-manager.js';
import { systemClock, type Clock, type Timer } from '../util/clock.js';
import { log as rootLog } from '../util/log.js';
import { isWildcardHost, machineAddress } from './machine-address.js';

export interface SamsaNodeOptions {
  clock?: Clock;
  /** The file system the logs are written through (tests inject faults with it). */
  fs?: FileSystem;
}

export class SamsaNode {
  readonly log = rootLog.child({ component: 'broker' });
  readonly nodeId: number;
  readonly clock: Clock;
  readonly controller: Controller;
  /** Single-node mode: the in-process controller over samsa-metadata.json. */
  private readonly local: LocalController | null = null;
  /** Cluster mode: membership of the ZooKeeper cluster, and the metadata the controller sends. */
  readonly zk: ZkBroker | null = null;
  readonly clusterMetadata: BrokerMetadata | null = null;
  readonly logs: LogManager;
  readonly cleaner: LogCleaner;
  readonly delayed: DelayedOperations;
  readonly replicas: ReplicaManager;
  readonly offsetsTopic: OffsetsTopic;
  readonly groups: GroupCoordinator;
  readonly txnStateTopic: OffsetsTopic;
  readonly txn: TransactionCoordinator;
  readonly producerIds: ProducerIdManager;
  readonly dispatcher: Dispatcher;
  /** TLS, SASL, ACLs and quotas. */
  readonly security: BrokerSecurity;
  private readonly zkSecurity: ZkSecurityStore | null = null;
  /** The listener other brokers and the controller use; its address is this broker's in the metadata. */
  private readonly interBroker: ListenerSpec;
  private listeners: Listener[] = [];
  /** Bound port per listener name. */
  private readonly boundPorts = new Map<string, number>();
  private cleanerTimer: Timer | null = null;
  private stopping: Promise<void> | null = null;
  private readonly dirLock: DirLock | null;
  /** Looked up once: a broker's advertised address does not change while it runs. */
  private wildcardAddress: string | null = null;

  constructor(readonly config: BrokerConfig, opts: SamsaNodeOptions = {}) {
    this.nodeId = config.nodeId;
    this.clock = opts.clock ?? systemClock;
    const dir = config.dataDir;
    // The data directory's lock comes first: a second broker on it must change nothing.
    this.dirLock = opts.fs ? null : lockDataDir(dir);
    const defaults = () => {
      // Every partition holds its active segment's .log open: past what the descriptor limit
      // leaves after connections, a new partition would make opens fail all over the broker.
      const configured = config.int('max.broker.partitions');
      const byFiles = processOpenFiles.partitionCapacity;
      const perBroker = Math.min(configured, byFiles);
      return {
        numPartitions: config.int('num.partitions'),
        replicationFactor: config.int('default.replication.factor'),
        maxPartitionsPerRequest: 10_000,
        maxPartitions: perBroker * Math.max(1, this.controller.image.brokers().length),
        maxPartitionsSource: byFiles < configured ? `max.broker.partitions, lowered to what the open-file limit of ${processSoftOpenFileLimit} allows` : 'max.broker.partitions',
      };
    };
    const zkConnect = config.get('zookeeper.connect') as string | null;
    let judgesLeftovers = false;
    let securityStore: SecurityStore;
    try {
      this.interBroker = interBrokerListener(config, listenerSpecs(config));
    } catch (err) {
      this.dirLock?.release();
      throw err;
    }
    if (zkConnect) {
      const sessionTimeoutMs = config.int('zookeeper.session.timeout.ms');
      this.zk = new ZkBroker({
        connect: zkConnect,
        sessionTimeoutMs,
        connectionTimeoutMs: (config.get('zookeeper.connection.timeout.ms') as number | null) ?? sessionTimeoutMs,
        brokerId: this.nodeId,
        listenerName: this.interBroker.name,
        clock: this.clock,
        log: rootLog.child({ component: 'cluster' }),
      });
      const zk = this.zk;
      this.zkSecurity = new ZkSecurityStore(() => zk.zk, rootLog.child({ component: 'security' }), this.clock);
      zk.onEntityChange = (path) => this.zkSecurity!.entityChanged(path);
      securityStore = this.zkSecurity;
      this.clusterMetadata = new BrokerMetadata('', this.nodeId, () => zk.brokerEpoch);
      zk.metadata = this.clusterMetadata;
      this.controller = new ZkAdmin({ metadata: this.clusterMetadata, zk: () => zk.zk, defaults, clock: this.clock, propagationTimeoutMs: 30_000 });
    } else {
      let store: LocalMetadataStore;
      try {
        store = new LocalMetadataStore(dir, (config.get('cluster.id') as string | null) ?? newClusterId(), this.nodeId);
      } catch (err) {
        this.dirLock?.release();
        throw err;
      }
      judgesLeftovers = !store.created;
      this.local = new LocalController(store, this.advertised(), defaults);
      this.controller = this.local;
      securityStore = new LocalSecurityStore(store);
    }
    try {
      this.security = new BrokerSecurity(config, securityStore, () => this.clock.now(), rootLog.child({ component: 'security' }));
    } catch (err) {
      this.dirLock?.release();
      throw err;
    }
    const topicConfig = (name: string) => effectiveTopicConfig(config, this.controller.image.topic(name)?.configs ?? {});
    this.logs = LogManager.open({
      dir,
      configFor: (topic) => toLogConfig(topicConfig(topic)),
      // Partition directories whose topic id the metadata does not know are leftovers of a
      // deletion a crash interrupted; a metadata file just created knows nothing, so it judges none.
      // In a cluster the metadata arrives from the controller after the logs are opened.
      ...(judgesLeftovers ? { topicIdFor: (topic: string) => this.controller.image.topic(topic)?.id } : {}),
      lock: false,
      clock: this.clock,
      ...(opts.fs ? { fs: opts.fs } : {}),
    });
    this.cleaner = new LogCleaner({
      dir,
      maxMessageBytes: config.int('message.max.bytes'),
      time: () => this.clock.now(),
      configFor: (l) => (this.controller.image.topic(l.topic) ? toCleanerConfig(topicConfig(l.topic)) : null),
    });
    this.delayed = new DelayedOperations(this.clock);
    const fetchers = this.zk
      ? new ReplicaFetcherManager({
          nodeId: this.nodeId,
          brokerEpoch: () => this.zk!.brokerEpoch,
          broker: (id) => this.controller.image.broker(id),
          settings: {
            maxWaitMs: config.int('replica.fetch.wait.max.ms'),
            minBytes: config.int('replica.fetch.min.bytes'),
            maxBytes: config.int('replica.fetch.response.max.bytes'),
            partitionMaxBytes: config.int('replica.fetch.max.bytes'),
            backoffMs: config.int('replica.fetch.backoff.ms'),
          },
          clock: this.clock,
          log: rootLog.child({ component: 'replica-fetcher' }),
        })
      : undefined;
    this.replicas = new ReplicaManager({ nodeId: this.nodeId, config, logs: this.logs, cleaner: this.cleaner, delayed: this.delayed, clock: this.clock, ...(opts.fs ? { fs: opts.fs } : {}), ...(fetchers ? { fetchers } : {}) });
    this.replicas.applyImage(this.controller.image);
    this.controller.onDelta((d) => this.replicas.applyDelta(d));
    this.offsetsTopic = new OffsetsTopic(
      this.replicas,
      () => this.controller.image,
      async (partitionCount) => {
        const [out] = await this.controller.createTopics([{
          name: OFFSETS_TOPIC,
          numPartitions: partitionCount,
          replicationFactor: this.zk ? config.int('offsets.topic.replication.factor') : -1,
          configs: { 'cleanup.policy': 'compact', 'segment.bytes': String(config.int('offsets.topic.segment.bytes')), 'compression.type': 'producer' },
          internal: true,
        }], false);
        return out!;
      },
      config.int('offsets.topic.num.partitions'),
    );
    this.groups = new GroupCoordinator(this.offsetsTopic, {
      minSessionTimeoutMs: config.int('group.min.session.timeout.ms'),
      maxSessionTimeoutMs: config.int('group.max.session.timeout.ms'),
      initialRebalanceDelayMs: config.int('group.initial.rebalance.delay.ms'),
      maxGroupSize: config.int('group.max.size'),
      offsetsRetentionMs: config.int('offsets.retention.minutes') * 60_000,
      offsetMetadataMaxBytes: config.int('offset.metadata.max.bytes'),
    }, this.clock);
    if (this.zk) {
      // Groups live where their __consumer_offsets partition is led: loaded when this broker
      // becomes its leader, forgotten when another does.
      this.groups.ownsPartition = (p) => this.replicas.partition(OFFSETS_TOPIC, p)?.isLeader === true;
      const led = new Set<number>();
      this.controller.onDelta((d) => {
        const t = d.changedTopics.find((x) => x.name === OFFSETS_TOPIC);
        const gone = d.deletedTopics.some((x) => x.name === OFFSETS_TOPIC);
        if (!t && !gone) return;
        const count = t?.partitions.length ?? 0;
        for (let p = 0; p < Math.max(count, this.offsetsTopic.partitionCount); p++) {
          const leads = p < count && this.replicas.partition(OFFSETS_TOPIC, p)?.isLeader === true;
          if (leads && !led.has(p)) {
            led.add(p);
            this.groups.loadPartition(p);
          } else if (!leads && led.has(p)) {
            led.delete(p);
            this.groups.unloadPartition(p);
          }
        }
      });
    } else if (this.offsetsTopic.exists) this.groups.load();
    this.producerIds = new ProducerIdManager(() => this.controller.allocateProducerIdBlock(this.nodeId));
    this.txnStateTopic = new OffsetsTopic(
      this.replicas,
      () => this.controller.image,
      async (partitionCount) => {
        const [out] = await this.controller.createTopics([{
          name: TRANSACTION_STATE_TOPIC,
          numPartitions: partitionCount,
          replicationFactor: -1,
          configs: { 'cleanup.policy': 'compact', 'segment.bytes': String(config.int('transaction.state.log.segment.bytes')), 'compression.type': 'uncompressed' },
          internal: true,
        }], false);
        return out!;
      },
      config.int('transaction.state.log.num.partitions'),
      TRANSACTION_STATE_TOPIC,
    );
    this.txn = new TransactionCoordinator(
      this.txnStateTopic,
      new LocalTxnMarkers(this.replicas, () => this.groups),
      () => this.producerIds.generateProducerId(),
      {
        maxTimeoutMs: config.int('transaction.max.timeout.ms'),
        idExpirationMs: config.int('transactional.id.expiration.ms'),
        abortTimedOutIntervalMs: config.int('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
        removeExpiredIntervalMs: config.int('transaction.remove.expired.transaction.cleanup.interval.ms'),
      },
      this.clock,
    );
    // After the groups: transactions a crash left prepared are completed now, and their markers
    // on __consumer_offsets complete the groups' pending transactional offsets.
    if (this.txnStateTopic.exists) this.txn.load();
    const node = this;
    const metadata: MetadataPort = {
      get image() {
        return node.controller.image;
      },
      nodeId: this.nodeId,
      get self() {
        return node.advertised();
      },
      dataDir: dir,
      listenerName: this.interBroker.name,
    };
    const groups: GroupsPort = { coordinator: this.groups, ensureStorage: () => this.offsetsTopic.ensure() };
    const txn: TransactionsPort = { coordinator: this.txn, ensureStorage: () => this.txnStateTopic.ensure() };
    this.dispatcher = new Dispatcher(ALL_HANDLERS, {
      config,
      metadata,
      partitions: this.replicas,
      admin: this.controller,
      cluster: this.clusterMetadata,
      groups,
      txn,
      producerIds: this.producerIds,
      delayed: this.delayed,
      clock: this.clock,
      security: {
        aclsEnabled: this.security.authorizer !== null,
        authorize: (who, op, type, name) => this.security.authorize(who, op, type, name),
        authorizeByResourceType: (who, op, type) => this.security.authorizeByResourceType(who, op, type),
        store: securityStore,
        quotas: this.security.quotas,
      },
    }, this.log);
  }

  get clusterId(): string {
    return this.controller.image.clusterId;
  }

  /** The address clients are told to use (a listener on every interface is advertised as the machine's address). */
  advertised(): BrokerInfo {
    const specs = listenerSpecs(this.config);
    const endpoints: BrokerEndpoint[] = specs.map((l) => ({ listener: l.name, ...this.advertisedAddress(l), securityProtocol: SECURITY_PROTOCOL_ID[l.protocol] }));
    const self = this.advertisedAddress(this.interBroker);
    return { id: this.nodeId, host: self.host, port: self.port, rack: (this.config.get('broker.rack') as string | null) ?? null, ...(endpoints.length > 1 ? { endpoints } : {}) };
  }

  private advertisedAddress(l: ListenerSpec): { host: string; port: number } {
    const host = isWildcardHost(l.advertisedHost) ? (this.wildcardAddress ??= machineAddress()) : l.advertisedHost;
    return { host, port: l.advertisedPort === 0 ? (this.boundPorts.get(l.name) ?? 0) : l.advertisedPort };
  }

  /** Bound port of each listener, by name. */
  get listenerPorts(): ReadonlyMap<string, number> {
    return this.boundPorts;
  }

  get endpoint(): { nodeId: number; host: string; port: number } {
    const a = this.advertised();
    return { nodeId: a.id, host: a.host, port: a.port };
  }

  /** The inter-broker listener's bound port. */
  get port(): number {
    return this.boundPorts.get(this.interBroker.name) ?? 0;
  }

  async start(): Promise<void> {
    if (this.config.ignored.length) {
      const names = this.config.ignored.map((i) => i.name);
      this.log.warn({ ignored: this.config.ignored }, `Kafka settings with no meaning in Samsa are ignored: ${names.join(', ')} (docs/compatibility.md)`);
    }
    const memory = new RequestMemory(this.config.queuedMaxRequestBytes);
    for (const secured of this.security.listeners) {
      const listener = this.newListener(secured, memory);
      this.listeners.push(listener);
      this.boundPorts.set(secured.spec.name, await listener.listen());
    }
    if (this.zk) await this.joinCluster();
    else this.local!.updateSelf(this.advertised());
    this.groups.start();
    this.txn.start();
    this.replicas.startCheckpoints(this.config.int('replica.high.watermark.checkpoint.interval.ms'));
    this.replicas.startProducerExpiration();
    this.logs.startBackgroundTasks({ retentionCheckMs: this.config.int('log.retention.check.interval.ms') });
    if (this.config.bool('log.cleaner.enable')) {
      const backoff = Math.max(1, this.config.int('log.cleaner.backoff.ms'));
      const pass = (): void => {
        void this.runCleaner().finally(() => {
          if (!this.stopping) this.cleanerTimer = this.clock.schedule(backoff, pass);
        });
      };
      this.cleanerTimer = this.clock.schedule(backoff, pass);
    }
  }

  private newListener(secured: SecuredListener, memory: RequestMemory): Listener {
    return new Listener(
      {
        host: secured.spec.host,
        port: secured.spec.port,
        maxIdleMs: this.config.int('connections.max.idle.ms'),
        maxFrameBytes: this.config.int('socket.request.max.bytes'),
        requestMemory: memory,
        sendStallMs: this.config.int('connections.max.idle.ms'),
        clock: this.clock,
        maxInflightBytes: 64 * 1024 * 1024,
        maxInflightRequests: 128,
        security: secured,
        principalMapper: this.security.principalMapper,
      },
      this.dispatcher.dispatch,
      this.log,
    );
  }

  /**
   * Connects to ZooKeeper, registers and campaigns, then waits for the controller's first
   * UpdateMetadata naming this broker: before it, this broker could answer Metadata with nothing.
   */
  private async joinCluster(): Promise<void> {
    const zk = this.zk!;
    const clusterId = await zk.connect();
    this.clusterMetadata!.clusterId = clusterId;
    await this.zkSecurity!.start();
    await zk.register(this.advertised());
    const waitMs = Math.max(30_000, 2 * this.config.int('zookeeper.session.timeout.ms'));
    const joined = await new Promise<boolean>((resolve) => {
      const seen = () => this.clusterMetadata!.image.broker(this.nodeId) !== undefined;
      if (seen()) return resolve(true);
      const timer = this.clock.schedule(waitMs, () => {
        stop();
        resolve(false);
      });
      const stop = this.clusterMetadata!.watch(() => {
        if (!seen()) return false;
        timer.cancel();
        resolve(true);
        return true;
      });
    });
    if (!joined) this.log.warn({ waitedMs: waitMs }, 'no metadata from the controller yet; serving what is known');
    this.log.info({ clusterId, broker: this.nodeId, controller: this.clusterMetadata!.image.controllerId }, 'joined the cluster');
  }

  /** Graceful stop: stop accepting, answer what is in flight, checkpoint, flush, write the clean-shutdown marker. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.cleanerTimer?.cancel();
      await this.zk?.stop();
      await Promise.all(this.listeners.map((l) => l.close()));
      this.zkSecurity?.stop();
      this.delayed.expireAll();
      this.groups.stop();
      this.txn.stop();
      this.replicas.stop();
      this.logs.close();
      this.dirLock?.release();
    })();
    return this.stopping;
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

  // ---- for tests and tools that embed a node ----

  partition(topic: string, index: number): Partition | undefined {
    return this.replicas.partition(topic, index);
  }

  topic(name: string): TopicImage | undefined {
    return this.controller.image.topic(name);
  }
}
