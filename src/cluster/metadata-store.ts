/** One partition's replica placement; the first replica is the preferred leader. */
export interface PartitionAssignment {
  readonly replicas: number[];
  /** Absent in files written before leadership was recorded: 0. */
  readonly leaderEpoch?: number;
  readonly partitionEpoch?: number;
}

export interface TopicRecord {
  readonly name: string;
  /** Kafka topic id: 16 bytes, base64url. */
  readonly id: string;
  partitions: PartitionAssignment[];
  /** Dynamic topic configs (only what was set explicitly). */
  configs: Record<string, string>;
  readonly internal: boolean;
}

/**
 * Cluster metadata: the local backend keeps it in the data directory; the ZooKeeper backend
 * (cluster mode) keeps it in ZooKeeper. Broker code depends only on this interface.
 */
export interface MetadataStore {
  readonly clusterId: string;
  topics(): Iterable<TopicRecord>;
  topic(name: string): TopicRecord | undefined;
  topicById(id: string): TopicRecord | undefined;
  createTopic(topic: TopicRecord): void;
  deleteTopic(name: string): void;
  updateTopic(name: string, change: (t: TopicRecord) => void): void;
  /** Replaces every topic at once: one write for a whole request. */
  replaceTopics(topics: readonly TopicRecord[]): void;
  /**
   * Reserves `count` producer ids no earlier call returned, durably before returning (a restart
   * must never hand one out again); returns the first. A store without it cannot serve
   * idempotent producers.
   */
  reserveProducerIds?(count: number): number;
  /** Dynamic broker configs by entity ('<default>' or a broker id). A store without them has none. */
  brokerConfigs?(): Record<string, Record<string, string>>;
  /** Replaces every entity's dynamic broker configs at once, durably before returning. */
  replaceBrokerConfigs?(configs: Record<string, Record<string, string>>): void;
}
