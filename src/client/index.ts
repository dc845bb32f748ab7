export { KafkaClient, type ClientOptions, type BrokerInfo, type PartitionInfo, type TopicInfo, type ClusterMetadata } from './client.js';
export { Connection, type ConnectionOptions } from './connection.js';
export { Producer, type ProducerOptions, type ProducerRecord, type RecordMetadata, type DeliveryCallback } from './producer.js';
export { Fetcher, decodeRecords, type ConsumedRecord, type FetcherOptions } from './consumer.js';
export { GroupConsumer, type GroupConsumerOptions } from './group.js';
export { Admin, EARLIEST, LATEST, ResourceType, type NewTopic, type ConfigEntry, type GroupDescription, type CommittedOffset } from './admin.js';
export { murmur2, partitionForKey, StickyPartitioner } from './partitioner.js';
export { rangeAssign, encodeSubscription, decodeSubscription, encodeAssignment, decodeAssignment } from './consumer-protocol.js';
export { ClientError, KafkaError, parseBrokers } from './util.js';
