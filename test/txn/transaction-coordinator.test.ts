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

/** Lets the coordinator's asynchronous continuations (state writes, markers) run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

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
    assert.equal(await c.addPartitions('t', producerId, producerEpoch, TP), ErrorCode.NONE);
    assert.equal(c.metadata('t')!.state, TxnState.Ongoing);
    assert.equal(c.verifyPartition('t', producerId, producerEpoch, 'out', 1), true);
    assert.equal(c.verifyPartition('t', producerId, producerEpoch, 'out', 2), false);
    assert.equal(await c.addPartitions('t', producerId, producerEpoch, [{ topic: 'out', partitions: [2] }]), ErrorCode.NONE);
    assert.equal(await c.endTxn('t', producerId, producerEpoch, true), ErrorCode.NONE);
    assert.deepEqual(markers.written, [{ producerId, epoch: producerEpoch, commit: true, coordinatorEpoch: 4, partitions: [{ topic: 'out', partitions: [0, 1, 2] }] }]);
    assert.equal(c.metadata('t')!.state, TxnState.CompleteCommit);
    assert.equal(await c.endTxn('t', producerId, producerEpoch, true), ErrorCode.NONE);
    assert.equal(await c.endTxn('t', producerId, producerEpoch, false), ErrorCode.INVALID_TXN_STATE);
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
    assert.equal(await c.addPartitions('nope', 1, 0, TP), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const { producerId } = await c.initProducerId('e', 60_000, null);
    await c.initProducerId('e', 60_000, null);
    assert.equal(await c.addPartitions('e', producerId + 1, 1, TP), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    assert.equal(await c.addPartitions('e', producerId, 0, TP), ErrorCode.PRODUCER_FENCED);
    assert.equal(await c.endTxn('e', producerId, 1, true), ErrorCode.INVALID_TXN_STATE);
  });

  test('a new producer of the same id aborts the old one\'s open transaction with a bumped epoch', async () => {
    const { c, markers } = setup();
    const old = await c.initProducerId('z', 60_000, null);
    await c.addPartitions('z', old.producerId, old.producerEpoch, TP);
    const next = await c.initProducerId('z', 60_000, null);
    assert.deepEqual(markers.written.map((m) => [m.commit, m.epoch]), [[false, 1]]);
    assert.deepEqual(next, { errorCode: 0, producerId: old.producerId, producerEpoch: 2 });
    assert.equal(await c.endTxn('z', old.producerId, old.producerEpoch, true), ErrorCode.PRODUCER_FENCED);
  });

  test('transaction.max.timeout: an ongoing transaction past its timeout is aborted at the next check, fencing its producer', async () => {
    const { c, clock, markers } = setup();
    c.start();
    const p = await c.initProducerId('slow', 15_000, null);
    await c.addPartitions('slow', p.producerId, p.producerEpoch, TP);
    clock.advance(10_000);
    await flush();
    assert.equal(c.metadata('slow')!.state, TxnState.Ongoing);
    clock.advance(10_000);
    await flush();
    assert.equal(c.metadata('slow')!.state, TxnState.CompleteAbort);
    assert.deepEqual(markers.written.map((m) => [m.commit, m.epoch]), [[false, 1]]);
    assert.equal(await c.endTxn('slow', p.producerId, p.producerEpoch, true), ErrorCode.PRODUCER_FENCED);
    assert.deepEqual(await c.initProducerId('slow', 15_000, null), { errorCode: 0, producerId: p.producerId, producerEpoch: 2 });
    c.stop();
  });

  test('markers that cannot be written are retried; meanwhile the id answers CONCURRENT_TRANSACTIONS', async () => {
    const { c, clock, markers } = setup();
    const p = await c.initProducerId('r', 60_000, null);
    await c.addPartitions('r', p.producerId, p.producerEpoch, TP);
    markers.failNext = 2;
    assert.equal(await c.endTxn('r', p.producerId, p.producerEpoch, false), ErrorCode.NONE);
    assert.equal(c.metadata('r')!.state, TxnState.PrepareAbort);
    assert.equal(await c.endTxn('r', p.producerId, p.producerEpoch, false), ErrorCode.CONCURRENT_TRANSACTIONS);
    assert.equal((await c.initProducerId('r', 60_000, null)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
    clock.advance(1000);
    await flush();
    assert.equal(c.metadata('r')!.state, TxnState.PrepareAbort);
    clock.advance(1000);
    await flush();
    assert.equal(c.metadata('r')!.state, TxnState.CompleteAbort);
    assert.equal(markers.written.length, 1);
  });

  test('a state that cannot be written changes nothing', async () => {
    const { c, log } = setup();
    const p = await c.initProducerId('w', 60_000, null);
    log.failing = true;
    assert.equal(await c.addPartitions('w', p.producerId, p.producerEpoch, TP), ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(c.metadata('w')!.state, TxnState.Empty);
  });

  test('transactional.id.expiration.ms: an idle completed id is removed with a tombstone', async () => {
    const { c, clock, log } = setup();
    c.start();
    await c.initProducerId('idle', 60_000, null);
    const p = await c.initProducerId('busy', 60_000, null);
    await c.addPartitions('busy', p.producerId, p.producerEpoch, [{ topic: 'out', partitions: [0] }]);
    // The open one is aborted by its timeout first, then idles past the expiration too.
    clock.advance(70_000);
    await flush();
    clock.advance(604_800_000 + 3_600_000);
    await flush();
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
    await c.addPartitions('a', a.producerId, a.producerEpoch, TP);
    const b = await c.initProducerId('b', 60_000, null);
    await c.addPartitions('b', b.producerId, b.producerEpoch, TP);
    markers.failNext = 1;
    assert.equal(await c.endTxn('b', b.producerId, b.producerEpoch, true), ErrorCode.NONE);
    assert.equal(c.metadata('b')!.state, TxnState.PrepareCommit);
    c.stop();
    const markers2 = new Markers();
    const again = new TransactionCoordinator(log, markers2, async () => 5000, settings, clock);
    again.load();
    await flush();
    assert.equal(again.metadata('a')!.state, TxnState.Ongoing);
    assert.deepEqual([...again.metadata('a')!.partitions.get('out')!], [0, 1]);
    assert.equal(again.metadata('b')!.state, TxnState.CompleteCommit);
    assert.deepEqual(markers2.written.map((m) => [m.producerId, m.commit]), [[b.producerId, true]]);
    assert.equal(await again.endTxn('b', b.producerId, b.producerEpoch, true), ErrorCode.NONE);
    assert.equal(await again.endTxn('a', a.producerId, a.producerEpoch, false), ErrorCode.NONE);
    assert.deepEqual(again.list([], [], -1).map((x) => [x.transactionalId, x.transactionState]).sort(), [['a', 'CompleteAbort'], ['b', 'CompleteCommit']]);
    assert.deepEqual(again.list(['CompleteAbort'], [], -1).map((x) => x.transactionalId), ['a']);
    assert.equal(again.describe('nope').errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    assert.equal(again.describe('a').transactionState, 'CompleteAbort');
  });
});

/** A partition's log whose writes reach their ISR when the test says so (acks=all). */
class ReplicatedLog extends MemoryLog {
  epoch = 7;
  readonly waiting: Array<(code: number) => void> = [];
  override leaderEpoch(): number {
    return this.epoch;
  }
  appendReplicated(partition: number, records: Array<{ key: Buffer; value: Buffer | null }>): Promise<number> {
    this.append(partition, records);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  /** Answers the oldest write waiting for its replicas. */
  replicate(code: number = ErrorCode.NONE): void {
    this.waiting.shift()!(code);
  }
}

describe('transaction coordinator in a cluster', () => {
  function clusterSetup() {
    const clock = new ManualClock(1_000_000);
    const log = new ReplicatedLog();
    const markers = new Markers();
    let nextId = 2000;
    const c = new TransactionCoordinator(log, markers, async () => nextId++, settings, clock);
    const owned = new Set<number>();
    c.ownsPartition = (p) => owned.has(p);
    return { clock, log, markers, c, owned };
  }

  /** Runs `op` to its end, answering every state write it makes with `code`. */
  async function replicated<T>(log: ReplicatedLog, op: Promise<T>, code: number = ErrorCode.NONE): Promise<T> {
    let done = false;
    const out = op.finally(() => void (done = true));
    while (!done) {
      await flush();
      while (log.waiting.length > 0) log.replicate(code);
    }
    return out;
  }

  test('ids of partitions led elsewhere are NOT_COORDINATOR; led but not loaded COORDINATOR_LOAD_IN_PROGRESS; unloading forgets them', async () => {
    const { c, log, owned } = clusterSetup();
    const p = c.partitionFor('moving');
    assert.equal((await c.initProducerId('moving', 60_000, null)).errorCode, ErrorCode.NOT_COORDINATOR);
    assert.equal(await c.addPartitions('moving', 1, 0, TP), ErrorCode.NOT_COORDINATOR);
    assert.equal(await c.endTxn('moving', 1, 0, true), ErrorCode.NOT_COORDINATOR);
    assert.equal(c.describe('moving').errorCode, ErrorCode.NOT_COORDINATOR);
    assert.equal(c.checkOngoing('moving', 1, 0), ErrorCode.NOT_COORDINATOR);
    assert.deepEqual(c.verifyPartitions('moving', 1, 0, TP).map((r) => r.errorCode), [ErrorCode.NOT_COORDINATOR, ErrorCode.NOT_COORDINATOR]);
    owned.add(p);
    assert.equal(c.coordinatorError('moving'), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    assert.equal((await c.initProducerId('moving', 60_000, null)).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    c.loadPartition(p);
    const pid = await replicated(log, c.initProducerId('moving', 60_000, null));
    assert.equal(pid.errorCode, ErrorCode.NONE);
    assert.equal(await replicated(log, c.addPartitions('moving', pid.producerId, pid.producerEpoch, TP)), ErrorCode.NONE);
    owned.delete(p);
    c.unloadPartition(p);
    assert.equal(c.metadata('moving'), undefined);
    assert.equal(await c.endTxn('moving', pid.producerId, pid.producerEpoch, true), ErrorCode.NOT_COORDINATOR);
  });

  test('a state write waits for the ISR: meanwhile CONCURRENT_TRANSACTIONS; a write that cannot be replicated changes nothing', async () => {
    const { c, log, owned } = clusterSetup();
    owned.add(c.partitionFor('w'));
    c.loadPartition(c.partitionFor('w'));
    const pid = await replicated(log, c.initProducerId('w', 60_000, null));
    const adding = c.addPartitions('w', pid.producerId, pid.producerEpoch, TP);
    await flush();
    assert.equal(log.waiting.length, 1);
    assert.equal(await c.addPartitions('w', pid.producerId, pid.producerEpoch, TP), ErrorCode.CONCURRENT_TRANSACTIONS);
    assert.equal((await c.initProducerId('w', 60_000, null)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
    assert.equal(c.metadata('w')!.state, TxnState.Empty);
    log.replicate(ErrorCode.NOT_ENOUGH_REPLICAS);
    assert.equal(await adding, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(c.metadata('w')!.state, TxnState.Empty);
    assert.equal(await replicated(log, c.addPartitions('w', pid.producerId, pid.producerEpoch, TP), ErrorCode.REQUEST_TIMED_OUT), ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(await replicated(log, c.addPartitions('w', pid.producerId, pid.producerEpoch, TP), ErrorCode.NOT_LEADER_OR_FOLLOWER), ErrorCode.NOT_COORDINATOR);
    assert.equal(c.metadata('w')!.state, TxnState.Empty);
    assert.equal(await replicated(log, c.addPartitions('w', pid.producerId, pid.producerEpoch, TP)), ErrorCode.NONE);
    assert.equal(c.metadata('w')!.state, TxnState.Ongoing);
  });

  test('a write acknowledged after the partition moved away is not applied', async () => {
    const { c, log, owned } = clusterSetup();
    const p = c.partitionFor('gone');
    owned.add(p);
    c.loadPartition(p);
    const pid = await replicated(log, c.initProducerId('gone', 60_000, null));
    const adding = c.addPartitions('gone', pid.producerId, pid.producerEpoch, TP);
    await flush();
    owned.delete(p);
    c.unloadPartition(p);
    log.replicate();
    assert.equal(await adding, ErrorCode.NOT_COORDINATOR);
    assert.equal(c.metadata('gone'), undefined);
  });

  test('a new leader loads the partition with its leader epoch as coordinator epoch and finishes a prepared transaction', async () => {
    const { c, log, markers, owned } = clusterSetup();
    const p = c.partitionFor('failover');
    owned.add(p);
    c.loadPartition(p);
    const pid = await replicated(log, c.initProducerId('failover', 60_000, null));
    assert.equal(await replicated(log, c.addPartitions('failover', pid.producerId, pid.producerEpoch, TP)), ErrorCode.NONE);
    markers.failNext = 1;
    assert.equal(await replicated(log, c.endTxn('failover', pid.producerId, pid.producerEpoch, true)), ErrorCode.NONE);
    assert.equal(c.metadata('failover')!.state, TxnState.PrepareCommit);
    c.stop();
    // Another broker takes over the partition with the next leader epoch.
    const next = clusterSetup();
    const takeover = next.c;
    next.log.records[p]!.push(...log.records[p]!);
    next.log.epoch = 8;
    next.owned.add(p);
    takeover.loadPartition(p);
    await flush();
    assert.equal(next.log.waiting.length, 1, 'the Complete state is written');
    next.log.replicate();
    await flush();
    assert.deepEqual(next.markers.written.map((m) => [m.producerId, m.commit, m.coordinatorEpoch]), [[pid.producerId, true, 8]]);
    assert.equal(takeover.metadata('failover')!.state, TxnState.CompleteCommit);
  });

  test('a partition loaded again while markers of its prepared transaction are out: the new round follows, and the transaction completes', async () => {
    const { c, log, owned, clock, markers } = clusterSetup();
    const p = c.partitionFor('again');
    owned.add(p);
    c.loadPartition(p);
    const pid = await replicated(log, c.initProducerId('again', 60_000, null));
    assert.equal(await replicated(log, c.addPartitions('again', pid.producerId, pid.producerEpoch, TP)), ErrorCode.NONE);
    // Markers that stay out until the test answers them.
    const answers: Array<(left: TopicPartitions[]) => void> = [];
    const slow: TxnMarkerPort = { writeMarkers: () => new Promise((resolve) => answers.push(resolve)) };
    const c2 = new TransactionCoordinator(log, slow, async () => 1, settings, clock);
    c2.ownsPartition = (x) => owned.has(x);
    // The first coordinator stores PrepareCommit, then its markers fail and it loses the partition.
    markers.failNext = 1;
    assert.equal(await replicated(log, c.endTxn('again', pid.producerId, pid.producerEpoch, true)), ErrorCode.NONE);
    c.stop();
    c.unloadPartition(p);
    c2.loadPartition(p);
    await flush();
    assert.equal(answers.length, 1);
    log.epoch = 9;
    c2.loadPartition(p);
    await flush();
    assert.equal(answers.length, 1, 'one round at a time');
    answers[0]!([]);
    await flush();
    assert.equal(c2.metadata('again')!.state, TxnState.PrepareCommit, 'the first round belonged to the state before the reload');
    clock.advance(500);
    await flush();
    assert.equal(answers.length, 2);
    answers[1]!([]);
    await flush();
    log.replicate();
    await flush();
    assert.equal(c2.metadata('again')!.state, TxnState.CompleteCommit);
  });
});
