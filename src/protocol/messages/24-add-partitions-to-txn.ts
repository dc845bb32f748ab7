// AddPartitionsToTxn (key 24), v0-5: adds partitions to an ongoing transaction.
import { api, f } from '../schema.js';

/** AddPartitionsToTxnTopic, shared by several fields (Kafka's commonStructs). */
const addPartitionsToTxnTopicFields = {
  name: f.string('0+'),
  partitions: f.array('0+', 'int32'),
};

/** AddPartitionsToTxnPartitionResult, shared by several fields (Kafka's commonStructs). */
const addPartitionsToTxnPartitionResultFields = {
  partitionIndex: f.int32('0+'),
  partitionErrorCode: f.int16('0+'),
};

/** AddPartitionsToTxnTopicResult, shared by several fields (Kafka's commonStructs). */
const addPartitionsToTxnTopicResultFields = {
  name: f.string('0+'),
  resultsByPartition: f.structs('0+', 'AddPartitionsToTxnPartitionResult', addPartitionsToTxnPartitionResultFields),
};

export const AddPartitionsToTxn = api({
  key: 24,
  name: 'AddPartitionsToTxn',
  versions: '0-5',
  flexible: '3+',
  request: {
    transactions: f.structs('4+', 'AddPartitionsToTxnTransaction', {
      transactionalId: f.string('4+'),
      producerId: f.int64('4+'),
      producerEpoch: f.int16('4+'),
      verifyOnly: f.bool('4+', { default: false }),
      topics: f.structs('4+', 'AddPartitionsToTxnTopic', addPartitionsToTxnTopicFields),
    }),
    v3AndBelowTransactionalId: f.string('0-3'),
    v3AndBelowProducerId: f.int64('0-3'),
    v3AndBelowProducerEpoch: f.int16('0-3'),
    v3AndBelowTopics: f.structs('0-3', 'AddPartitionsToTxnTopic', addPartitionsToTxnTopicFields),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    errorCode: f.int16('4+'),
    resultsByTransaction: f.structs('4+', 'AddPartitionsToTxnResult', {
      transactionalId: f.string('4+'),
      topicResults: f.structs('4+', 'AddPartitionsToTxnTopicResult', addPartitionsToTxnTopicResultFields),
    }),
    resultsByTopicV3AndBelow: f.structs('0-3', 'AddPartitionsToTxnTopicResult', addPartitionsToTxnTopicResultFields),
  },
});
