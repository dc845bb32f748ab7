// Cluster mode against a real ZooKeeper and three broker processes: every broker serves the
// whole cluster's metadata, a topic created through a broker that is not the controller is
// placed evenly (4 leaders and 12 replicas per broker for 12 partitions × RF 3), records
// produced through one broker come back through another with kcat, confluent-kafka and kafkajs,
// and zkCli.sh reads Kafka's layout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { CreateTopics, Fetch, Produce } from '../../src/protocol/messages/index.js';
import { buildBatch } from '../../src/record/builder.js';
import { runOk, runPython, waitFor } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';
import { ZK_CLI, ZkCluster } from '../helpers/zk-cluster.js';
import { zookeeperAvailable } from '../helpers/zookeeper-process.js';

interface KcatMetadata {
  controllerid: number;
  brokers: Array<{ id: number; name: string }>;
  topics: Array<{ topic: string; error?: string; partitions: Array<{ partition: number; leader: number; replicas: Array<{ id: number }>; isrs: Array<{ id: number }> }> }>;
}

async function kcatMetadata(bootstrap: string, topic?: string): Promise<KcatMetadata> {
  const out = await runOk('kcat', ['-b', bootstrap, '-L', '-J', ...(topic ? ['-t', topic] : [])], { timeoutMs: 20_000 });
  return JSON.parse(out) as KcatMetadata;
}

describe('cluster mode: 3 brokers and ZooKeeper', { skip: !zookeeperAvailable() && 'Debian zookeeper not installed', timeout: 240_000 }, () => {
  let cluster: ZkCluster;

  before(async () => {
    cluster = await ZkCluster.start({ brokers: 3, chroot: '/samsa' });
  });

  after(async () => {
    await cluster?.stop();
  });

  test('kcat -L through each broker shows the 3 brokers and the controller', async () => {
    const { id: controller } = await cluster.controller();
    for (const b of cluster.brokers.values()) {
      const text = await runOk('kcat', ['-b', b.bootstrap, '-L'], { timeoutMs: 20_000 });
      assert.match(text, / 3 brokers:/, text);
      for (const [id, other] of cluster.brokers) {
        assert.match(text, new RegExp(`broker ${id} at ${other.bootstrap.replace(/\./g, '\\.')}${id === controller ? ' \\(controller\\)' : '\\n'}`), text);
      }
    }
  });

  test('zkCli.sh reads the brokers and the controller in Kafka\'s layout', async () => {
    const out = await runOk(ZK_CLI, ['-server', cluster.connect, 'ls', '/brokers/ids'], { timeoutMs: 30_000 });
    assert.match(out, /^\[1, 2, 3\]$/m, out);
    const controller = await runOk(ZK_CLI, ['-server', cluster.connect, 'get', '/controller'], { timeoutMs: 30_000 });
    assert.match(controller, /"brokerid":[123]/, controller);
  });

  test('a topic of 12 partitions × RF 3 created through broker 2 has 4 leaders and 12 replicas on every broker, seen alike by all', async () => {
    const wire = await WireClient.connect(cluster.broker(2).bootstrap);
    try {
      const r = await wire.request(CreateTopics, 7, { topics: [{ name: 'spread', numPartitions: 12, replicationFactor: 3, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false });
      assert.equal(r.topics[0]!.errorCode, 0, r.topics[0]!.errorMessage ?? '');
      assert.equal(r.topics[0]!.numPartitions, 12);
    } finally {
      wire.close();
    }
    const views = await Promise.all([...cluster.brokers.values()].map((b) => kcatMetadata(b.bootstrap, 'spread')));
    for (const md of views) {
      const t = md.topics.find((x) => x.topic === 'spread')!;
      assert.equal(t.partitions.length, 12);
      const leaders = new Map<number, number>();
      const replicas = new Map<number, number>();
      for (const p of t.partitions) {
        leaders.set(p.leader, (leaders.get(p.leader) ?? 0) + 1);
        for (const r of p.replicas) replicas.set(r.id, (replicas.get(r.id) ?? 0) + 1);
        assert.equal(p.replicas.length, 3);
        assert.equal(p.replicas[0]!.id, p.leader, 'the preferred replica leads');
        assert.deepEqual(p.isrs.map((x) => x.id).sort(), p.replicas.map((x) => x.id).sort());
      }
      assert.deepEqual([...leaders].sort(), [[1, 4], [2, 4], [3, 4]]);
      assert.deepEqual([...replicas].sort(), [[1, 12], [2, 12], [3, 12]]);
    }
    assert.deepEqual(views[1]!.topics, views[0]!.topics);
    assert.deepEqual(views[2]!.topics, views[0]!.topics);
    // Kafka's znodes: the assignment and each partition's state.
    const zk = await cluster.zkClient();
    const assignment = JSON.parse((await zk.getData('/brokers/topics/spread')).data.toString()) as { partitions: Record<string, number[]>; topic_id: string };
    assert.equal(Object.keys(assignment.partitions).length, 12);
    assert.match(assignment.topic_id, /^[A-Za-z0-9_-]{22}$/);
    const state = JSON.parse((await zk.getData('/brokers/topics/spread/partitions/0/state')).data.toString()) as { leader: number; isr: number[]; leader_epoch: number; controller_epoch: number };
    assert.equal(state.leader, assignment.partitions['0']![0]);
    assert.equal(state.leader_epoch, 0);
  });

  test('Produce and Fetch to a broker that does not lead the partition: NOT_LEADER_OR_FOLLOWER naming the leader and its address (KIP-951)', async () => {
    const md = await kcatMetadata(cluster.broker(1).bootstrap, 'spread');
    const p0 = md.topics.find((t) => t.topic === 'spread')!.partitions.find((p) => p.partition === 0)!;
    const other = [1, 2, 3].find((id) => id !== p0.leader)!;
    const leader = cluster.broker(p0.leader);
    const wire = await WireClient.connect(cluster.broker(other).bootstrap);
    try {
      const pr = await wire.request(Produce, 10, { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: 'spread', partitionData: [{ index: 0, records: buildBatch([{ key: null, value: Buffer.from('x') }]) }] }] });
      const part = pr.responses[0]!.partitionResponses[0]!;
      assert.equal(part.errorCode, 6);
      assert.deepEqual(part.currentLeader, { leaderId: p0.leader, leaderEpoch: 0 });
      assert.deepEqual(pr.nodeEndpoints, [{ nodeId: p0.leader, host: leader.host, port: leader.port, rack: null }]);
      const topicId = (await (await cluster.zkClient()).getData('/brokers/topics/spread')).data.toString().match(/"topic_id":"([^"]+)"/)![1]!;
      const fr = await wire.request(Fetch, 16, {
        clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic: '', topicId, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
        forgottenTopicsData: [], rackId: '',
      });
      const fp = fr.responses[0]!.partitions[0]!;
      assert.equal(fp.errorCode, 6);
      assert.deepEqual(fp.currentLeader, { leaderId: p0.leader, leaderEpoch: 0 });
      assert.deepEqual(fr.nodeEndpoints, [{ nodeId: p0.leader, host: leader.host, port: leader.port, rack: null }]);
    } finally {
      wire.close();
    }
  });

  test('kcat produces through broker 1 and consumes everything back through broker 3', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => `k${i}:kcat-${i}`);
    await runOk('kcat', ['-b', cluster.broker(1).bootstrap, '-P', '-t', 'spread', '-K:', '-X', 'acks=all'], { input: lines.join('\n') + '\n', timeoutMs: 30_000 });
    const out = await runOk('kcat', ['-b', cluster.broker(3).bootstrap, '-C', '-t', 'spread', '-e', '-o', 'beginning', '-f', '%p %o %k %s\n'], { timeoutMs: 30_000 });
    const got = out.trim().split('\n').map((l) => l.split(' '));
    assert.equal(got.length, 300);
    assert.deepEqual(got.map((g) => g[3]).sort(), lines.map((l) => l.split(':')[1]).sort());
    // Per partition: dense offsets from 0, in the order produced.
    const byPartition = new Map<string, string[][]>();
    for (const g of got) byPartition.set(g[0]!, [...(byPartition.get(g[0]!) ?? []), g]);
    for (const recs of byPartition.values()) {
      recs.forEach((r, i) => assert.equal(Number(r[1]), i));
      const order = recs.map((r) => Number(r[3]!.slice('kcat-'.length)));
      assert.deepEqual(order, [...order].sort((a, b) => a - b));
    }
  });

  test('confluent-kafka produces through broker 3 and a group reads everything back through broker 1', async () => {
    const wire = await WireClient.connect(cluster.broker(3).bootstrap);
    try {
      const r = await wire.request(CreateTopics, 7, { topics: [{ name: 'py-cluster', numPartitions: 6, replicationFactor: 2, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false });
      assert.equal(r.topics[0]!.errorCode, 0, r.topics[0]!.errorMessage ?? '');
    } finally {
      wire.close();
    }
    const reports = JSON.parse(await runPython('confluent_roundtrip.py', [cluster.broker(3).bootstrap, 'produce_text', 'py-cluster', '200'], { timeoutMs: 60_000 })) as Array<{ partition: number; offset: number; value: string; error?: string }>;
    assert.equal(reports.filter((r) => r.error).length, 0, JSON.stringify(reports.find((r) => r.error)));
    const got = JSON.parse(await runPython('group_confluent.py', [cluster.broker(1).bootstrap, 'read', 'py-cluster-group', 'py-cluster', '200'], { timeoutMs: 90_000 })) as Array<{ partition: number; offset: number; value: string }>;
    const key = (r: { partition: number; offset: number }) => `${r.partition}/${r.offset}`;
    assert.deepEqual(got.map(key).sort(), reports.map(key).sort());
    const sent = new Map(reports.map((r) => [key(r), r.value]));
    for (const r of got) assert.equal(r.value, sent.get(key(r)));
  });

  test('kafkajs produces through broker 2 and a kafkajs group consumes everything back through broker 3', async () => {
    const producerSide = new Kafka({ clientId: 'cluster-p', brokers: [cluster.broker(2).bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
    const admin = producerSide.admin();
    await admin.connect();
    try {
      assert.equal(await admin.createTopics({ topics: [{ topic: 'kjs-cluster', numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true }), true);
    } finally {
      await admin.disconnect();
    }
    const producer = producerSide.producer();
    await producer.connect();
    const values = Array.from({ length: 150 }, (_, i) => `kjs-${i}`);
    try {
      await producer.send({ topic: 'kjs-cluster', acks: -1, messages: values.map((v, i) => ({ key: `k${i % 7}`, value: v })) });
    } finally {
      await producer.disconnect();
    }
    const consumerSide = new Kafka({ clientId: 'cluster-c', brokers: [cluster.broker(3).bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
    const consumer = consumerSide.consumer({ groupId: 'kjs-cluster-group', sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
    const got: Array<{ partition: number; offset: number; value: string }> = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: ['kjs-cluster'], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ partition, message }) => void got.push({ partition, offset: Number(message.offset), value: message.value!.toString() }) });
      await waitFor(() => got.length >= values.length, { timeoutMs: 60_000, what: `kafkajs group (${got.length} so far)` });
    } finally {
      await consumer.disconnect();
    }
    assert.deepEqual(got.map((g) => g.value).sort(), [...values].sort());
    for (const p of [0, 1, 2]) {
      const offsets = got.filter((g) => g.partition === p).map((g) => g.offset);
      assert.deepEqual(offsets, offsets.map((_, i) => i));
    }
  });
});
