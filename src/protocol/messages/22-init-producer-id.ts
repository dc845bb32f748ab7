// InitProducerId (key 22), v0-5: hands out a producer id and epoch for idempotent and transactional producers.
import { api, f } from '../schema.js';

export const InitProducerId = api({
  key: 22,
  name: 'InitProducerId',
  versions: '0-5',
  flexible: '2+',
  request: {
    transactionalId: f.string('0+', { nullable: '0+' }),
    transactionTimeoutMs: f.int32('0+'),
    producerId: f.int64('3+', { default: -1 }),
    producerEpoch: f.int16('3+', { default: -1 }),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    errorCode: f.int16('0+'),
    producerId: f.int64('0+', { default: -1 }),
    producerEpoch: f.int16('0+'),
  },
});
