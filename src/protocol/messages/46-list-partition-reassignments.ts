// ListPartitionReassignments (key 46), v0 (KIP-455): the reassignments in flight, with the
// replicas being added and removed.
import { api, f } from '../schema.js';

export const ListPartitionReassignments = api({
  key: 46,
  name: 'ListPartitionReassignments',
  versions: '0',
  flexible: '0+',
  request: {
    timeoutMs: f.int32('0+', { default: 60000 }),
    /** Null lists every reassignment in flight. */
    topics: f.structs('0+', 'ListPartitionReassignmentsTopics', {
      name: f.string('0+'),
      partitionIndexes: f.array('0+', 'int32'),
    }, { nullable: '0+', default: null }),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    errorCode: f.int16('0+'),
    errorMessage: f.string('0+', { nullable: '0+' }),
    topics: f.structs('0+', 'OngoingTopicReassignment', {
      name: f.string('0+'),
      partitions: f.structs('0+', 'OngoingPartitionReassignment', {
        partitionIndex: f.int32('0+'),
        /** RS: the original and the target replicas together while the move runs. */
        replicas: f.array('0+', 'int32'),
        addingReplicas: f.array('0+', 'int32'),
        removingReplicas: f.array('0+', 'int32'),
      }),
    }),
  },
});
