// OffsetFetch (key 9), v0-9: reads a consumer group's committed offsets.
import { api, f } from '../schema.js';

export const OffsetFetch = api({
  key: 9,
  name: 'OffsetFetch',
  versions: '0-9',
  flexible: '6+',
  request: {
    groupId: f.string('0-7'),
    topics: f.structs('0-7', 'OffsetFetchRequestTopic', {
      name: f.string('0-7'),
      partitionIndexes: f.array('0-7', 'int32'),
    }, { nullable: '2-7' }),
    groups: f.structs('8+', 'OffsetFetchRequestGroup', {
      groupId: f.string('8+'),
      memberId: f.string('9+', { nullable: '9+', default: null }),
      memberEpoch: f.int32('9+', { default: -1 }),
      topics: f.structs('8+', 'OffsetFetchRequestTopics', {
        name: f.string('8+'),
        partitionIndexes: f.array('8+', 'int32'),
      }, { nullable: '8+' }),
    }),
    requireStable: f.bool('7+', { default: false }),
  },
  response: {
    throttleTimeMs: f.int32('3+'),
    topics: f.structs('0-7', 'OffsetFetchResponseTopic', {
      name: f.string('0-7'),
      partitions: f.structs('0-7', 'OffsetFetchResponsePartition', {
        partitionIndex: f.int32('0-7'),
        committedOffset: f.int64('0-7'),
        committedLeaderEpoch: f.int32('5-7', { default: -1 }),
        metadata: f.string('0-7', { nullable: '0-7' }),
        errorCode: f.int16('0-7'),
      }),
    }),
    errorCode: f.int16('2-7', { default: 0 }),
    groups: f.structs('8+', 'OffsetFetchResponseGroup', {
      groupId: f.string('8+'),
      topics: f.structs('8+', 'OffsetFetchResponseTopics', {
        name: f.string('8+'),
        partitions: f.structs('8+', 'OffsetFetchResponsePartitions', {
          partitionIndex: f.int32('8+'),
          committedOffset: f.int64('8+'),
          committedLeaderEpoch: f.int32('8+', { default: -1 }),
          metadata: f.string('8+', { nullable: '8+' }),
          errorCode: f.int16('8+'),
        }),
      }),
      errorCode: f.int16('8+', { default: 0 }),
    }),
  },
});
