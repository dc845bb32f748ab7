// kafkajs consumer groups: eachMessage consumes everything and commits; a restarted consumer
// continues without re-reading; the admin group calls (fetchOffsets, describeGroups, listGroups,
// resetOffsets, deleteGroups).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { BrokerProcess } from '../helpers/broker-process.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';
import { FAST_GROUPS, committedOffsets, produceTagged, waitFor } from '../group/helpers.js';

describe('kafkajs consumer groups', { timeout: 120_000 }, () => {
  let broker: BrokerProcess;
  let wire: WireClient;
  let kafka: Kafka;
  const consumers: Consumer[] = [];

  before(async () => {
    broker = await BrokerProcess.start({ settings: FAST_GROUPS });
    wire = await WireClient.connect(broker.bootstrap);
    kafka = new Kafka({ clientId: 'samsa-groups-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
  });

  after(async () => {
    for (const c of consumers) await c.disconnect().catch(() => {});
    wire?.close();
    broker?.cleanup();
  });

  /** Runs a consumer in `groupId` until `until(received)`; returns what it received, then disconnects. */
  async function consume(groupId: string, topic: string, until: (got: string[]) => boolean, timeoutMs = 30_000): Promise<Array<{ partition: number; offset: number; value: string }>> {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100, rebalanceTimeout: 10_000 });
    consumers.push(consumer);
    const got: Array<{ partition: number; offset: number; value: string }> = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        got.push({ partition, offset: Number(message.offset), value: message.value!.toString() });
      },
    });
    try {
      await waitFor(() => until(got.map((g) => g.value)), { timeoutMs, intervalMs: 50, what: `kafkajs consumer in ${groupId} (${got.length} so far)` });
    } finally {
      // disconnect() commits the resolved offsets and leaves the group.
      await consumer.disconnect();
    }
    return got;
  }

  test('eachMessage consumes everything and commits; after a restart the consumer continues without re-reading', async () => {
    const topic = 'kjs-group';
    const groupId = 'kjs-group-1';
    assert.equal(await createTopic(wire, topic, 3), 0);
    const first = await produceTagged(wire, topic, 3, 40, 'a');
    const got1 = await consume(groupId, topic, (g) => g.length >= 120);
    assert.deepEqual(got1.map((m) => m.value).sort(), [...first].sort());
    for (const m of got1) assert.equal(m.value, `a-${m.partition}-${m.offset}`);
    assert.deepEqual(await committedOffsets(wire, groupId, topic, 3), [40, 40, 40]);

    const second = await produceTagged(wire, topic, 3, 15, 'b');
    const got2 = await consume(groupId, topic, (g) => g.length >= 45);
    assert.deepEqual(got2.map((m) => m.value).sort(), [...second].sort(), 'only the new records');
    for (let p = 0; p < 3; p++) assert.deepEqual(got2.filter((m) => m.partition === p).map((m) => m.offset), Array.from({ length: 15 }, (_, i) => 40 + i));
    assert.deepEqual(await committedOffsets(wire, groupId, topic, 3), [55, 55, 55]);
  });

  test('admin: fetchOffsets, describeGroups, listGroups, resetOffsets, deleteGroups', async () => {
    const topic = 'kjs-admin';
    const groupId = 'kjs-admin-group';
    assert.equal(await createTopic(wire, topic, 2), 0);
    const values = await produceTagged(wire, topic, 2, 10, 'm');
    const admin = kafka.admin();
    await admin.connect();
    try {
      // A running member: describeGroups shows it Stable with its assignment.
      const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
      consumers.push(consumer);
      const got: string[] = [];
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
      await waitFor(() => got.length >= 20, { timeoutMs: 30_000, what: 'consumed 20' });
      const described = await waitFor(async () => {
        const d = (await admin.describeGroups([groupId])).groups[0]!;
        return d.state === 'Stable' && d.members.length === 1 ? d : null;
      }, { timeoutMs: 10_000, what: 'stable group' });
      assert.equal(described.protocolType, 'consumer');
      assert.equal(described.protocol, 'RoundRobinAssigner');
      assert.equal(described.members[0]!.clientId, 'samsa-groups-test');
      assert.ok(described.members[0]!.memberAssignment.length > 0, 'the assignment is relayed');
      const listed = (await admin.listGroups()).groups;
      assert.deepEqual(listed.filter((g) => g.groupId === groupId), [{ groupId, protocolType: 'consumer' }]);
      // Deleting a group with members fails.
      await assert.rejects(admin.deleteGroups([groupId]));
      await consumer.disconnect();
      assert.deepEqual(got.sort(), [...values].sort());

      const fetched = await admin.fetchOffsets({ groupId, topics: [topic] });
      assert.deepEqual(fetched.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => [p.partition, p.offset]).sort() })), [{ topic, partitions: [[0, '10'], [1, '10']] }]);
      assert.equal((await admin.describeGroups([groupId])).groups[0]!.state, 'Empty');

      await admin.resetOffsets({ groupId, topic, earliest: true });
      const reset = await admin.fetchOffsets({ groupId, topics: [topic] });
      // kafkajs commits the sentinel -2 (earliest), stored as is as Kafka does; its consumers resolve it.
      assert.deepEqual(reset[0]!.partitions.map((p) => [p.partition, p.offset]).sort(), [[0, '-2'], [1, '-2']]);
      // A consumer of the group now reads everything again.
      const again = await consume(groupId, topic, (g) => g.length >= 20);
      assert.deepEqual(again.map((m) => m.value).sort(), [...values].sort());

      assert.deepEqual(await committedOffsets(wire, groupId, topic, 2), [10, 10], 'the re-read committed its offsets');
      await admin.resetOffsets({ groupId, topic, earliest: false });
      assert.deepEqual((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.map((p) => [p.partition, p.offset]).sort(), [[0, '-1'], [1, '-1']]);
      await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '7' }, { partition: 1, offset: '3' }] });
      assert.deepEqual(await committedOffsets(wire, groupId, topic, 2), [7, 3]);
      const tail = await consume(groupId, topic, (g) => g.length >= 10);
      assert.deepEqual(tail.map((m) => m.value).sort(), ['m-0-7', 'm-0-8', 'm-0-9', ...Array.from({ length: 7 }, (_, i) => `m-1-${3 + i}`)].sort());

      const deleted = await admin.deleteGroups([groupId]);
      assert.deepEqual(deleted.map((d) => [d.groupId, d.errorCode ?? 0]), [[groupId, 0]]);
      assert.equal((await admin.listGroups()).groups.some((g) => g.groupId === groupId), false);
      assert.deepEqual((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.map((p) => p.offset), ['-1', '-1']);
      assert.deepEqual(await committedOffsets(wire, groupId, topic, 2), [-1, -1]);
    } finally {
      await admin.disconnect();
    }
  });
});
