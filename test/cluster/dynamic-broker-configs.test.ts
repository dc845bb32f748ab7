// Dynamic broker configs in cluster mode, in Kafka's ZooKeeper layout: a cluster-wide default is
// written to /config/brokers/<default>, a broker's own value to /config/brokers/<id>, each with a
// /config/changes notification (entity_path brokers/<entity>); every broker takes the default,
// only the named broker its own value, and a restarted broker reads both back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateTopics, DescribeConfigs, IncrementalAlterConfigs } from '../../src/protocol/messages/index.js';
import { waitFor } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';
import { ZkCluster } from '../helpers/zk-cluster.js';
import { zookeeperAvailable } from '../helpers/zookeeper-process.js';
import { samsa } from '../cli/helpers.js';

const TOPIC = 'dyn-cfg';

describe('cluster mode: dynamic broker configs', { skip: !zookeeperAvailable() && 'Debian zookeeper not installed', timeout: 240_000 }, () => {
  let cluster: ZkCluster;

  before(async () => {
    cluster = await ZkCluster.start({ brokers: 3 });
    const wire = await WireClient.connect(cluster.broker(1).bootstrap);
    try {
      const r = await wire.request(CreateTopics, 7, { topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false });
      assert.equal(r.topics[0]!.errorCode, 0, r.topics[0]!.errorMessage ?? '');
    } finally {
      wire.close();
    }
  });

  after(async () => {
    await cluster?.stop();
  });

  /** What broker `id` says of its own setting and of the topic's synonym of it. */
  async function seenBy(id: number, brokerName: string, topicName: string): Promise<{ broker: [string | null, number]; topic: [string | null, number] }> {
    const wire = await WireClient.connect(cluster.broker(id).bootstrap);
    try {
      const r = await wire.request(DescribeConfigs, 4, {
        resources: [
          { resourceType: 4, resourceName: String(id), configurationKeys: [brokerName] },
          { resourceType: 2, resourceName: TOPIC, configurationKeys: [topicName] },
        ],
        includeSynonyms: false,
        includeDocumentation: false,
      });
      const [b, t] = r.results.map((x) => x.configs[0]!);
      return { broker: [b!.value, b!.configSource], topic: [t!.value, t!.configSource] };
    } finally {
      wire.close();
    }
  }

  const retention = (id: number) => seenBy(id, 'log.retention.ms', 'retention.ms');
  const ids = [1, 2, 3];

  test('a cluster-wide default reaches every broker; a per-broker value only that broker', async () => {
    for (const id of ids) assert.deepEqual(await retention(id), { broker: [null, 5], topic: ['604800000', 5] });
    // Through broker 3: any broker takes the cluster-wide default.
    let r = await samsa(cluster.broker(3).bootstrap, ['cluster', 'config', 'set', 'log.retention.ms=3600000']);
    assert.equal(r.code, 0, r.stderr);
    for (const id of ids) {
      await waitFor(async () => (await retention(id)).topic[0] === '3600000', { timeoutMs: 15_000, what: `broker ${id} has the default` });
      assert.deepEqual(await retention(id), { broker: ['3600000', 3], topic: ['3600000', 3] });
    }
    r = await samsa(cluster.bootstrap, ['cluster', 'config', 'set', '-B', '2', 'log.retention.ms=7200000']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(async () => (await retention(2)).topic[0] === '7200000', { timeoutMs: 15_000, what: 'broker 2 has its own value' });
    assert.deepEqual(await retention(2), { broker: ['7200000', 2], topic: ['7200000', 2] });
    for (const id of [1, 3]) assert.deepEqual(await retention(id), { broker: ['3600000', 3], topic: ['3600000', 3] });

    // Kafka's layout in ZooKeeper.
    const zk = await cluster.zkClient();
    assert.deepEqual(JSON.parse((await zk.getData('/config/brokers/<default>')).data.toString()), { version: 1, config: { 'log.retention.ms': '3600000' } });
    assert.deepEqual(JSON.parse((await zk.getData('/config/brokers/2')).data.toString()), { version: 1, config: { 'log.retention.ms': '7200000' } });
    const changes = await zk.getChildren('/config/changes');
    const bodies = await Promise.all(changes.children.map(async (c) => JSON.parse((await zk.getData(`/config/changes/${c}`)).data.toString()) as unknown));
    assert.ok(bodies.some((b) => JSON.stringify(b) === JSON.stringify({ version: 2, entity_path: 'brokers/<default>' })), JSON.stringify(bodies));
    assert.ok(bodies.some((b) => JSON.stringify(b) === JSON.stringify({ version: 2, entity_path: 'brokers/2' })), JSON.stringify(bodies));

    // A broker refuses another broker's own configs, as Kafka's brokers do.
    const wire = await WireClient.connect(cluster.broker(1).bootstrap);
    try {
      const res = await wire.request(IncrementalAlterConfigs, 1, { resources: [{ resourceType: 4, resourceName: '2', configs: [{ name: 'log.retention.ms', configOperation: 0, value: '1' }] }], validateOnly: false });
      assert.equal(res.responses[0]!.errorCode, 42);
      assert.match(res.responses[0]!.errorMessage!, /Unexpected broker id, expected 1 or empty string, but received 2/);
    } finally {
      wire.close();
    }
  });

  test('a topic\'s own config changed through one broker reaches every broker (the configs read from ZooKeeper land in the metadata requests are served from)', async () => {
    const r = await samsa(cluster.broker(1).bootstrap, ['topic', 'alter-config', TOPIC, '--set', 'max.message.bytes=123456']);
    assert.equal(r.code, 0, r.stderr);
    for (const id of ids) {
      await waitFor(async () => (await seenBy(id, 'message.max.bytes', 'max.message.bytes')).topic[0] === '123456', { timeoutMs: 15_000, what: `broker ${id} has the topic's value` });
      assert.deepEqual((await seenBy(id, 'message.max.bytes', 'max.message.bytes')).topic, ['123456', 1]);
    }
  });

  test('a change written to ZooKeeper as Kafka\'s tools write it is taken by every broker', async () => {
    const zk = await cluster.zkClient();
    const { stat } = await zk.getData('/config/brokers/<default>');
    await zk.setData('/config/brokers/<default>', Buffer.from(JSON.stringify({ version: 1, config: { 'log.retention.ms': '3600000', 'log.segment.bytes': '2097152' } })), stat.version);
    await zk.create('/config/changes/config_change_', Buffer.from(JSON.stringify({ version: 2, entity_path: 'brokers/<default>' })), { mode: 'persistentSequential' });
    for (const id of ids) {
      await waitFor(async () => (await seenBy(id, 'log.segment.bytes', 'segment.bytes')).topic[0] === '2097152', { timeoutMs: 15_000, what: `broker ${id} has log.segment.bytes` });
    }
  });

  test('a restarted broker reads its own and the cluster-wide values back from ZooKeeper', async () => {
    const logFrom = cluster.broker(2).log.length;
    await cluster.broker(2).restart();
    // Its stop ended the ACL watches before the session: closing it fired them, and each warned.
    assert.doesNotMatch(cluster.broker(2).log.slice(logFrom), /cannot follow ACL changes/);
    await waitFor(async () => (await retention(2).catch(() => null))?.topic[0] === '7200000', { timeoutMs: 40_000, what: 'broker 2 back with its own value' });
    assert.deepEqual(await seenBy(2, 'log.segment.bytes', 'segment.bytes'), { broker: ['2097152', 3], topic: ['2097152', 3] });
    // Removing broker 2's own value brings the default back there.
    const r = await samsa(cluster.bootstrap, ['cluster', 'config', 'set', '-B', '2', '--delete', 'log.retention.ms']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(async () => (await retention(2)).topic[0] === '3600000', { timeoutMs: 15_000, what: 'broker 2 back on the default' });
    assert.deepEqual(await retention(2), { broker: ['3600000', 3], topic: ['3600000', 3] });
  });
});
