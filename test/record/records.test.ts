import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ATTRIBUTES,
  HEADER_SIZE,
  batchAttributes,
  batchBaseOffset,
  batchBaseSequence,
  batchBaseTimestamp,
  batchLastOffset,
  batchLeaderEpoch,
  batchMaxTimestamp,
  batchProducerEpoch,
  batchProducerId,
  batchRecordCount,
  batchSize,
  isBatchCrcValid,
  setBatchBaseOffset,
  setBatchLeaderEpoch,
  setBatchMaxTimestamp,
} from '../../src/record/batch-header.js';
import { BatchBuildError, TimestampType, buildBatch, buildControlBatch, type RecordInput } from '../../src/record/builder.js';
import { ControlType, RecordFormatError, batchRecordsSection, isControlBatch, iterateRecords, parseControlRecord, readRecords } from '../../src/record/records.js';
import { CODECS, expected, plain, sampleRecords } from './helpers.js';

for (const codec of CODECS) {
  test(`build → iterate round-trips keys, values, headers and nulls (${codec})`, () => {
    const inputs = sampleRecords();
    const batch = buildBatch(inputs, { baseOffset: 1000, compression: codec, partitionLeaderEpoch: 7 });
    assert.equal(batchSize(batch), batch.length);
    assert.ok(isBatchCrcValid(batch));
    assert.equal(batchAttributes(batch) & 7, ['none', 'gzip', 'snappy', 'lz4', 'zstd'].indexOf(codec));
    assert.equal(batchBaseOffset(batch), 1000);
    assert.equal(batchLastOffset(batch), 1004);
    assert.equal(batchRecordCount(batch), 5);
    assert.equal(batchLeaderEpoch(batch), 7);
    assert.equal(batchBaseTimestamp(batch), 1_700_000_000_000, 'first record timestamp');
    assert.equal(batchMaxTimestamp(batch), 1_700_000_123_456);
    assert.equal(batchProducerId(batch), -1);
    assert.equal(batchProducerEpoch(batch), -1);
    assert.equal(batchBaseSequence(batch), -1);
    assert.deepEqual(plain([...iterateRecords(batch)]), expected(inputs, 1000));
    assert.deepEqual(plain(readRecords(batch)), expected(inputs, 1000));
  });
}

test('uncompressed records are views into the batch, not copies', () => {
  const batch = buildBatch([{ key: 'k', value: 'v', timestamp: 1 }]);
  const [r] = readRecords(batch);
  assert.equal(r!.value!.buffer, batch.buffer);
  assert.equal(batchRecordsSection(batch).buffer, batch.buffer);
});

test('records inside a larger buffer are read at their position', () => {
  const a = buildBatch([{ value: 'a', timestamp: 5 }], { baseOffset: 0 });
  const b = buildBatch([{ value: 'b1', timestamp: 6 }, { value: 'b2', timestamp: 7 }], { baseOffset: 1, compression: 'zstd' });
  const both = Buffer.concat([a, b]);
  assert.deepEqual(readRecords(both, a.length).map((r) => [r.offset, r.value!.toString()]), [[1, 'b1'], [2, 'b2']]);
});

test('producer fields, flags and timestamp type are written', () => {
  const batch = buildBatch([{ value: 'x', timestamp: 1 }], {
    producerId: 2 ** 40 + 3,
    producerEpoch: 9,
    baseSequence: 42,
    transactional: true,
    timestampType: TimestampType.LogAppendTime,
  });
  assert.equal(batchProducerId(batch), 2 ** 40 + 3);
  assert.equal(batchProducerEpoch(batch), 9);
  assert.equal(batchBaseSequence(batch), 42);
  assert.equal(batchAttributes(batch), 0x10 | 0x08);
  assert.equal(isControlBatch(batch), false);
});

test('records without a timestamp get the build time', () => {
  const before = Date.now();
  const [r] = readRecords(buildBatch([{ value: 'x' }]));
  assert.ok(r!.timestamp >= before && r!.timestamp <= Date.now());
});

test('an empty record list is refused', () => {
  assert.throws(() => buildBatch([]), BatchBuildError);
});

test('control batches carry a transaction marker', () => {
  for (const type of [ControlType.ABORT, ControlType.COMMIT]) {
    const batch = buildControlBatch({ type, producerId: 77, producerEpoch: 3, coordinatorEpoch: 12, baseOffset: 50, timestamp: 123 });
    assert.ok(isBatchCrcValid(batch));
    assert.ok(isControlBatch(batch));
    assert.equal(batchAttributes(batch), 0x30, 'transactional + control, uncompressed');
    assert.equal(batchProducerId(batch), 77);
    assert.equal(batchBaseSequence(batch), -1);
    const [r] = readRecords(batch);
    assert.equal(r!.offset, 50);
    assert.equal(r!.timestamp, 123);
    assert.deepEqual(parseControlRecord(r!.key, r!.value), { version: 0, type, coordinatorEpoch: 12 });
  }
  assert.throws(() => parseControlRecord(Buffer.from([0, 0])), RecordFormatError);
  assert.throws(() => parseControlRecord(Buffer.from([0, 0, 0, 1]), null), RecordFormatError);
  // Unknown control types parse without a marker value; the caller decides what to do with them.
  assert.deepEqual(parseControlRecord(Buffer.from([0, 0, 0, 5])), { version: 0, type: 5, coordinatorEpoch: null });
});

test('patching base offset and leader epoch keeps the CRC; max timestamp and attributes recompute it', () => {
  const batch = buildBatch(sampleRecords(), { compression: 'lz4' });
  const crc = batch.readUInt32BE(17);
  setBatchBaseOffset(batch, 2 ** 40);
  setBatchLeaderEpoch(batch, 99);
  assert.equal(batch.readUInt32BE(17), crc);
  assert.ok(isBatchCrcValid(batch));
  assert.equal(readRecords(batch)[4]!.offset, 2 ** 40 + 4);
  setBatchMaxTimestamp(batch, 1_800_000_000_000);
  assert.ok(isBatchCrcValid(batch));
  assert.equal(batchMaxTimestamp(batch), 1_800_000_000_000);
  batch[HEADER_SIZE + 3]! ^= 0xff;
  assert.equal(isBatchCrcValid(batch), false, 'a flipped payload byte breaks the CRC');
});

test('malformed records raise RecordFormatError instead of reading out of bounds', () => {
  const batch = buildBatch([{ key: 'key', value: 'value', timestamp: 1 }]);
  const lying = Buffer.from(batch);
  lying.writeInt32BE(2, 57); // record count says 2, only 1 present
  assert.throws(() => readRecords(lying), RecordFormatError);
  lying.writeInt32BE(-3, 57);
  assert.throws(() => readRecords(lying), RecordFormatError);
  lying.writeInt32BE(2 ** 31 - 1, 57);
  assert.throws(() => readRecords(lying), RecordFormatError);
  const trailing = Buffer.concat([batch, Buffer.from([0])]);
  trailing.writeInt32BE(trailing.length - 12, 8);
  assert.throws(() => readRecords(trailing), RecordFormatError);
  const badCodec = Buffer.from(batch);
  badCodec.writeInt16BE(6, ATTRIBUTES);
  assert.throws(() => readRecords(badCodec), RecordFormatError);
  const badLen = Buffer.from(batch);
  badLen[HEADER_SIZE] = 0x7e; // record length varint far larger than the section
  assert.throws(() => readRecords(badLen), RecordFormatError);
});

const bytesArb = fc.option(fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)), { nil: null });
const recordArb = fc.record({
  key: bytesArb,
  value: bytesArb,
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 8 }), value: bytesArb }), { maxLength: 3 }),
  timestamp: fc.integer({ min: 0, max: 4_000_000_000_000 }),
});

test('property: random records survive build → iterate for every codec', () => {
  fc.assert(
    fc.property(
      fc.array(recordArb, { minLength: 1, maxLength: 20 }),
      fc.constantFrom(...CODECS),
      fc.integer({ min: 0, max: 2 ** 50 }),
      (inputs: RecordInput[], codec, baseOffset) => {
        const batch = buildBatch(inputs, { baseOffset, compression: codec });
        assert.ok(isBatchCrcValid(batch));
        assert.deepEqual(plain(readRecords(batch)), expected(inputs, baseOffset));
        assert.equal(batchMaxTimestamp(batch), Math.max(...inputs.map((r) => r.timestamp!)));
      },
    ),
    { numRuns: 300 },
  );
});
