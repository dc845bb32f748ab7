// AlterPartition (key 56), v0-3: a partition leader asks the controller to change the partition's ISR.
import { api, f } from '../schema.js';

export const AlterPartition = api({
  key: 56,
  name: 'AlterPartition',
  versions: '0-3',
  flexible: '0+',
  request: {
    brokerId: f.int32('0+'),
    brokerEpoch: f.int64('0+', { default: -1 }),
    topics: f.structs('0+', 'TopicData', {
      topicName: f.string('0-1'),
      topicId: f.uuid('2+'),
      partitions: f.structs('0+', 'PartitionData', {
        partitionIndex: f.int32('0+'),
        leaderEpoch: f.int32('0+'),
        /** v0-2: broker ids only; v3+ send each ISR member with its broker epoch (KIP-903). */
        newIsr: f.array('0-2', 'int32'),
        newIsrWithEpochs: f.structs('3+', 'BrokerState', {
          brokerId: f.int32('3+'),
          brokerEpoch: f.int64('3+', { default: -1 }),
        }),
        leaderRecoveryState: f.int8('1+', { default: 0 }),
        partitionEpoch: f.int32('0+'),
      }),
    }),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    errorCode: f.int16('0+'),
    topics: f.structs('0+', 'TopicData', {
      topicName: f.string('0-1'),
      topicId: f.uuid('2+'),
      partitions: f.structs('0+', 'PartitionData', {
        partitionIndex: f.int32('0+'),
        errorCode: f.int16('0+'),
        leaderId: f.int32('0+'),
        leaderEpoch: f.int32('0+'),
        isr: f.array('0+', 'int32'),
        leaderRecoveryState: f.int8('1+', { default: 0 }),
        partitionEpoch: f.int32('0+'),
      }),
    }),
  },
});
