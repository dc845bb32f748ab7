// DescribeProducers (key 61), v0: lists active producers on partitions.
import { api, f } from '../schema.js';

export const DescribeProducers = api({
  key: 61,
  name: 'DescribeProducers',
  versions: '0',
  flexible: '0+',
  request: {
    topics: f.structs('0+', 'TopicRequest', {
      name: f.string('0+'),
      partitionIndexes: f.array('0+', 'int32'),
    }),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    topics: f.structs('0+', 'TopicResponse', {
      name: f.string('0+'),
      partitions: f.structs('0+', 'PartitionResponse', {
        partitionIndex: f.int32('0+'),
        errorCode: f.int16('0+'),
        errorMessage: f.string('0+', { nullable: '0+', default: null }),
        activeProducers: f.structs('0+', 'ProducerState', {
          producerId: f.int64('0+'),
          producerEpoch: f.int32('0+'),
          lastSequence: f.int32('0+', { default: -1 }),
          lastTimestamp: f.int64('0+', { default: -1 }),
          coordinatorEpoch: f.int32('0+'),
          currentTxnStartOffset: f.int64('0+', { default: -1 }),
        }),
      }),
    }),
  },
});
