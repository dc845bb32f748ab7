// Partition reassignment on a single node (no ZooKeeper): there is no other broker to move to,
// so the answers are Kafka's for a one-broker cluster — the node itself is the only valid target
// (already where the partition is), anything else INVALID_REPLICA_ASSIGNMENT, a cancellation
// NO_REASSIGNMENT_IN_PROGRESS, nothing ever listed — and the CLI says so in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../../src/node/start-broker.js';
import { AlterPartitionReassignments, ListPartitionReassignments } from '../../src/protocol/index.js';
import { cliPath, run } from '../helpers/broker-process.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';

test('a single node answers reassignments as a one-broker cluster does', async () => {
  const b = await startBroker();
  const c = await WireClient.connect(b.bootstrap);
  try {
    assert.equal(await createTopic(c, 'solo', 2), 0);
    const self = b.broker.nodeId;
    const r = await c.request(AlterPartitionReassignments, 0, {
      timeoutMs: 5000,
      topics: [
        { name: 'solo', partitions: [{ partitionIndex: 0, replicas: [self] }, { partitionIndex: 1, replicas: [self + 1] }] },
        { name: 'solo', partitions: [{ partitionIndex: 1, replicas: null }] },
        { name: 'nope', partitions: [{ partitionIndex: 0, replicas: [self] }] },
      ],
    });
    assert.equal(r.errorCode, 0);
    assert.deepEqual(r.responses.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.errorCode])), [['solo', 0, 0], ['solo', 1, 39], ['solo', 1, 85], ['nope', 0, 3]]);
    const l = await c.request(ListPartitionReassignments, 0, { timeoutMs: 5000, topics: null });
    assert.deepEqual([l.errorCode, l.topics], [0, []]);
    const cli = await run(process.execPath, [cliPath, 'topic', 'reassign', 'solo', '--broker-list', `${self + 1}`, '-b', b.bootstrap]);
    assert.equal(cli.code, 1);
    assert.equal(cli.stderr, `samsa: unknown broker ${self + 1} (brokers: ${self})\n`);
    const plan = await run(process.execPath, [cliPath, 'topic', 'reassign', 'solo', '-b', b.bootstrap]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.equal(plan.stdout.toString(), 'nothing to move: topic solo is already placed as planned\n');
    const cancel = await run(process.execPath, [cliPath, 'topic', 'reassign', 'solo', '--cancel', '-b', b.bootstrap]);
    assert.equal([cancel.code, cancel.stderr].join(' '), '1 samsa: no reassignment in progress for solo\n');
  } finally {
    c.close();
    await b.stop();
  }
});
