// The aborted-transaction index of a segment on its own: Kafka's 34-byte entries, appends in
// marker order, truncation, a torn last entry dropped on open, collect() bounds and its early stop.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { realFs } from '../../src/storage/fs.js';
import { ABORTED_TXN_ENTRY_BYTES, TxnIndex, encodeAbortedTxn, type AbortedTxn } from '../../src/storage/txn-index.js';
import { tempDir } from './helpers.js';

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

function fresh(): string {
  const t = tempDir('samsa-txnindex-');
  cleanups.push(t.cleanup);
  return join(t.dir, '00000000000000000000.txnindex');
}

const e = (producerId: number, firstOffset: number, lastOffset: number, lastStableOffset: number): AbortedTxn => ({ producerId, firstOffset, lastOffset, lastStableOffset });

describe('txnindex', () => {
  test("entries are Kafka's: version 0, producer id, first, last and last stable offset", () => {
    const p = fresh();
    const idx = new TxnIndex(realFs, p);
    idx.append(e(7, 10, 20, 21));
    const bytes = readFileSync(p);
    assert.equal(bytes.length, ABORTED_TXN_ENTRY_BYTES);
    assert.equal(bytes.readInt16BE(0), 0);
    assert.equal(bytes.readBigInt64BE(2), 7n);
    assert.equal(bytes.readBigInt64BE(10), 10n);
    assert.equal(bytes.readBigInt64BE(18), 20n);
    assert.equal(bytes.readBigInt64BE(26), 21n);
    assert.deepEqual(encodeAbortedTxn(e(7, 10, 20, 21)), bytes);
  });

  test('no file until the first entry; entries read back; an entry not after the last is refused', () => {
    const p = fresh();
    const idx = new TxnIndex(realFs, p);
    assert.equal(realFs.exists(p), false);
    idx.append(e(1, 0, 5, 6));
    idx.append(e(2, 3, 9, 10));
    assert.throws(() => idx.append(e(3, 4, 9, 10)));
    assert.deepEqual(new TxnIndex(realFs, p).all(), [e(1, 0, 5, 6), e(2, 3, 9, 10)]);
  });

  test('truncateTo drops entries whose marker is at or after the offset, in the file too', () => {
    const p = fresh();
    const idx = new TxnIndex(realFs, p);
    idx.append(e(1, 0, 5, 6));
    idx.append(e(2, 3, 9, 10));
    idx.truncateTo(9);
    assert.deepEqual(idx.all(), [e(1, 0, 5, 6)]);
    assert.equal(readFileSync(p).length, ABORTED_TXN_ENTRY_BYTES);
    idx.append(e(3, 7, 8, 9));
    assert.deepEqual(new TxnIndex(realFs, p).all(), [e(1, 0, 5, 6), e(3, 7, 8, 9)]);
  });

  test('a torn last entry is dropped on open and the file cut back', () => {
    const p = fresh();
    const idx = new TxnIndex(realFs, p);
    idx.append(e(1, 0, 5, 6));
    appendFileSync(p, encodeAbortedTxn(e(2, 6, 9, 10)).subarray(0, 20));
    const again = new TxnIndex(realFs, p);
    assert.deepEqual(again.all(), [e(1, 0, 5, 6)]);
    assert.equal(readFileSync(p).length, ABORTED_TXN_ENTRY_BYTES);
    writeFileSync(p, Buffer.alloc(0));
    assert.equal(new TxnIndex(realFs, p).size, 0);
  });

  test('collect returns the transactions overlapping [fetchOffset, upperBound) and stops once a last stable offset passes the bound', () => {
    const p = fresh();
    const idx = new TxnIndex(realFs, p);
    idx.append(e(1, 0, 5, 3)); // another transaction from 3 was still open
    idx.append(e(2, 3, 9, 10));
    idx.append(e(3, 12, 15, 16));
    const out: AbortedTxn[] = [];
    assert.equal(idx.collect(6, 12, out), true);
    assert.deepEqual(out.map((x) => x.producerId), [2]);
    const all: AbortedTxn[] = [];
    assert.equal(idx.collect(0, 100, all), false);
    assert.deepEqual(all.map((x) => x.producerId), [1, 2, 3]);
    const none: AbortedTxn[] = [];
    idx.collect(16, 20, none);
    assert.deepEqual(none, []);
  });
});
