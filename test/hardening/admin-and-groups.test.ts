// Hostile and unlucky admin and group requests against one broker process: each is answered with
// Kafka's error code, nothing half-done is left, and the broker keeps serving and restarts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../helpers/broker-process.js';
import { WireClient, createTopic, produceBatch } from '../helpers/wire-client.js';
import { CreatePartitions, CreateTopics, DeleteRecords, DeleteTopics, Fetch, JoinGroup, Metadata, OffsetCommit, OffsetFetch, SyncGroup } from '../../src/protocol/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { buildBatch } from '../../src/record/builder.js';

const NO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

describe('hostile admin and group requests', { timeout: 120_000 }, () => {
  let broker: BrokerProcess;
  let c: WireClient;
  before(async () => {
    broker = await BrokerProcess.start({
      settings: { 'message.max.bytes': '10000', 'offset.metadata.max.bytes': '100000', 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '2' },
    });
    c = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(c, 'h', 2), 0);
  });
  after(() => {
    c?.close();
    broker?.cleanup();
  });

  const topicNames = async () =>
    (await c.request(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })).topics.map((t) => t.name).sort();

  test('CreateTopics with 100,000 partitions, and CreatePartitions to 100,000, are refused up front', async () => {
    const r = await c.request(CreateTopics, 7, { topics: [{ name: 'huge', numPartitions: 100_000, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
    assert.equal(r.topics[0]!.errorCode, ErrorCode.POLICY_VIOLATION);
    const p = await c.request(CreatePartitions, 3, { topics: [{ name: 'h', count: 100_000, assignments: null }], timeoutMs: 10_000, validateOnly: false });
    assert.equal(p.results[0]!.errorCode, ErrorCode.POLICY_VIOLATION);
    assert.deepEqual(await topicNames(), ['h']);
  });

  test('validate-only CreateTopics with 200,000 replica assignments is answered at once', async () => {
    const started = Date.now();
    const assignments = Array.from({ length: 200_000 }, (_, i) => ({ partitionIndex: i, brokerIds: [0] }));
    const r = await c.request(CreateTopics, 7, { topics: [{ name: 'many', numPartitions: -1, replicationFactor: -1, assignments, configs: [] }], timeoutMs: 10_000, validateOnly: true }, 30_000);
    assert.equal(r.topics[0]!.errorCode, ErrorCode.POLICY_VIOLATION);
    // Linear work: far below the 54 s the quadratic check took; the bound only catches that.
    assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
  });

  test('topics whose names differ only in . and _ cannot both exist', async () => {
    assert.equal(await createTopic(c, 'a.b', 1), 0);
    assert.equal(await createTopic(c, 'a_b', 1), ErrorCode.INVALID_TOPIC_EXCEPTION);
  });

  test('a partition listed twice in one Fetch is INVALID_REQUEST', async () => {
    const partition = { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: NO_ID };
    const r = await c.request(Fetch, 11, {
      clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'h', topicId: NO_ID, partitions: Array.from({ length: 3600 }, () => partition) }], forgottenTopicsData: [], rackId: '',
    });
    assert.equal(r.errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(r.responses.length, 0);
  });

  async function joinAlone(group: string) {
    const body = { groupId: group, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('m') }], reason: null };
    const first = await c.request(JoinGroup, 5, body);
    assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    const joined = await c.request(JoinGroup, 5, { ...body, memberId: first.memberId });
    assert.equal(joined.errorCode, ErrorCode.NONE);
    return joined;
  }
  const sync = (group: string, generationId: number, memberId: string, assignment: Buffer) =>
    c.request(SyncGroup, 3, { groupId: group, generationId, memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId, assignment }] });

  test('a SyncGroup assignment too large for __consumer_offsets is UNKNOWN_SERVER_ERROR; the group still stabilises', async () => {
    const j = await joinAlone('big-sync');
    const s = await sync('big-sync', j.generationId, j.memberId, Buffer.alloc(20_000, 7));
    assert.equal(s.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
    assert.equal(c.closed, false);
    const again = await c.request(JoinGroup, 5, { groupId: 'big-sync', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: j.memberId, groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('m') }], reason: null });
    assert.equal(again.errorCode, ErrorCode.NONE);
    assert.ok(again.generationId > j.generationId);
    const ok = await sync('big-sync', again.generationId, j.memberId, Buffer.from('small'));
    assert.equal(ok.errorCode, ErrorCode.NONE);
    assert.equal(ok.assignment.toString(), 'small');
  });

  test('an OffsetCommit whose record is too large for __consumer_offsets is INVALID_COMMIT_OFFSET_SIZE and stores nothing', async () => {
    const commit = (metadata: string) => c.request(OffsetCommit, 8, {
      groupId: 'big-commit', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
      topics: [{ name: 'h', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: metadata }] }],
    });
    const big = await commit('m'.repeat(30_000));
    assert.equal(big.topics[0]!.partitions[0]!.errorCode, ErrorCode.INVALID_COMMIT_OFFSET_SIZE);
    const fetched = await c.request(OffsetFetch, 7, { groupId: 'big-commit', topics: [{ name: 'h', partitionIndexes: [0] }], groups: [], requireStable: false });
    assert.equal(fetched.topics[0]!.partitions[0]!.committedOffset, -1);
    assert.equal((await commit('small')).topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  });

  test('__consumer_offsets can be neither deleted nor have its records deleted; committed offsets survive a restart', async () => {
    const d = await c.request(DeleteTopics, 6, { topics: [{ name: '__consumer_offsets', topicId: NO_ID }], topicNames: [], timeoutMs: 10_000 });
    assert.equal(d.responses[0]!.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    const dr = await c.request(DeleteRecords, 2, { topics: [{ name: '__consumer_offsets', partitions: [0, 1].map((partitionIndex) => ({ partitionIndex, offset: -1 })) }], timeoutMs: 10_000 });
    assert.deepEqual(dr.topics[0]!.partitions.map((p) => p.errorCode), [ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.INVALID_TOPIC_EXCEPTION]);
    assert.equal((await produceBatch(c, 'h', 0, buildBatch([{ key: 'k', value: 'v' }]))).errorCode, 0);
    c.close();
    await broker.kill('SIGKILL');
    await broker.restart();
    c = await WireClient.connect(broker.bootstrap);
    const fetched = await c.request(OffsetFetch, 7, { groupId: 'big-commit', topics: [{ name: 'h', partitionIndexes: [0] }], groups: [], requireStable: false });
    assert.equal(fetched.topics[0]!.partitions[0]!.committedOffset, 5);
    assert.ok((await topicNames()).includes('__consumer_offsets'));
  });
});
