// Request headers v1/v2 and response headers v0/v1, byte for byte; ApiVersions always answers with v0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../src/protocol/frame.js';
import { finishRequestHeader, readRequestHeader, readResponseHeader, responseHeaderFlexible, writeRequestHeader, writeResponseHeader } from '../../src/protocol/header.js';
import { ApiVersions, Heartbeat, Metadata } from '../../src/protocol/messages/index.js';
import { Reader } from '../../src/protocol/reader.js';
import { Writer } from '../../src/protocol/writer.js';
import { DecodeError } from '../../src/protocol/decode-error.js';

const hex = (b: Buffer): string => b.toString('hex');

test('request header v1: key, version, correlation id, nullable client id; no tagged fields', () => {
  const w = new Writer();
  writeRequestHeader(w, { apiKey: 3, apiVersion: 8, correlationId: 0x01020304, clientId: 'ab' }, false);
  assert.equal(hex(w.finish()), '0003' + '0008' + '01020304' + '0002' + '6162');
  const w2 = new Writer();
  writeRequestHeader(w2, { apiKey: 3, apiVersion: 8, correlationId: 1, clientId: null }, false);
  assert.equal(hex(w2.finish()), '0003000800000001ffff');
  const r = new Reader(Buffer.from('0003000800000001ffff', 'hex'));
  assert.deepEqual(readRequestHeader(r), { apiKey: 3, apiVersion: 8, correlationId: 1, clientId: null });
  finishRequestHeader(r, false);
  assert.equal(r.remaining, 0);
});

test('request header v2: client id stays a classic string, then tagged fields', () => {
  const w = new Writer();
  writeRequestHeader(w, { apiKey: 3, apiVersion: 12, correlationId: 7, clientId: 'ab' }, true);
  assert.equal(hex(w.finish()), '0003' + '000c' + '00000007' + '0002' + '6162' + '00');
  // Unknown tagged fields in the header are skipped.
  const r = new Reader(Buffer.from('0003000c000000070002616201' + '05' + '02' + 'abcd', 'hex'));
  assert.deepEqual(readRequestHeader(r), { apiKey: 3, apiVersion: 12, correlationId: 7, clientId: 'ab' });
  finishRequestHeader(r, true);
  assert.equal(r.remaining, 0);
});

test('a request frame uses header v1 below the first flexible version and v2 from it', () => {
  const body = { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null };
  const v3 = encodeRequest(Heartbeat, { apiKey: 12, apiVersion: 3, correlationId: 9, clientId: 'c' }, body);
  const v4 = encodeRequest(Heartbeat, { apiKey: 12, apiVersion: 4, correlationId: 9, clientId: 'c' }, body);
  // size, key 12, version, correlation 9, client id "c" (classic string in both)
  assert.equal(hex(v3.subarray(4, 15)), '000c' + '0003' + '00000009' + '0001' + '63');
  assert.equal(hex(v4.subarray(4, 16)), '000c' + '0004' + '00000009' + '0001' + '63' + '00');
  assert.deepEqual(decodeRequest(Heartbeat, v4.subarray(4)).body, body);
});

test('response header v0 is the correlation id alone; v1 adds tagged fields', () => {
  const w0 = new Writer();
  writeResponseHeader(w0, 5, false);
  assert.equal(hex(w0.finish()), '00000005');
  const w1 = new Writer();
  writeResponseHeader(w1, 5, true);
  assert.equal(hex(w1.finish()), '0000000500');
  const r = new Reader(Buffer.from('00000005' + '01' + '00' + '01' + 'ff', 'hex'));
  assert.equal(readResponseHeader(r, true), 5);
  assert.equal(r.remaining, 0);
});

test('Metadata responses: header v0 before v9, v1 from v9', () => {
  const body = { throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: -1, topics: [], clusterAuthorizedOperations: -2147483648 };
  const v8 = encodeResponse(Metadata, 8, 42, body);
  const v9 = encodeResponse(Metadata, 9, 42, body);
  assert.equal(hex(v8.subarray(4, 8)), '0000002a');
  assert.equal(hex(v9.subarray(4, 9)), '0000002a00');
  assert.equal(v9.length, v8.length - (4 + 2 + 4) + (1 + 1 + 1) + 1 + 1, 'compact forms, a header and a body tagged-field byte');
  assert.deepEqual(decodeResponse(Metadata, 9, v9.subarray(4)).body, body);
});

test('ApiVersions responses always use header v0, also in flexible versions (KIP-511)', () => {
  assert.equal(responseHeaderFlexible(18, true), false);
  assert.equal(responseHeaderFlexible(3, true), true);
  const body = {
    errorCode: 0,
    apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
  for (const version of [0, 1, 2, 3, 4]) {
    const frame = encodeResponse(ApiVersions, version, 0x0a0b0c0d, body);
    // correlation id, then the error code straight away: no tagged-field byte in between.
    assert.equal(hex(frame.subarray(4, 10)), '0a0b0c0d' + '0000', `v${version}`);
    assert.deepEqual(decodeResponse(ApiVersions, version, frame.subarray(4)).body, body);
  }
});

test('request headers shorter than their fixed part, or naming another API, are decode errors', () => {
  assert.throws(() => decodeRequest(Metadata, Buffer.from('000300', 'hex')), DecodeError);
  const frame = encodeRequest(Heartbeat, { apiKey: 12, apiVersion: 0, correlationId: 1, clientId: null }, { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null });
  assert.throws(() => decodeRequest(Metadata, frame.subarray(4)), DecodeError);
  const bad = Buffer.from(frame.subarray(4));
  bad.writeInt16BE(99, 2);
  assert.throws(() => decodeRequest(Heartbeat, bad), DecodeError);
});
