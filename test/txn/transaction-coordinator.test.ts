// The transaction coordinator's state machine on simulated time (ManualClock), over an in-memory
// __transaction_state and a marker port that records what it is asked to write: InitProducerId
// epochs and fencing, AddPartitions, EndTxn and its retries, markers retried until written,
// timeouts aborting with a bumped epoch, transactional id expiration, and reload finishing
// prepared transactions from the records written in Kafka's format.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoordinatorLog, StoredRecord } from '../../src/group/coordinator-log.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { TransactionCoordinator, TxnState, type TopicPartitions, type TxnMarkerPort } from '../../src/txn/transaction-coordinator.js';
import { decodeTransactionLogKey, decodeTransactionLogValue } from '../../src/txn/transaction-log.js';
import { ManualClock } from '../../src/util/clock.js';

class MemoryLog implements CoordinatorLog {
  readonly partitionCount = 3;
  readonly records: Array<Array<{ key: Buffer; value: Buffer | null }>> = [[], [], []];
  failing = false;
  append(partition: number, records: Array<{ key: Buffer; value: Buffer | null }>): void {
    if (this.failing) throw new Error('disk full');
    this.records[partition]!.push(...records);
  }
  readAll(partition: number): Iterable<StoredRecord> {
    return this.records[partition]!;
  }
  leaderEpoch(): number {
    return 4;
  }
}

class Markers implements TxnMarkerPort {
  readonly written: Array<{ producerId: number; epoch: number; commit: boolean; coordinatorEpoch: number; partitions: TopicPartitions[] }> = [];
  failNext = 0;
  writeMarkers(producerId: number, epoch: number, commit: boolean, coordinatorEpoch: number, partitions: readonly TopicPartitions[]): TopicPartitions[] {
    if (this.failNext > 0) {
      this.failNext--;
      return [...partitions];
    }
    this.written.push({ producerId, epoch, commit, coordinatorEpoch, partitions: partitions.map((p) => ({ ...p })) });
    return [];
  }
}

const settings = { maxTimeoutMs: 900_000, idExpirationMs: 604_800_000, abortTimedOutIntervalMs: 10_000, removeExpiredIntervalMs: 3_600_000 };

function setup() {
  const clock = new ManualClock(1_000_000);
  const log = new MemoryLog();
  const markers = new Markers();
  let nextId = 1000;
  const c = new TransactionCoordinator(log, markers, async () => nextId++, settings, clock);
  return { clock, log, markers, c };
}

const TP = [{ topic: 'out', partitions: [0, 1] }];

describe('transaction coordinator', () => {
  test('InitProducerId: a new id gets epoch 0, each init bumps it; a timeout above the maximum is refused', async () => {
    const { c } = setup();
    assert.deepEqual(await c.initProducerId('a', 60_000, null), { errorCode: 0, producerId: 1000, producerEpoch: 0 });
    assert.deepEqual(await c.initProducerId('a', 60_000, null), { errorCode: 0, producerId: 1000, producerEpoch: 1 });
    assert.equal((await c.initProducerId('a', 900_001, null)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    assert.equal((await c.initProducerId('', 60_000, null)).errorCode, ErrorCode.INVALID_REQUEST);
    // KIP-360: a bump names the current id and epoch; a retry of it gets the same answer; others are fenced.
    assert.deepEqual(await c.initProducerId('a', 60_000, { producerId: 1000, producerEpoch: 1 }), { errorCode: 0, producerId: 1000, producerEpoch: 2 });
    assert.deepEqual(await c.initProducerId('a', 60_000, { producerId: 1000, producerEpoch: 1 }), { errorCode: 0, producerId: 1000, producerEpoch: 2 });
    assert.equal((await c.initProducerId('a', 60_000, { producerId: 1000, producerEpoch: 0 })).errorCode, ErrorCode.PRODUCER_FENCED);
  });

  test('a transaction: AddPartitions starts it, EndTxn writes Prepare, the markers and Complete; retries are answered', async () => {
    const { c, log, markers } = setup();
    const { producerId, producerEpoch } = await c.initProducerId('t', 60_000, null);
    assert.equal(c.addPartitions('t', producerId, producerEpoch, TP), ErrorCode.NONE);
    assert.equal(c.metadata('t')!.state, TxnState.Ongoing);
    assert.equal(c.verifyPartition('t', producerId, producerEpoch, 'out', 1), true);
    assert.equal(c.verifyPartition('t', producerId, producerEpoch, 'out', 2), false);
    assert.equal(c.addPartitions('t', producerId, producerEpoch, [{ topic: 'out', partitions: [2] }]), ErrorCode.NONE);
    assert.equal(c.endTxn('t', producerId, producerEpoch, true), ErrorCode.NONE);
    assert.deepEqual(markers.written, [{ producerId, epoch: producerEpoch, commit: true, coordinatorEpoch: 4, partitions: [{ topic: 'out', partitions: [0, 1, 2] }] }]);
    assert.equal(c.metadata('t')!.state, TxnState.CompleteCommit);
    assert.equal(c.endTxn('t', producerId, producerEpoch, true), ErrorCode.NONE);
    assert.equal(c.endTxn('t', producerId, producerEpoch, false), ErrorCode.INVALID_TXN_STATE);
    assert.equal(c.verifyPartition('t', producerId, producerEpoch, 'out', 1), false);
    // Records written: Empty (init), Ongoing, Ongoing, PrepareCommit, CompleteCommit, in Kafka's format.
    const states = log.records[c.partitionFor('t')]!.map((r) => decodeTransactionLogValue(r.value!).transactionStatus);
    assert.deepEqual(states, [TxnState.Empty, TxnState.Ongoing, TxnState.Ongoing, TxnState.PrepareCommit, TxnState.CompleteCommit]);
    assert.equal(decodeTransactionLogKey(log.records[c.partitionFor('t')]![0]!.key), 't');
    const ongoing = decodeTransactionLogValue(log.records[c.partitionFor('t')]![2]!.value!);
    assert.deepEqual(ongoing.transactionPartitions, [{ topic: 'out', partitionIds: [0, 1, 2] }]);
    assert.equal(decodeTransactionLogValue(log.records[c.partitionFor('t')]![0]!.value!).transactionPartitions, null);
  });

  test('errors: unknown id or producer id, an old epoch, EndTxn with nothing ongoing', async () => {
    const { c } = setup();
    assert.equal(c.addPartitions('nope', 1, 0, TP), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const { producerId } = await c.initProducerId('e', 60_000, null);
    await c.initProducerId('e', 60_000, null);
    assert.equal(c.addPartitions('e', producerId + 1, 1, TP), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    assert.equal(c.addPartitions('e', producerId, 0, TP), ErrorCode.PRODUCER_FENCED);
    assert.equal(c.endTxn('e', producerId, 1, true), ErrorCode.INVALID_TXN_STATE);
  });

  test('a new producer of the same id aborts the old one\'s open transaction with a bumped epoch', async () => {
    const { c, markers } = setup();
    const old = await c.initProducerId('z', 60_000, null);
    c.addPartitions('z', old.producerId, old.producerEpoch, TP);
    const next = await c.initProducerId('z', 60_000, null);
    assert.deepEqual(markers.written.map((m) => [m.commit, m.epoch]), [[false, 1]]);
    assert.deepEqual(next, { errorCode: 0, producerId: old.producerId, producerEpoch: 2 });
    assert.equal(c.endTxn('z', old.producerId, old.producerEpoch, true), ErrorCode.PRODUCER_FENCED);
  });

  test('transaction.max.timeout: an ongoing transaction past its timeout is aborted at the next check, fencing its producer', async () => {
    const { c, clock, markers } = setup();
    c.start();
    const p = await c.initProducerId('slow', 15_000, null);
    c.addPartitions('slow', p.producerId, p.producerEpoch, TP);
    clock.advance(10_000);
    assert.equal(c.metadata('slow')!.state, TxnState.Ongoing);
    clock.advance(10_000);
    assert.equal(c.metadata('slow')!.state, TxnState.CompleteAbort);
    assert.deepEqual(markers.written.map((m) => [m.commit, m.epoch]), [[false, 1]]);
    assert.equal(c.endTxn('slow', p.producerId, p.producerEpoch, true), ErrorCode.PRODUCER_FENCED);
    assert.deepEqual(await c.initProducerId('slow', 15_000, null), { errorCode: 0, producerId: p.producerId, producerEpoch: 2 });
    c.stop();
  });

  test('markers that cannot be written are retried; meanwhile the id answers CONCURRENT_TRANSACTIONS', async () => {
    const { c, clock, markers } = setup();
    const p = await c.initProducerId('r', 60_000, null);
    c.addPartitions('r', p.producerId, p.producerEpoch, TP);
    markers.failNext = 2;
    assert.equal(c.endTxn('r', p.producerId, p.producerEpoch, false), ErrorCode.NONE);
    assert.equal(c.metadata('r')!.state, TxnState.PrepareAbort);
    assert.equal(c.endTxn('r', p.producerId, p.producerEpoch, false), ErrorCode.CONCURRENT_TRANSACTIONS);
    assert.equal((await c.initProducerId('r', 60_000, null)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
    clock.advance(1000);
    assert.equal(c.metadata('r')!.state, TxnState.PrepareAbort);
    clock.advance(1000);
    assert.equal(c.metadata('r')!.state, TxnState.CompleteAbort);
    assert.equal(markers.written.length, 1);
  });

  test('a state that cannot be written changes nothing', async () => {
    const { c, log } = setup();
    const p = await c.initProducerId('w', 60_000, null);
    log.failing = true;
    assert.equal(c.addPartitions('w', p.producerId, p.producerEpoch, TP), ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(c.metadata('w')!.state, TxnState.Empty);
  });

  test('transactional.id.expiration.ms: an idle completed id is removed with a tombstone', async () => {
    const { c, clock, log } = setup();
    c.start();
    await c.initProducerId('idle', 60_000, null);
    const p = await c.initProducerId('busy', 60_000, null);
    c.addPartitions('busy', p.producerId, p.producerEpoch, [{ topic: 'out', partitions: [0] }]);
    clock.advance(604_800_000 + 3_600_000);
    assert.equal(c.metadata('idle'), undefined);
    // The open one was aborted by its timeout long ago, then idled past the expiration too.
    assert.equal(c.metadata('busy'), undefined);
    const last = log.records[c.partitionFor('idle')]!.at(-1)!;
    assert.equal(last.value, null);
    c.stop();
  });

  test('reload: the last record of each id wins, tombstones remove, prepared transactions are completed', async () => {
    const { c, log, markers, clock } = setup();
    const a = await c.initProducerId('a', 60_000, null);
    c.addPartitions('a', a.producerId, a.producerEpoch, TP);
    const b = await c.initProducerId('b', 60_000, null);
    c.addPartitions('b', b.producerId, b.producerEpoch, TP);
    markers.failNext = 1;
    assert.equal(c.endTxn('b', b.producerId, b.producerEpoch, true), ErrorCode.NONE);
    assert.equal(c.metadata('b')!.state, TxnState.PrepareCommit);
    c.stop();
    const markers2 = new Markers();
    const again = new TransactionCoordinator(log, markers2, async () => 5000, settings, clock);
    again.load();
    assert.equal(again.metadata('a')!.state, TxnState.Ongoing);
    assert.deepEqual([...again.metadata('a')!.partitions.get('out')!], [0, 1]);
    assert.equal(again.metadata('b')!.state, TxnState.CompleteCommit);
    assert.deepEqual(markers2.written.map((m) => [m.producerId, m.commit]), [[b.producerId, true]]);
    assert.equal(again.endTxn('b', b.producerId, b.producerEpoch, true), ErrorCode.NONE);
    assert.equal(again.endTxn('a', a.producerId, a.producerEpoch, false), ErrorCode.NONE);
    assert.deepEqual(again.list([], [], -1).map((x) => [x.transactionalId, x.transactionState]).sort(), [['a', 'CompleteAbort'], ['b', 'CompleteCommit']]);
    assert.deepEqual(again.list(['CompleteAbort'], [], -1).map((x) => x.transactionalId), ['a']);
    assert.equal(again.describe('nope').errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    assert.equal(again.describe('a').transactionState, 'CompleteAbort');
  });
});
