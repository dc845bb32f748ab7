// DescribeTransactions (key 65), v0: describes transactions by transactional id.
import { api, f } from '../schema.js';

export const DescribeTransactions = api({
  key: 65,
  name: 'DescribeTransactions',
  versions: '0',
  flexible: '0+',
  request: {
    transactionalIds: f.array('0+', 'string'),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    transactionStates: f.structs('0+', 'TransactionState', {
      errorCode: f.int16('0+'),
      transactionalId: f.string('0+'),
      transactionState: f.string('0+'),
      transactionTimeoutMs: f.int32('0+'),
      transactionStartTimeMs: f.int64('0+'),
      producerId: f.int64('0+'),
      producerEpoch: f.int16('0+'),
      topics: f.structs('0+', 'TopicData', {
        topic: f.string('0+'),
        partitions: f.array('0+', 'int32'),
      }),
    }),
  },
});
