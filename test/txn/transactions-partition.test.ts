// Transactions on one partition through its append path (origin 'client' for data, 'coordinator'
// for markers): the first unstable offset and the last stable offset, bytes readable by
// read_committed, aborted transactions in the segment's .txnindex with Kafka's last stable
// offset, KIP-890 verification of a transaction's first write, a producer inside a transaction
// writing non-transactionally, fenced markers, and the state rebuilt from snapshots and the log.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Partition, type TxnVerifier } from '../../src/broker/partition.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { buildBatch, buildControlBatch } from '../../src/record/builder.js';
import { ControlType } from '../../src/record/records.js';
import { realFs } from '../../src/storage/fs.js';
import { Log } from '../../src/storage/log.js';
import { ProducerStateManager } from '../../src/txn/producer-state-manager.js';
import { tempDir } from '../storage/helpers.js';

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

const allow: TxnVerifier = { verifyPartition: () => true };
const deny: TxnVerifier = { verifyPartition: () => false };
const STATE = { leader: 1, leaderEpoch: 0, partitionEpoch: 0, replicas: [1], isr: [1] } as never;

function open(dir: string, clean = false): Partition {
  const log = Log.open({ dir, topic: 't', partition: 0, hadCleanShutdown: clean, config: { 'segment.bytes': 1 << 20 } });
  const opts = { topicPartition: 't-0', producerIdExpirationMs: 86_400_000, snapshots: { fs: realFs, dir } };
  const state = ProducerStateManager.load(log, opts, Date.now(), clean);
  const p = new Partition('t', 'id', 0, log, 1, () => Date.now(), () => {}, state);
  p.makeLeader(STATE);
  return p;
}

function setup(): { p: Partition; dir: string } {
  const t = tempDir('samsa-txn-partition-');
  cleanups.push(t.cleanup);
  const p = open(t.dir);
  cleanups.unshift(() => p.log.close());
  return { p, dir: t.dir };
}

let seqs = new Map<number, number>();
function txnData(p: Partition, pid: number, n: number, verifier: TxnVerifier = allow, epoch = 0) {
  const seq = seqs.get(pid) ?? 0;
  const out = p.appendRecordsToLeader(buildBatch(Array.from({ length: n }, (_, i) => ({ value: `${pid}-${seq + i}` })), { producerId: pid, producerEpoch: epoch, baseSequence: seq, transactional: true }), 'client', { transactionalId: `tx-${pid}`, verifier });
  if (out.ok) seqs.set(pid, seq + n);
  return out;
}
const marker = (p: Partition, pid: number, commit: boolean, epoch = 0, coordinatorEpoch = 0) =>
  p.appendRecordsToLeader(buildControlBatch({ type: commit ? ControlType.COMMIT : ControlType.ABORT, producerId: pid, producerEpoch: epoch, coordinatorEpoch }), 'coordinator');
const plain = (p: Partition, v: string) => p.appendRecordsToLeader(buildBatch([{ value: v }]), 'client');

describe('transactions on a partition', () => {
  afterEach(() => (seqs = new Map()));

  test('the last stable offset stops at the oldest open transaction and moves with its marker', () => {
    const { p } = setup();
    assert.ok(plain(p, 'a').ok);
    assert.equal(p.lastStableOffset, 1);
    assert.ok(txnData(p, 10, 3).ok); // 1..3
    assert.ok(plain(p, 'b').ok); // 4
    assert.ok(txnData(p, 11, 2).ok); // 5..6
    assert.equal(p.highWatermark, 7);
    assert.equal(p.lastStableOffset, 1);
    const stableBefore = p.stableBytes;
    assert.ok(marker(p, 11, true).ok); // 7: the later transaction ends first
    assert.equal(p.lastStableOffset, 1);
    assert.equal(p.stableBytes, stableBefore);
    assert.ok(marker(p, 10, false).ok); // 8
    assert.equal(p.lastStableOffset, 9);
    assert.ok(p.stableBytes > stableBefore);
    assert.equal(p.producerState.entry(10)!.currentTxnFirstOffset, -1);
    // The abort of 10: first offset 1, marker 8, nothing open after it.
    assert.deepEqual(p.log.collectAbortedTxns(0, 9), [{ producerId: 10, firstOffset: 1, lastOffset: 8, lastStableOffset: 9 }]);
    assert.deepEqual(p.log.collectAbortedTxns(9, 20), []);
  });

  test("an abort's last stable offset is the next open transaction of another producer", () => {
    const { p } = setup();
    assert.ok(txnData(p, 1, 1).ok); // 0
    assert.ok(txnData(p, 2, 1).ok); // 1
    assert.ok(marker(p, 1, false).ok); // 2
    assert.deepEqual(p.log.collectAbortedTxns(0, 3), [{ producerId: 1, firstOffset: 0, lastOffset: 2, lastStableOffset: 1 }]);
    assert.equal(p.lastStableOffset, 1);
  });

  test('KIP-890: the first transactional write needs the coordinator, later ones of the same transaction do not', () => {
    const { p } = setup();
    const refused = txnData(p, 5, 1, deny);
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.errorCode, ErrorCode.INVALID_TXN_STATE);
    assert.equal(p.logEndOffset, 0);
    assert.ok(txnData(p, 5, 1, allow).ok);
    assert.ok(txnData(p, 5, 1, deny).ok);
    assert.ok(marker(p, 5, true).ok);
    // After the marker the transaction is over: a late write must be verified again.
    assert.equal(txnData(p, 5, 1, deny).ok, false);
  });

  test('a producer inside a transaction may not write outside it; a marker of an older epoch or coordinator is refused', () => {
    const { p } = setup();
    assert.ok(txnData(p, 6, 1).ok);
    const idem = p.appendRecordsToLeader(buildBatch([{ value: 'x' }], { producerId: 6, producerEpoch: 0, baseSequence: 1 }), 'client');
    assert.equal(!idem.ok && idem.errorCode, ErrorCode.INVALID_TXN_STATE);
    assert.ok(marker(p, 6, false, 1, 3).ok);
    const old = marker(p, 6, true, 0, 3);
    assert.equal(!old.ok && old.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    const zombie = marker(p, 6, true, 1, 2);
    assert.equal(!zombie.ok && zombie.errorCode, ErrorCode.TRANSACTION_COORDINATOR_FENCED);
    // The bumped epoch fenced the producer's old epoch.
    const fenced = txnData(p, 6, 1, allow, 0);
    assert.equal(!fenced.ok && fenced.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  test('reload after a crash: open transactions and aborted entries come back from the log', () => {
    const { p, dir } = setup();
    assert.ok(txnData(p, 1, 2).ok); // 0..1
    assert.ok(marker(p, 1, false).ok); // 2
    p.log.roll();
    assert.ok(txnData(p, 2, 2).ok); // 3..4, in the new segment (a snapshot at 3 holds producer 1)
    assert.ok(txnData(p, 3, 1).ok); // 5
    assert.ok(marker(p, 3, false).ok); // 6
    p.log.close({ flush: false });
    cleanups.shift();
    const q = open(dir);
    cleanups.unshift(() => q.log.close());
    assert.equal(q.producerState.entry(2)!.currentTxnFirstOffset, 3);
    assert.equal(q.lastStableOffset, 0 + 3);
    assert.deepEqual(q.log.collectAbortedTxns(0, 7), [
      { producerId: 1, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 },
      { producerId: 3, firstOffset: 5, lastOffset: 6, lastStableOffset: 3 },
    ]);
    assert.ok(marker(q, 2, true).ok);
    assert.equal(q.lastStableOffset, 8);
  });

  test('a clean restart takes open transactions from the shutdown snapshot (Kafka\'s currentTxnFirstOffset)', () => {
    const { p, dir } = setup();
    assert.ok(plain(p, 'a').ok); // 0
    assert.ok(txnData(p, 8, 2).ok); // 1..2
    assert.ok(txnData(p, 9, 1).ok); // 3
    p.producerState.snapshotAtShutdown(p.logEndOffset);
    p.log.close();
    cleanups.shift();
    const q = open(dir, true);
    cleanups.unshift(() => q.log.close());
    assert.equal(q.lastStableOffset, 1);
    assert.equal(q.producerState.ongoingTxnCount, 2);
    assert.ok(marker(q, 8, false).ok); // 4
    assert.equal(q.lastStableOffset, 3);
    assert.deepEqual(q.log.collectAbortedTxns(0, 5), [{ producerId: 8, firstOffset: 1, lastOffset: 4, lastStableOffset: 3 }]);
    assert.ok(marker(q, 9, true).ok);
    assert.equal(q.lastStableOffset, 6);
  });
});
