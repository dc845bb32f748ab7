import type { RecordInput } from '../../src/record/builder.js';
import type { BatchRecord } from '../../src/record/records.js';

/** The repository root, found from dist/test/record/ where the compiled tests run. */
export const repoRoot = new URL('../../../', import.meta.url);

export interface PlainRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
}

const hex = (b: Buffer | null): string | null => (b === null ? null : b.toString('hex'));

/** Records as comparable plain data (byte fields as hex). */
export function plain(records: readonly BatchRecord[]): PlainRecord[] {
  return records.map((r) => ({
    offset: r.offset,
    timestamp: r.timestamp,
    key: hex(r.key),
    value: hex(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: hex(h.value) })),
  }));
}

const hexIn = (v: Buffer | string | null | undefined): string | null =>
  v === null || v === undefined ? null : (typeof v === 'string' ? Buffer.from(v) : v).toString('hex');

/** What iterating a batch built from `inputs` at baseOffset must give back. */
export function expected(inputs: readonly RecordInput[], baseOffset: number): PlainRecord[] {
  return inputs.map((r, i) => ({
    offset: baseOffset + i,
    timestamp: r.timestamp ?? NaN,
    key: hexIn(r.key),
    value: hexIn(r.value),
    headers: (r.headers ?? []).map((h) => ({ key: h.key, value: hexIn(h.value) })),
  }));
}

export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** A record set exercising null/empty keys and values, unicode and several headers. */
export function sampleRecords(): RecordInput[] {
  return [
    { key: 'k0', value: 'v0', headers: [{ key: 'h1', value: 'x' }], timestamp: 1_700_000_000_000 },
    { key: null, value: 'no key', timestamp: 1_700_000_000_500 },
    { key: 'tombstone', value: null, timestamp: 1_699_999_999_000 },
    { key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: 1_700_000_000_001 },
    {
      key: 'ключ',
      value: Buffer.alloc(70_000, 7),
      headers: [
        { key: 'a', value: null },
        { key: 'ü', value: Buffer.from([0, 1, 2]) },
        { key: '', value: '' },
      ],
      timestamp: 1_700_000_123_456,
    },
  ];
}
