import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metadata, encodeRequest, decodeRequest, encodeResponse, decodeResponse } from '../../src/protocol/index.js';

test('Metadata v12 request round-trips', () => {
  const frame = encodeRequest(Metadata, { apiKey: 3, apiVersion: 12, correlationId: 7, clientId: 'c' }, {
    topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'x' }],
    allowAutoTopicCreation: true,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
  const { header, body } = decodeRequest(Metadata, frame.subarray(4));
  assert.equal(header.correlationId, 7);
  assert.equal(body.topics?.[0]?.name, 'x');
});

test('Metadata v1 response round-trips', () => {
  const resp = {
    throttleTimeMs: 0, brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: null }], clusterId: null, controllerId: 1,
    topics: [{ errorCode: 0, name: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', isInternal: false, topicAuthorizedOperations: -2147483648,
      partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: -1, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }] }],
    clusterAuthorizedOperations: -2147483648,
  };
  const buf = encodeResponse(Metadata, 1, 5, resp);
  const { correlationId, body } = decodeResponse(Metadata, 1, buf.subarray(4));
  assert.equal(correlationId, 5);
  assert.deepEqual(body, resp);
});
