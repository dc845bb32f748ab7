// Fetch (key 1), v0-17: reads record batches from partitions, for consumers and follower replicas.
import { api, f } from '../schema.js';

export const Fetch = api({
  key: 1,
  name: 'Fetch',
  versions: '0-17',
  flexible: '12+',
  request: {
    clusterId: f.string('12+', { nullable: '12+', tagged: '12+', tag: 0, default: null }),
    replicaId: f.int32('0-14', { default: -1 }),
    replicaState: f.struct('15+', 'ReplicaState', {
      replicaId: f.int32('15+', { default: -1 }),
      replicaEpoch: f.int64('15+', { default: -1 }),
    }, { tagged: '15+', tag: 1 }),
    maxWaitMs: f.int32('0+'),
    minBytes: f.int32('0+'),
    maxBytes: f.int32('3+', { default: 2147483647 }),
    isolationLevel: f.int8('4+', { default: 0 }),
    sessionId: f.int32('7+', { default: 0 }),
    sessionEpoch: f.int32('7+', { default: -1 }),
    topics: f.structs('0+', 'FetchTopic', {
      topic: f.string('0-12'),
      topicId: f.uuid('13+'),
      partitions: f.structs('0+', 'FetchPartition', {
        partition: f.int32('0+'),
        currentLeaderEpoch: f.int32('9+', { default: -1 }),
        fetchOffset: f.int64('0+'),
        lastFetchedEpoch: f.int32('12+', { default: -1 }),
        logStartOffset: f.int64('5+', { default: -1 }),
        partitionMaxBytes: f.int32('0+'),
        replicaDirectoryId: f.uuid('17+', { tagged: '17+', tag: 0 }),
      }),
    }),
    forgottenTopicsData: f.structs('7+', 'ForgottenTopic', {
      topic: f.string('7-12'),
      topicId: f.uuid('13+'),
      partitions: f.array('7+', 'int32'),
    }),
    rackId: f.string('11+', { default: '' }),
  },
  response: {
    throttleTimeMs: f.int32('1+'),
    errorCode: f.int16('7+'),
    sessionId: f.int32('7+', { default: 0 }),
    responses: f.structs('0+', 'FetchableTopicResponse', {
      topic: f.string('0-12'),
      topicId: f.uuid('13+'),
      partitions: f.structs('0+', 'PartitionData', {
        partitionIndex: f.int32('0+'),
        errorCode: f.int16('0+'),
        highWatermark: f.int64('0+'),
        lastStableOffset: f.int64('4+', { default: -1 }),
        logStartOffset: f.int64('5+', { default: -1 }),
        divergingEpoch: f.struct('12+', 'EpochEndOffset', {
          epoch: f.int32('12+', { default: -1 }),
          endOffset: f.int64('12+', { default: -1 }),
        }, { tagged: '12+', tag: 0 }),
        currentLeader: f.struct('12+', 'LeaderIdAndEpoch', {
          leaderId: f.int32('12+', { default: -1 }),
          leaderEpoch: f.int32('12+', { default: -1 }),
        }, { tagged: '12+', tag: 1 }),
        snapshotId: f.struct('12+', 'SnapshotId', {
          endOffset: f.int64('0+', { default: -1 }),
          epoch: f.int32('0+', { default: -1 }),
        }, { tagged: '12+', tag: 2 }),
        abortedTransactions: f.structs('4+', 'AbortedTransaction', {
          producerId: f.int64('4+'),
          firstOffset: f.int64('4+'),
        }, { nullable: '4+' }),
        preferredReadReplica: f.int32('11+', { default: -1 }),
        records: f.records('0+', { nullable: '0+' }),
      }),
    }),
    nodeEndpoints: f.structs('16+', 'NodeEndpoint', {
      nodeId: f.int32('16+'),
      host: f.string('16+'),
      port: f.int32('16+'),
      rack: f.string('16+', { nullable: '16+', default: null }),
    }, { tagged: '16+', tag: 0 }),
  },
});
