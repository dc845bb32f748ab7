// kafka-python: a group consumer with auto commit resumes after a restart where it stopped.
// The client side is test/interop/py/group_kafka_python.py.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess, runPython } from '../helpers/broker-process.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';
import { FAST_GROUPS, committedOffsets, describeGroup, produceTagged } from '../group/helpers.js';

type Rec = { partition: number; offset: number; value: string };

describe('kafka-python consumer groups', { timeout: 90_000 }, () => {
  let broker: BrokerProcess;
  let wire: WireClient;

  before(async () => {
    broker = await BrokerProcess.start({ settings: FAST_GROUPS });
    wire = await WireClient.connect(broker.bootstrap);
  });

  after(() => {
    wire?.close();
    broker?.cleanup();
  });

  test('auto commit: a restarted group consumer resumes after what it read', async () => {
    const topic = 'kp-group';
    const group = 'kp-group-1';
    assert.equal(await createTopic(wire, topic, 2), 0);
    const all = await produceTagged(wire, topic, 2, 60, 'k');
    const read = async (n: number) => JSON.parse(await runPython('group_kafka_python.py', [broker.bootstrap, group, topic, String(n)], { timeoutMs: 60_000 })) as Rec[];
    const first = await read(50);
    assert.equal(first.length, 50);
    const next = [0, 1].map((p) => first.filter((r) => r.partition === p).length);
    for (const p of [0, 1]) assert.deepEqual(first.filter((r) => r.partition === p).map((r) => r.offset), Array.from({ length: next[p]! }, (_, i) => i));
    assert.deepEqual(await committedOffsets(wire, group, topic, 2), next, 'auto commit stored the positions (kafka-python commits 0 for a partition it read nothing from)');
    assert.equal((await describeGroup(wire, group)).groupState, 'Empty');

    const second = await read(70);
    for (const p of [0, 1]) {
      assert.deepEqual(second.filter((r) => r.partition === p).map((r) => r.offset), Array.from({ length: 60 - next[p]! }, (_, i) => next[p]! + i), `partition ${p} resumes at ${next[p]}`);
    }
    assert.deepEqual([...first, ...second].map((r) => r.value).sort(), [...all].sort());
    assert.deepEqual(await committedOffsets(wire, group, topic, 2), [60, 60]);
  });
});
