// ConsumerGroupDescribe (key 69), v0: describes groups of the new consumer group protocol (KIP-848).
import { api, f } from '../schema.js';

/** TopicPartitions, shared by several fields (Kafka's commonStructs). */
const topicPartitionsFields = {
  topicId: f.uuid('0+'),
  topicName: f.string('0+'),
  partitions: f.array('0+', 'int32'),
};

/** Assignment, shared by several fields (Kafka's commonStructs). */
const assignmentFields = {
  topicPartitions: f.structs('0+', 'TopicPartitions', topicPartitionsFields),
};

export const ConsumerGroupDescribe = api({
  key: 69,
  name: 'ConsumerGroupDescribe',
  versions: '0',
  flexible: '0+',
  request: {
    groupIds: f.array('0+', 'string'),
    includeAuthorizedOperations: f.bool('0+'),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    groups: f.structs('0+', 'DescribedGroup', {
      errorCode: f.int16('0+'),
      errorMessage: f.string('0+', { nullable: '0+', default: null }),
      groupId: f.string('0+'),
      groupState: f.string('0+'),
      groupEpoch: f.int32('0+'),
      assignmentEpoch: f.int32('0+'),
      assignorName: f.string('0+'),
      members: f.structs('0+', 'Member', {
        memberId: f.string('0+'),
        instanceId: f.string('0+', { nullable: '0+', default: null }),
        rackId: f.string('0+', { nullable: '0+', default: null }),
        memberEpoch: f.int32('0+'),
        clientId: f.string('0+'),
        clientHost: f.string('0+'),
        subscribedTopicNames: f.array('0+', 'string'),
        subscribedTopicRegex: f.string('0+', { nullable: '0+', default: null }),
        assignment: f.struct('0+', 'Assignment', assignmentFields),
        targetAssignment: f.struct('0+', 'Assignment', assignmentFields),
      }),
      authorizedOperations: f.int32('0+', { default: -2147483648 }),
    }),
  },
});
