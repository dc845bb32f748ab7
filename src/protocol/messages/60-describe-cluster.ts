// DescribeCluster (key 60), v0-1: describes brokers, controller and cluster id.
import { api, f } from '../schema.js';

export const DescribeCluster = api({
  key: 60,
  name: 'DescribeCluster',
  versions: '0-1',
  flexible: '0+',
  request: {
    includeClusterAuthorizedOperations: f.bool('0+'),
    endpointType: f.int8('1+', { default: 1 }),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    errorCode: f.int16('0+'),
    errorMessage: f.string('0+', { nullable: '0+', default: null }),
    endpointType: f.int8('1+', { default: 1 }),
    clusterId: f.string('0+'),
    controllerId: f.int32('0+', { default: -1 }),
    brokers: f.structs('0+', 'DescribeClusterBroker', {
      brokerId: f.int32('0+'),
      host: f.string('0+'),
      port: f.int32('0+'),
      rack: f.string('0+', { nullable: '0+', default: null }),
    }),
    clusterAuthorizedOperations: f.int32('0+', { default: -2147483648 }),
  },
});
