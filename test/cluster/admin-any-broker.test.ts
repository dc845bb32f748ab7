// Every admin API of the single-node broker through a broker of a 3-broker cluster that is not
// the controller: topics created, grown, configured and deleted (the change seen by every
// broker and in ZooKeeper), DescribeCluster / DescribeLogDirs, and the group and offset APIs
// through kafkajs's admin bootstrapped on that one broker.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { AlterConfigs, CreatePartitions, CreateTopics, DeleteTopics, DescribeCluster, DescribeConfigs, DescribeLogDirs, IncrementalAlterConfigs, Metadata } from '../../src/protocol/messages/index.js';
import { waitFor } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';
import { ZkCluster } from '../helpers/zk-cluster.js';
import { zookeeperAvailable } from '../helpers/zookeeper-process.js';

describe('admin through any broker of a cluster', { skip: !zookeeperAvailable() && 'Debian zookeeper not installed', timeout: 240_000 }, () => {
  let cluster: ZkCluster;
  let via: number;
  const wires = new Map<number, WireClient>();

  before(async () => {
    cluster = await ZkCluster.start({ brokers: 3 });
    const { id: controller } = await cluster.controller();
    via = [1, 2, 3].find((id) => id !== controller)!;
    for (const id of [1, 2, 3]) wires.set(id, await WireClient.connect(cluster.broker(id).bootstrap));
  });

  after(async () => {
    for (const w of wires.values()) w.close();
    await cluster?.stop();
  });

  const wire = () => wires.get(via)!;
  const topicSeenBy = async (id: number, name: string) => {
    const md = await wires.get(id)!.request(Metadata, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    const t = md.topics[0]!;
    return t.errorCode === 0 ? t.partitions.length : -t.errorCode;
  };
  const describeTopic = async (id: number, name: string) => {
    const r = await wires.get(id)!.request(DescribeConfigs, 4, { resources: [{ resourceType: 2, resourceName: name, configurationKeys: null }], includeSynonyms: false, includeDocumentation: false });
    return new Map(r.results[0]!.configs.map((c) => [c.name, { value: c.value, source: c.configSource }]));
  };

  test('CreateTopics: created, validated, refused with Kafka\'s codes; every broker sees the topic', async () => {
    const create = (name: string, numPartitions: number, replicationFactor: number, validateOnly = false, configs: Record<string, string> = {}) =>
      wire().request(CreateTopics, 7, { topics: [{ name, numPartitions, replicationFactor, assignments: [], configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })) }], timeoutMs: 30_000, validateOnly });
    let r = await create('adm', 4, 2, false, { 'retention.ms': '12345' });
    assert.equal(r.topics[0]!.errorCode, 0, r.topics[0]!.errorMessage ?? '');
    for (const id of [1, 2, 3]) assert.equal(await topicSeenBy(id, 'adm'), 4);
    r = await create('adm', 4, 2);
    assert.equal(r.topics[0]!.errorCode, 36);
    r = await create('too-wide', 1, 4);
    assert.equal(r.topics[0]!.errorCode, 38);
    assert.match(r.topics[0]!.errorMessage ?? '', /larger than available brokers/);
    r = await create('only-validated', 2, 3, true);
    assert.equal(r.topics[0]!.errorCode, 0);
    assert.equal(await topicSeenBy(1, 'only-validated'), -3);
    r = await create('bad-config', 1, 1, false, { 'retention.ms': 'soon' });
    assert.equal(r.topics[0]!.errorCode, 40);
    for (const id of [1, 2, 3]) assert.deepEqual((await describeTopic(id, 'adm')).get('retention.ms'), { value: '12345', source: 1 });
  });

  test('IncrementalAlterConfigs and AlterConfigs through one broker reach every broker', async () => {
    const inc = await wire().request(IncrementalAlterConfigs, 1, { resources: [{ resourceType: 2, resourceName: 'adm', configs: [{ name: 'retention.ms', configOperation: 0, value: '777' }, { name: 'cleanup.policy', configOperation: 0, value: 'compact' }] }], validateOnly: false });
    assert.equal(inc.responses[0]!.errorCode, 0, inc.responses[0]!.errorMessage ?? '');
    for (const id of [1, 2, 3]) {
      await waitFor(async () => (await describeTopic(id, 'adm')).get('retention.ms')?.value === '777', { timeoutMs: 10_000, what: `broker ${id} reading the new retention.ms` });
      assert.deepEqual((await describeTopic(id, 'adm')).get('cleanup.policy'), { value: 'compact', source: 1 });
    }
    const alter = await wire().request(AlterConfigs, 2, { resources: [{ resourceType: 2, resourceName: 'adm', configs: [{ name: 'retention.ms', value: '888' }] }], validateOnly: false });
    assert.equal(alter.responses[0]!.errorCode, 0);
    for (const id of [1, 2, 3]) {
      await waitFor(async () => (await describeTopic(id, 'adm')).get('retention.ms')?.value === '888', { timeoutMs: 10_000, what: `broker ${id} reading the replaced configs` });
      // AlterConfigs replaces the whole set: cleanup.policy is back to its default.
      assert.deepEqual((await describeTopic(id, 'adm')).get('cleanup.policy'), { value: 'delete', source: 5 });
    }
    const zk = await cluster.zkClient();
    assert.deepEqual(JSON.parse((await zk.getData('/config/topics/adm')).data.toString()), { version: 1, config: { 'retention.ms': '888' } });
    const bad = await wire().request(IncrementalAlterConfigs, 1, { resources: [{ resourceType: 2, resourceName: 'adm', configs: [{ name: 'no.such.config', configOperation: 0, value: '1' }] }], validateOnly: false });
    assert.equal(bad.responses[0]!.errorCode, 40);
  });

  test('CreatePartitions, DescribeCluster and DescribeLogDirs', async () => {
    const r = await wire().request(CreatePartitions, 3, { topics: [{ name: 'adm', count: 6, assignments: null }], timeoutMs: 30_000, validateOnly: false });
    assert.equal(r.results[0]!.errorCode, 0, r.results[0]!.errorMessage ?? '');
    for (const id of [1, 2, 3]) assert.equal(await topicSeenBy(id, 'adm'), 6);
    const shrink = await wire().request(CreatePartitions, 3, { topics: [{ name: 'adm', count: 2, assignments: null }], timeoutMs: 30_000, validateOnly: false });
    assert.equal(shrink.results[0]!.errorCode, 37);
    const cl = await wire().request(DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    assert.deepEqual(cl.brokers.map((b) => b.brokerId).sort(), [1, 2, 3]);
    assert.equal(cl.controllerId, (await cluster.controller()).id);
    // Each broker's log dirs hold exactly the replicas the assignment gives it.
    const zk = await cluster.zkClient();
    const assignment = JSON.parse((await zk.getData('/brokers/topics/adm')).data.toString()) as { partitions: Record<string, number[]> };
    for (const id of [1, 2, 3]) {
      const ld = await wires.get(id)!.request(DescribeLogDirs, 4, { topics: [{ topic: 'adm', partitions: [0, 1, 2, 3, 4, 5] }] });
      const held = ld.results[0]!.topics.flatMap((t) => t.partitions.map((p) => p.partitionIndex)).sort();
      const expected = Object.entries(assignment.partitions).filter(([, rs]) => rs.includes(id)).map(([p]) => Number(p)).sort();
      assert.deepEqual(held, expected, `broker ${id}`);
    }
  });

  test('groups, offsets and records through kafkajs\'s admin bootstrapped on one broker', async () => {
    const kafka = new Kafka({ clientId: 'cluster-admin', brokers: [cluster.broker(via).bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
    const admin = kafka.admin();
    await admin.connect();
    try {
      assert.equal(await admin.createTopics({ topics: [{ topic: 'adm-groups', numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true }), true);
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'adm-groups', acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, value: `v${i}` })) });
      await producer.disconnect();
      await admin.setOffsets({ groupId: 'adm-g', topic: 'adm-groups', partitions: [0, 1, 2].map((p) => ({ partition: p, offset: '4' })) });
      assert.deepEqual((await admin.fetchOffsets({ groupId: 'adm-g', topics: ['adm-groups'] }))[0]!.partitions.map((p) => [p.partition, p.offset]).sort(), [[0, '4'], [1, '4'], [2, '4']]);
      assert.ok((await admin.listGroups()).groups.some((g) => g.groupId === 'adm-g'));
      const described = await admin.describeGroups(['adm-g']);
      assert.equal(described.groups[0]!.state, 'Empty');
      await admin.deleteTopicRecords({ topic: 'adm-groups', partitions: [{ partition: 1, offset: '7' }] });
      const offsets = await admin.fetchTopicOffsets('adm-groups');
      assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high]).sort(), [[0, '0', '10'], [1, '7', '10'], [2, '0', '10']]);
      // kafkajs commits the sentinel -2 (earliest), stored as it is, as Kafka does.
      await admin.resetOffsets({ groupId: 'adm-g', topic: 'adm-groups', earliest: true });
      assert.deepEqual((await admin.fetchOffsets({ groupId: 'adm-g', topics: ['adm-groups'] }))[0]!.partitions.map((p) => [p.partition, p.offset]).sort(), [[0, '-2'], [1, '-2'], [2, '-2']]);
      await admin.deleteGroups(['adm-g']);
      assert.ok(!(await admin.listGroups()).groups.some((g) => g.groupId === 'adm-g'));
    } finally {
      await admin.disconnect();
    }
  });

  test('DeleteTopics: gone from every broker, from ZooKeeper and from the replicas\' disks', async () => {
    const r = await wire().request(DeleteTopics, 6, { topics: [{ name: 'adm', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], topicNames: [], timeoutMs: 30_000 });
    assert.equal(r.responses[0]!.errorCode, 0, r.responses[0]!.errorMessage ?? '');
    for (const id of [1, 2, 3]) assert.equal(await topicSeenBy(id, 'adm'), -3);
    // As in Kafka, the answer comes once the brokers forgot the topic; its znodes go right after.
    const zk = await cluster.zkClient();
    await waitFor(async () => (await zk.exists('/brokers/topics/adm')) === null && (await zk.exists('/config/topics/adm')) === null && (await zk.getChildren('/admin/delete_topics')).children.length === 0, { timeoutMs: 15_000, what: 'the znodes of adm deleted' });
    for (const id of [1, 2, 3]) {
      await waitFor(() => [0, 1, 2, 3, 4, 5].every((p) => !existsSync(join(cluster.broker(id).dataDir, `adm-${p}`))), { timeoutMs: 10_000, what: `broker ${id}'s replicas of adm deleted` });
    }
    const again = await wire().request(DeleteTopics, 6, { topics: [{ name: 'adm', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], topicNames: [], timeoutMs: 30_000 });
    assert.equal(again.responses[0]!.errorCode, 3);
  });
});
