// KIP-890's verification guard on the produce path. When another broker coordinates the
// transactional id, a leader asks it before a first transactional write; if a marker of the
// producer is written while the answer travels, the transaction that answer was about has
// ended, and the write must be refused (INVALID_TXN_STATE): appended after the marker, it would
// open a transaction the coordinator no longer knows, to be committed or aborted with the
// producer's next one. A single node stands in for the leader, its remote verification replaced
// by one the test answers, late.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestPorts } from '../../src/broker/dispatcher.js';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { AddPartitionsToTxn, EndTxn, InitProducerId, Produce } from '../../src/protocol/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { buildBatch } from '../../src/record/builder.js';
import { verificationKey } from '../../src/broker/txn-verification.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';

let broker: StartedBroker;
before(async () => {
  broker = await startBroker({ 'auto.create.topics.enable': 'false' });
});
after(async () => {
  await broker?.stop();
});

test('a write verified elsewhere, whose producer got a marker while the answer travelled, is INVALID_TXN_STATE and not appended', async () => {
  const c = await WireClient.connect(broker.bootstrap);
  try {
    assert.equal(await createTopic(c, 'vg', 1), 0);
    const init = await c.request(InitProducerId, 4, { transactionalId: 'vg-1', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    assert.equal(init.errorCode, 0);
    const { producerId, producerEpoch } = init;
    const add = await c.request(AddPartitionsToTxn, 3, { transactions: [], v3AndBelowTransactionalId: 'vg-1', v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch, v3AndBelowTopics: [{ name: 'vg', partitions: [0] }] });
    assert.equal(add.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode, 0);

    // The coordinator "elsewhere" answers only when told to, and says yes.
    const ports = (broker.broker.dispatcher as unknown as { ports: RequestPorts }).ports;
    let answer!: () => void;
    let asked = 0;
    ports.txn.verifyElsewhere = (_id, _pid, _epoch, tps) => {
      asked++;
      return new Promise((resolve) => {
        answer = () => resolve(new Map(tps.flatMap((tp) => tp.partitions.map((p) => [verificationKey(tp.topic, p), ErrorCode.NONE] as const))));
      });
    };
    const produced = c.request(Produce, 9, {
      transactionalId: 'vg-1', acks: -1, timeoutMs: 10_000,
      topicData: [{ name: 'vg', partitionData: [{ index: 0, records: buildBatch([{ value: Buffer.from('late') }], { producerId, producerEpoch, baseSequence: 0, transactional: true }) }] }],
    });
    // On another connection: a broker answers one connection's requests in order.
    const other = await WireClient.connect(broker.bootstrap);
    const abort = await other.request(EndTxn, 3, { transactionalId: 'vg-1', producerId, producerEpoch, committed: false }).finally(() => other.close());
    assert.equal(abort.errorCode, 0);
    const p = broker.broker.partition('vg', 0)!;
    assert.equal(p.logEndOffset, 1, 'the abort marker is written');
    assert.equal(asked, 1);
    answer();
    const r = (await produced).responses[0]!.partitionResponses[0]!;
    assert.equal(r.errorCode, ErrorCode.INVALID_TXN_STATE);
    assert.equal(p.logEndOffset, 1, 'nothing appended after the marker');
  } finally {
    c.close();
  }
});
