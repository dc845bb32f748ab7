// Produce (key 0), v0-11: appends record batches to partitions (v0-2 are advertised but rejected).
import { api, f } from '../schema.js';

export const Produce = api({
  key: 0,
  name: 'Produce',
  versions: '0-11',
  flexible: '9+',
  request: {
    transactionalId: f.string('3+', { nullable: '3+', default: null }),
    acks: f.int16('0+'),
    timeoutMs: f.int32('0+'),
    topicData: f.structs('0+', 'TopicProduceData', {
      name: f.string('0+'),
      partitionData: f.structs('0+', 'PartitionProduceData', {
        index: f.int32('0+'),
        records: f.records('0+', { nullable: '0+' }),
      }),
    }),
  },
  response: {
    responses: f.structs('0+', 'TopicProduceResponse', {
      name: f.string('0+'),
      partitionResponses: f.structs('0+', 'PartitionProduceResponse', {
        index: f.int32('0+'),
        errorCode: f.int16('0+'),
        baseOffset: f.int64('0+'),
        logAppendTimeMs: f.int64('2+', { default: -1 }),
        logStartOffset: f.int64('5+', { default: -1 }),
        recordErrors: f.structs('8+', 'BatchIndexAndErrorMessage', {
          batchIndex: f.int32('8+'),
          batchIndexErrorMessage: f.string('8+', { nullable: '8+', default: null }),
        }),
        errorMessage: f.string('8+', { nullable: '8+', default: null }),
        currentLeader: f.struct('10+', 'LeaderIdAndEpoch', {
          leaderId: f.int32('10+', { default: -1 }),
          leaderEpoch: f.int32('10+', { default: -1 }),
        }, { tagged: '10+', tag: 0 }),
      }),
    }),
    throttleTimeMs: f.int32('1+', { default: 0 }),
    nodeEndpoints: f.structs('10+', 'NodeEndpoint', {
      nodeId: f.int32('10+'),
      host: f.string('10+'),
      port: f.int32('10+'),
      rack: f.string('10+', { nullable: '10+', default: null }),
    }, { tagged: '10+', tag: 0 }),
  },
});
