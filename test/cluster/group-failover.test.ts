// A consumer group whose coordinator's broker is killed: __consumer_offsets is replicated
// (RF 3) and a commit is acknowledged once replicated, so the new leader of the group's partition
// loads the group with its committed offsets, and a consumer of the group continues where the
// last one committed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { CreateTopics, FindCoordinator } from '../../src/protocol/messages/index.js';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { python, repoRoot, runOk, waitFor } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';
import { ZkCluster } from '../helpers/zk-cluster.js';
import { zookeeperAvailable } from '../helpers/zookeeper-process.js';

describe('group coordinator failover', { skip: !zookeeperAvailable() && 'Debian zookeeper not installed', timeout: 180_000 }, () => {
  let cluster: ZkCluster;
  before(async () => {
    cluster = await ZkCluster.start({ brokers: 3, sessionTimeoutMs: 2000 });
  });
  after(async () => {
    await cluster?.stop();
  });

  async function coordinatorOf(via: number, group: string): Promise<number> {
    const wire = await WireClient.connect(cluster.broker(via).bootstrap);
    try {
      const r = await wire.request(FindCoordinator, 3, { key: group, keyType: 0, coordinatorKeys: [] });
      return r.errorCode === 0 ? r.nodeId : -1;
    } finally {
      wire.close();
    }
  }

  const lastCommitted = new Map<number, number>();
  async function consume(bootstrap: string, until: number): Promise<string[]> {
    const kafka = new Kafka({ clientId: 'gf', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 200 } });
    const consumer = kafka.consumer({ groupId: 'gf-group', sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
    const got: string[] = [];
    const next = new Map<number, number>();
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: ['gf'], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          got.push(message.value!.toString());
          next.set(partition, Number(message.offset) + 1);
        },
      });
      await waitFor(() => got.length >= until, { timeoutMs: 60_000, what: `the group reading ${until} records (${got.length} so far)` });
      // Exactly what was read is committed (an OffsetCommit acknowledged once replicated).
      await consumer.commitOffsets([...next].map(([partition, offset]) => ({ topic: 'gf', partition, offset: String(offset) })));
      for (const [p, o] of next) lastCommitted.set(p, o);
    } finally {
      await consumer.disconnect();
    }
    return got;
  }

  test('the committed offsets survive the coordinator\'s broker, and the group continues from them', async () => {
    const wire = await WireClient.connect(cluster.broker(1).bootstrap);
    const r = await wire.request(CreateTopics, 7, { topics: [{ name: 'gf', numPartitions: 3, replicationFactor: 3, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false });
    wire.close();
    assert.equal(r.topics[0]!.errorCode, 0);
    const first = Array.from({ length: 30 }, (_, i) => `first-${i}`);
    await runOk('kcat', ['-b', cluster.bootstrap, '-P', '-t', 'gf', '-X', 'acks=all'], { input: first.join('\n') + '\n', timeoutMs: 30_000 });
    assert.deepEqual((await consume(cluster.bootstrap, 30)).sort(), [...first].sort());

    const coordinator = await coordinatorOf(1, 'gf-group');
    assert.ok(coordinator > 0);
    const survivor = [1, 2, 3].find((id) => id !== coordinator)!;
    const admin = new Kafka({ clientId: 'gf-admin', brokers: [cluster.broker(survivor).bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 200 } }).admin();
    await admin.connect();
    try {
      const committed = async () => (await admin.fetchOffsets({ groupId: 'gf-group', topics: ['gf'] }))[0]!.partitions.map((p) => Math.max(0, Number(p.offset))).reduce((a, b) => a + b, 0);
      // A partition the records did not land on has nothing committed (-1).
      assert.equal(await committed(), 30, `committed ${JSON.stringify((await admin.fetchOffsets({ groupId: 'gf-group', topics: ['gf'] }))[0]!.partitions)}, read up to ${JSON.stringify([...lastCommitted])}`);
      await cluster.broker(coordinator).kill('SIGKILL');
      await waitFor(async () => {
        const c = await coordinatorOf(survivor, 'gf-group');
        return c > 0 && c !== coordinator;
      }, { timeoutMs: 20_000, what: 'a new coordinator' });
      await waitFor(async () => (await committed()) === 30, { timeoutMs: 10_000, what: 'the committed offsets from the new coordinator' });
    } finally {
      await admin.disconnect();
    }
    const second = Array.from({ length: 15 }, (_, i) => `second-${i}`);
    await runOk('kcat', ['-b', cluster.broker(survivor).bootstrap, '-P', '-t', 'gf', '-X', 'acks=all'], { input: second.join('\n') + '\n', timeoutMs: 30_000 });
    // Only what came after the commit: the group resumes, it does not start over.
    assert.deepEqual((await consume(cluster.broker(survivor).bootstrap, 15)).sort(), [...second].sort());
    await cluster.broker(coordinator).restart();
  });

  test('a consumer committing each record keeps consuming while its coordinator\'s broker is killed: nothing lost, nothing committed read again', async () => {
    await cluster.createTopic('gc', [[1, 2, 3], [2, 3, 1], [3, 1, 2]], { 'min.insync.replicas': '2' });
    const COUNT = 3000;
    const producer = spawn(python, [join(repoRoot, 'test', 'cluster', 'py', 'acked_producer.py'), cluster.bootstrap, 'gc', String(COUNT), '150'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MESSAGE_TIMEOUT_MS: '60000' } });
    const consumer = spawn(python, [join(repoRoot, 'test', 'cluster', 'py', 'group_consumer.py'), cluster.bootstrap, 'gc', 'gc-group', String(COUNT), '120'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let produced = '';
    let consumed = '';
    let errors = '';
    producer.stdout.on('data', (d: Buffer) => (produced += d));
    consumer.stdout.on('data', (d: Buffer) => (consumed += d));
    producer.stderr.on('data', (d: Buffer) => (errors += d));
    consumer.stderr.on('data', (d: Buffer) => (errors += d));
    const producerExit = new Promise<number | null>((r) => producer.once('exit', (code) => r(code)));
    const consumerExit = new Promise<number | null>((r) => consumer.once('exit', (code) => r(code)));
    const lines = (s: string) => s.split('\n').filter(Boolean);
    let killed = -1;
    let consumedAtKill = 0;
    try {
      await waitFor(() => lines(consumed).length >= 600, { timeoutMs: 60_000, what: `600 records consumed (${lines(consumed).length})` });
      killed = await coordinatorOf(1, 'gc-group');
      assert.ok(killed > 0);
      consumedAtKill = lines(consumed).length;
      await cluster.broker(killed).kill('SIGKILL');
      assert.equal(await producerExit, 0, errors.slice(-2000));
      assert.equal(await consumerExit, 0, errors.slice(-2000));
    } finally {
      producer.kill('SIGKILL');
      consumer.kill('SIGKILL');
    }
    const acked = lines(produced).map((l) => JSON.parse(l) as { v: string; err?: string }).filter((r) => r.err === undefined).map((r) => r.v);
    // The claim is about what was acknowledged; on a loaded machine some records time out unacknowledged.
    assert.ok(acked.length >= COUNT / 2, `only ${acked.length} of ${COUNT} produced records acknowledged`);
    const reads = lines(consumed).map((l) => JSON.parse(l) as { p: number; o: number; v: string; c: boolean });
    assert.ok(reads.length > consumedAtKill + 1000, `the group went on consuming after the kill (${reads.length - consumedAtKill} records)`);
    const seen = new Set(reads.map((r) => r.v));
    assert.deepEqual(acked.filter((v) => !seen.has(v)).slice(0, 5), [], 'every acknowledged record consumed');
    // A record below an offset whose commit was acknowledged is never delivered again.
    const committed = new Map<number, number>();
    const rereads: string[] = [];
    for (const r of reads) {
      if (r.o < (committed.get(r.p) ?? 0)) rereads.push(`${r.p}/${r.o}`);
      if (r.c) committed.set(r.p, Math.max(committed.get(r.p) ?? 0, r.o + 1));
    }
    assert.deepEqual(rereads.slice(0, 5), [], `${rereads.length} committed records read again`);
    await cluster.broker(killed).restart();
  });
});

describe('consumer groups on a cluster smaller than offsets.topic.replication.factor', { skip: !zookeeperAvailable() && 'Debian zookeeper not installed', timeout: 120_000 }, () => {
  let cluster: ZkCluster;
  before(async () => {
    cluster = await ZkCluster.start({ brokers: 1 });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('a one-broker cluster creates __consumer_offsets with one replica and warns; a group consumes and commits', async () => {
    await runOk('kcat', ['-b', cluster.bootstrap, '-P', '-t', 'small', '-X', 'acks=all'], { input: 'a\nb\nc\n', timeoutMs: 30_000 });
    const kafka = new Kafka({ clientId: 'small', brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 200 } });
    const consumer = kafka.consumer({ groupId: 'small-group', sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
    const got: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: ['small'], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
      await waitFor(() => got.length >= 3, { timeoutMs: 30_000, what: `the group reading (${got.length} so far)` });
    } finally {
      await consumer.disconnect();
    }
    assert.deepEqual(got, ['a', 'b', 'c']);
    const zk = await cluster.zkClient();
    const assignment = JSON.parse((await zk.getData('/brokers/topics/__consumer_offsets')).data.toString()) as { partitions: Record<string, number[]> };
    assert.ok(Object.values(assignment.partitions).every((r) => r.length === 1));
    assert.match(cluster.broker(1).log, /__consumer_offsets is created with replication factor 1: offsets.topic.replication.factor is 3/);
  });
});
