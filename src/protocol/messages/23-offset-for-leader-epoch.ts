// OffsetForLeaderEpoch (key 23), v0-4: returns the end offset of a leader epoch, for follower truncation.
import { api, f } from '../schema.js';

export const OffsetForLeaderEpoch = api({
  key: 23,
  name: 'OffsetForLeaderEpoch',
  versions: '0-4',
  flexible: '4+',
  request: {
    replicaId: f.int32('3+', { default: -2 }),
    topics: f.structs('0+', 'OffsetForLeaderTopic', {
      topic: f.string('0+'),
      partitions: f.structs('0+', 'OffsetForLeaderPartition', {
        partition: f.int32('0+'),
        currentLeaderEpoch: f.int32('2+', { default: -1 }),
        leaderEpoch: f.int32('0+'),
      }),
    }),
  },
  response: {
    throttleTimeMs: f.int32('2+'),
    topics: f.structs('0+', 'OffsetForLeaderTopicResult', {
      topic: f.string('0+'),
      partitions: f.structs('0+', 'EpochEndOffset', {
        errorCode: f.int16('0+'),
        partition: f.int32('0+'),
        leaderEpoch: f.int32('1+', { default: -1 }),
        endOffset: f.int64('0+', { default: -1 }),
      }),
    }),
  },
});
