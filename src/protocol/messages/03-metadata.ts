// Metadata (key 3), v0-12: brokers, cluster id, controller, and topics with their ids and partitions.
import { api, f } from '../schema.js';

/** Metadata (key 3): brokers, cluster id, controller, topics with ids and partitions. */
export const Metadata = api({
  key: 3,
  name: 'Metadata',
  versions: '0-12',
  flexible: '9+',
  request: {
    topics: f.structs('0+', 'MetadataRequestTopic', {
      topicId: f.uuid('10+'),
      name: f.string('0+', { nullable: '10+' }),
    }, { nullable: '1+' }),
    allowAutoTopicCreation: f.bool('4+', { default: true }),
    includeClusterAuthorizedOperations: f.bool('8-10'),
    includeTopicAuthorizedOperations: f.bool('8+'),
  },
  response: {
    throttleTimeMs: f.int32('3+'),
    brokers: f.structs('0+', 'MetadataResponseBroker', {
      nodeId: f.int32('0+'),
      host: f.string('0+'),
      port: f.int32('0+'),
      rack: f.string('1+', { nullable: '1+', default: null }),
    }),
    clusterId: f.string('2+', { nullable: '2+', default: null }),
    controllerId: f.int32('1+', { default: -1 }),
    topics: f.structs('0+', 'MetadataResponseTopic', {
      errorCode: f.int16('0+'),
      name: f.string('0+', { nullable: '12+' }),
      topicId: f.uuid('10+'),
      isInternal: f.bool('1+', { default: false }),
      partitions: f.structs('0+', 'MetadataResponsePartition', {
        errorCode: f.int16('0+'),
        partitionIndex: f.int32('0+'),
        leaderId: f.int32('0+'),
        leaderEpoch: f.int32('7+', { default: -1 }),
        replicaNodes: f.array('0+', 'int32'),
        isrNodes: f.array('0+', 'int32'),
        offlineReplicas: f.array('5+', 'int32'),
      }),
      topicAuthorizedOperations: f.int32('8+', { default: -2147483648 }),
    }),
    clusterAuthorizedOperations: f.int32('8-10', { default: -2147483648 }),
  },
});
