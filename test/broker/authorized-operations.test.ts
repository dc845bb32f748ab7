// Authorized operations without an authorizer: Kafka answers every operation the resource type
// supports when the request asks for them (bit n = AclOperation code n), INT32_MIN otherwise.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../helpers/broker-process.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';
import { DescribeCluster, DescribeGroups, Metadata, OffsetCommit } from '../../src/protocol/index.js';

const NOT_REQUESTED = -2147483648;
/** Kafka's AclOperation codes by name. */
const OP = { READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8, CLUSTER_ACTION: 9, DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12 };
const opsOf = (bits: number) => Object.entries(OP).filter(([, code]) => (bits & (1 << code)) !== 0).map(([name]) => name).sort();

const TOPIC_OPS = ['ALTER', 'ALTER_CONFIGS', 'CREATE', 'DELETE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'READ', 'WRITE'];
const CLUSTER_OPS = ['ALTER', 'ALTER_CONFIGS', 'CLUSTER_ACTION', 'CREATE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'IDEMPOTENT_WRITE'];
const GROUP_OPS = ['DELETE', 'DESCRIBE', 'READ'];

describe('authorized operations', () => {
  let broker: BrokerProcess;
  let c: WireClient;
  before(async () => {
    broker = await BrokerProcess.start({ settings: { 'offsets.topic.num.partitions': '2' } });
    c = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(c, 'ops', 1), 0);
    const commit = await c.request(OffsetCommit, 8, {
      groupId: 'ops-group', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
      topics: [{ name: 'ops', partitions: [{ partitionIndex: 0, committedOffset: 0, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }] }],
    });
    assert.equal(commit.topics[0]!.partitions[0]!.errorCode, 0);
  });
  after(() => {
    c?.close();
    broker?.cleanup();
  });

  const metadata = (version: number, ops: boolean) =>
    c.request(Metadata, version, {
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'ops' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: ops,
      includeTopicAuthorizedOperations: ops,
    });

  test('Metadata v12 asking for topic operations gets the 8 topic operations', async () => {
    const r = await metadata(12, true);
    assert.deepEqual(opsOf(r.topics[0]!.topicAuthorizedOperations), TOPIC_OPS);
    assert.equal(r.topics[0]!.topicAuthorizedOperations, 3576);
  });

  test('Metadata v10 asking for cluster operations gets the 7 cluster operations', async () => {
    const r = await metadata(10, true);
    assert.deepEqual(opsOf(r.clusterAuthorizedOperations), CLUSTER_OPS);
    assert.deepEqual(opsOf(r.topics[0]!.topicAuthorizedOperations), TOPIC_OPS);
  });

  test('Metadata not asking gets INT32_MIN', async () => {
    const r = await metadata(10, false);
    assert.equal(r.topics[0]!.topicAuthorizedOperations, NOT_REQUESTED);
    assert.equal(r.clusterAuthorizedOperations, NOT_REQUESTED);
  });

  test('DescribeCluster v1 asking gets the cluster operations, else INT32_MIN', async () => {
    const yes = await c.request(DescribeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
    assert.equal(yes.errorCode, 0);
    assert.deepEqual(opsOf(yes.clusterAuthorizedOperations), CLUSTER_OPS);
    assert.equal(yes.clusterAuthorizedOperations, 8096);
    const no = await c.request(DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    assert.equal(no.clusterAuthorizedOperations, NOT_REQUESTED);
  });

  test('DescribeGroups v5 asking gets the group operations, else INT32_MIN', async () => {
    const yes = await c.request(DescribeGroups, 5, { groups: ['ops-group'], includeAuthorizedOperations: true });
    assert.equal(yes.groups[0]!.groupState, 'Empty');
    assert.deepEqual(opsOf(yes.groups[0]!.authorizedOperations), GROUP_OPS);
    assert.equal(yes.groups[0]!.authorizedOperations, 328);
    const no = await c.request(DescribeGroups, 5, { groups: ['ops-group'], includeAuthorizedOperations: false });
    assert.equal(no.groups[0]!.authorizedOperations, NOT_REQUESTED);
  });
});
