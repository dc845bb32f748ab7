// /metrics of a 3-broker cluster on ZooKeeper: each kafka_exporter series comes from the broker
// that owns it — a partition's from its leader, a group's from its coordinator, the cluster-wide
// counts from the active controller — so that summing over the brokers' scrapes counts each once;
// ISR and under-replication come from the metadata image.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { runOk, waitFor } from '../helpers/broker-process.js';
import { goProgram } from '../helpers/go-program.js';
import { ZkCluster } from '../helpers/zk-cluster.js';
import { zookeeperAvailable } from '../helpers/zookeeper-process.js';

interface Family {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string }[];
}

async function scrape(adminUrl: string): Promise<Family[]> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  return JSON.parse(await runOk(await goProgram('prom2json', 'metrics/go'), [], { input: text })) as Family[];
}

function samples(fs: Family[], name: string): { labels: Record<string, string>; value: number }[] {
  return (fs.find((f) => f.name === name)?.metrics ?? []).map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }));
}

describe('cluster /metrics: every series from its owner', { skip: !zookeeperAvailable() && 'Debian zookeeper not installed', timeout: 240_000 }, () => {
  let cluster: ZkCluster;

  before(async () => {
    cluster = await ZkCluster.start({ brokers: 3 });
  });

  after(async () => {
    await cluster?.stop();
  });

  test('partitions from their leaders, groups from their coordinator, counts from the controller', async () => {
    const kafka = new Kafka({ clientId: 'cluster-metrics', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = kafka.producer();
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'spread', numPartitions: 6, replicationFactor: 3 }], waitForLeaders: true });
      await producer.connect();
      for (let p = 0; p < 6; p++) await producer.send({ topic: 'spread', acks: -1, messages: Array.from({ length: p + 1 }, (_, i) => ({ partition: p, value: `r${i}` })) });
      await admin.setOffsets({ groupId: 'readers', topic: 'spread', partitions: Array.from({ length: 6 }, (_, p) => ({ partition: p, offset: '1' })) });
      const { id: controller } = await cluster.controller();
      const scrapes = new Map<number, Family[]>();
      for (const [id, b] of cluster.brokers) {
        assert.ok(b.adminUrl, `broker ${id} has no admin listener`);
        scrapes.set(id, await scrape(b.adminUrl));
      }
      const current = new Map<number, number>();
      let controllers = 0;
      for (const [id, fs] of scrapes) {
        const brokers = samples(fs, 'kafka_brokers');
        if (id === controller) assert.deepEqual(brokers.map((s) => s.value), [3]);
        else assert.equal(brokers.length, 0, `broker ${id} is not the controller`);
        controllers += samples(fs, 'samsa_active_controller')[0]!.value;
        const leaders = new Map(samples(fs, 'kafka_topic_partition_leader').filter((s) => s.labels['topic'] === 'spread').map((s) => [s.labels['partition'], s.value]));
        for (const s of samples(fs, 'kafka_topic_partition_current_offset').filter((x) => x.labels['topic'] === 'spread')) {
          const p = Number(s.labels['partition']);
          assert.ok(!current.has(p), `partition ${p} exported twice`);
          assert.equal(leaders.get(String(p)), id, `partition ${p} exported by broker ${id}, which does not lead it`);
          current.set(p, s.value);
        }
        for (const s of samples(fs, 'kafka_topic_partition_in_sync_replica').filter((x) => x.labels['topic'] === 'spread')) assert.equal(s.value, 3);
        for (const s of samples(fs, 'kafka_topic_partition_under_replicated_partition').filter((x) => x.labels['topic'] === 'spread')) assert.equal(s.value, 0);
      }
      assert.equal(controllers, 1);
      assert.deepEqual([...current].sort((a, b) => a[0] - b[0]).map(([, v]) => v), [1, 2, 3, 4, 5, 6]);
      // The group's committed offsets come from its coordinator alone.
      const groupScrapes = [...scrapes].filter(([, fs]) => samples(fs, 'kafka_consumergroup_current_offset').some((s) => s.labels['consumergroup'] === 'readers'));
      assert.equal(groupScrapes.length, 1);
      const offsets = samples(groupScrapes[0]![1], 'kafka_consumergroup_current_offset').filter((s) => s.labels['consumergroup'] === 'readers');
      assert.deepEqual(offsets.map((s) => s.value), [1, 1, 1, 1, 1, 1]);
      // Its lag: every broker hosts every partition here, and a follower's high watermark catches up with the leader's.
      const coordinator = cluster.broker(groupScrapes[0]![0]);
      await waitFor(
        async () => {
          const lag = samples(await scrape(coordinator.adminUrl!), 'kafka_consumergroup_lag').filter((s) => s.labels['consumergroup'] === 'readers');
          return lag.length === 6 && lag.every((s) => s.value === Number(s.labels['partition']));
        },
        { timeoutMs: 15_000, intervalMs: 250, what: 'the group\'s lag on its coordinator: partition p lags by p' },
      );
    } finally {
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  });
});
