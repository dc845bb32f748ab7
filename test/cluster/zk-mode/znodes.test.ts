// The topic znode in Kafka 3.9's format (version 3): partitions being reassigned carry their
// adding and removing replicas; versions without those fields read as nothing in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZnodeFormatError, decodeTopicAssignment, encodeTopicAssignment } from '../../../src/cluster/zk-mode/znodes.js';

test('a reassignment in flight is written as Kafka writes it and read back', () => {
  const data = encodeTopicAssignment({ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [[2, 3, 4, 1], [1, 2]], addingReplicas: new Map([[0, [4]]]), removingReplicas: new Map([[0, [1]], [1, []]]) });
  assert.deepEqual(JSON.parse(data.toString()), {
    partitions: { 0: [2, 3, 4, 1], 1: [1, 2] },
    topic_id: 'AAAAAAAAAAAAAAAAAAAAAQ',
    adding_replicas: { 0: [4] },
    removing_replicas: { 0: [1] },
    version: 3,
  });
  const back = decodeTopicAssignment('t', data);
  assert.deepEqual(back.partitions, [[2, 3, 4, 1], [1, 2]]);
  assert.deepEqual([...back.addingReplicas!], [[0, [4]]]);
  assert.deepEqual([...back.removingReplicas!], [[0, [1]]]);
});

test('nothing in flight: empty objects, and a version 1 znode without the fields', () => {
  const data = encodeTopicAssignment({ topicId: null, partitions: [[1]] });
  assert.deepEqual(JSON.parse(data.toString()), { partitions: { 0: [1] }, adding_replicas: {}, removing_replicas: {}, version: 3 });
  const v1 = decodeTopicAssignment('t', Buffer.from('{"version":1,"partitions":{"0":[1,2]}}'));
  assert.equal(v1.addingReplicas!.size, 0);
  assert.equal(v1.removingReplicas!.size, 0);
});

test('adding replicas of a partition the topic does not have is refused', () => {
  assert.throws(() => decodeTopicAssignment('t', Buffer.from('{"version":3,"partitions":{"0":[1]},"adding_replicas":{"5":[2]}}')), ZnodeFormatError);
  assert.throws(() => decodeTopicAssignment('t', Buffer.from('{"version":3,"partitions":{"0":[1]},"removing_replicas":[]}')), ZnodeFormatError);
});
