// WriteTxnMarkers (key 27), v0-1: asks partition leaders to write transaction markers.
import { api, f } from '../schema.js';

export const WriteTxnMarkers = api({
  key: 27,
  name: 'WriteTxnMarkers',
  versions: '0-1',
  flexible: '1+',
  request: {
    markers: f.structs('0+', 'WritableTxnMarker', {
      producerId: f.int64('0+'),
      producerEpoch: f.int16('0+'),
      transactionResult: f.bool('0+'),
      topics: f.structs('0+', 'WritableTxnMarkerTopic', {
        name: f.string('0+'),
        partitionIndexes: f.array('0+', 'int32'),
      }),
      coordinatorEpoch: f.int32('0+'),
    }),
  },
  response: {
    markers: f.structs('0+', 'WritableTxnMarkerResult', {
      producerId: f.int64('0+'),
      topics: f.structs('0+', 'WritableTxnMarkerTopicResult', {
        name: f.string('0+'),
        partitions: f.structs('0+', 'WritableTxnMarkerPartitionResult', {
          partitionIndex: f.int32('0+'),
          errorCode: f.int16('0+'),
        }),
      }),
    }),
  },
});
