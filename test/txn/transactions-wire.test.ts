// Transactions over the raw protocol against a broker process: FindCoordinator for a
// transactional id, InitProducerId, AddPartitionsToTxn (v3 and the batched v4 with verify_only),
// a produce into a partition not in the transaction (KIP-890: INVALID_TXN_STATE), Fetch with
// read_committed stopping at the last stable offset and listing the aborted transaction, a
// read_committed long poll woken by the commit marker, ListOffsets by isolation level,
// DescribeProducers' currentTxnStartOffset, DescribeTransactions and ListTransactions, and
// TxnOffsetCommit offsets that count only once committed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddOffsetsToTxn, AddPartitionsToTxn, DescribeProducers, DescribeTransactions, EndTxn, Fetch, FindCoordinator, InitProducerId, ListOffsets,
  ListTransactions, OffsetFetch, Produce, TxnOffsetCommit,
} from '../../src/protocol/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { buildBatch } from '../../src/record/builder.js';
import { BrokerProcess } from '../helpers/broker-process.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';

const NO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

describe('transactions over the wire', () => {
  let broker: BrokerProcess;
  let c: WireClient;
  before(async () => {
    broker = await BrokerProcess.start({ settings: { 'auto.create.topics.enable': 'false' } });
    c = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(c, 'tw', 2), 0);
  });
  after(() => {
    c?.close();
    broker?.cleanup();
  });

  const produce = async (txnId: string | null, pid: number, epoch: number, seq: number, partition: number, values: string[]) => {
    const r = await c.request(Produce, 9, {
      transactionalId: txnId, acks: -1, timeoutMs: 10_000,
      topicData: [{ name: 'tw', partitionData: [{ index: partition, records: buildBatch(values.map((value) => ({ value })), { producerId: pid, producerEpoch: epoch, baseSequence: seq, transactional: true }) }] }],
    });
    return r.responses[0]!.partitionResponses[0]!;
  };
  const fetch = async (offset: number, isolationLevel: number, maxWaitMs = 0) => {
    const r = await c.request(Fetch, 11, {
      clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs, minBytes: 1, maxBytes: 1 << 20, isolationLevel,
      sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'tw', topicId: NO_ID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: NO_ID }] }],
      forgottenTopicsData: [], rackId: '',
    }, maxWaitMs + 10_000);
    return r.responses[0]!.partitions[0]!;
  };
  const size = (records: unknown) => (Buffer.isBuffer(records) ? records.length : (records as { size: number }).size);
  const latest = async (isolationLevel: number) => {
    const r = await c.request(ListOffsets, 7, { replicaId: -1, isolationLevel, timeoutMs: 10_000, topics: [{ name: 'tw', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }] }] });
    return r.topics[0]!.partitions[0]!.offset;
  };

  test('a transaction from FindCoordinator to EndTxn, seen through read_committed', { timeout: 60_000 }, async () => {
    const fc = await c.request(FindCoordinator, 4, { key: '', keyType: 1, coordinatorKeys: ['w-1', ''] });
    assert.deepEqual(fc.coordinators.map((x) => x.errorCode), [ErrorCode.NONE, ErrorCode.INVALID_REQUEST]);
    const init = await c.request(InitProducerId, 4, { transactionalId: 'w-1', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    assert.equal(init.errorCode, ErrorCode.NONE);
    const { producerId: pid, producerEpoch: epoch } = init;

    // Not added to the transaction yet: the first transactional write is refused.
    assert.equal((await produce('w-1', pid, epoch, 0, 0, ['early'])).errorCode, ErrorCode.INVALID_TXN_STATE);
    const add = await c.request(AddPartitionsToTxn, 3, { transactions: [], v3AndBelowTransactionalId: 'w-1', v3AndBelowProducerId: pid, v3AndBelowProducerEpoch: epoch, v3AndBelowTopics: [{ name: 'tw', partitions: [0] }] });
    assert.equal(add.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode, ErrorCode.NONE);
    const verify = await c.request(AddPartitionsToTxn, 4, { transactions: [{ transactionalId: 'w-1', producerId: pid, producerEpoch: epoch, verifyOnly: true, topics: [{ name: 'tw', partitions: [0, 1] }] }], v3AndBelowTransactionalId: '', v3AndBelowProducerId: 0, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [] });
    assert.deepEqual(verify.resultsByTransaction[0]!.topicResults[0]!.resultsByPartition.map((p) => p.partitionErrorCode), [ErrorCode.NONE, ErrorCode.INVALID_TXN_STATE]);
    const unknown = await c.request(AddPartitionsToTxn, 3, { transactions: [], v3AndBelowTransactionalId: 'w-1', v3AndBelowProducerId: pid, v3AndBelowProducerEpoch: epoch, v3AndBelowTopics: [{ name: 'tw', partitions: [1] }, { name: 'nope', partitions: [0] }] });
    assert.deepEqual(unknown.resultsByTopicV3AndBelow.map((t) => t.resultsByPartition[0]!.partitionErrorCode), [ErrorCode.OPERATION_NOT_ATTEMPTED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);

    assert.equal((await produce('w-1', pid, epoch, 0, 0, ['a', 'b'])).errorCode, ErrorCode.NONE);
    // Open transaction: read_uncommitted sees it, read_committed stops before it.
    assert.equal((await fetch(0, 1)).lastStableOffset, 0);
    assert.equal(size((await fetch(0, 1)).records), 0);
    assert.ok(size((await fetch(0, 0)).records) > 0);
    assert.deepEqual([await latest(0), await latest(1)], [2, 0]);
    const producers = await c.request(DescribeProducers, 0, { topics: [{ name: 'tw', partitionIndexes: [0] }] });
    assert.equal(producers.topics[0]!.partitions[0]!.activeProducers[0]!.currentTxnStartOffset, 0);
    const described = await c.request(DescribeTransactions, 0, { transactionalIds: ['w-1', 'none'] });
    assert.deepEqual(described.transactionStates.map((s) => [s.errorCode, s.transactionState]), [[0, 'Ongoing'], [ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, '']]);
    assert.deepEqual(described.transactionStates[0]!.topics, [{ topic: 'tw', partitions: [0] }]);
    const listed = await c.request(ListTransactions, 1, { stateFilters: ['Ongoing', 'Bogus'], producerIdFilters: [], durationFilter: -1 });
    assert.deepEqual(listed.transactionStates.map((s) => s.transactionalId), ['w-1']);
    assert.deepEqual(listed.unknownStateFilters, ['Bogus']);

    // A read_committed long poll wakes when the commit marker moves the last stable offset.
    const waiting = fetch(0, 1, 5000);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const end = await c.request(EndTxn, 3, { transactionalId: 'w-1', producerId: pid, producerEpoch: epoch, committed: true });
    assert.equal(end.errorCode, ErrorCode.NONE);
    const woken = await waiting;
    assert.ok(Date.now() - started < 3000, 'the long poll answered at the marker, not at max.wait.ms');
    assert.equal(woken.lastStableOffset, 3);
    assert.ok(size(woken.records) > 0);
    assert.deepEqual(woken.abortedTransactions, []);

    // An aborted transaction: listed in the fetch response's aborted transactions.
    assert.equal((await c.request(AddPartitionsToTxn, 3, { transactions: [], v3AndBelowTransactionalId: 'w-1', v3AndBelowProducerId: pid, v3AndBelowProducerEpoch: epoch, v3AndBelowTopics: [{ name: 'tw', partitions: [0] }] })).resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode, 0);
    assert.equal((await produce('w-1', pid, epoch, 2, 0, ['x'])).errorCode, ErrorCode.NONE);
    assert.equal((await c.request(EndTxn, 3, { transactionalId: 'w-1', producerId: pid, producerEpoch: epoch, committed: false })).errorCode, ErrorCode.NONE);
    const after = await fetch(3, 1);
    assert.equal(after.lastStableOffset, 5);
    assert.deepEqual(after.abortedTransactions, [{ producerId: pid, firstOffset: 3 }]);
    assert.equal((await fetch(3, 0)).abortedTransactions, null);
  });

  test('TxnOffsetCommit: pending until the commit marker, UNSTABLE_OFFSET_COMMIT for require_stable meanwhile', { timeout: 60_000 }, async () => {
    const init = await c.request(InitProducerId, 4, { transactionalId: 'w-2', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    const { producerId: pid, producerEpoch: epoch } = init;
    const commitOffsets = () => c.request(TxnOffsetCommit, 3, { transactionalId: 'w-2', groupId: 'g-2', producerId: pid, producerEpoch: epoch, generationId: -1, memberId: '', groupInstanceId: null, topics: [{ name: 'tw', partitions: [{ partitionIndex: 1, committedOffset: 42, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    // Before AddOffsetsToTxn: the group's partition is not in the transaction.
    assert.equal((await commitOffsets()).topics[0]!.partitions[0]!.errorCode, ErrorCode.INVALID_TXN_STATE);
    assert.equal((await c.request(AddOffsetsToTxn, 3, { transactionalId: 'w-2', producerId: pid, producerEpoch: epoch, groupId: 'g-2' })).errorCode, ErrorCode.NONE);
    assert.equal((await commitOffsets()).topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
    const fetchOffsets = (requireStable: boolean) => c.request(OffsetFetch, 7, { groupId: 'g-2', topics: [{ name: 'tw', partitionIndexes: [1] }], groups: [], requireStable });
    assert.equal((await fetchOffsets(true)).topics[0]!.partitions[0]!.errorCode, ErrorCode.UNSTABLE_OFFSET_COMMIT);
    assert.equal((await fetchOffsets(false)).topics[0]!.partitions[0]!.committedOffset, -1);
    assert.equal((await c.request(EndTxn, 3, { transactionalId: 'w-2', producerId: pid, producerEpoch: epoch, committed: true })).errorCode, ErrorCode.NONE);
    const stable = (await fetchOffsets(true)).topics[0]!.partitions[0]!;
    assert.deepEqual([stable.errorCode, stable.committedOffset], [ErrorCode.NONE, 42]);
    // Survives a SIGKILL: the committed transactional offset is rebuilt from __consumer_offsets.
    c.close();
    await broker.kill('SIGKILL');
    await broker.restart();
    c = await WireClient.connect(broker.bootstrap);
    assert.equal((await fetchOffsets(true)).topics[0]!.partitions[0]!.committedOffset, 42);
  });
});
