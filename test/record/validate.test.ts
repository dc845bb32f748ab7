import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LAST_OFFSET_DELTA, RECORD_COUNT, computeBatchCrc } from '../../src/record/batch-header.js';
import { buildBatch, buildControlBatch } from '../../src/record/builder.js';
import { ControlType } from '../../src/record/records.js';
import { validateProducePayload, type ValidationResult } from '../../src/record/validate.js';
import { sampleRecords } from './helpers.js';

function failure(r: ValidationResult): { kind: string; errorCode: number; position: number } {
  assert.equal(r.ok, false, 'expected a validation failure');
  if (r.ok) throw new Error('unreachable');
  return { kind: r.kind, errorCode: r.errorCode, position: r.position };
}

test('summarises concatenated batches from their headers', () => {
  const a = buildBatch(sampleRecords(), { compression: 'zstd', producerId: 5, producerEpoch: 1, baseSequence: 10, transactional: true });
  const b = buildBatch([{ value: 'x', timestamp: 1_900_000_000_000 }], { producerId: 5, producerEpoch: 1, baseSequence: 15 });
  const r = validateProducePayload(Buffer.concat([a, b]));
  assert.ok(r.ok);
  const { batches, ...summary } = r;
  assert.deepEqual(batches, [
    { position: 0, size: a.length, lastOffsetDelta: 4, maxTimestamp: Math.max(...sampleRecords().map((x) => x.timestamp ?? 0)), isControl: false },
    { position: a.length, size: b.length, lastOffsetDelta: 0, maxTimestamp: 1_900_000_000_000, isControl: false },
  ]);
  assert.deepEqual(summary, {
    ok: true,
    batchCount: 2,
    recordCount: 6,
    maxTimestamp: 1_900_000_000_000,
    producerId: 5,
    producerEpoch: 1,
    baseSequence: 10,
    isTransactional: true,
    isControl: false,
    compression: 4,
    batchPositions: [0, a.length],
  });
});

test('reports control batches and accepts an empty payload', () => {
  const r = validateProducePayload(buildControlBatch({ type: ControlType.COMMIT, producerId: 1, producerEpoch: 0, coordinatorEpoch: 0 }));
  assert.ok(r.ok && r.isControl && r.isTransactional);
  const e = validateProducePayload(Buffer.alloc(0));
  assert.ok(e.ok && e.batchCount === 0 && e.recordCount === 0);
});

test('does not decompress: a corrupt compressed payload with a valid CRC passes', () => {
  const batch = buildBatch([{ value: 'x', timestamp: 1 }], { compression: 'gzip' });
  batch.fill(0xaa, 61);
  batch.writeUInt32BE(computeBatchCrc(batch), 17);
  const r = validateProducePayload(batch);
  assert.ok(r.ok && r.compression === 1 && r.recordCount === 1);
});

test('bad CRC → CORRUPT_MESSAGE', () => {
  const batch = buildBatch(sampleRecords());
  batch[100]! ^= 1;
  assert.deepEqual(failure(validateProducePayload(batch)), { kind: 'CORRUPT_MESSAGE', errorCode: 2, position: 0 });
});

test('truncated payloads → CORRUPT_MESSAGE at the offending batch', () => {
  const a = buildBatch([{ value: 'a', timestamp: 1 }]);
  const b = buildBatch(sampleRecords(), { compression: 'snappy' });
  const whole = Buffer.concat([a, b]);
  for (const cut of [whole.length - 1, a.length + 60, a.length + 10, a.length + 16]) {
    assert.deepEqual(failure(validateProducePayload(whole.subarray(0, cut))), {
      kind: 'CORRUPT_MESSAGE',
      errorCode: 2,
      position: a.length,
    }, `cut at ${cut}`);
  }
});

test('batch length smaller than a header → CORRUPT_MESSAGE', () => {
  const batch = buildBatch([{ value: 'a', timestamp: 1 }]);
  batch.writeInt32BE(48, 8);
  assert.equal(failure(validateProducePayload(batch)).kind, 'CORRUPT_MESSAGE');
  batch.writeInt32BE(-1, 8);
  assert.equal(failure(validateProducePayload(batch)).kind, 'CORRUPT_MESSAGE');
});

test('magic 0 and 1 message sets → UNSUPPORTED_FOR_MESSAGE_FORMAT; unknown magic → CORRUPT_MESSAGE', () => {
  // A v1 message set entry: offset(8) size(4) crc(4) magic(1) attributes(1) timestamp(8) key(-1) value(4+3).
  const v1 = Buffer.alloc(8 + 4 + 4 + 1 + 1 + 8 + 4 + 4 + 3);
  v1.writeInt32BE(v1.length - 12, 8);
  v1[16] = 1;
  v1.writeInt32BE(-1, 26);
  v1.writeInt32BE(3, 30);
  assert.deepEqual(failure(validateProducePayload(v1)), { kind: 'UNSUPPORTED_FOR_MESSAGE_FORMAT', errorCode: 43, position: 0 });
  const v0 = Buffer.from(v1);
  v0[16] = 0;
  assert.equal(failure(validateProducePayload(v0)).kind, 'UNSUPPORTED_FOR_MESSAGE_FORMAT');
  const v3 = buildBatch([{ value: 'a', timestamp: 1 }]);
  v3[16] = 3;
  assert.equal(failure(validateProducePayload(v3)).kind, 'CORRUPT_MESSAGE');
});

test('record count inconsistent with lastOffsetDelta → INVALID_RECORD', () => {
  const batch = buildBatch(sampleRecords());
  batch.writeInt32BE(9, 23); // lastOffsetDelta
  batch.writeUInt32BE(computeBatchCrc(batch), 17);
  assert.deepEqual(failure(validateProducePayload(batch)), { kind: 'INVALID_RECORD', errorCode: 87, position: 0 });
  batch.writeInt32BE(-1, 23);
  batch.writeInt32BE(0, 57);
  batch.writeUInt32BE(computeBatchCrc(batch), 17);
  assert.equal(failure(validateProducePayload(batch)).kind, 'INVALID_RECORD');
});

test('an uncompressed batch whose header claims more records than it holds → CORRUPT_MESSAGE', () => {
  const batch = buildBatch([{ value: 'a', timestamp: 1 }, { value: 'b', timestamp: 1 }]);
  // 2^31 - 1 records claimed in a few bytes: count and last offset delta agree with each other.
  batch.writeInt32BE(0x7fffffff, RECORD_COUNT);
  batch.writeInt32BE(0x7ffffffe, LAST_OFFSET_DELTA);
  batch.writeUInt32BE(computeBatchCrc(batch), 17);
  const r = failure(validateProducePayload(batch));
  assert.equal(r.kind, 'CORRUPT_MESSAGE');
  // One record fewer than held is refused too.
  const one = buildBatch([{ value: 'a', timestamp: 1 }, { value: 'b', timestamp: 1 }]);
  one.writeInt32BE(1, RECORD_COUNT);
  one.writeInt32BE(0, LAST_OFFSET_DELTA);
  one.writeUInt32BE(computeBatchCrc(one), 17);
  assert.equal(failure(validateProducePayload(one)).kind, 'CORRUPT_MESSAGE');
});
