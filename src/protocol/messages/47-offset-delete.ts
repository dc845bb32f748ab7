// OffsetDelete (key 47), v0: deletes committed offsets of a group for some partitions.
import { api, f } from '../schema.js';

export const OffsetDelete = api({
  key: 47,
  name: 'OffsetDelete',
  versions: '0',
  flexible: 'none',
  request: {
    groupId: f.string('0+'),
    topics: f.structs('0+', 'OffsetDeleteRequestTopic', {
      name: f.string('0+'),
      partitions: f.structs('0+', 'OffsetDeleteRequestPartition', {
        partitionIndex: f.int32('0+'),
      }),
    }),
  },
  response: {
    errorCode: f.int16('0+'),
    throttleTimeMs: f.int32('0+'),
    topics: f.structs('0+', 'OffsetDeleteResponseTopic', {
      name: f.string('0+'),
      partitions: f.structs('0+', 'OffsetDeleteResponsePartition', {
        partitionIndex: f.int32('0+'),
        errorCode: f.int16('0+'),
      }),
    }),
  },
});
