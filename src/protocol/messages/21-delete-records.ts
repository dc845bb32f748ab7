// DeleteRecords (key 21), v0-2: moves partitions' log start offsets forward.
import { api, f } from '../schema.js';

export const DeleteRecords = api({
  key: 21,
  name: 'DeleteRecords',
  versions: '0-2',
  flexible: '2+',
  request: {
    topics: f.structs('0+', 'DeleteRecordsTopic', {
      name: f.string('0+'),
      partitions: f.structs('0+', 'DeleteRecordsPartition', {
        partitionIndex: f.int32('0+'),
        offset: f.int64('0+'),
      }),
    }),
    timeoutMs: f.int32('0+'),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    topics: f.structs('0+', 'DeleteRecordsTopicResult', {
      name: f.string('0+'),
      partitions: f.structs('0+', 'DeleteRecordsPartitionResult', {
        partitionIndex: f.int32('0+'),
        lowWatermark: f.int64('0+'),
        errorCode: f.int16('0+'),
      }),
    }),
  },
});
