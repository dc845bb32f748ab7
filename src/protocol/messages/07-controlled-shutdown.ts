// ControlledShutdown (key 7), v0-3: a broker asks the controller to move leadership away before it stops.
// v0 requests use request header v0, which has no client id; header.ts reads header v1+ only.
import { api, f } from '../schema.js';

export const ControlledShutdown = api({
  key: 7,
  name: 'ControlledShutdown',
  versions: '0-3',
  flexible: '3+',
  request: {
    brokerId: f.int32('0+'),
    brokerEpoch: f.int64('2+', { default: -1 }),
  },
  response: {
    errorCode: f.int16('0+'),
    remainingPartitions: f.structs('0+', 'RemainingPartition', {
      topicName: f.string('0+'),
      partitionIndex: f.int32('0+'),
    }),
  },
});
