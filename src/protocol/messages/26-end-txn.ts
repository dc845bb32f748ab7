// EndTxn (key 26), v0-5: commits or aborts a transaction.
import { api, f } from '../schema.js';

export const EndTxn = api({
  key: 26,
  name: 'EndTxn',
  versions: '0-5',
  flexible: '3+',
  request: {
    transactionalId: f.string('0+'),
    producerId: f.int64('0+'),
    producerEpoch: f.int16('0+'),
    committed: f.bool('0+'),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    errorCode: f.int16('0+'),
    producerId: f.int64('5+', { default: -1 }),
    producerEpoch: f.int16('5+', { default: -1 }),
  },
});
