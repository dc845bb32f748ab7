// Requests with bytes after their last field get their normal answer, as Kafka's request
// readers ignore what follows: librdkafka 2.1+ sends 3 bytes after an all-topics Metadata v9+,
// librdkafka 2.0 one after ListGroups v4 and 3 after OffsetFetch v7 without partitions. A field
// that runs past the frame's end still closes the connection.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../helpers/broker-process.js';
import { WireClient, createTopic, produceBatch } from '../helpers/wire-client.js';
import { ListGroups, Metadata, OffsetCommit, OffsetFetch, type ApiSpec, type RequestOf } from '../../src/protocol/index.js';
import { buildBatch } from '../../src/record/builder.js';

/** The request's frame with `extra` bytes appended and the size prefix grown to match. */
function withTrailing<A extends ApiSpec>(c: WireClient, spec: A, version: number, body: RequestOf<A>, extra: Buffer) {
  const { frame, correlationId } = c.encode(spec, version, body);
  const grown = Buffer.concat([frame, extra]);
  grown.writeInt32BE(grown.length - 4, 0);
  return { frame: grown, correlationId };
}

describe('requests with trailing bytes', () => {
  let broker: BrokerProcess;
  let c: WireClient;
  before(async () => {
    broker = await BrokerProcess.start({ settings: { 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '2' } });
    c = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(c, 'tb', 2), 0);
    assert.equal((await produceBatch(c, 'tb', 1, buildBatch([{ key: 'k', value: 'v' }]))).errorCode, 0);
    // A committed offset for the group, so OffsetFetch without partitions has something to list.
    const commit = await c.request(OffsetCommit, 8, {
      groupId: 'tb-group', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
      topics: [{ name: 'tb', partitions: [{ partitionIndex: 1, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }] }],
    });
    assert.equal(commit.topics[0]!.partitions[0]!.errorCode, 0);
  });
  after(() => {
    c?.close();
    broker?.cleanup();
  });

  test('Metadata v9 for all topics with 3 extra bytes lists the topics', async () => {
    const { frame, correlationId } = withTrailing(c, Metadata, 9, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }, Buffer.from([0, 0, 0]));
    const r = await c.expect(Metadata, 9, correlationId, frame);
    const tb = r.topics.find((t) => t.name === 'tb');
    assert.ok(tb, 'topic listed');
    assert.deepEqual(tb.partitions.map((p) => p.partitionIndex).sort(), [0, 1]);
    assert.equal(r.brokers.length, 1);
    assert.equal(c.closed, false);
  });

  test('Metadata v12 for all topics with 3 extra bytes lists the topics', async () => {
    const { frame, correlationId } = withTrailing(c, Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }, Buffer.from([1, 2, 3]));
    const r = await c.expect(Metadata, 12, correlationId, frame);
    assert.ok(r.topics.some((t) => t.name === 'tb'));
  });

  test('ListGroups v4 with 1 extra byte lists the group', async () => {
    const { frame, correlationId } = withTrailing(c, ListGroups, 4, { statesFilter: [], typesFilter: [] }, Buffer.from([0]));
    const r = await c.expect(ListGroups, 4, correlationId, frame);
    assert.equal(r.errorCode, 0);
    assert.deepEqual(r.groups.map((g) => g.groupId), ['tb-group']);
  });

  test('OffsetFetch v7 without a partition list and 3 extra bytes returns the committed offset', async () => {
    const { frame, correlationId } = withTrailing(c, OffsetFetch, 7, { groupId: 'tb-group', topics: null, groups: [], requireStable: false }, Buffer.from([0, 0, 0]));
    const r = await c.expect(OffsetFetch, 7, correlationId, frame);
    assert.equal(r.errorCode, 0);
    const p = r.topics.find((t) => t.name === 'tb')?.partitions.find((x) => x.partitionIndex === 1);
    assert.equal(p?.committedOffset, 1);
  });

  test('a field that runs past the end of the frame still closes the connection', async () => {
    const bad = await WireClient.connect(broker.bootstrap);
    const { frame } = bad.encode(ListGroups, 4, { statesFilter: ['Stable'], typesFilter: [] });
    // Cut the frame inside the state string and shrink the size prefix to match.
    const cut = frame.subarray(0, frame.length - 3);
    cut.writeInt32BE(cut.length - 4, 0);
    bad.writeRaw(cut);
    assert.equal(await bad.waitClosed(), true);
    const r = await c.request(ListGroups, 4, { statesFilter: [], typesFilter: [] });
    assert.equal(r.groups.length, 1, 'other connections are still served');
  });
});
