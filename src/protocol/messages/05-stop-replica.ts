// StopReplica (key 5), v0-4: a ZooKeeper-mode controller tells a broker to stop replicating, and maybe delete, partitions.
import { api, f } from '../schema.js';

export const StopReplica = api({
  key: 5,
  name: 'StopReplica',
  versions: '0-4',
  flexible: '2+',
  request: {
    controllerId: f.int32('0+'),
    isKRaftController: f.bool('4+', { default: false }),
    controllerEpoch: f.int32('0+'),
    brokerEpoch: f.int64('1+', { default: -1 }),
    /** v0-2: one flag for every partition; v3+ carry it per partition. */
    deletePartitions: f.bool('0-2'),
    ungroupedPartitions: f.structs('0', 'StopReplicaPartitionV0', {
      topicName: f.string('0'),
      partitionIndex: f.int32('0'),
    }),
    topics: f.structs('1-2', 'StopReplicaTopicV1', {
      name: f.string('1-2'),
      partitionIndexes: f.array('1-2', 'int32'),
    }),
    topicStates: f.structs('3+', 'StopReplicaTopicState', {
      topicName: f.string('3+'),
      partitionStates: f.structs('3+', 'StopReplicaPartitionState', {
        partitionIndex: f.int32('3+'),
        leaderEpoch: f.int32('3+', { default: -1 }),
        deletePartition: f.bool('3+'),
      }),
    }),
  },
  response: {
    errorCode: f.int16('0+'),
    partitionErrors: f.structs('0+', 'StopReplicaPartitionError', {
      topicName: f.string('0+'),
      partitionIndex: f.int32('0+'),
      errorCode: f.int16('0+'),
    }),
  },
});
