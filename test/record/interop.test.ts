import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildBatch } from '../../src/record/builder.js';
import { readRecords } from '../../src/record/records.js';
import { validateProducePayload } from '../../src/record/validate.js';
import { CODECS, expected, plain, repoRoot, sampleRecords, type PlainRecord } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const decoder = fileURLToPath(new URL('test/record/decode_batch.py', repoRoot));
const fixture = (name: string): Buffer => readFileSync(new URL(`test/fixtures/record/${name}`, repoRoot));

// python3-snappy, python3-lz4 and python3-zstandard (Debian, installed by scripts/test-deps.sh)
// supply the independent codecs.
const pythonCodecs = spawnSync(PYTHON, ['-c', 'import snappy, lz4.frame, zstandard'], { stdio: 'ignore' }).status === 0;

interface PyBatch {
  baseOffset: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  records: PlainRecord[];
}

for (const codec of CODECS) {
  test(`an independent Python decoder reads the batches Samsa builds (${codec})`, () => {
    assert.ok(pythonCodecs, 'python3-snappy, python3-lz4 and python3-zstandard are needed (scripts/test-deps.sh installs them)');
    const inputs = sampleRecords();
    const a = buildBatch(inputs, { baseOffset: 40, compression: codec });
    const b = buildBatch([{ key: 'second', value: 'batch', timestamp: 5 }], { baseOffset: 45, compression: codec });
    const out = execFileSync(PYTHON, [decoder], { input: Buffer.concat([a, b]), maxBuffer: 64 << 20 });
    const batches = JSON.parse(out.toString()) as PyBatch[];
    assert.equal(batches.length, 2);
    assert.equal(batches[0]!.attributes, CODECS.indexOf(codec));
    assert.equal(batches[0]!.maxTimestamp, 1_700_000_123_456);
    assert.deepEqual(batches[0]!.records, expected(inputs, 40));
    assert.deepEqual(batches[1]!.records, expected([{ key: 'second', value: 'batch', timestamp: 5 }], 45));
  });
}

const hex = (s: string): string => Buffer.from(s).toString('hex');
const fixtureRecords = (timestamps: number[]): PlainRecord[] =>
  timestamps.map((timestamp, i) => ({
    offset: i,
    timestamp,
    key: hex(`k${i}`),
    value: hex(`v${i}`),
    headers: [{ key: 'h1', value: hex('x') }],
  }));

for (const client of ['librdkafka', 'kafka-python']) {
  for (const codec of CODECS) {
    test(`a batch written by ${client} decodes to the records sent (${codec})`, () => {
      const bytes = fixture(`${client}-${codec}.bin`);
      const summary = validateProducePayload(bytes);
      assert.ok(summary.ok, 'fixture validates');
      assert.equal(summary.batchCount, 1);
      assert.equal(summary.recordCount, 100);
      assert.equal(summary.compression, CODECS.indexOf(codec));
      const records = readRecords(bytes);
      // librdkafka stamps wall-clock time at capture; kafka-python's were fixed at 1700000000000 + i.
      const timestamps = client === 'kafka-python' ? records.map((_, i) => 1_700_000_000_000 + i) : records.map((r) => r.timestamp);
      assert.deepEqual(plain(records), fixtureRecords(timestamps));
      assert.equal(summary.maxTimestamp, Math.max(...timestamps));
    });
  }
}
