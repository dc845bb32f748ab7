// UpdateMetadata (key 6), v0-8: a ZooKeeper-mode controller pushes partition states and live brokers to a broker's metadata cache.
import { api, f } from '../schema.js';

/** UpdateMetadataPartitionState, shared by the v0-4 flat list and the v5+ per-topic lists (Kafka's commonStructs). */
const updateMetadataPartitionStateFields = {
  /** Only in the v0-4 flat list; v5+ group partitions by topic. */
  topicName: f.string('0-4'),
  partitionIndex: f.int32('0+'),
  controllerEpoch: f.int32('0+'),
  leader: f.int32('0+'),
  leaderEpoch: f.int32('0+'),
  isr: f.array('0+', 'int32'),
  zkVersion: f.int32('0+'),
  replicas: f.array('0+', 'int32'),
  offlineReplicas: f.array('4+', 'int32'),
};

export const UpdateMetadata = api({
  key: 6,
  name: 'UpdateMetadata',
  versions: '0-8',
  flexible: '6+',
  request: {
    controllerId: f.int32('0+'),
    isKRaftController: f.bool('8+', { default: false }),
    /** 0 unknown, 1 incremental, 2 full snapshot (KIP-866 migration). */
    type: f.int8('8+', { tagged: '8+', tag: 0, default: 0 }),
    controllerEpoch: f.int32('0+'),
    brokerEpoch: f.int64('5+', { default: -1 }),
    ungroupedPartitionStates: f.structs('0-4', 'UpdateMetadataPartitionState', updateMetadataPartitionStateFields),
    topicStates: f.structs('5+', 'UpdateMetadataTopicState', {
      topicName: f.string('5+'),
      topicId: f.uuid('7+'),
      partitionStates: f.structs('5+', 'UpdateMetadataPartitionState', updateMetadataPartitionStateFields),
    }),
    liveBrokers: f.structs('0+', 'UpdateMetadataBroker', {
      id: f.int32('0+'),
      /** v0 carries a single host and port; v1+ a list of endpoints. */
      v0Host: f.string('0'),
      v0Port: f.int32('0'),
      endpoints: f.structs('1+', 'UpdateMetadataEndpoint', {
        port: f.int32('1+'),
        host: f.string('1+'),
        listener: f.string('3+'),
        securityProtocol: f.int16('1+'),
      }),
      rack: f.string('2+', { nullable: '0+' }),
    }),
  },
  response: {
    errorCode: f.int16('0+'),
  },
});
