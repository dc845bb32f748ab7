// ListTransactions (key 66), v0-1: lists transactions a coordinator knows.
import { api, f } from '../schema.js';

export const ListTransactions = api({
  key: 66,
  name: 'ListTransactions',
  versions: '0-1',
  flexible: '0+',
  request: {
    stateFilters: f.array('0+', 'string'),
    producerIdFilters: f.array('0+', 'int64'),
    durationFilter: f.int64('1+', { default: -1 }),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    errorCode: f.int16('0+'),
    unknownStateFilters: f.array('0+', 'string'),
    transactionStates: f.structs('0+', 'TransactionState', {
      transactionalId: f.string('0+'),
      producerId: f.int64('0+'),
      transactionState: f.string('0+'),
    }),
  },
});
