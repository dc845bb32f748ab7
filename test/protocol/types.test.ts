// Types inferred from the largest definitions stay precise (no `any`, no "excessively deep" errors).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, errorInfo } from '../../src/protocol/errors.js';
import { decodeResponse, encodeResponse } from '../../src/protocol/frame.js';
import { ConsumerGroupDescribe, Fetch } from '../../src/protocol/messages/index.js';
import type { RequestOf, ResponseOf } from '../../src/protocol/schema.js';

type FetchPartition = ResponseOf<typeof Fetch>['responses'][number]['partitions'][number];
type Assignment = ResponseOf<typeof ConsumerGroupDescribe>['groups'][number]['members'][number]['assignment'];

test('inferred types of nested fields', () => {
  const p: Pick<FetchPartition, 'partitionIndex' | 'highWatermark' | 'records'> = { partitionIndex: 0, highWatermark: 5, records: null };
  const a: Assignment = { topicPartitions: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', topicName: 't', partitions: [0, 1] }] };
  const req: RequestOf<typeof Fetch>['topics'][number]['partitions'][number]['fetchOffset'] = 10;
  assert.equal(p.highWatermark + req, 15);
  assert.equal(a.topicPartitions[0]?.partitions.length, 2);
});

test('a Fetch v17 response with records round-trips', () => {
  const records = Buffer.alloc(5000, 7);
  const body: ResponseOf<typeof Fetch> = {
    throttleTimeMs: 0, errorCode: 0, sessionId: 0, nodeEndpoints: [],
    responses: [{
      topic: '', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
      partitions: [{
        partitionIndex: 0, errorCode: ErrorCode.NONE, highWatermark: 10, lastStableOffset: 10, logStartOffset: 0,
        divergingEpoch: { epoch: -1, endOffset: -1 }, currentLeader: { leaderId: -1, leaderEpoch: -1 },
        snapshotId: { endOffset: -1, epoch: -1 }, abortedTransactions: null, preferredReadReplica: -1, records,
      }],
    }],
  };
  const frame = encodeResponse(Fetch, 17, 3, body);
  assert.deepEqual(decodeResponse(Fetch, 17, frame.subarray(4)).body, body);
});

test('error table', () => {
  assert.equal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 3);
  assert.equal(ErrorCode.UNKNOWN_SERVER_ERROR, -1);
  assert.equal(errorInfo(6).name, 'NOT_LEADER_OR_FOLLOWER');
  assert.equal(errorInfo(6).retriable, true);
  assert.equal(errorInfo(35).retriable, false);
  assert.equal(errorInfo(9999).name, 'UNKNOWN_ERROR_CODE_9999');
  for (let c = -1; c <= 127; c++) assert.equal(errorInfo(c).code, c);
});
