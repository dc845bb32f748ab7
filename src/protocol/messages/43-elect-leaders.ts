// ElectLeaders (key 43), v0-2: a preferred or unclean leader election for some partitions or all.
import { api, f } from '../schema.js';

export const ElectLeaders = api({
  key: 43,
  name: 'ElectLeaders',
  versions: '0-2',
  flexible: '2+',
  request: {
    /** 0 preferred, 1 unclean; v0 is preferred only. */
    electionType: f.int8('1+'),
    topicPartitions: f.structs('0+', 'TopicPartitions', {
      topic: f.string('0+'),
      partitions: f.array('0+', 'int32'),
    }, { nullable: '0+' }),
    timeoutMs: f.int32('0+', { default: 60000 }),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    errorCode: f.int16('1+'),
    replicaElectionResults: f.structs('0+', 'ReplicaElectionResult', {
      topic: f.string('0+'),
      partitionResult: f.structs('0+', 'PartitionResult', {
        partitionId: f.int32('0+'),
        errorCode: f.int16('0+'),
        errorMessage: f.string('0+', { nullable: '0+' }),
      }),
    }),
  },
});
