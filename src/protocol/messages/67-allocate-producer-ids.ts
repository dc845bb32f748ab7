// AllocateProducerIds (key 67), v0: a broker asks the controller for a block of producer ids.
import { api, f } from '../schema.js';

export const AllocateProducerIds = api({
  key: 67,
  name: 'AllocateProducerIds',
  versions: '0',
  flexible: '0+',
  request: {
    brokerId: f.int32('0+'),
    brokerEpoch: f.int64('0+', { default: -1 }),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    errorCode: f.int16('0+'),
    producerIdStart: f.int64('0+'),
    producerIdLen: f.int32('0+'),
  },
});
