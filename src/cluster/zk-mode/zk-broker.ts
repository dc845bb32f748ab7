/**
 * One broker's membership of a ZooKeeper cluster: the session (a new one after an expiry, as
 * Kafka's KafkaZkClient reinitializes), the ephemeral registration whose creation zxid is the
 * broker epoch (KIP-380), the controller campaign, and the topic configs read from
 * /config/topics and the dynamic broker configs from /config/brokers/<default> and
 * /config/brokers/<id> as /config/changes announces them.
 */
import { newClusterId } from '../../config/broker-config.js';
import { DEFAULT_BROKER_ENTITY } from '../../config/dynamic.js';
import type { PeerSecurity } from '../../client/connection.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import { ZkCode, ZooKeeperClient, isZkError, parseConnectString } from '../zookeeper/index.js';
import type { BrokerInfo } from '../metadata-image.js';
import type { BrokerMetadata } from './broker-metadata.js';
import { KafkaController } from './kafka-controller.js';
import { TOP_LEVEL_PATHS, ZkPaths, decodeClusterId, decodeConfigChange, decodeEntityConfig, encodeBrokerRegistration, encodeClusterId } from './znodes.js';

export interface ZkBrokerOptions {
  connect: string;
  sessionTimeoutMs: number;
  connectionTimeoutMs: number;
  brokerId: number;
  listenerName: string;
  clock: Clock;
  log: Logger;
  controllerLog: Logger;
  leaderRebalance?: { enabled: boolean; maxImbalancePercent: number; checkIntervalMs: number };
  uncleanLeaderElection?: (topic: string) => boolean;
  controllerSocketTimeoutMs?: number;
  /** The inter-broker listener's TLS and SASL, for the controller's connections. */
  peer?: PeerSecurity;
}

const CHANGE_PREFIX = 'config_change_';
const PROTOCOL_NAMES = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

export class ZkBroker {
  private client: ZooKeeperClient | null = null;
  private epoch = -1;
  private self: BrokerInfo | null = null;
  private stopped = false;
  private lastConfigChange = -1;
  private sessionGeneration = 0;
  readonly controller: KafkaController;
  /** Called for each /config/changes notification of an entity other than a topic or a broker (users/..., clients/...); "*" after a new session. */
  onEntityChange: ((entityPath: string) => void) | null = null;

  constructor(
    private readonly opts: ZkBrokerOptions,
    /** What this broker knows of the cluster; the topic configs read from ZooKeeper go into it. */
    private readonly metadata: BrokerMetadata,
  ) {
    this.controller = new KafkaController({ brokerId: opts.brokerId, zk: () => this.zk, clock: opts.clock, log: opts.controllerLog, listenerName: opts.listenerName, ...(opts.leaderRebalance ? { leaderRebalance: opts.leaderRebalance } : {}), ...(opts.uncleanLeaderElection ? { uncleanLeaderElection: opts.uncleanLeaderElection } : {}), ...(opts.controllerSocketTimeoutMs ? { socketTimeoutMs: opts.controllerSocketTimeoutMs } : {}), ...(opts.peer ? { peer: opts.peer } : {}) });
  }

  get zk(): ZooKeeperClient {
    if (!this.client) throw new Error('not connected to ZooKeeper');
    return this.client;
  }

  /** The epoch of this broker's current registration (the czxid of /brokers/ids/<id>). */
  get brokerEpoch(): number {
    return this.epoch;
  }

  /** Connects, makes sure of the layout, and reads (or sets) the cluster id. */
  async connect(): Promise<string> {
    await this.ensureChroot();
    this.client = await this.newSession();
    for (const p of TOP_LEVEL_PATHS) await this.createIfMissing(p);
    try {
      await this.zk.create(ZkPaths.clusterId, encodeClusterId(newClusterId()));
    } catch (err) {
      if (!isZkError(err, ZkCode.NODEEXISTS)) throw err;
    }
    const clusterId = decodeClusterId((await this.zk.getData(ZkPaths.clusterId)).data);
    this.metadata.clusterId = clusterId;
    return clusterId;
  }

  /** Registers under /brokers/ids, campaigns for controller and starts following config changes. */
  async register(self: BrokerInfo): Promise<void> {
    this.self = self;
    await this.registerOnce();
    await this.loadConfigs();
    this.controller.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.controller.stop();
    const c = this.client;
    this.client = null;
    // Closing the session deletes the registration at once: the controller moves on without
    // waiting for the session timeout.
    await c?.close().catch(() => {});
  }

  private async ensureChroot(): Promise<void> {
    const { servers, chroot } = parseConnectString(this.opts.connect);
    if (chroot === '') return;
    const root = new ZooKeeperClient({ connect: servers.map((s) => `${s.host}:${s.port}`).join(','), sessionTimeoutMs: this.opts.sessionTimeoutMs, connectionTimeoutMs: this.opts.connectionTimeoutMs, clock: this.opts.clock });
    await root.connect();
    try {
      let at = '';
      for (const part of chroot.split('/').filter(Boolean)) {
        at += `/${part}`;
        try {
          await root.create(at);
        } catch (err) {
          if (!isZkError(err, ZkCode.NODEEXISTS)) throw err;
        }
      }
    } finally {
      await root.close();
    }
  }

  private async newSession(): Promise<ZooKeeperClient> {
    const c = new ZooKeeperClient({ connect: this.opts.connect, sessionTimeoutMs: this.opts.sessionTimeoutMs, connectionTimeoutMs: this.opts.connectionTimeoutMs, clock: this.opts.clock });
    const generation = ++this.sessionGeneration;
    c.on('expired', () => {
      if (generation !== this.sessionGeneration || this.stopped) return;
      this.opts.log.warn({ broker: this.opts.brokerId }, 'ZooKeeper session expired; registering again with a new session');
      void this.renewSession();
    });
    c.on('disconnected', (info) => this.opts.log.info({ server: info.server, reason: info.reason }, 'ZooKeeper connection lost; trying the other servers'));
    await c.connect();
    return c;
  }

  /** After an expiry: stop acting as controller, then a new session, registration and campaign. */
  private async renewSession(): Promise<void> {
    this.controller.stop();
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        const old = this.client;
        const next = await this.newSession();
        // A stop while the session was being made would leave it open, holding the process.
        if (this.stopped) {
          await next.close().catch(() => {});
          return;
        }
        this.client = next;
        void old?.close().catch(() => {});
        await this.registerOnce();
        await this.loadConfigs();
        if (this.stopped) return;
        this.onEntityChange?.('*');
        this.controller.start();
        return;
      } catch (err) {
        this.opts.log.warn({ err, attempt }, 'cannot renew the ZooKeeper session; retrying');
        await new Promise<void>((r) => this.opts.clock.schedule(Math.min(5000, 200 * (attempt + 1)), r));
      }
    }
  }

  private async createIfMissing(path: string): Promise<void> {
    try {
      await this.zk.create(path);
    } catch (err) {
      if (!isZkError(err, ZkCode.NODEEXISTS)) throw err;
    }
  }

  /**
   * Creates the ephemeral registration. One left by this broker's previous run (killed before
   * its session ended) is waited out rather than refused: it goes with that session.
   */
  private async registerOnce(): Promise<void> {
    const self = this.self!;
    const path = ZkPaths.broker(self.id);
    const endpoints = self.endpoints?.map((e) => `${e.listener}://${e.host}:${e.port}`) ?? [`${this.opts.listenerName}://${self.host}:${self.port}`];
    const protocols = Object.fromEntries((self.endpoints ?? []).map((e) => [e.listener, PROTOCOL_NAMES[e.securityProtocol] ?? 'PLAINTEXT']));
    const data = encodeBrokerRegistration({ id: self.id, host: self.host, port: self.port, rack: self.rack, endpoints, protocols }, this.opts.clock.now());
    const deadline = this.opts.clock.now() + this.opts.sessionTimeoutMs * 2 + 5000;
    let warned = false;
    for (;;) {
      try {
        const { stat } = await this.zk.create(path, data, { mode: 'ephemeral' });
        this.epoch = Number(stat.czxid);
        this.opts.log.info({ broker: self.id, brokerEpoch: this.epoch }, 'registered in ZooKeeper');
        return;
      } catch (err) {
        if (!isZkError(err, ZkCode.NODEEXISTS)) throw err;
      }
      const stat = await this.zk.exists(path);
      if (stat && stat.ephemeralOwner === this.zk.sessionId) {
        this.epoch = Number(stat.czxid);
        return;
      }
      if (this.opts.clock.now() > deadline) throw new Error(`broker id ${self.id} is registered in ZooKeeper by another live broker (${path})`);
      if (!warned) this.opts.log.warn({ broker: self.id }, `${path} exists from an earlier session; waiting for it to expire`);
      warned = true;
      await new Promise<void>((resolve) => {
        const t = this.opts.clock.schedule(500, resolve);
        void this.zk.exists(path, { watch: () => { t.cancel(); resolve(); } }).then((s) => {
          if (!s) { t.cancel(); resolve(); }
        }, () => {});
      });
    }
  }

  /** Every topic's configs and this broker's dynamic ones, then each change as /config/changes announces it. */
  private async loadConfigs(): Promise<void> {
    const { children } = await this.zk.getChildren(ZkPaths.configTopics);
    for (const name of children) await this.readTopicConfig(name);
    await this.readBrokerConfig(DEFAULT_BROKER_ENTITY);
    await this.readBrokerConfig(String(this.opts.brokerId));
    const changes = await this.zk.getChildren(ZkPaths.configChanges, { watch: () => void this.onConfigChanges() });
    this.lastConfigChange = Math.max(this.lastConfigChange, ...changes.children.map(sequenceOf));
  }

  private async onConfigChanges(): Promise<void> {
    if (this.stopped) return;
    try {
      const { children } = await this.zk.getChildren(ZkPaths.configChanges, { watch: () => void this.onConfigChanges() });
      const fresh = children.filter((c) => sequenceOf(c) > this.lastConfigChange).sort((a, b) => sequenceOf(a) - sequenceOf(b));
      for (const c of fresh) {
        const path = `${ZkPaths.configChanges}/${c}`;
        try {
          const change = decodeConfigChange(path, (await this.zk.getData(path)).data);
          if (change.entityType === 'topics') await this.readTopicConfig(change.name);
          // Kafka's brokers take the changes of their own entity and of <default>, no other.
          else if (change.entityType === 'brokers' && (change.name === DEFAULT_BROKER_ENTITY || change.name === String(this.opts.brokerId))) await this.readBrokerConfig(change.name);
          else this.onEntityChange?.(`${change.entityType}/${change.name}`);
        } catch (err) {
          if (!isZkError(err, ZkCode.NONODE)) this.opts.log.warn({ err, path }, 'cannot read a config change');
        }
        this.lastConfigChange = Math.max(this.lastConfigChange, sequenceOf(c));
      }
    } catch (err) {
      this.opts.log.warn({ err }, 'cannot read config changes; retrying');
      this.opts.clock.schedule(1000, () => void this.onConfigChanges());
    }
  }

  private async readTopicConfig(name: string): Promise<void> {
    const path = ZkPaths.configTopic(name);
    try {
      const { data } = await this.zk.getData(path);
      this.metadata.setTopicConfigs(name, decodeEntityConfig(path, data));
    } catch (err) {
      if (isZkError(err, ZkCode.NONODE)) this.metadata.setTopicConfigs(name, {});
      else throw err;
    }
  }

  private async readBrokerConfig(entity: string): Promise<void> {
    const path = ZkPaths.configBroker(entity);
    try {
      const { data } = await this.zk.getData(path);
      this.metadata.setBrokerConfigs(entity, decodeEntityConfig(path, data));
    } catch (err) {
      if (isZkError(err, ZkCode.NONODE)) this.metadata.setBrokerConfigs(entity, {});
      else throw err;
    }
  }
}

function sequenceOf(child: string): number {
  return child.startsWith(CHANGE_PREFIX) ? Number(child.slice(CHANGE_PREFIX.length)) : -1;
}
