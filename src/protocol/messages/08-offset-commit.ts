// OffsetCommit (key 8), v0-9: stores a consumer group's committed offsets.
import { api, f } from '../schema.js';

export const OffsetCommit = api({
  key: 8,
  name: 'OffsetCommit',
  versions: '0-9',
  flexible: '8+',
  request: {
    groupId: f.string('0+'),
    generationIdOrMemberEpoch: f.int32('1+', { default: -1 }),
    memberId: f.string('1+'),
    groupInstanceId: f.string('7+', { nullable: '7+', default: null }),
    retentionTimeMs: f.int64('2-4', { default: -1 }),
    topics: f.structs('0+', 'OffsetCommitRequestTopic', {
      name: f.string('0+'),
      partitions: f.structs('0+', 'OffsetCommitRequestPartition', {
        partitionIndex: f.int32('0+'),
        committedOffset: f.int64('0+'),
        committedLeaderEpoch: f.int32('6+', { default: -1 }),
        commitTimestamp: f.int64('1', { default: -1 }),
        committedMetadata: f.string('0+', { nullable: '0+' }),
      }),
    }),
  },
  response: {
    throttleTimeMs: f.int32('3+'),
    topics: f.structs('0+', 'OffsetCommitResponseTopic', {
      name: f.string('0+'),
      partitions: f.structs('0+', 'OffsetCommitResponsePartition', {
        partitionIndex: f.int32('0+'),
        errorCode: f.int16('0+'),
      }),
    }),
  },
});
