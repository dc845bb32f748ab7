/**
 * The cluster as every broker sees it: an immutable, versioned image read synchronously by
 * request handlers, replaced as a whole when the controller applies a change. Brokers act on
 * the difference between two images (MetadataDelta), never on the controller's internals.
 */

export interface BrokerInfo {
  readonly id: number;
  /** The address on the inter-broker listener. */
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
  /** Every advertised listener of the broker; absent: only host and port (one listener). */
  readonly endpoints?: readonly BrokerEndpoint[];
}

export interface BrokerEndpoint {
  readonly listener: string;
  readonly host: string;
  readonly port: number;
  /** Kafka's SecurityProtocol id (0 PLAINTEXT, 1 SSL, 2 SASL_PLAINTEXT, 3 SASL_SSL). */
  readonly securityProtocol: number;
}

/** The address clients on `listener` are given for a broker (Kafka answers each listener with its own endpoints). */
export function endpointOn(b: BrokerInfo, listener: string): { host: string; port: number } {
  const e = b.endpoints?.find((x) => x.listener === listener);
  return e ? { host: e.host, port: e.port } : { host: b.host, port: b.port };
}

/** One partition's replicas and leadership; replicas[0] is the preferred leader. */
export interface PartitionState {
  readonly replicas: readonly number[];
  /** -1 when no replica can lead. */
  readonly leader: number;
  /** Bumped on every leader change. */
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  /** Bumped on every change of this partition's state (AlterPartition is conditioned on it). */
  readonly partitionEpoch: number;
}

export interface TopicImage {
  readonly name: string;
  /** Kafka topic id: 16 bytes, base64url. */
  readonly id: string;
  readonly internal: boolean;
  /** Dynamic topic configs: only what was set explicitly. */
  readonly configs: Readonly<Record<string, string>>;
  readonly partitions: readonly PartitionState[];
}

/** Dynamic broker configs by entity: '<default>' (cluster-wide) or a broker id, as stored. */
export type BrokerConfigsImage = ReadonlyMap<string, Readonly<Record<string, string>>>;

const NO_BROKER_CONFIGS: BrokerConfigsImage = new Map();
const NO_CONFIGS: Readonly<Record<string, string>> = Object.freeze({});

export class MetadataImage {
  private readonly byName: ReadonlyMap<string, TopicImage>;
  private readonly byId: ReadonlyMap<string, TopicImage>;
  private readonly brokerById: ReadonlyMap<number, BrokerInfo>;

  constructor(
    readonly version: number,
    readonly clusterId: string,
    readonly controllerId: number,
    brokers: readonly BrokerInfo[],
    topics: readonly TopicImage[],
    /** Replaced as a whole when one entity changes, so a delta sees the change by identity. */
    readonly brokerConfigs: BrokerConfigsImage = NO_BROKER_CONFIGS,
  ) {
    this.brokerById = new Map(brokers.map((b) => [b.id, b]));
    this.byName = new Map(topics.map((t) => [t.name, t]));
    this.byId = new Map(topics.map((t) => [t.id, t]));
  }

  topic(name: string): TopicImage | undefined {
    return this.byName.get(name);
  }
  topicById(id: string): TopicImage | undefined {
    return this.byId.get(id);
  }
  topics(): Iterable<TopicImage> {
    return this.byName.values();
  }
  get topicCount(): number {
    return this.byName.size;
  }
  /** Brokers in id order. */
  brokers(): BrokerInfo[] {
    return [...this.brokerById.values()].sort((a, b) => a.id - b.id);
  }
  broker(id: number): BrokerInfo | undefined {
    return this.brokerById.get(id);
  }
  /** The dynamic configs of one broker entity ('<default>' or an id); empty when none are set. */
  brokerConfig(entity: string): Readonly<Record<string, string>> {
    return this.brokerConfigs.get(entity) ?? NO_CONFIGS;
  }
  partitionCount(): number {
    let n = 0;
    for (const t of this.byName.values()) n += t.partitions.length;
    return n;
  }

  /** A new image with some topics replaced or added (by name) and some removed. */
  with(change: { version: number; brokers?: readonly BrokerInfo[]; controllerId?: number; put?: readonly TopicImage[]; remove?: readonly string[]; brokerConfigs?: BrokerConfigsImage }): MetadataImage {
    const topics = new Map(this.byName);
    for (const name of change.remove ?? []) topics.delete(name);
    for (const t of change.put ?? []) topics.set(t.name, t);
    return new MetadataImage(change.version, this.clusterId, change.controllerId ?? this.controllerId, change.brokers ?? this.brokers(), [...topics.values()], change.brokerConfigs ?? this.brokerConfigs);
  }
}

/** What changed from one image to the next, in the order brokers apply it. */
export interface MetadataDelta {
  readonly image: MetadataImage;
  readonly previous: MetadataImage;
  /** Topics that are gone (with their last state, so their partitions can be stopped). */
  readonly deletedTopics: readonly TopicImage[];
  /** Topics new in this image, or with new partitions or new partition states. */
  readonly changedTopics: readonly TopicImage[];
  /** Topics whose dynamic configs changed. */
  readonly changedConfigs: readonly TopicImage[];
  /** The dynamic broker configs changed: every topic's defaults may have. */
  readonly brokerConfigsChanged: boolean;
}

export function diffImages(previous: MetadataImage, image: MetadataImage): MetadataDelta {
  const deletedTopics: TopicImage[] = [];
  const changedTopics: TopicImage[] = [];
  const changedConfigs: TopicImage[] = [];
  for (const old of previous.topics()) {
    const now = image.topic(old.name);
    if (!now || now.id !== old.id) deletedTopics.push(old);
  }
  for (const t of image.topics()) {
    const old = previous.topic(t.name);
    if (!old || old.id !== t.id) {
      changedTopics.push(t);
      continue;
    }
    if (old.partitions !== t.partitions) changedTopics.push(t);
    if (old.configs !== t.configs) changedConfigs.push(t);
  }
  return { image, previous, deletedTopics, changedTopics, changedConfigs, brokerConfigsChanged: image.brokerConfigs !== previous.brokerConfigs };
}

/** Element-wise equality of two lists of broker ids (replicas, ISRs): order matters, as in Kafka's states. */
export function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The same config names with the same values. */
export function sameConfigs(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
