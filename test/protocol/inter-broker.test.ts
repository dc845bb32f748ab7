// The ZooKeeper-mode inter-broker APIs (LeaderAndIsr, StopReplica, UpdateMetadata, ControlledShutdown,
// AlterPartition, AllocateProducerIds) round-trip at their lowest and highest versions with
// cluster-like content, compared field by field; version-dependent layouts are written only in
// their versions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestCodec, responseCodec } from '../../src/protocol/codec.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../src/protocol/frame.js';
import {
  AllocateProducerIds,
  AlterPartition,
  ControlledShutdown,
  LeaderAndIsr,
  StopReplica,
  UpdateMetadata,
} from '../../src/protocol/messages/index.js';
import { Reader } from '../../src/protocol/reader.js';
import type { ApiSpec, RequestOf, ResponseOf } from '../../src/protocol/schema.js';
import { Writer } from '../../src/protocol/writer.js';

const id = (hex: string): string => Buffer.from(hex, 'hex').toString('base64url');
const ORDERS_ID = id('5b1e3c0a9d2f4e7b8c6a1d0e2f3b4c5d');
const PAYMENTS_ID = id('0f9e8d7c6b5a49382716a5b4c3d2e1f0');

/** Walks both values and asserts every field, array length and element, naming the path on failure. */
function assertFieldByField(actual: unknown, expected: unknown, path: string): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: not an array`);
    assert.equal(actual.length, expected.length, `${path}.length`);
    for (let i = 0; i < expected.length; i++) assertFieldByField(actual[i], expected[i], `${path}[${i}]`);
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object' && !Array.isArray(actual), `${path}: not a struct`);
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    assert.deepEqual(Object.keys(a).sort(), Object.keys(e).sort(), `${path}: field names`);
    for (const k of Object.keys(e)) assertFieldByField(a[k], e[k], `${path}.${k}`);
    return;
  }
  assert.equal(actual, expected, path);
}

function encodeBody(encode: (w: Writer) => void): Buffer {
  const w = new Writer(256);
  encode(w);
  return w.finish();
}

/** Body codec both ways (every byte consumed), then the whole frame, header included. */
function roundTripRequest<A extends ApiSpec>(spec: A, version: number, body: RequestOf<A>): Buffer {
  const codec = requestCodec(spec, version);
  const bytes = encodeBody((w) => codec.encode(w, body as object));
  const r = new Reader(bytes);
  assertFieldByField(codec.decode(r), body, `${spec.name} v${version} request`);
  assert.equal(r.remaining, 0, `${spec.name} v${version} request: trailing bytes`);
  // ControlledShutdown v0 is framed with request header v0 (no client id), which header.ts does not speak.
  if (!(spec.key === ControlledShutdown.key && version === 0)) {
    const header = { apiKey: spec.key, apiVersion: version, correlationId: 4242, clientId: 'controller-1' };
    const frame = encodeRequest(spec, header, body);
    const decoded = decodeRequest(spec, frame.subarray(4));
    assert.deepEqual(decoded.header, header);
    assertFieldByField(decoded.body, body, `${spec.name} v${version} request frame`);
  }
  return bytes;
}

function roundTripResponse<A extends ApiSpec>(spec: A, version: number, body: ResponseOf<A>): Buffer {
  const codec = responseCodec(spec, version);
  const bytes = encodeBody((w) => codec.encode(w, body as object));
  const r = new Reader(bytes);
  assertFieldByField(codec.decode(r), body, `${spec.name} v${version} response`);
  assert.equal(r.remaining, 0, `${spec.name} v${version} response: trailing bytes`);
  const frame = encodeResponse(spec, version, 777, body);
  const decoded = decodeResponse(spec, version, frame.subarray(4));
  assert.equal(decoded.correlationId, 777);
  assertFieldByField(decoded.body, body, `${spec.name} v${version} response frame`);
  return bytes;
}

// ---- LeaderAndIsr (key 4) ----

type LeaderAndIsrPartitionState = RequestOf<typeof LeaderAndIsr>['topicStates'][number]['partitionStates'][number];

const partitionV0 = (topicName: string, partitionIndex: number, leader: number, isr: number[], replicas: number[]): LeaderAndIsrPartitionState => ({
  topicName, partitionIndex, controllerEpoch: 3, leader, leaderEpoch: 12 + partitionIndex, isr, partitionEpoch: 40 + partitionIndex, replicas,
  addingReplicas: [], removingReplicas: [], isNew: false, leaderRecoveryState: 0,
});

test('LeaderAndIsr v0 request: partitions listed with their topic names', () => {
  const body: RequestOf<typeof LeaderAndIsr> = {
    controllerId: 1, isKRaftController: false, controllerEpoch: 3, brokerEpoch: -1, type: 0,
    ungroupedPartitionStates: [
      partitionV0('orders', 0, 1, [1, 2, 3], [1, 2, 3]),
      partitionV0('orders', 1, 2, [2, 3], [2, 3, 1]),
      partitionV0('orders', 2, 3, [3, 1, 2], [3, 1, 2]),
      partitionV0('payments', 0, 2, [2], [2, 1]),
    ],
    topicStates: [],
    liveLeaders: [
      { brokerId: 1, hostName: 'broker-1.kafka.internal', port: 9092 },
      { brokerId: 2, hostName: 'broker-2.kafka.internal', port: 9092 },
      { brokerId: 3, hostName: 'broker-3.kafka.internal', port: 9093 },
    ],
  };
  roundTripRequest(LeaderAndIsr, 0, body);
});

test('LeaderAndIsr v7 request: topics with ids, reassignment and recovery state, KRaft controller', () => {
  const body: RequestOf<typeof LeaderAndIsr> = {
    controllerId: 3000, isKRaftController: true, controllerEpoch: 9, brokerEpoch: 8_589_934_592, type: 2,
    ungroupedPartitionStates: [],
    topicStates: [
      {
        topicName: 'orders', topicId: ORDERS_ID,
        partitionStates: [
          { topicName: '', partitionIndex: 0, controllerEpoch: 9, leader: 1, leaderEpoch: 21, isr: [1, 2, 3], partitionEpoch: 57,
            replicas: [1, 2, 3], addingReplicas: [], removingReplicas: [], isNew: false, leaderRecoveryState: 0 },
          { topicName: '', partitionIndex: 1, controllerEpoch: 9, leader: 2, leaderEpoch: 8, isr: [2, 4], partitionEpoch: 19,
            replicas: [2, 3, 4], addingReplicas: [4], removingReplicas: [3], isNew: false, leaderRecoveryState: 0 },
          { topicName: '', partitionIndex: 2, controllerEpoch: 8, leader: 3, leaderEpoch: 1, isr: [3], partitionEpoch: 2,
            replicas: [3, 1, 2], addingReplicas: [], removingReplicas: [], isNew: false, leaderRecoveryState: 1 },
        ],
      },
      {
        topicName: 'payments', topicId: PAYMENTS_ID,
        partitionStates: [
          { topicName: '', partitionIndex: 0, controllerEpoch: 9, leader: 2, leaderEpoch: 0, isr: [2, 1], partitionEpoch: 0,
            replicas: [2, 1], addingReplicas: [], removingReplicas: [], isNew: true, leaderRecoveryState: 0 },
        ],
      },
    ],
    liveLeaders: [
      { brokerId: 1, hostName: 'broker-1.kafka.internal', port: 9092 },
      { brokerId: 2, hostName: 'broker-2.kafka.internal', port: 9092 },
      { brokerId: 3, hostName: 'broker-3.kafka.internal', port: 9092 },
    ],
  };
  roundTripRequest(LeaderAndIsr, 7, body);
});

test('LeaderAndIsr v0 and v7 responses: flat partition errors, then per topic id', () => {
  roundTripResponse(LeaderAndIsr, 0, {
    errorCode: 0,
    partitionErrors: [
      { topicName: 'orders', partitionIndex: 0, errorCode: 0 },
      { topicName: 'orders', partitionIndex: 1, errorCode: 0 },
      { topicName: 'payments', partitionIndex: 0, errorCode: 56 },
    ],
    topics: [],
  });
  roundTripResponse(LeaderAndIsr, 7, {
    errorCode: 0,
    partitionErrors: [],
    topics: [
      { topicId: ORDERS_ID, partitionErrors: [
        { topicName: '', partitionIndex: 0, errorCode: 0 },
        { topicName: '', partitionIndex: 1, errorCode: 0 },
        { topicName: '', partitionIndex: 2, errorCode: 0 },
      ] },
      { topicId: PAYMENTS_ID, partitionErrors: [{ topicName: '', partitionIndex: 0, errorCode: 6 }] },
    ],
  });
});

test('LeaderAndIsr: each layout is written only in its versions', () => {
  const v2Layout = { topicName: 'orders', topicId: ORDERS_ID, partitionStates: [partitionV0('', 0, 1, [1], [1])] };
  const body: RequestOf<typeof LeaderAndIsr> = {
    controllerId: 1, isKRaftController: true, controllerEpoch: 3, brokerEpoch: 77, type: 2,
    ungroupedPartitionStates: [partitionV0('orders', 0, 1, [1], [1])], topicStates: [v2Layout], liveLeaders: [],
  };
  const v1 = requestCodec(LeaderAndIsr, 1);
  const atV1 = v1.decode(new Reader(encodeBody((w) => v1.encode(w, body))));
  assert.deepEqual(atV1['topicStates'], []);
  assert.equal(atV1['brokerEpoch'], -1);
  assert.equal(atV1['isKRaftController'], false);
  assert.equal(atV1['type'], 0);
  assert.deepEqual(atV1['ungroupedPartitionStates'], body.ungroupedPartitionStates);

  const v2 = requestCodec(LeaderAndIsr, 2);
  const atV2 = v2.decode(new Reader(encodeBody((w) => v2.encode(w, body))));
  assert.deepEqual(atV2['ungroupedPartitionStates'], []);
  assert.equal(atV2['brokerEpoch'], 77);
  const topics = atV2['topicStates'] as (typeof v2Layout)[];
  assert.equal(topics[0]?.topicName, 'orders');
  assert.equal(topics[0]?.topicId, 'AAAAAAAAAAAAAAAAAAAAAA', 'topic ids start at v5');
  assert.equal(topics[0]?.partitionStates[0]?.topicName, '', 'v2+ partitions carry no topic name');
});

// ---- StopReplica (key 5) ----

const stopReplicaBase = { controllerId: 1, isKRaftController: false, controllerEpoch: 3, brokerEpoch: -1, deletePartitions: false };

test('StopReplica v0 request: ungrouped partitions and one delete flag', () => {
  roundTripRequest(StopReplica, 0, {
    ...stopReplicaBase, deletePartitions: true,
    ungroupedPartitions: [
      { topicName: 'orders', partitionIndex: 0 },
      { topicName: 'orders', partitionIndex: 2 },
      { topicName: 'payments', partitionIndex: 1 },
    ],
    topics: [], topicStates: [],
  });
});

test('StopReplica v2 request: partitions grouped by topic (the v1-2 layout)', () => {
  roundTripRequest(StopReplica, 2, {
    ...stopReplicaBase, brokerEpoch: 4_294_967_301,
    ungroupedPartitions: [],
    topics: [{ name: 'orders', partitionIndexes: [0, 2, 5] }, { name: 'payments', partitionIndexes: [1] }],
    topicStates: [],
  });
});

test('StopReplica v4 request: per-partition leader epochs and delete flags', () => {
  roundTripRequest(StopReplica, 4, {
    controllerId: 3000, isKRaftController: true, controllerEpoch: 11, brokerEpoch: 4_294_967_301, deletePartitions: false,
    ungroupedPartitions: [], topics: [],
    topicStates: [
      { topicName: 'orders', partitionStates: [
        { partitionIndex: 0, leaderEpoch: 21, deletePartition: false },
        { partitionIndex: 2, leaderEpoch: -2, deletePartition: true },
      ] },
      { topicName: 'payments', partitionStates: [{ partitionIndex: 1, leaderEpoch: -1, deletePartition: true }] },
    ],
  });
});

test('StopReplica v0 and v4 responses', () => {
  for (const version of [0, 4]) {
    roundTripResponse(StopReplica, version, {
      errorCode: 0,
      partitionErrors: [
        { topicName: 'orders', partitionIndex: 0, errorCode: 0 },
        { topicName: 'orders', partitionIndex: 2, errorCode: 56 },
        { topicName: 'payments', partitionIndex: 1, errorCode: 0 },
      ],
    });
  }
});

// ---- UpdateMetadata (key 6) ----

type UpdateMetadataPartitionState = RequestOf<typeof UpdateMetadata>['topicStates'][number]['partitionStates'][number];

const umPartition = (topicName: string, partitionIndex: number, leader: number, isr: number[], replicas: number[], offlineReplicas: number[] = []): UpdateMetadataPartitionState => ({
  topicName, partitionIndex, controllerEpoch: 5, leader, leaderEpoch: 7 + partitionIndex, isr, zkVersion: 30 + partitionIndex, replicas, offlineReplicas,
});

test('UpdateMetadata v0 request: live brokers with a single host and port, no endpoints', () => {
  roundTripRequest(UpdateMetadata, 0, {
    controllerId: 2, isKRaftController: false, type: 0, controllerEpoch: 5, brokerEpoch: -1,
    ungroupedPartitionStates: [
      umPartition('orders', 0, 1, [1, 2, 3], [1, 2, 3]),
      umPartition('orders', 1, 2, [2, 3], [2, 3, 1]),
      umPartition('payments', 0, 3, [3], [3, 1]),
    ],
    topicStates: [],
    liveBrokers: [
      { id: 1, v0Host: 'broker-1.kafka.internal', v0Port: 9092, endpoints: [], rack: '' },
      { id: 2, v0Host: 'broker-2.kafka.internal', v0Port: 9092, endpoints: [], rack: '' },
      { id: 3, v0Host: 'broker-3.kafka.internal', v0Port: 9094, endpoints: [], rack: '' },
    ],
  });
});

test('UpdateMetadata v0 request bytes follow Kafka\'s v0 layout', () => {
  const bytes = roundTripRequest(UpdateMetadata, 0, {
    controllerId: 2, isKRaftController: false, type: 0, controllerEpoch: 5, brokerEpoch: -1,
    ungroupedPartitionStates: [umPartition('orders', 1, 2, [2, 3], [2, 3])],
    topicStates: [],
    liveBrokers: [{ id: 2, v0Host: 'b2', v0Port: 9092, endpoints: [], rack: '' }],
  });
  const w = new Writer(64);
  w.int32(2); w.int32(5); // controller id and epoch; no broker epoch before v5
  w.int32(1); w.string('orders'); w.int32(1); w.int32(5); w.int32(2); w.int32(8);
  w.int32(2); w.int32(2); w.int32(3); w.int32(31); w.int32(2); w.int32(2); w.int32(3);
  w.int32(1); w.int32(2); w.string('b2'); w.int32(9092); // no endpoints and no rack in v0
  assert.deepEqual(bytes, w.finish());
});

test('UpdateMetadata v8 request: topic ids, offline replicas, listeners, racks and the tagged type', () => {
  const body: RequestOf<typeof UpdateMetadata> = {
    controllerId: 3000, isKRaftController: true, type: 2, controllerEpoch: 12, brokerEpoch: 12_884_901_890,
    ungroupedPartitionStates: [],
    topicStates: [
      { topicName: 'orders', topicId: ORDERS_ID, partitionStates: [
        umPartition('', 0, 1, [1, 2], [1, 2, 3], [3]),
        umPartition('', 1, 2, [2, 1], [2, 3, 1], [3]),
        umPartition('', 2, -1, [], [3], [3]),
      ] },
      { topicName: 'payments', topicId: PAYMENTS_ID, partitionStates: [umPartition('', 0, 2, [2, 1], [2, 1])] },
    ],
    liveBrokers: [
      { id: 1, v0Host: '', v0Port: 0, rack: 'eu-west-1a', endpoints: [
        { port: 9092, host: 'broker-1.kafka.internal', listener: 'PLAINTEXT', securityProtocol: 0 },
        { port: 9093, host: 'broker-1.kafka.internal', listener: 'SASL_SSL', securityProtocol: 3 },
      ] },
      { id: 2, v0Host: '', v0Port: 0, rack: null, endpoints: [
        { port: 9092, host: 'broker-2.kafka.internal', listener: 'PLAINTEXT', securityProtocol: 0 },
      ] },
    ],
  };
  const full = roundTripRequest(UpdateMetadata, 8, body);
  // type is tagged field 0: written only when it is not its default 0 (tag, size, int8).
  const unknown = roundTripRequest(UpdateMetadata, 8, { ...body, type: 0 });
  assert.equal(full.length - unknown.length, 3);
});

test('UpdateMetadata v0 and v8 responses', () => {
  roundTripResponse(UpdateMetadata, 0, { errorCode: 0 });
  roundTripResponse(UpdateMetadata, 8, { errorCode: 72 });
});

// ---- ControlledShutdown (key 7) ----

test('ControlledShutdown v0 and v3 requests and responses', () => {
  const v0 = roundTripRequest(ControlledShutdown, 0, { brokerId: 2, brokerEpoch: -1 });
  assert.deepEqual([...v0], [0, 0, 0, 2], 'v0 carries the broker id only');
  roundTripRequest(ControlledShutdown, 3, { brokerId: 2, brokerEpoch: 4_294_967_340 });
  const remaining = [
    { topicName: 'orders', partitionIndex: 1 },
    { topicName: 'orders', partitionIndex: 4 },
    { topicName: 'payments', partitionIndex: 0 },
  ];
  roundTripResponse(ControlledShutdown, 0, { errorCode: 0, remainingPartitions: remaining });
  roundTripResponse(ControlledShutdown, 3, { errorCode: 0, remainingPartitions: remaining });
});

// ---- AlterPartition (key 56) ----

test('AlterPartition v0 request and response: topic names and plain ISR lists', () => {
  roundTripRequest(AlterPartition, 0, {
    brokerId: 1, brokerEpoch: 4_294_967_297,
    topics: [
      { topicName: 'orders', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [
        { partitionIndex: 0, leaderEpoch: 21, newIsr: [1, 2], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: 57 },
        { partitionIndex: 3, leaderEpoch: 4, newIsr: [1, 2, 3], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: 9 },
      ] },
      { topicName: 'payments', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [
        { partitionIndex: 1, leaderEpoch: 2, newIsr: [1], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: 3 },
      ] },
    ],
  });
  roundTripResponse(AlterPartition, 0, {
    throttleTimeMs: 0, errorCode: 0,
    topics: [
      { topicName: 'orders', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [
        { partitionIndex: 0, errorCode: 0, leaderId: 1, leaderEpoch: 21, isr: [1, 2], leaderRecoveryState: 0, partitionEpoch: 58 },
        { partitionIndex: 3, errorCode: 12, leaderId: 1, leaderEpoch: 4, isr: [1, 2], leaderRecoveryState: 0, partitionEpoch: 9 },
      ] },
      { topicName: 'payments', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [
        { partitionIndex: 1, errorCode: 0, leaderId: 1, leaderEpoch: 2, isr: [1], leaderRecoveryState: 0, partitionEpoch: 4 },
      ] },
    ],
  });
});

test('AlterPartition v3 request and response: topic ids, ISR members with broker epochs, recovery state', () => {
  roundTripRequest(AlterPartition, 3, {
    brokerId: 1, brokerEpoch: 4_294_967_297,
    topics: [
      { topicName: '', topicId: ORDERS_ID, partitions: [
        { partitionIndex: 0, leaderEpoch: 21, newIsr: [], leaderRecoveryState: 0, partitionEpoch: 57, newIsrWithEpochs: [
          { brokerId: 1, brokerEpoch: 4_294_967_297 }, { brokerId: 2, brokerEpoch: 4_294_967_310 }, { brokerId: 3, brokerEpoch: -1 },
        ] },
        { partitionIndex: 2, leaderEpoch: 1, newIsr: [], leaderRecoveryState: 1, partitionEpoch: 2, newIsrWithEpochs: [
          { brokerId: 1, brokerEpoch: 4_294_967_297 },
        ] },
      ] },
      { topicName: '', topicId: PAYMENTS_ID, partitions: [
        { partitionIndex: 0, leaderEpoch: 0, newIsr: [], leaderRecoveryState: 0, partitionEpoch: 0, newIsrWithEpochs: [
          { brokerId: 1, brokerEpoch: 4_294_967_297 }, { brokerId: 2, brokerEpoch: 4_294_967_310 },
        ] },
      ] },
    ],
  });
  roundTripResponse(AlterPartition, 3, {
    throttleTimeMs: 25, errorCode: 0,
    topics: [
      { topicName: '', topicId: ORDERS_ID, partitions: [
        { partitionIndex: 0, errorCode: 0, leaderId: 1, leaderEpoch: 21, isr: [1, 2, 3], leaderRecoveryState: 0, partitionEpoch: 58 },
        { partitionIndex: 2, errorCode: 0, leaderId: 1, leaderEpoch: 1, isr: [1], leaderRecoveryState: 1, partitionEpoch: 3 },
      ] },
      { topicName: '', topicId: PAYMENTS_ID, partitions: [
        { partitionIndex: 0, errorCode: 107, leaderId: 2, leaderEpoch: 1, isr: [2], leaderRecoveryState: 0, partitionEpoch: 5 },
      ] },
    ],
  });
});

// ---- AllocateProducerIds (key 67) ----

test('AllocateProducerIds v0 request and response', () => {
  const req = roundTripRequest(AllocateProducerIds, 0, { brokerId: 2, brokerEpoch: 4_294_967_310 });
  assert.equal(req.length, 4 + 8 + 1, 'broker id, broker epoch, empty tagged fields');
  roundTripResponse(AllocateProducerIds, 0, { throttleTimeMs: 0, errorCode: 0, producerIdStart: 1_000_000, producerIdLen: 1000 });
});
