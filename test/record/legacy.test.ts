import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { batchAttributes, batchBaseOffset, batchMaxTimestamp, setBatchBaseOffset, TIMESTAMP_TYPE_MASK, writeInt64, CRC, computeBatchCrc, ATTRIBUTES, MAX_TIMESTAMP } from '../../src/record/batch-header.js';
import { buildBatch, buildControlBatch, ControlType, TimestampType } from '../../src/record/builder.js';
import { Compression } from '../../src/record/compression.js';
import { crc32, downConvertBatches, upConvertMessageSet } from '../../src/record/legacy.js';
import { readRecords } from '../../src/record/records.js';
import { validateProducePayload } from '../../src/record/validate.js';
import { repoRoot } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const script = fileURLToPath(new URL('test/record/legacy_records.py', repoRoot));
const hex = (s: string | null): string | null => (s === null ? null : Buffer.from(s).toString('hex'));

interface PyMessage { offset: number; timestamp: number | null; key: string | null; value: string | null }
interface PyRecord { offset: number; timestamp: number; timestampType: number; magic: number; codec: number; key: string | null; value: string | null }

/** A message set written by kafka-python's LegacyRecordBatchBuilder. */
function pyEncode(magic: 0 | 1, codec: number, messages: PyMessage[]): Buffer {
  return execFileSync(PYTHON, [script, 'encode'], { input: JSON.stringify({ magic, codec, messages }) });
}
/** The records kafka-python's LegacyRecordBatch reads from a message set. */
function pyDecode(set: Buffer): PyRecord[] {
  return JSON.parse(execFileSync(PYTHON, [script, 'decode'], { input: set, maxBuffer: 256 << 20 }).toString()) as PyRecord[];
}

const sample = (n: number, ts = 1_700_000_000_000): PyMessage[] =>
  Array.from({ length: n }, (_, i) => ({ offset: i, timestamp: ts + i, key: i === 1 ? null : hex(`key-${i}`), value: i === 2 ? null : hex(`value-${i}`.repeat(i + 1)) }));

const asHex = (b: Buffer | null) => (b === null ? null : b.toString('hex'));

const LEGACY_CODECS = [
  { name: 'none', id: 0 },
  { name: 'gzip', id: 1 },
  { name: 'snappy', id: 2 },
] as const;

for (const magic of [0, 1] as const) {
  for (const codec of [...LEGACY_CODECS, ...(magic === 1 ? [{ name: 'lz4', id: 3 }] : [])]) {
    test(`up-conversion: a v${magic} ${codec.name} message set from kafka-python becomes one v2 batch of its records`, () => {
      const msgs = sample(4);
      const up = upConvertMessageSet(pyEncode(magic, codec.id, msgs), { maxDecompressedBytes: 1 << 20 });
      assert.ok(up.ok, up.ok ? '' : up.message);
      const v = validateProducePayload(up.batch);
      assert.ok(v.ok);
      assert.equal(v.batchCount, 1);
      assert.equal(v.recordCount, 4);
      assert.equal(batchAttributes(up.batch) & 0x07, codec.id, 'the wrapper codec is kept');
      const recs = readRecords(up.batch);
      assert.deepEqual(recs.map((r) => r.offset), [0, 1, 2, 3]);
      assert.deepEqual(recs.map((r) => asHex(r.key)), msgs.map((m) => m.key));
      assert.deepEqual(recs.map((r) => asHex(r.value)), msgs.map((m) => m.value));
      // v0 has no timestamps: NO_TIMESTAMP (-1), as Kafka's up-conversion writes; v1 keeps them.
      assert.deepEqual(recs.map((r) => r.timestamp), magic === 0 ? [-1, -1, -1, -1] : msgs.map((m) => m.timestamp));
      assert.equal(batchMaxTimestamp(up.batch), magic === 0 ? -1 : msgs[3]!.timestamp);
    });
  }
}

test('up-conversion: a v1 wrapper stamped LogAppendTime gives its inner messages its timestamp', () => {
  const set = Buffer.from(pyEncode(1, 1, sample(2)));
  // Stamp the wrapper as a broker would: attribute bit 3 and its timestamp, CRC recomputed.
  set[17] = set[17]! | 0x08;
  writeInt64(set, 18, 1_234_567);
  set.writeUInt32BE(crc32(set.subarray(16)), 12);
  const up = upConvertMessageSet(set, { maxDecompressedBytes: 1 << 20 });
  assert.ok(up.ok);
  assert.deepEqual(readRecords(up.batch).map((r) => r.timestamp), [1_234_567, 1_234_567]);
});

test('up-conversion refuses a bad CRC, a truncated message, a double-compressed wrapper and an empty set', () => {
  const good = pyEncode(1, 0, sample(2));
  const badCrc = Buffer.from(good);
  badCrc[badCrc.length - 1] ^= 0xff;
  const r1 = upConvertMessageSet(badCrc, { maxDecompressedBytes: 1 << 20 });
  assert.ok(!r1.ok && r1.kind === 'CORRUPT_MESSAGE' && /CRC/.test(r1.message));
  const r2 = upConvertMessageSet(good.subarray(0, good.length - 3), { maxDecompressedBytes: 1 << 20 });
  assert.ok(!r2.ok && r2.kind === 'CORRUPT_MESSAGE');
  // A gzip wrapper around a gzip wrapper.
  const up3 = upConvertMessageSet(wrap(pyEncode(1, 1, sample(1))), { maxDecompressedBytes: 1 << 20 });
  assert.ok(!up3.ok && up3.kind === 'CORRUPT_MESSAGE' && /inner record with a compression/.test(up3.message));
  const r4 = upConvertMessageSet(Buffer.alloc(0), { maxDecompressedBytes: 1 << 20 });
  assert.ok(!r4.ok && r4.kind === 'INVALID_RECORD');
});

/** A v1 gzip wrapper whose value is `set` as it is (gzip'd by zlib here). */
function wrap(set: Buffer): Buffer {
  const value = execFileSync(PYTHON, ['-c', 'import sys,gzip; sys.stdout.buffer.write(gzip.compress(sys.stdin.buffer.read()))'], { input: set });
  const size = 22 + value.length;
  const b = Buffer.alloc(12 + size);
  b.writeInt32BE(size, 8);
  b[16] = 1;
  b[17] = 1;
  writeInt64(b, 18, 5);
  b.writeInt32BE(-1, 26);
  b.writeInt32BE(value.length, 30);
  value.copy(b, 34);
  b.writeUInt32BE(crc32(b.subarray(16)), 12);
  return b;
}

test('up-conversion bounds what a wrapper may decompress to', () => {
  const set = pyEncode(1, 1, [{ offset: 0, timestamp: 1, key: null, value: Buffer.alloc(100_000).toString('hex') }]);
  const up = upConvertMessageSet(set, { maxDecompressedBytes: 10_000 });
  assert.ok(!up.ok && up.kind === 'MESSAGE_TOO_LARGE');
});

/** Stored batches as the log holds them: offsets assigned from `base`. */
function stored(records: Array<{ key: string | null; value: string | null; timestamp: number }>, base: number, opts: Parameters<typeof buildBatch>[1] = {}): Buffer {
  const b = buildBatch(records.map((r) => ({ ...r, headers: [{ key: 'h', value: 'dropped' }] })), opts);
  setBatchBaseOffset(b, base);
  return b;
}

const rec = (i: number) => ({ key: i % 3 === 0 ? null : `k${i}`, value: `v${i}-`.repeat(1 + (i % 5)), timestamp: 1_600_000_000_000 + i });
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => rec(a + i));

for (const magic of [0, 1] as const) {
  for (const codec of ['none', 'gzip', 'snappy', 'lz4'] as const) {
    test(`down-conversion to v${magic} (${codec}): kafka-python reads every record from the fetch offset, in order, with its offset`, () => {
      const src = Buffer.concat([stored(range(0, 5), 10, { compression: codec }), stored(range(5, 9), 15, { compression: codec })]);
      const conv = downConvertBatches(src, { toMagic: magic, fetchOffset: 12, maxBytes: 1 << 20, minOneMessage: true, maxDecompressedBytes: 1 << 20 });
      assert.ok(conv.ok);
      const got = pyDecode(conv.records);
      const want = range(2, 9).map((r, i) => ({ offset: 12 + i, key: hex(r.key), value: hex(r.value), timestamp: magic === 0 ? -1 : r.timestamp }));
      assert.deepEqual(got.map((r) => ({ offset: r.offset, key: r.key, value: r.value, timestamp: magic === 0 ? -1 : r.timestamp })), want);
      assert.ok(got.every((r) => r.magic === magic));
      // lz4 under magic 0 has no reliable framing: it is written uncompressed.
      const wrapped = codec !== 'none' && !(codec === 'lz4' && magic === 0);
      assert.ok(got.every((r) => r.codec === (wrapped ? Compression[codec] : 0)));
      assert.equal(conv.recordCount, 7);
      assert.equal(conv.nextOffset, 19);
    });
  }
}

test('down-conversion: LogAppendTime batches give v1 messages the append time and the LogAppendTime attribute', () => {
  for (const codec of ['none', 'gzip'] as const) {
    const b = stored(range(0, 3), 0, { compression: codec, timestampType: TimestampType.LogAppendTime });
    writeInt64(b, MAX_TIMESTAMP, 42_000);
    b.writeUInt32BE(computeBatchCrc(b), CRC);
    assert.ok((b.readInt16BE(ATTRIBUTES) & TIMESTAMP_TYPE_MASK) !== 0);
    const conv = downConvertBatches(b, { toMagic: 1, fetchOffset: 0, maxBytes: 1 << 20, minOneMessage: true, maxDecompressedBytes: 1 << 20 });
    assert.ok(conv.ok);
    const got = pyDecode(conv.records);
    assert.deepEqual(got.map((r) => [r.offset, r.timestamp, r.timestampType]), [[0, 42_000, 1], [1, 42_000, 1], [2, 42_000, 1]]);
  }
});

test('down-conversion drops control batches and stops at whole messages within maxBytes', () => {
  const marker = buildControlBatch({ producerId: 7, producerEpoch: 0, coordinatorEpoch: 0, type: ControlType.COMMIT, baseOffset: 5, timestamp: 1 });
  const src = Buffer.concat([stored(range(0, 5), 0), marker, stored(range(6, 40), 6)]);
  const all = downConvertBatches(src, { toMagic: 1, fetchOffset: 0, maxBytes: 1 << 20, minOneMessage: true, maxDecompressedBytes: 1 << 20 });
  assert.ok(all.ok);
  assert.deepEqual(pyDecode(all.records).map((r) => r.offset), [0, 1, 2, 3, 4, ...Array.from({ length: 34 }, (_, i) => 6 + i)]);
  const onlyMarker = downConvertBatches(marker, { toMagic: 1, fetchOffset: 5, maxBytes: 1 << 20, minOneMessage: true, maxDecompressedBytes: 1 << 20 });
  assert.ok(onlyMarker.ok && onlyMarker.records.length === 0 && onlyMarker.nextOffset === 6, 'the offset after a marker is reported so the fetch can go on');
  for (const maxBytes of [100, 333, 1000]) {
    const part = downConvertBatches(src, { toMagic: 0, fetchOffset: 0, maxBytes, minOneMessage: true, maxDecompressedBytes: 1 << 20 });
    assert.ok(part.ok);
    assert.ok(part.records.length <= maxBytes, `${part.records.length} <= ${maxBytes}`);
    const offsets = pyDecode(part.records).map((r) => r.offset);
    assert.deepEqual(offsets, all.ok ? pyDecode(all.records).map((r) => r.offset).slice(0, offsets.length) : []);
    assert.equal(part.recordCount, offsets.length);
    assert.ok(offsets.length > 0);
  }
});

test('down-conversion: the first message over maxBytes is whole on Fetch v3 and cut (a partial message) before', () => {
  const big = stored([{ key: 'k', value: 'x'.repeat(5000), timestamp: 1 }], 3);
  const v3 = downConvertBatches(big, { toMagic: 1, fetchOffset: 3, maxBytes: 1000, minOneMessage: true, maxDecompressedBytes: 1 << 20 });
  assert.ok(v3.ok);
  assert.deepEqual(pyDecode(v3.records).map((r) => [r.offset, Buffer.from(r.value!, 'hex').length]), [[3, 5000]]);
  const v2 = downConvertBatches(big, { toMagic: 1, fetchOffset: 3, maxBytes: 1000, minOneMessage: false, maxDecompressedBytes: 1 << 20 });
  assert.ok(v2.ok);
  assert.equal(v2.records.length, 1000);
  assert.equal(v2.recordCount, 0);
  assert.equal(batchBaseOffset(v2.records), 3, 'the partial message starts with its offset');
  assert.deepEqual(pyDecode(v2.records), []);
});

test('down-conversion answers zstd batches with UNSUPPORTED_COMPRESSION_TYPE, as Kafka does before Fetch v10', () => {
  const conv = downConvertBatches(stored(range(0, 2), 0, { compression: 'zstd' }), { toMagic: 1, fetchOffset: 0, maxBytes: 1 << 20, minOneMessage: true, maxDecompressedBytes: 1 << 20 });
  assert.ok(!conv.ok && conv.kind === 'UNSUPPORTED_COMPRESSION_TYPE');
});

test('up- then down-conversion gives back the messages kafka-python wrote', () => {
  const msgs = sample(6);
  const up = upConvertMessageSet(pyEncode(1, 2, msgs), { maxDecompressedBytes: 1 << 20 });
  assert.ok(up.ok);
  setBatchBaseOffset(up.batch, 100);
  const down = downConvertBatches(up.batch, { toMagic: 1, fetchOffset: 100, maxBytes: 1 << 20, minOneMessage: true, maxDecompressedBytes: 1 << 20 });
  assert.ok(down.ok);
  assert.deepEqual(pyDecode(down.records).map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value })), msgs.map((m, i) => ({ ...m, offset: 100 + i })));
});
