import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  RecordFormatError,
  VarintError,
  readVarint,
  readVarlong,
  sizeOfVarint,
  sizeOfVarlong,
  writeVarint,
  writeVarlong,
} from '../../src/record/varint.js';

test('varint round-trips int32 edge values with the protobuf zig-zag sizes', () => {
  const cases: [number, number][] = [[0, 1], [-1, 1], [1, 1], [63, 1], [-64, 1], [64, 2], [-65, 2],
    [2 ** 31 - 1, 5], [-(2 ** 31), 5]];
  for (const [v, size] of cases) {
    const buf = Buffer.alloc(10);
    assert.equal(writeVarint(buf, 0, v), size, `size of ${v}`);
    assert.equal(sizeOfVarint(v), size);
    const c = { pos: 0 };
    assert.equal(readVarint(buf, c), v);
    assert.equal(c.pos, size);
  }
  // Known bytes: -1 → 0x01, 1 → 0x02, 300 → 0xd8 0x04.
  const b = Buffer.alloc(3);
  writeVarint(b, 0, 300);
  assert.deepEqual([...b.subarray(0, 2)], [0xd8, 0x04]);
});

test('varlong round-trips values beyond 32 bits (timestamp deltas)', () => {
  for (const v of [0, -1, 2 ** 31, -(2 ** 31) - 1, 1_700_000_000_000, -1_700_000_000_000, 2 ** 52 - 1, -(2 ** 52 - 1)]) {
    const buf = Buffer.alloc(10);
    const end = writeVarlong(buf, 0, v);
    assert.equal(end, sizeOfVarlong(v));
    const c = { pos: 0 };
    assert.equal(readVarlong(buf, c), v);
    assert.equal(c.pos, end);
  }
});

test('truncated or over-long varints are rejected', () => {
  assert.throws(() => readVarint(Buffer.from([0x80, 0x80]), { pos: 0 }), VarintError);
  assert.throws(() => readVarint(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), { pos: 0 }), VarintError);
  assert.throws(() => readVarlong(Buffer.alloc(11, 0x80), { pos: 0 }), VarintError);
  assert.ok(new VarintError('x') instanceof RecordFormatError);
});

test('property: varint and varlong round-trip', () => {
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 52 - 1), max: 2 ** 52 - 1 }), (i, l) => {
      const buf = Buffer.alloc(20);
      const p = writeVarint(buf, 0, i);
      writeVarlong(buf, p, l);
      const c = { pos: 0 };
      return readVarint(buf, c) === i && readVarlong(buf, c) === l && c.pos === p + sizeOfVarlong(l);
    }),
  );
});
