// samsa txn list|describe|abort: a transaction left open on a partition is listed and described
// (table and JSON), then aborted with a marker, after which the partition has no open
// transaction; an unknown transactional id fails with exit status 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { AddPartitionsToTxn, InitProducerId, Produce } from '../../src/protocol/index.js';
import { buildBatch } from '../../src/record/builder.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';
import { rows, samsa } from './helpers.js';

let b: StartedBroker;

test.before(async () => {
  b = await startBroker({});
});
test.after(async () => {
  await b?.stop();
});

test('txn list, describe and abort of a transaction left open', async () => {
  const c = await WireClient.connect(b.bootstrap);
  let pid: number;
  try {
    assert.equal(await createTopic(c, 'ledger', 1), 0);
    const init = await c.request(InitProducerId, 4, { transactionalId: 'ledger-tx', transactionTimeoutMs: 600_000, producerId: -1, producerEpoch: -1 });
    assert.equal(init.errorCode, 0);
    pid = init.producerId;
    const add = await c.request(AddPartitionsToTxn, 3, { transactions: [], v3AndBelowTransactionalId: 'ledger-tx', v3AndBelowProducerId: pid, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: 'ledger', partitions: [0] }] });
    assert.equal(add.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode, 0);
    const p = await c.request(Produce, 9, { transactionalId: 'ledger-tx', acks: -1, timeoutMs: 10_000, topicData: [{ name: 'ledger', partitionData: [{ index: 0, records: buildBatch([{ value: 'x' }], { producerId: pid, producerEpoch: 0, baseSequence: 0, transactional: true }) }] }] });
    assert.equal(p.responses[0]!.partitionResponses[0]!.errorCode, 0);
  } finally {
    c.close();
  }
  let r = await samsa(b.bootstrap, ['txn', 'list']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(rows(r.stdout), [['TRANSACTIONAL-ID', 'COORDINATOR', 'PRODUCER-ID', 'STATE'], ['ledger-tx', '0', String(pid), 'Ongoing']]);
  r = await samsa(b.bootstrap, ['txn', 'list', '-s', 'CompleteCommit', '--format', 'json']);
  assert.deepEqual(JSON.parse(r.stdout), []);
  r = await samsa(b.bootstrap, ['txn', 'describe', 'ledger-tx', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout) as { transactionState: string; producerId: number; producerEpoch: number; transactionTimeoutMs: number; topics: unknown };
  assert.deepEqual([d.transactionState, d.producerId, d.producerEpoch, d.transactionTimeoutMs, d.topics], ['Ongoing', pid, 0, 600_000, [{ topic: 'ledger', partitions: [0] }]]);
  r = await samsa(b.bootstrap, ['txn', 'abort', '-t', 'ledger', '-p', '0', '--producer-id', String(pid)]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /aborted the transaction of producer \d+ \(epoch 0\) on ledger\/0 begun at offset 0/);
  r = await samsa(b.bootstrap, ['topic', 'describe-producers', 'ledger', '--format', 'json']);
  assert.equal((JSON.parse(r.stdout) as Array<{ currentTxnStartOffset: number }>)[0]!.currentTxnStartOffset, -1);
  r = await samsa(b.bootstrap, ['txn', 'abort', '-t', 'ledger', '-p', '0', '--producer-id', String(pid)]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no open transaction/);
  r = await samsa(b.bootstrap, ['txn', 'describe', 'nope']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /TRANSACTIONAL_ID_NOT_FOUND/);
});
