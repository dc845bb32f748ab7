// CreatePartitions (key 37), v0-3: adds partitions to existing topics.
import { api, f } from '../schema.js';

export const CreatePartitions = api({
  key: 37,
  name: 'CreatePartitions',
  versions: '0-3',
  flexible: '2+',
  request: {
    topics: f.structs('0+', 'CreatePartitionsTopic', {
      name: f.string('0+'),
      count: f.int32('0+'),
      assignments: f.structs('0+', 'CreatePartitionsAssignment', {
        brokerIds: f.array('0+', 'int32'),
      }, { nullable: '0+' }),
    }),
    timeoutMs: f.int32('0+'),
    validateOnly: f.bool('0+'),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    results: f.structs('0+', 'CreatePartitionsTopicResult', {
      name: f.string('0+'),
      errorCode: f.int16('0+'),
      errorMessage: f.string('0+', { nullable: '0+', default: null }),
    }),
  },
});
