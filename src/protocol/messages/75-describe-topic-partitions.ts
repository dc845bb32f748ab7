// DescribeTopicPartitions (key 75), v0: describes topics' partitions page by page (KIP-966).
import { api, f } from '../schema.js';

export const DescribeTopicPartitions = api({
  key: 75,
  name: 'DescribeTopicPartitions',
  versions: '0',
  flexible: '0+',
  request: {
    topics: f.structs('0+', 'TopicRequest', {
      name: f.string('0+'),
    }),
    responsePartitionLimit: f.int32('0+', { default: 2000 }),
    cursor: f.struct('0+', 'Cursor', {
      topicName: f.string('0+'),
      partitionIndex: f.int32('0+'),
    }, { nullable: '0+', default: null }),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    topics: f.structs('0+', 'DescribeTopicPartitionsResponseTopic', {
      errorCode: f.int16('0+'),
      name: f.string('0+', { nullable: '0+' }),
      topicId: f.uuid('0+'),
      isInternal: f.bool('0+', { default: false }),
      partitions: f.structs('0+', 'DescribeTopicPartitionsResponsePartition', {
        errorCode: f.int16('0+'),
        partitionIndex: f.int32('0+'),
        leaderId: f.int32('0+'),
        leaderEpoch: f.int32('0+', { default: -1 }),
        replicaNodes: f.array('0+', 'int32'),
        isrNodes: f.array('0+', 'int32'),
        eligibleLeaderReplicas: f.array('0+', 'int32', { nullable: '0+', default: null }),
        lastKnownElr: f.array('0+', 'int32', { nullable: '0+', default: null }),
        offlineReplicas: f.array('0+', 'int32'),
      }),
      topicAuthorizedOperations: f.int32('0+', { default: -2147483648 }),
    }),
    nextCursor: f.struct('0+', 'Cursor', {
      topicName: f.string('0+'),
      partitionIndex: f.int32('0+'),
    }, { nullable: '0+', default: null }),
  },
});
