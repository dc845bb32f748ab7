// samsa topic describe-producers: the idempotent producers of each partition (table and JSON),
// a chosen partition only, and an unknown topic failing with exit status 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { buildBatch } from '../../src/record/builder.js';
import { WireClient, createTopic, produceBatch } from '../helpers/wire-client.js';
import { rows, samsa } from './helpers.js';

let b: StartedBroker;

test.before(async () => {
  b = await startBroker({});
});
test.after(async () => {
  await b?.stop();
});

test('topic describe-producers lists each partition\'s producers', async () => {
  const c = await WireClient.connect(b.bootstrap);
  const ts = Date.now();
  try {
    assert.equal(await createTopic(c, 'payments', 2), 0);
    const batch = (pid: number, epoch: number, seq: number, n: number) =>
      buildBatch(Array.from({ length: n }, (_, i) => ({ value: `v${i}`, timestamp: ts })), { producerId: pid, producerEpoch: epoch, baseSequence: seq });
    assert.equal((await produceBatch(c, 'payments', 0, batch(11, 2, 0, 3))).errorCode, 0);
    assert.equal((await produceBatch(c, 'payments', 1, batch(12, 0, 0, 1))).errorCode, 0);
    assert.equal((await produceBatch(c, 'payments', 1, buildBatch([{ value: 'not idempotent' }]))).errorCode, 0);
  } finally {
    c.close();
  }
  const iso = new Date(ts).toISOString();
  let r = await samsa(b.bootstrap, ['topic', 'describe-producers', 'payments']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(rows(r.stdout), [
    ['PARTITION', 'PRODUCER-ID', 'EPOCH', 'LAST-SEQUENCE', 'LAST-TIMESTAMP', 'COORDINATOR-EPOCH', 'TXN-START-OFFSET'],
    ['0', '11', '2', '2', iso, '-1', '-1'],
    ['1', '12', '0', '0', iso, '-1', '-1'],
  ]);
  r = await samsa(b.bootstrap, ['topic', 'describe-producers', 'payments', '-p', '1', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [{ partition: 1, producerId: 12, producerEpoch: 0, lastSequence: 0, lastTimestamp: ts, coordinatorEpoch: -1, currentTxnStartOffset: -1 }]);
  r = await samsa(b.bootstrap, ['topic', 'describe-producers', 'no-such-topic']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /UNKNOWN_TOPIC_OR_PARTITION/);
});
