// LeaderAndIsr (key 4), v0-7: a ZooKeeper-mode controller tells a broker which partitions it leads or follows.
import { api, f } from '../schema.js';

/** LeaderAndIsrPartitionState, shared by the v0-1 flat list and the v2+ per-topic lists (Kafka's commonStructs). */
const leaderAndIsrPartitionStateFields = {
  /** Only in the v0-1 flat list; v2+ group partitions by topic. */
  topicName: f.string('0-1'),
  partitionIndex: f.int32('0+'),
  controllerEpoch: f.int32('0+'),
  leader: f.int32('0+'),
  leaderEpoch: f.int32('0+'),
  isr: f.array('0+', 'int32'),
  /** The partition's ZooKeeper version. */
  partitionEpoch: f.int32('0+'),
  replicas: f.array('0+', 'int32'),
  addingReplicas: f.array('3+', 'int32'),
  removingReplicas: f.array('3+', 'int32'),
  isNew: f.bool('1+', { default: false }),
  leaderRecoveryState: f.int8('6+', { default: 0 }),
};

/** LeaderAndIsrPartitionError, shared by the v0-4 flat list and the v5+ per-topic lists (Kafka's commonStructs). */
const leaderAndIsrPartitionErrorFields = {
  topicName: f.string('0-4'),
  partitionIndex: f.int32('0+'),
  errorCode: f.int16('0+'),
};

export const LeaderAndIsr = api({
  key: 4,
  name: 'LeaderAndIsr',
  versions: '0-7',
  flexible: '4+',
  request: {
    controllerId: f.int32('0+'),
    isKRaftController: f.bool('7+', { default: false }),
    controllerEpoch: f.int32('0+'),
    brokerEpoch: f.int64('2+', { default: -1 }),
    /** 0 unknown, 1 incremental, 2 full: whether every topic the broker hosts is in the request. */
    type: f.int8('5+'),
    ungroupedPartitionStates: f.structs('0-1', 'LeaderAndIsrPartitionState', leaderAndIsrPartitionStateFields),
    topicStates: f.structs('2+', 'LeaderAndIsrTopicState', {
      topicName: f.string('2+'),
      topicId: f.uuid('5+'),
      partitionStates: f.structs('2+', 'LeaderAndIsrPartitionState', leaderAndIsrPartitionStateFields),
    }),
    liveLeaders: f.structs('0+', 'LeaderAndIsrLiveLeader', {
      brokerId: f.int32('0+'),
      hostName: f.string('0+'),
      port: f.int32('0+'),
    }),
  },
  response: {
    errorCode: f.int16('0+'),
    partitionErrors: f.structs('0-4', 'LeaderAndIsrPartitionError', leaderAndIsrPartitionErrorFields),
    topics: f.structs('5+', 'LeaderAndIsrTopicError', {
      topicId: f.uuid('5+'),
      partitionErrors: f.structs('5+', 'LeaderAndIsrPartitionError', leaderAndIsrPartitionErrorFields),
    }),
  },
});
