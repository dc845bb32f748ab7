/**
 * The one writer of cluster metadata. Admin requests reach it from any broker; it validates,
 * decides placement and leadership, persists, and publishes a new MetadataImage with the delta
 * every broker applies. Single-node mode is the in-process LocalController of a one-broker
 * cluster; cluster mode puts the same interface in front of ZooKeeper.
 */
import type { MetadataDelta, MetadataImage, TopicImage } from './metadata-image.js';

export interface CreateTopicSpec {
  name: string;
  /** -1: num.partitions. */
  numPartitions: number;
  /** -1: default.replication.factor. */
  replicationFactor: number;
  /** Explicit replica lists, one per partition (then numPartitions and replicationFactor are -1). */
  assignments?: number[][];
  configs?: Record<string, string>;
  internal?: boolean;
}

export interface PartitionsIncrease {
  name: string;
  count: number;
  /** Replica lists of the new partitions, or null for the controller's placement. */
  assignments: number[][] | null;
}

/** A Kafka error code (0 = done) with Kafka's message, and the topic as it is (or would be) after the change. */
export interface ControllerResult {
  errorCode: number;
  message: string | null;
  topic?: TopicImage;
}

/**
 * Producer ids [firstProducerId, firstProducerId + size) reserved for one broker: no other broker
 * and no later run is handed any of them (Kafka's AllocateProducerIds; ZooKeeper mode keeps the
 * latest block in /latest_producer_id_block).
 */
export interface ProducerIdBlock {
  firstProducerId: number;
  size: number;
}

/** Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

export interface Controller {
  /** The latest image this broker has applied. */
  readonly image: MetadataImage;
  /** Listeners see every delta in order, synchronously, before the change's promise resolves. */
  onDelta(listener: (delta: MetadataDelta) => void): void;
  createTopics(specs: readonly CreateTopicSpec[], validateOnly: boolean): Promise<ControllerResult[]>;
  deleteTopics(names: readonly string[]): Promise<ControllerResult[]>;
  createPartitions(increases: readonly PartitionsIncrease[], validateOnly: boolean): Promise<ControllerResult[]>;
  /** Replaces each topic's dynamic configs by the given complete set. */
  alterTopicConfigs(changes: ReadonlyArray<{ name: string; configs: Record<string, string> }>, validateOnly: boolean): Promise<ControllerResult[]>;
  /**
   * Replaces the dynamic configs of broker entities — '<default>' (every broker's) or a broker id
   * — by the given complete sets (empty: none left), as Kafka keeps them in /config/brokers/<entity>.
   * The names and values were checked by the broker that took the request.
   */
  alterBrokerConfigs(changes: ReadonlyArray<{ entity: string; configs: Record<string, string> }>, validateOnly: boolean): Promise<ControllerResult[]>;
  /** The next block of producer ids for `brokerId`, persisted before it is returned. Rejects when it cannot be persisted. */
  allocateProducerIdBlock(brokerId: number): Promise<ProducerIdBlock>;
}
