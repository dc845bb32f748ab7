// CreateTopics (key 19), v0-7: creates topics with partitions, replicas and configs.
import { api, f } from '../schema.js';

export const CreateTopics = api({
  key: 19,
  name: 'CreateTopics',
  versions: '0-7',
  flexible: '5+',
  request: {
    topics: f.structs('0+', 'CreatableTopic', {
      name: f.string('0+'),
      numPartitions: f.int32('0+'),
      replicationFactor: f.int16('0+'),
      assignments: f.structs('0+', 'CreatableReplicaAssignment', {
        partitionIndex: f.int32('0+'),
        brokerIds: f.array('0+', 'int32'),
      }),
      configs: f.structs('0+', 'CreatableTopicConfig', {
        name: f.string('0+'),
        value: f.string('0+', { nullable: '0+' }),
      }),
    }),
    timeoutMs: f.int32('0+', { default: 60000 }),
    validateOnly: f.bool('1+', { default: false }),
  },
  response: {
    throttleTimeMs: f.int32('2+'),
    topics: f.structs('0+', 'CreatableTopicResult', {
      name: f.string('0+'),
      topicId: f.uuid('7+'),
      errorCode: f.int16('0+'),
      errorMessage: f.string('1+', { nullable: '0+' }),
      topicConfigErrorCode: f.int16('5+', { tagged: '5+', tag: 0 }),
      numPartitions: f.int32('5+', { default: -1 }),
      replicationFactor: f.int16('5+', { default: -1 }),
      configs: f.structs('5+', 'CreatableTopicConfigs', {
        name: f.string('5+'),
        value: f.string('5+', { nullable: '5+' }),
        readOnly: f.bool('5+'),
        configSource: f.int8('5+', { default: -1 }),
        isSensitive: f.bool('5+'),
      }, { nullable: '5+' }),
    }),
  },
});
