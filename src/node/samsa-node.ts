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
import { DEFAULT_BROKER_ENTITY } from '../config/dynamic.js';
import type { MetadataImage } from '../cluster/metadata-image.js';
import { Dispatcher } from '../broker/dispatcher.js';
import { controlledShutdown } from '../broker/controlled-shutdown.js';
import type { PeerSecurity } from '../client/connection.js';
import { DelayedOperations } from '../broker/delayed-operations.js';
import { ALL_HANDLERS } from '../broker/handlers/index.js';
import type { GroupsPort, MetadataPort, TransactionsPort } from '../broker/handler.js';
import { TxnMarkerSender } from '../broker/txn-markers.js';
import { TxnVerificationClient } from '../broker/txn-verification.js';
import { TransactionCoordinator } from '../txn/transaction-coordinator.js';
import { TRANSACTION_STATE_TOPIC } from '../txn/transaction-log.js';
import { OFFSETS_TOPIC, OffsetsTopic } from '../broker/offsets-topic.js';
import type { Partition } from '../broker/partition.js';
import { IsrChanges } from '../broker/isr-changes.js';
import { ReplicaFetcherManager } from '../broker/replica-fetcher.js';
import { ReplicaManager } from '../broker/replica-manager.js';
import { toCleanerConfig, toLogConfig } from '../broker/topic-log-config.js';
import { GroupCoordinator } from '../group/coordinator.js';
import { Listener } from '../server/listener.js';
import { AdminServer } from '../console/admin-server.js';
import { ConsoleApi } from '../console/api.js';
import { BrokerMetrics } from '../metrics/broker-metrics.js';
import { createRegistry } from '../metrics/registry.js';
import { BROKER_CONFIGS } from '../config/definitions.js';
import { parseAdminListener } from '../config/broker-config.js';
import { errorInfo } from '../protocol/errors.js';
import { directReadAddon, loadNative, lockAddon, sendfileAddon } from '../native/index.js';
import { SAMSA_VERSION } from './version.js';
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
import { ApiVersions, LeaderAndIsr, SaslAuthenticate, SaslHandshake, StopReplica, UpdateMetadata } from '../protocol/messages/index.js';
import { interBrokerPeerSecurity } from './inter-broker-security.js';

/** What a broker that has not joined its cluster yet answers: the controller, and the handshake. */
const CONTROL_PLANE_KEYS: ReadonlySet<number> = new Set([LeaderAndIsr, StopReplica, UpdateMetadata, SaslHandshake, ApiVersions, SaslAuthenticate].map((a) => a.key));

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
  /** Cluster mode: this broker's ISR changes as a leader (AlterPartition to the controller). */
  private readonly isrChanges: IsrChanges | null;
  readonly logs: LogManager;
  readonly cleaner: LogCleaner;
  readonly delayed: DelayedOperations;
  readonly replicas: ReplicaManager;
  readonly offsetsTopic: OffsetsTopic;
  readonly groups: GroupCoordinator;
  readonly txnStateTopic: OffsetsTopic;
  readonly txn: TransactionCoordinator;
  private readonly txnMarkers: TxnMarkerSender;
  private readonly txnVerification: TxnVerificationClient | null;
  readonly producerIds: ProducerIdManager;
  readonly dispatcher: Dispatcher;
  /** Counters of the request path, read by /metrics and the console. */
  readonly metrics = new BrokerMetrics();
  private admin: AdminServer | null = null;
  private consoleApi: ConsoleApi | null = null;
  private adminPort = 0;
  private started = false;
  /** TLS, SASL, ACLs and quotas. */
  readonly security: BrokerSecurity;
  private readonly zkSecurity: ZkSecurityStore | null = null;
  /** The listener other brokers and the controller use; its address is this broker's in the metadata. */
  private readonly interBroker: ListenerSpec;
  /** How this broker connects to its peers: the inter-broker listener's TLS and SASL. */
  private readonly peer: PeerSecurity;
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
      this.peer = zkConnect ? interBrokerPeerSecurity(config, this.interBroker) : { tls: null, sasl: null };
    } catch (err) {
      this.dirLock?.release();
      throw err;
    }
    if (zkConnect) {
      const sessionTimeoutMs = config.int('zookeeper.session.timeout.ms');
      const clusterMetadata = new BrokerMetadata('', this.nodeId, () => this.zk!.brokerEpoch);
      this.clusterMetadata = clusterMetadata;
      this.zk = new ZkBroker({
        connect: zkConnect,
        sessionTimeoutMs,
        connectionTimeoutMs: (config.get('zookeeper.connection.timeout.ms') as number | null) ?? sessionTimeoutMs,
        brokerId: this.nodeId,
        listenerName: this.interBroker.name,
        clock: this.clock,
        log: rootLog.child({ component: 'cluster' }),
        controllerLog: rootLog.child({ component: 'controller' }),
        leaderRebalance: {
          enabled: config.get('auto.leader.rebalance.enable') === true,
          maxImbalancePercent: config.int('leader.imbalance.per.broker.percentage'),
          checkIntervalMs: config.int('leader.imbalance.check.interval.seconds') * 1000,
        },
        controllerSocketTimeoutMs: config.int('controller.socket.timeout.ms'),
        peer: this.peer,
        uncleanLeaderElection: (topic) => effectiveTopicConfig(config, { ...clusterMetadata.topicConfigs(topic) })['unclean.leader.election.enable'] === 'true',
      }, clusterMetadata);
      const zk = this.zk;
      this.zkSecurity = new ZkSecurityStore(() => zk.zk, rootLog.child({ component: 'security' }), this.clock);
      zk.onEntityChange = (path) => this.zkSecurity!.entityChanged(path);
      securityStore = this.zkSecurity;
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
    // The dynamic broker configs are layered into `config` before the partitions see a delta, so
    // topics without their own value follow a new broker value at once.
    const applyBrokerConfigs = (image: MetadataImage): void => {
      const problems = config.applyDynamic(image.brokerConfig(String(this.nodeId)), image.brokerConfig(DEFAULT_BROKER_ENTITY));
      if (problems.length) this.log.warn({ problems }, `dynamic broker configs left out: ${problems.join('; ')}`);
    };
    applyBrokerConfigs(this.controller.image);
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
      onFlush: (seconds) => this.metrics.logFlush.observe(seconds),
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
            socketTimeoutMs: config.int('replica.socket.timeout.ms'),
          },
          peer: this.peer,
          clock: this.clock,
          log: rootLog.child({ component: 'replica-fetcher' }),
        })
      : undefined;
    this.isrChanges = this.zk
      ? new IsrChanges({
          nodeId: this.nodeId,
          brokerEpoch: () => this.zk!.brokerEpoch,
          image: () => this.controller.image,
          metadata: this.clusterMetadata!,
          partitions: () => this.replicas.allPartitions(),
          maxLagMs: config.int('replica.lag.time.max.ms'),
          requestTimeoutMs: config.int('controller.socket.timeout.ms'),
          peer: this.peer,
          clock: this.clock,
          log: rootLog.child({ component: 'isr' }),
        })
      : null;
    const isr = this.isrChanges;
    this.replicas = new ReplicaManager({
      nodeId: this.nodeId, config, logs: this.logs, cleaner: this.cleaner, delayed: this.delayed, clock: this.clock,
      ...(opts.fs ? { fs: opts.fs } : {}),
      ...(fetchers ? { fetchers } : {}),
      ...(isr ? { onIsrExpand: (p: Partition, newIsr: number[]) => isr.propose(p, newIsr) } : {}),
    });
    this.replicas.applyImage(this.controller.image);
    this.controller.onDelta((d) => {
      if (d.brokerConfigsChanged) applyBrokerConfigs(d.image);
      this.replicas.applyDelta(d);
      this.isrChanges?.controllerMoved();
    });
    this.offsetsTopic = new OffsetsTopic(
      this.replicas,
      () => this.controller.image,
      async (partitionCount) => {
        const [out] = await this.controller.createTopics([{
          name: OFFSETS_TOPIC,
          numPartitions: partitionCount,
          replicationFactor: this.zk ? this.offsetsReplicationFactor() : -1,
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
        const replicationFactor = this.zk ? this.internalReplicationFactor(TRANSACTION_STATE_TOPIC, 'transaction.state.log.replication.factor') : -1;
        // A single node keeps one copy: its min.insync.replicas stays the broker's.
        const minIsr: Record<string, string> = this.zk ? { 'min.insync.replicas': String(Math.min(config.int('transaction.state.log.min.isr'), replicationFactor)) } : {};
        const [out] = await this.controller.createTopics([{
          name: TRANSACTION_STATE_TOPIC,
          numPartitions: partitionCount,
          replicationFactor,
          configs: { 'cleanup.policy': 'compact', 'segment.bytes': String(config.int('transaction.state.log.segment.bytes')), 'compression.type': 'uncompressed', ...minIsr },
          internal: true,
        }], false);
        return out!;
      },
      config.int('transaction.state.log.num.partitions'),
      TRANSACTION_STATE_TOPIC,
    );
    const requestTimeoutMs = () => config.int('request.timeout.ms');
    // In a cluster a state write counts once its partition's ISR has it (acks=all); a single
    // node's one copy is its ISR, whatever min.insync.replicas says.
    if (this.zk) this.txnStateTopic.replication = { delayed: this.delayed, timeoutMs: requestTimeoutMs };
    this.txnMarkers = new TxnMarkerSender({ nodeId: this.nodeId, image: () => this.controller.image, partitions: this.replicas, groups: () => this.groups, delayed: this.delayed, timeoutMs: requestTimeoutMs, peer: this.peer });
    this.txn = new TransactionCoordinator(
      this.txnStateTopic,
      this.txnMarkers,
      () => this.producerIds.generateProducerId(),
      {
        maxTimeoutMs: config.int('transaction.max.timeout.ms'),
        idExpirationMs: config.int('transactional.id.expiration.ms'),
        abortTimedOutIntervalMs: config.int('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
        removeExpiredIntervalMs: config.int('transaction.remove.expired.transaction.cleanup.interval.ms'),
      },
      this.clock,
    );
    this.txnVerification = this.zk ? new TxnVerificationClient({ nodeId: this.nodeId, image: () => this.controller.image, timeoutMs: requestTimeoutMs, peer: this.peer }) : null;
    if (this.zk) {
      // Transactional ids live where their __transaction_state partition is led, as groups do;
      // registered after the groups' hook, so markers a load sends to __consumer_offsets find
      // the groups of partitions this broker took over in the same delta.
      this.txn.ownsPartition = (p) => this.replicas.partition(TRANSACTION_STATE_TOPIC, p)?.isLeader === true;
      const led = new Map<number, number>();
      this.controller.onDelta((d) => {
        const t = d.changedTopics.find((x) => x.name === TRANSACTION_STATE_TOPIC);
        const gone = d.deletedTopics.some((x) => x.name === TRANSACTION_STATE_TOPIC);
        if (!t && !gone) return;
        const count = t?.partitions.length ?? 0;
        for (let p = 0; p < Math.max(count, this.txnStateTopic.partitionCount); p++) {
          const here = p < count ? this.replicas.partition(TRANSACTION_STATE_TOPIC, p) : undefined;
          const epoch = here?.isLeader === true ? here.leaderEpoch : -1;
          const was = led.get(p);
          // A new leader epoch of this broker is a new coordinator epoch: loaded again.
          if (epoch >= 0 && was !== epoch) {
            led.set(p, epoch);
            this.txn.loadPartition(p);
          } else if (epoch < 0 && was !== undefined) {
            led.delete(p);
            this.txn.unloadPartition(p);
          }
        }
      });
    } else if (this.txnStateTopic.exists) {
      // After the groups: transactions a crash left prepared are completed now, and their markers
      // on __consumer_offsets complete the groups' pending transactional offsets.
      this.txn.load();
    }
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
    const verification = this.txnVerification;
    const txn: TransactionsPort = {
      coordinator: this.txn,
      ensureStorage: () => this.txnStateTopic.ensure(),
      verifyElsewhere: (transactionalId, producerId, producerEpoch, partitions) => {
        if (!verification) return null;
        const leader = this.controller.image.topic(TRANSACTION_STATE_TOPIC)?.partitions[this.txn.partitionFor(transactionalId)]?.leader ?? -1;
        return leader === this.nodeId ? null : verification.verify(leader, transactionalId, producerId, producerEpoch, partitions);
      },
    };
    this.dispatcher = new Dispatcher(ALL_HANDLERS, {
      config,
      metadata,
      partitions: this.replicas,
      admin: this.controller,
      cluster: this.clusterMetadata,
      controller: this.zk?.controller ?? null,
      groups,
      txn,
      producerIds: this.producerIds,
      delayed: this.delayed,
      clock: this.clock,
      metrics: this.metrics,
      security: {
        aclsEnabled: this.security.authorizer !== null,
        authorize: (who, op, type, name) => this.security.authorize(who, op, type, name),
        authorizeByResourceType: (who, op, type) => this.security.authorizeByResourceType(who, op, type),
        store: securityStore,
        quotas: this.security.quotas,
      },
    }, this.log);
    this.metrics.onProduceError = produceErrorLog(this.log, this.clock);
  }

  /**
   * offsets.topic.replication.factor, lowered to the live brokers with a warning when the cluster
   * is smaller (as Kafka's auto-creation of __consumer_offsets did): a one- or two-broker cluster
   * still gets working consumer groups.
   */
  private offsetsReplicationFactor(): number {
    return this.internalReplicationFactor(OFFSETS_TOPIC, 'offsets.topic.replication.factor');
  }

  private internalReplicationFactor(topic: string, setting: string): number {
    const wanted = this.config.int(setting);
    const live = this.controller.image.brokers().length;
    if (live >= wanted || live === 0) return wanted;
    this.log.warn({ wanted, live }, `${topic} is created with replication factor ${live}: ${setting} is ${wanted} but only ${live} broker(s) are live`);
    return live;
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

  /** http://host:port of admin.listeners (/metrics, /health, /ready, the console); null when it is off. */
  get adminUrl(): string | null {
    const addr = parseAdminListener(this.config.get('admin.listeners') as string[]);
    if (addr === null || this.admin === null) return null;
    const host = isWildcardHost(addr.host) ? '127.0.0.1' : addr.host.includes(':') ? `[${addr.host}]` : addr.host;
    return `http://${host}:${this.adminPort}`;
  }

  /** What keeps this broker from serving clients; empty when it is ready (/ready). */
  notReady(): string[] {
    const why: string[] = [];
    if (this.stopping) why.push('shutting down');
    if (this.listeners.length === 0 || !this.started) why.push('starting');
    if (this.clusterMetadata && this.clusterMetadata.image.broker(this.nodeId) === undefined) why.push('no metadata from the controller yet');
    return why;
  }

  async start(): Promise<void> {
    this.log.info({ version: SAMSA_VERSION, node: process.version, native: nativeParts(), settings: changedSettings(this.config) }, `starting Samsa ${SAMSA_VERSION}`);
    if (this.config.ignored.length) {
      const names = this.config.ignored.map((i) => i.name);
      this.log.warn({ ignored: this.config.ignored }, `Kafka settings with no meaning in Samsa are ignored: ${names.join(', ')} (docs/compatibility.md)`);
    }
    if (this.zk) this.servingClients = new Promise((resolve) => (this.releaseClients = resolve));
    const memory = new RequestMemory(this.config.queuedMaxRequestBytes);
    for (const secured of this.security.listeners) {
      const listener = this.newListener(secured, memory);
      this.listeners.push(listener);
      this.boundPorts.set(secured.spec.name, await listener.listen());
    }
    await this.startAdmin();
    if (this.zk) {
      await this.joinCluster();
      this.servingClients = null;
      this.releaseClients!();
      this.isrChanges!.start();
    } else this.local!.updateSelf(this.advertised());
    this.groups.start();
    this.txn.start();
    this.replicas.startCheckpoints(this.config.int('replica.high.watermark.checkpoint.interval.ms'));
    this.replicas.startProducerExpiration();
    this.logs.startBackgroundTasks({ retentionCheckMs: this.config.int('log.retention.check.interval.ms') });
    if (this.config.bool('log.cleaner.enable')) {
      // Read before every wait: log.cleaner.backoff.ms is dynamic.
      const backoff = () => Math.max(1, this.config.int('log.cleaner.backoff.ms'));
      const pass = (): void => {
        void this.runCleaner().finally(() => {
          if (!this.stopping) this.cleanerTimer = this.clock.schedule(backoff(), pass);
        });
      };
      this.cleanerTimer = this.clock.schedule(backoff(), pass);
    }
    this.started = true;
  }

  /** admin.listeners: /metrics, /health, /ready and the web console. */
  private async startAdmin(): Promise<void> {
    const addr = parseAdminListener(this.config.get('admin.listeners') as string[]);
    if (addr === null) return;
    const listeners = this.listeners;
    const registry = createRegistry(this.metrics, {
      nodeId: this.nodeId,
      image: () => this.controller.image,
      partitions: () => this.replicas.allPartitions(),
      partition: (t, i) => this.replicas.partition(t, i),
      groups: () => this.groups.groups.values(),
      minInsyncReplicas: (topic) => Number(effectiveTopicConfig(this.config, this.controller.image.topic(topic)?.configs ?? {})['min.insync.replicas'] ?? this.config.int('min.insync.replicas')),
      connections: () => listeners.reduce((n, l) => n + l.connectionCount, 0),
      purgatorySize: () => this.delayed.size,
      isrShrinks: () => this.replicas.isrShrinks,
      isrExpands: () => this.replicas.isrExpands,
      apiName: (key) => this.dispatcher.apiName(key),
    });
    this.consoleApi = new ConsoleApi({ bootstrap: () => this.endpoint, readOnly: this.config.bool('console.read.only'), metrics: this.metrics, version: SAMSA_VERSION });
    this.admin = new AdminServer({
      host: addr.host,
      port: addr.port,
      registry,
      api: this.consoleApi,
      live: () => this.stopping === null,
      notReady: () => this.notReady(),
      log: rootLog.child({ component: 'admin' }),
    });
    this.adminPort = await this.admin.listen();
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
        observer: {
          requestDone: (apiKey, queue, local, remote, send) => this.metrics.requestDone(apiKey, queue, local, remote, send),
          connectionOpened: () => void this.metrics.connectionsAccepted++,
        },
      },
      this.gatedDispatch,
      this.log,
    );
  }

  /** Resolved once the broker may serve clients: at once on a single node, after joining a cluster. */
  private servingClients: Promise<void> | null = null;
  private releaseClients: (() => void) | null = null;

  /**
   * Until it has joined the cluster (registered, and named by the controller's metadata), a
   * broker answers only the controller and the handshake; other requests wait, as Kafka
   * processes none before its registration. Answered earlier, they would get this broker's
   * empty or stale view: topics unknown, groups and partitions of a previous process.
   */
  private readonly gatedDispatch = (frame: Buffer, conn: Parameters<Dispatcher['dispatch']>[1]): ReturnType<Dispatcher['dispatch']> => {
    const waiting = this.servingClients;
    if (waiting === null || frame.length < 2 || CONTROL_PLANE_KEYS.has(frame.readInt16BE(0))) return this.dispatcher.dispatch(frame, conn);
    // The frame's memory may be reused once this call returns: the request keeps a copy.
    const copy = Buffer.from(frame);
    return waiting.then(() => this.dispatcher.dispatch(copy, conn));
  };

  /**
   * Connects to ZooKeeper, registers and campaigns, then waits for the controller's first
   * UpdateMetadata naming this broker: before it, this broker could answer Metadata with nothing.
   */
  private async joinCluster(): Promise<void> {
    const zk = this.zk!;
    const clusterId = await zk.connect();
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
      // While still serving: producers are told of the new leaders by the brokers taking over.
      if (this.zk && this.zk.brokerEpoch >= 0 && this.config.get('controlled.shutdown.enable') === true) {
        await controlledShutdown({
          nodeId: this.nodeId,
          brokerEpoch: () => this.zk!.brokerEpoch,
          image: () => this.controller.image,
          attempts: this.config.int('controlled.shutdown.max.retries'),
          retryBackoffMs: this.config.int('controlled.shutdown.retry.backoff.ms'),
          requestTimeoutMs: this.config.int('controller.socket.timeout.ms'),
          peer: this.peer,
          clock: this.clock,
          log: this.log,
        });
      }
      this.isrChanges?.stop();
      // Before the session closes: its close fires the ACL watches, which would read again.
      this.zkSecurity?.stop();
      await this.zk?.stop();
      await Promise.all(this.listeners.map((l) => l.close()));
      this.delayed.expireAll();
      this.groups.stop();
      this.txn.stop();
      this.txnMarkers.close();
      this.txnVerification?.close();
      this.replicas.stop();
      this.logs.close();
      this.dirLock?.release();
      await this.consoleApi?.close().catch(() => undefined);
      await this.admin?.close();
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

/** The native addon's parts in use (each can be switched off; the broker has a plain path for each). */
function nativeParts(): Record<string, boolean> {
  return { addon: loadNative() !== null, sendfile: sendfileAddon() !== null, directRead: directReadAddon() !== null, lock: lockAddon() !== null };
}

/** Every setting not at its default, with its value (the start's log line). */
function changedSettings(config: BrokerConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of BROKER_CONFIGS) if (config.source(d.name) !== 'default') out[d.name] = config.get(d.name);
  return out;
}

/** A produce failure's log line, at most one per topic and error every 10 s (with how many were left out). */
function produceErrorLog(log: SamsaNode['log'], clock: Clock): (topic: string | null, errorCode: number, message: string | null) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  const intervalMs = 10_000;
  return (topic, errorCode, message) => {
    const key = `${topic ?? ''}\u0000${errorCode}`;
    const now = clock.now();
    const seen = last.get(key);
    if (seen && now - seen.at < intervalMs) {
      seen.suppressed++;
      return;
    }
    if (last.size > 10_000) last.clear();
    last.set(key, { at: now, suppressed: 0 });
    const error = errorInfo(errorCode).name;
    log.warn({ topic, error, message, suppressed: seen?.suppressed ?? 0 }, `produce to ${topic ?? 'an unknown topic'} failed: ${error}${message ? ` (${message})` : ''}`);
  };
}
