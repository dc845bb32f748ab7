// ConsumerGroupHeartbeat (key 68), v0-1: member heartbeat of the new consumer group protocol (KIP-848).
import { api, f } from '../schema.js';

/** TopicPartitions, shared by several fields (Kafka's commonStructs). */
const topicPartitionsFields = {
  topicId: f.uuid('0+'),
  partitions: f.array('0+', 'int32'),
};

export const ConsumerGroupHeartbeat = api({
  key: 68,
  name: 'ConsumerGroupHeartbeat',
  versions: '0-1',
  flexible: '0+',
  request: {
    groupId: f.string('0+'),
    memberId: f.string('0+'),
    memberEpoch: f.int32('0+'),
    instanceId: f.string('0+', { nullable: '0+', default: null }),
    rackId: f.string('0+', { nullable: '0+', default: null }),
    rebalanceTimeoutMs: f.int32('0+', { default: -1 }),
    subscribedTopicNames: f.array('0+', 'string', { nullable: '0+', default: null }),
    subscribedTopicRegex: f.string('1+', { nullable: '1+', default: null }),
    serverAssignor: f.string('0+', { nullable: '0+', default: null }),
    topicPartitions: f.structs('0+', 'TopicPartitions', {
      topicId: f.uuid('0+'),
      partitions: f.array('0+', 'int32'),
    }, { nullable: '0+', default: null }),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    errorCode: f.int16('0+'),
    errorMessage: f.string('0+', { nullable: '0+', default: null }),
    memberId: f.string('0+', { nullable: '0+', default: null }),
    memberEpoch: f.int32('0+'),
    heartbeatIntervalMs: f.int32('0+'),
    assignment: f.struct('0+', 'Assignment', {
      topicPartitions: f.structs('0+', 'TopicPartitions', topicPartitionsFields),
    }, { nullable: '0+', default: null }),
  },
});
