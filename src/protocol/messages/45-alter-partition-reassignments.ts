// AlterPartitionReassignments (key 45), v0 (KIP-455): moves partitions to new replica sets, or
// cancels a move in flight (replicas null).
import { api, f } from '../schema.js';

export const AlterPartitionReassignments = api({
  key: 45,
  name: 'AlterPartitionReassignments',
  versions: '0',
  flexible: '0+',
  request: {
    timeoutMs: f.int32('0+', { default: 60000 }),
    topics: f.structs('0+', 'ReassignableTopic', {
      name: f.string('0+'),
      partitions: f.structs('0+', 'ReassignablePartition', {
        partitionIndex: f.int32('0+'),
        /** The target replica set, the preferred leader first; null cancels the partition's reassignment. */
        replicas: f.array('0+', 'int32', { nullable: '0+', default: null }),
      }),
    }),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    errorCode: f.int16('0+'),
    errorMessage: f.string('0+', { nullable: '0+' }),
    responses: f.structs('0+', 'ReassignableTopicResponse', {
      name: f.string('0+'),
      partitions: f.structs('0+', 'ReassignablePartitionResponse', {
        partitionIndex: f.int32('0+'),
        errorCode: f.int16('0+'),
        errorMessage: f.string('0+', { nullable: '0+' }),
      }),
    }),
  },
});
