// TxnOffsetCommit (key 28), v0-4: commits group offsets inside a transaction.
import { api, f } from '../schema.js';

export const TxnOffsetCommit = api({
  key: 28,
  name: 'TxnOffsetCommit',
  versions: '0-4',
  flexible: '3+',
  request: {
    transactionalId: f.string('0+'),
    groupId: f.string('0+'),
    producerId: f.int64('0+'),
    producerEpoch: f.int16('0+'),
    generationId: f.int32('3+', { default: -1 }),
    memberId: f.string('3+', { default: '' }),
    groupInstanceId: f.string('3+', { nullable: '3+', default: null }),
    topics: f.structs('0+', 'TxnOffsetCommitRequestTopic', {
      name: f.string('0+'),
      partitions: f.structs('0+', 'TxnOffsetCommitRequestPartition', {
        partitionIndex: f.int32('0+'),
        committedOffset: f.int64('0+'),
        committedLeaderEpoch: f.int32('2+', { default: -1 }),
        committedMetadata: f.string('0+', { nullable: '0+' }),
      }),
    }),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    topics: f.structs('0+', 'TxnOffsetCommitResponseTopic', {
      name: f.string('0+'),
      partitions: f.structs('0+', 'TxnOffsetCommitResponsePartition', {
        partitionIndex: f.int32('0+'),
        errorCode: f.int16('0+'),
      }),
    }),
  },
});
