// ListOffsets (key 2), v0-10: looks up offsets by timestamp (earliest, latest, max timestamp).
import { api, f } from '../schema.js';

export const ListOffsets = api({
  key: 2,
  name: 'ListOffsets',
  versions: '0-10',
  flexible: '6+',
  request: {
    replicaId: f.int32('0+'),
    isolationLevel: f.int8('2+'),
    topics: f.structs('0+', 'ListOffsetsTopic', {
      name: f.string('0+'),
      partitions: f.structs('0+', 'ListOffsetsPartition', {
        partitionIndex: f.int32('0+'),
        currentLeaderEpoch: f.int32('4+', { default: -1 }),
        timestamp: f.int64('0+'),
        maxNumOffsets: f.int32('0', { default: 1 }),
      }),
    }),
    timeoutMs: f.int32('10+'),
  },
  response: {
    throttleTimeMs: f.int32('2+'),
    topics: f.structs('0+', 'ListOffsetsTopicResponse', {
      name: f.string('0+'),
      partitions: f.structs('0+', 'ListOffsetsPartitionResponse', {
        partitionIndex: f.int32('0+'),
        errorCode: f.int16('0+'),
        oldStyleOffsets: f.array('0', 'int64'),
        timestamp: f.int64('1+', { default: -1 }),
        offset: f.int64('1+', { default: -1 }),
        leaderEpoch: f.int32('4+', { default: -1 }),
      }),
    }),
  },
});
