/**
 * Kafka 3.9's ZooKeeper layout (kafka.zk.ZkData): the paths and the JSON of every znode the
 * cluster uses, so that an operator who knows Kafka reads a Samsa cluster with zkCli.sh, and
 * decoders that reject what they cannot read instead of guessing.
 */

export const ZkPaths = {
  brokerIds: '/brokers/ids',
  broker: (id: number) => `/brokers/ids/${id}`,
  topics: '/brokers/topics',
  topic: (name: string) => `/brokers/topics/${name}`,
  partitions: (name: string) => `/brokers/topics/${name}/partitions`,
  partition: (name: string, p: number) => `/brokers/topics/${name}/partitions/${p}`,
  partitionState: (name: string, p: number) => `/brokers/topics/${name}/partitions/${p}/state`,
  controller: '/controller',
  controllerEpoch: '/controller_epoch',
  configTopics: '/config/topics',
  configTopic: (name: string) => `/config/topics/${name}`,
  configBrokers: '/config/brokers',
  /** A broker entity's dynamic configs: '<default>' (cluster-wide) or a broker id. */
  configBroker: (entity: string) => `/config/brokers/${entity}`,
  configChanges: '/config/changes',
  configChangePrefix: '/config/changes/config_change_',
  deleteTopics: '/admin/delete_topics',
  deleteTopic: (name: string) => `/admin/delete_topics/${name}`,
  clusterId: '/cluster/id',
  producerIdBlock: '/latest_producer_id_block',
} as const;

/** Persistent paths every broker makes sure of at start (Kafka's KafkaZkClient.createTopLevelPaths). */
export const TOP_LEVEL_PATHS = ['/brokers', ZkPaths.brokerIds, ZkPaths.topics, '/config', ZkPaths.configTopics, ZkPaths.configBrokers, ZkPaths.configChanges, '/admin', ZkPaths.deleteTopics, '/cluster', '/isr_change_notification'] as const;

/** An unreadable znode: its path and what is wrong with it. */
export class ZnodeFormatError extends Error {
  constructor(path: string, why: string) {
    super(`znode ${path}: ${why}`);
    this.name = 'ZnodeFormatError';
  }
}

function parseObject(path: string, data: Buffer): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(data.toString('utf8'));
  } catch {
    throw new ZnodeFormatError(path, 'not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ZnodeFormatError(path, 'not a JSON object');
  return v as Record<string, unknown>;
}

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

function int(path: string, o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ZnodeFormatError(path, `"${key}" is not an integer`);
  return v;
}

function intList(path: string, v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x))) throw new ZnodeFormatError(path, `${what} is not a list of integers`);
  return v as number[];
}

// ---- /brokers/ids/<id> -------------------------------------------------------------------

export interface BrokerRegistration {
  id: number;
  host: string;
  port: number;
  rack: string | null;
  /** Listener name → connection string, e.g. PLAINTEXT://host:9092. */
  endpoints: string[];
  /** Listener name → security protocol (listener_security_protocol_map); absent: each name is its protocol. */
  protocols?: Record<string, string>;
}

/** Version 5 of Kafka's broker registration, with the top-level host and port older tools read. */
export function encodeBrokerRegistration(b: BrokerRegistration, nowMs: number): Buffer {
  const protocolMap: Record<string, string> = {};
  for (const e of b.endpoints) {
    const name = e.slice(0, e.indexOf('://'));
    protocolMap[name] = b.protocols?.[name] ?? name;
  }
  return json({
    features: {},
    listener_security_protocol_map: protocolMap,
    endpoints: b.endpoints,
    jmx_port: -1,
    port: b.port,
    host: b.host,
    version: 5,
    timestamp: String(nowMs),
    ...(b.rack !== null ? { rack: b.rack } : {}),
  });
}

export function decodeBrokerRegistration(id: number, data: Buffer): BrokerRegistration {
  const path = ZkPaths.broker(id);
  const o = parseObject(path, data);
  const endpoints = Array.isArray(o['endpoints']) ? (o['endpoints'] as unknown[]).filter((e): e is string => typeof e === 'string') : [];
  let host = typeof o['host'] === 'string' ? o['host'] : '';
  let port = typeof o['port'] === 'number' ? o['port'] : -1;
  // A broker whose first listener is not PLAINTEXT registers host null and port -1 at the top level.
  const first = endpoints[0] ? /^[^:]+:\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(endpoints[0]) : null;
  if ((host === '' || port < 0) && first) {
    host = first[1]!.replace(/^\[|\]$/g, '');
    port = Number(first[2]);
  }
  if (host === '' || port < 0) throw new ZnodeFormatError(path, 'no endpoint');
  const rack = typeof o['rack'] === 'string' ? o['rack'] : null;
  const map = o['listener_security_protocol_map'];
  const protocols = map && typeof map === 'object' ? Object.fromEntries(Object.entries(map as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
  return { id, host, port, rack, endpoints, protocols };
}

// ---- /controller, /controller_epoch ------------------------------------------------------

export function encodeController(brokerId: number, nowMs: number): Buffer {
  return json({ version: 1, brokerid: brokerId, timestamp: String(nowMs) });
}

export function decodeController(data: Buffer): number {
  return int(ZkPaths.controller, parseObject(ZkPaths.controller, data), 'brokerid');
}

export function encodeControllerEpoch(epoch: number): Buffer {
  return Buffer.from(String(epoch));
}

export function decodeControllerEpoch(data: Buffer): number {
  const s = data.toString('utf8').trim();
  if (!/^\d+$/.test(s)) throw new ZnodeFormatError(ZkPaths.controllerEpoch, 'not a number');
  return Number(s);
}

// ---- /brokers/topics/<t> ------------------------------------------------------------------

export interface TopicAssignment {
  /** Kafka's Uuid.toString: 16 bytes, base64url without padding. */
  topicId: string | null;
  /**
   * Replica lists by partition index; partitions are dense from 0. While a partition is being
   * reassigned its list is the union of the original and the target replicas (Kafka's RS).
   */
  partitions: number[][];
  /** Partitions being reassigned (KIP-455): the replicas being added; partitions without are absent. */
  addingReplicas?: ReadonlyMap<number, readonly number[]>;
  /** ... and the replicas being removed. */
  removingReplicas?: ReadonlyMap<number, readonly number[]>;
}

/** Version 3, as Kafka 3.9 writes it: only partitions being reassigned appear under adding/removing. */
export function encodeTopicAssignment(a: TopicAssignment): Buffer {
  const partitions: Record<string, number[]> = {};
  a.partitions.forEach((r, i) => (partitions[String(i)] = r));
  const byPartition = (m: ReadonlyMap<number, readonly number[]> | undefined): Record<string, number[]> => {
    const o: Record<string, number[]> = {};
    for (const [p, r] of [...(m ?? [])].sort((x, y) => x[0] - y[0])) if (r.length > 0) o[String(p)] = [...r];
    return o;
  };
  return json({ partitions, ...(a.topicId !== null ? { topic_id: a.topicId } : {}), adding_replicas: byPartition(a.addingReplicas), removing_replicas: byPartition(a.removingReplicas), version: 3 });
}

export function decodeTopicAssignment(topic: string, data: Buffer): TopicAssignment {
  const path = ZkPaths.topic(topic);
  const o = parseObject(path, data);
  const parts = o['partitions'];
  if (typeof parts !== 'object' || parts === null || Array.isArray(parts)) throw new ZnodeFormatError(path, '"partitions" is not an object');
  const entries = Object.entries(parts as Record<string, unknown>).map(([k, v]) => [Number(k), intList(path, v, `partition ${k}`)] as const);
  entries.sort((a, b) => a[0] - b[0]);
  entries.forEach(([k], i) => {
    if (k !== i) throw new ZnodeFormatError(path, `partitions are not numbered 0..${entries.length - 1}`);
  });
  // Versions 1 and earlier have no reassignment fields; an absent or empty object is none.
  const byPartition = (key: string): Map<number, number[]> => {
    const v = o[key];
    const m = new Map<number, number[]>();
    if (v === undefined || v === null) return m;
    if (typeof v !== 'object' || Array.isArray(v)) throw new ZnodeFormatError(path, `"${key}" is not an object`);
    for (const [k, r] of Object.entries(v as Record<string, unknown>)) {
      const p = Number(k);
      if (!Number.isInteger(p) || p < 0 || p >= entries.length) throw new ZnodeFormatError(path, `"${key}" names partition ${k}, which the topic does not have`);
      const list = intList(path, r, `${key} of partition ${k}`);
      if (list.length > 0) m.set(p, list);
    }
    return m;
  };
  const id = o['topic_id'];
  return { topicId: typeof id === 'string' ? id : null, partitions: entries.map(([, r]) => r), addingReplicas: byPartition('adding_replicas'), removingReplicas: byPartition('removing_replicas') };
}

// ---- /brokers/topics/<t>/partitions/<p>/state ---------------------------------------------

export interface ZkPartitionState {
  leader: number;
  leaderEpoch: number;
  isr: number[];
  controllerEpoch: number;
}

export function encodePartitionState(s: ZkPartitionState): Buffer {
  return json({ controller_epoch: s.controllerEpoch, leader: s.leader, version: 1, leader_epoch: s.leaderEpoch, isr: s.isr });
}

export function decodePartitionState(path: string, data: Buffer): ZkPartitionState {
  const o = parseObject(path, data);
  return { leader: int(path, o, 'leader'), leaderEpoch: int(path, o, 'leader_epoch'), isr: intList(path, o['isr'], '"isr"'), controllerEpoch: int(path, o, 'controller_epoch') };
}

// ---- /config/topics/<t>, /config/changes ---------------------------------------------------

export function encodeEntityConfig(configs: Readonly<Record<string, string>>): Buffer {
  return json({ version: 1, config: configs });
}

export function decodeEntityConfig(path: string, data: Buffer): Record<string, string> {
  if (data.length === 0) return {};
  const o = parseObject(path, data);
  const c = o['config'];
  if (c === undefined || c === null) return {};
  if (typeof c !== 'object' || Array.isArray(c)) throw new ZnodeFormatError(path, '"config" is not an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(c as Record<string, unknown>)) out[k] = String(v);
  return out;
}

/** The body of a /config/changes/config_change_<seq> notification (version 2: "topics/<name>"). */
export function encodeConfigChange(entityType: 'topics' | 'brokers', name: string): Buffer {
  return json({ version: 2, entity_path: `${entityType}/${name}` });
}

export function decodeConfigChange(path: string, data: Buffer): { entityType: string; name: string } {
  const o = parseObject(path, data);
  if (o['version'] === 1) {
    if (typeof o['entity_type'] !== 'string' || typeof o['entity_name'] !== 'string') throw new ZnodeFormatError(path, 'no entity');
    return { entityType: o['entity_type'], name: o['entity_name'] };
  }
  const p = o['entity_path'];
  if (typeof p !== 'string' || !p.includes('/')) throw new ZnodeFormatError(path, 'no "entity_path"');
  const at = p.indexOf('/');
  return { entityType: p.slice(0, at), name: p.slice(at + 1) };
}

// ---- /cluster/id, /latest_producer_id_block ------------------------------------------------

export function encodeClusterId(id: string): Buffer {
  return json({ version: '1', id });
}

export function decodeClusterId(data: Buffer): string {
  const o = parseObject(ZkPaths.clusterId, data);
  if (typeof o['id'] !== 'string' || o['id'] === '') throw new ZnodeFormatError(ZkPaths.clusterId, 'no "id"');
  return o['id'];
}

export interface ZkProducerIdBlock {
  brokerId: number;
  /** First and last id of the block, inclusive (Kafka writes them as strings). */
  start: number;
  end: number;
}

export function encodeProducerIdBlock(b: ZkProducerIdBlock): Buffer {
  return json({ version: 1, broker: b.brokerId, block_start: String(b.start), block_end: String(b.end) });
}

export function decodeProducerIdBlock(data: Buffer): ZkProducerIdBlock {
  const path = ZkPaths.producerIdBlock;
  const o = parseObject(path, data);
  const num = (k: string): number => {
    const v = Number(o[k]);
    if (!Number.isSafeInteger(v) || v < 0) throw new ZnodeFormatError(path, `"${k}" is not a producer id`);
    return v;
  };
  return { brokerId: typeof o['broker'] === 'number' ? o['broker'] : -1, start: num('block_start'), end: num('block_end') };
}
