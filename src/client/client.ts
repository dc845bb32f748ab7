// The cluster view of the client: bootstrap, metadata cache and refresh, one connection per broker,
// version negotiation per connection (Connection.versionFor) and routing to leaders/coordinators.
import { Metadata } from '../protocol/messages/index.js';
import type { ApiSpec, ResponseOf } from '../protocol/schema.js';
import { Connection, type TlsOptions } from './connection.js';
import type { SaslOptions } from './sasl-client.js';
import { ClientError, KafkaError, parseBrokers, sleep, type ReqBody } from './util.js';

export interface ClientOptions {
  /** "host:port,host:port" or a list. */
  brokers: string | readonly { host: string; port: number }[];
  clientId?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Retries of retriable failures (network, leader moves) for routed requests. */
  retries?: number;
  retryBackoffMs?: number;
  /** TLS to every broker (null or absent: plaintext). */
  tls?: TlsOptions | null;
  /** SASL on every connection (null or absent: none). */
  sasl?: SaslOptions | null;
}

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offline: number[];
  errorCode: number;
}

export interface TopicInfo {
  name: string;
  topicId: string;
  internal: boolean;
  errorCode: number;
  partitions: PartitionInfo[];
}

export interface ClusterMetadata {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerInfo[];
  topics: TopicInfo[];
}

/**
 * Highest version the client's own logic handles per API key. Fetch v13+ addresses topics by id
 * only; this client speaks names, which every broker still accepts through v12.
 */
const CLIENT_MAX_VERSIONS = new Map<number, number>([[1, 12]]);

export class KafkaClient {
  readonly bootstrap: { host: string; port: number }[];
  private readonly conns = new Map<string, Promise<Connection>>();
  /** The connections of `conns` that are up, to see when one's SASL session is nearly over. */
  private readonly connected = new Map<string, Connection>();
  /** Connections replaced because their SASL session is ending, closed once their requests are answered. */
  private readonly retiring = new Set<Connection>();
  private readonly brokersById = new Map<number, BrokerInfo>();
  private readonly topics = new Map<string, TopicInfo>();
  clusterId: string | null = null;
  controllerId = -1;
  private closed = false;

  constructor(readonly opts: ClientOptions) {
    this.bootstrap = typeof opts.brokers === 'string' ? parseBrokers(opts.brokers) : [...opts.brokers];
  }

  get retries(): number {
    return this.opts.retries ?? 5;
  }

  get retryBackoffMs(): number {
    return this.opts.retryBackoffMs ?? 100;
  }

  /** A connection to host:port, reused while it stays open. */
  connection(host: string, port: number): Promise<Connection> {
    if (this.closed) return Promise.reject(new ClientError('CLOSED', 'client is closed'));
    const key = `${host}:${port}`;
    const existing = this.conns.get(key);
    const held = this.connected.get(key);
    if (existing && !(held?.expiring)) return existing;
    if (held) this.retire(key, held);
    const c = new Connection({
      host,
      port,
      clientId: this.opts.clientId ?? 'samsa',
      connectTimeoutMs: this.opts.connectTimeoutMs,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      maxVersions: CLIENT_MAX_VERSIONS,
      tls: this.opts.tls ?? null,
      sasl: this.opts.sasl ?? null,
    });
    const p = c.connect().then(() => {
      if (this.conns.get(key) === p) this.connected.set(key, c);
      return c;
    });
    this.conns.set(key, p);
    c.onClose = () => {
      if (this.conns.get(key) === p) this.conns.delete(key);
      if (this.connected.get(key) === c) this.connected.delete(key);
    };
    p.catch(() => {
      if (this.conns.get(key) === p) this.conns.delete(key);
    });
    return p;
  }

  /**
   * Hands out a new connection in place of one whose SASL session is ending (this client does not
   * re-authenticate, KIP-368); the old one is closed when its requests in flight are answered.
   */
  private retire(key: string, c: Connection): void {
    this.conns.delete(key);
    this.connected.delete(key);
    this.retiring.add(c);
    const sweep = setInterval(() => {
      if (c.inFlight === 0 || c.closed) {
        clearInterval(sweep);
        this.retiring.delete(c);
        c.close();
      }
    }, 50);
    sweep.unref();
  }

  /** A connection to the broker with this node id (from metadata). */
  async broker(nodeId: number): Promise<Connection> {
    let b = this.brokersById.get(nodeId);
    if (!b) {
      await this.metadata([]);
      b = this.brokersById.get(nodeId);
      if (!b) throw new ClientError('UNKNOWN_BROKER', `broker ${nodeId} is not in the cluster metadata`, true);
    }
    return this.connection(b.host, b.port);
  }

  /** A connection to any live broker: known brokers first, then the bootstrap list. */
  async any(): Promise<Connection> {
    const candidates = [...this.brokersById.values(), ...this.bootstrap];
    let last: unknown = null;
    for (const c of candidates) {
      try {
        return await this.connection(c.host, c.port);
      } catch (e) {
        last = e;
      }
    }
    if (last instanceof Error) throw last;
    throw new ClientError('NETWORK', 'no brokers to connect to', true);
  }

  /** Sends to any broker. */
  async send<A extends ApiSpec>(spec: A, body: ReqBody<A>, opts?: { timeoutMs?: number }): Promise<ResponseOf<A>> {
    const c = await this.any();
    return c.send(spec, body, opts);
  }

  /** Fetches metadata (null: all topics, []: brokers only) and updates the cache. */
  async metadata(topics: readonly string[] | null = null, allowAutoTopicCreation = false): Promise<ClusterMetadata> {
    const res = await this.withRetry(async () => {
      const c = await this.any();
      const v = c.versionFor(Metadata);
      // v0 means "all topics" with an empty list; null came with v1.
      const list = topics === null ? (v >= 1 ? null : []) : topics.map((name) => ({ name }));
      if (topics !== null && topics.length === 0 && v === 0) throw new ClientError('UNSUPPORTED_VERSION', 'Metadata v0 cannot ask for brokers only');
      return c.send(Metadata, { topics: list, allowAutoTopicCreation });
    });
    this.clusterId = res.clusterId;
    this.controllerId = res.controllerId;
    for (const b of res.brokers) this.brokersById.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
    const out: TopicInfo[] = [];
    for (const t of res.topics) {
      const info: TopicInfo = {
        name: t.name ?? '',
        topicId: t.topicId,
        internal: t.isInternal,
        errorCode: t.errorCode,
        partitions: t.partitions
          .map((p) => ({
            partition: p.partitionIndex,
            leader: p.leaderId,
            leaderEpoch: p.leaderEpoch,
            replicas: p.replicaNodes,
            isr: p.isrNodes,
            offline: p.offlineReplicas,
            errorCode: p.errorCode,
          }))
          .sort((a, b) => a.partition - b.partition),
      };
      if (t.errorCode === 0) this.topics.set(info.name, info);
      else this.topics.delete(info.name);
      out.push(info);
    }
    return {
      clusterId: res.clusterId,
      controllerId: res.controllerId,
      brokers: res.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })).sort((a, b) => a.nodeId - b.nodeId),
      topics: out.sort((a, b) => a.name.localeCompare(b.name)),
    };
  }

  /** One topic's metadata, from the cache unless `refresh`; throws UNKNOWN_TOPIC_OR_PARTITION. */
  async topic(name: string, refresh = false, autoCreate = false): Promise<TopicInfo> {
    const cached = this.topics.get(name);
    if (cached && !refresh) return cached;
    const md = await this.metadata([name], autoCreate);
    const t = md.topics.find((x) => x.name === name);
    if (!t) throw new KafkaError(3, `topic ${name}`);
    if (t.errorCode !== 0) throw new KafkaError(t.errorCode, `topic ${name}`);
    return t;
  }

  /** Leader node id of a partition (refreshing metadata when unknown). */
  async leaderOf(topic: string, partition: number, refresh = false): Promise<number> {
    const t = await this.topic(topic, refresh);
    const p = t.partitions.find((x) => x.partition === partition);
    if (!p) throw new KafkaError(3, `partition ${topic}/${partition}`);
    if (p.leader < 0) throw new KafkaError(5, `partition ${topic}/${partition}`);
    return p.leader;
  }

  /** Partition count from the cache (0 when unknown). */
  cachedPartitionCount(topic: string): number {
    return this.topics.get(topic)?.partitions.length ?? 0;
  }

  cachedBrokers(): BrokerInfo[] {
    return [...this.brokersById.values()].sort((a, b) => a.nodeId - b.nodeId);
  }

  /** Runs `fn` again on retriable failures, with backoff, up to `retries` times. */
  async withRetry<T>(fn: (attempt: number) => Promise<T>, retries = this.retries): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (e) {
        const retriable = e instanceof ClientError && e.retriable;
        if (!retriable || attempt >= retries || this.closed) throw e;
        await sleep(this.retryBackoffMs * Math.min(2 ** attempt, 10));
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.conns.values()];
    this.conns.clear();
    this.connected.clear();
    for (const c of this.retiring) c.close();
    this.retiring.clear();
    for (const p of all) {
      try {
        (await p).close();
      } catch {
        // never connected
      }
    }
  }
}

