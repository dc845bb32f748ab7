// /metrics after a known workload, read with Prometheus' own text parser (prometheus/common's
// expfmt, through prom2json, built from Debian's Go packages: test/metrics/go/prom2json.go):
// kafka_exporter's offsets and consumer lag (the lag `samsa group describe` prints), bytes in per
// topic, and a latency histogram's count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { startBroker } from '../../src/node/start-broker.js';
import { runOk } from '../helpers/broker-process.js';
import { goAvailable, goProgram } from '../helpers/go-program.js';
import { samsa } from '../cli/helpers.js';

/** prom2json's JSON of one metric family. */
interface Family {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string; sum?: string }[];
}
type Families = Family[];

/** The scrape as Prometheus' parser reads it (it rejects anything a Prometheus server would). */
async function parsePrometheusText(text: string): Promise<Families> {
  assert.ok(goAvailable('github.com/prometheus/prom2json', 'github.com/prometheus/common/expfmt'), 'golang-go and golang-github-prometheus-prom2json-dev are needed (scripts/test-deps.sh installs them)');
  const prom2json = await goProgram('prom2json', 'metrics/go');
  return JSON.parse(await runOk(prom2json, [], { input: text })) as Families;
}

async function scrape(adminUrl: string): Promise<{ text: string; families: Families }> {
  const res = await fetch(`${adminUrl}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, families: await parsePrometheusText(text) };
}

function family(fs: Families, name: string): Family {
  const f = fs.find((x) => x.name === name);
  assert.ok(f, `no ${name} in the scrape`);
  return f;
}

/** The value of the one sample of `name` whose labels include `labels`. */
function value(fs: Families, name: string, labels: Record<string, string> = {}): number {
  const matching = family(fs, name).metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  assert.equal(matching.length, 1, `${name}${JSON.stringify(labels)}: ${matching.length} samples`);
  return Number(matching[0]!.value ?? matching[0]!.count);
}

test('/metrics after a known workload: offsets, consumer lag as samsa group describe, bytes in, latency counts', async () => {
  const b = await startBroker();
  const kafka = new kafkajs.Kafka({ clientId: 'metrics-test', brokers: [b.bootstrap], logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  try {
    assert.ok(b.adminUrl);
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 2 }] });
    await producer.connect();
    // 4 produce requests: 5 records to partition 0 in two requests, 3 to partition 1 in two.
    await producer.send({ topic: 'orders', messages: [0, 1, 2].map((i) => ({ partition: 0, key: `k${i}`, value: `order ${i}` })) });
    await producer.send({ topic: 'orders', messages: [3, 4].map((i) => ({ partition: 0, key: `k${i}`, value: `order ${i}` })) });
    await producer.send({ topic: 'orders', messages: [{ partition: 1, value: 'a' }] });
    await producer.send({ topic: 'orders', messages: [{ partition: 1, value: 'b' }, { partition: 1, value: 'c' }] });
    // The group read 2 of partition 0 and all of partition 1.
    await admin.setOffsets({ groupId: 'billing', topic: 'orders', partitions: [{ partition: 0, offset: '2' }, { partition: 1, offset: '3' }] });

    const { text, families } = await scrape(b.adminUrl);
    for (const name of ['kafka_brokers', 'kafka_topic_partitions', 'kafka_topic_partition_current_offset', 'kafka_topic_partition_oldest_offset', 'kafka_topic_partition_in_sync_replica', 'kafka_topic_partition_under_replicated_partition', 'kafka_topic_partition_leader', 'kafka_consumergroup_current_offset', 'kafka_consumergroup_lag', 'kafka_consumergroup_members']) {
      assert.equal(family(families, name).type, 'GAUGE', name);
    }
    assert.equal(value(families, 'kafka_brokers'), 1);
    assert.equal(value(families, 'kafka_topic_partitions', { topic: 'orders' }), 2);
    assert.equal(value(families, 'kafka_topic_partition_current_offset', { topic: 'orders', partition: '0' }), 5);
    assert.equal(value(families, 'kafka_topic_partition_current_offset', { topic: 'orders', partition: '1' }), 3);
    assert.equal(value(families, 'kafka_topic_partition_oldest_offset', { topic: 'orders', partition: '0' }), 0);
    assert.equal(value(families, 'kafka_topic_partition_leader', { topic: 'orders', partition: '0' }), 0);
    assert.equal(value(families, 'kafka_topic_partition_in_sync_replica', { topic: 'orders', partition: '0' }), 1);
    assert.equal(value(families, 'kafka_topic_partition_under_replicated_partition', { topic: 'orders', partition: '1' }), 0);
    assert.equal(value(families, 'kafka_consumergroup_current_offset', { consumergroup: 'billing', topic: 'orders', partition: '0' }), 2);
    assert.equal(value(families, 'kafka_consumergroup_members', { consumergroup: 'billing' }), 0);

    // The lag per partition and in total is the one samsa group describe prints.
    const r = await samsa(b.bootstrap, ['group', 'describe', 'billing', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const described = JSON.parse(r.stdout) as { partitions: { topic: string; partition: number; lag: number }[]; totalLag: number };
    for (const p of described.partitions) {
      assert.equal(value(families, 'kafka_consumergroup_lag', { consumergroup: 'billing', topic: p.topic, partition: String(p.partition) }), p.lag, `lag of ${p.topic}/${p.partition}`);
    }
    assert.deepEqual(described.partitions.map((p) => p.lag), [3, 0]);
    assert.equal(value(families, 'kafka_consumergroup_lag_sum', { consumergroup: 'billing', topic: 'orders' }), described.totalLag);

    // Bytes in: every byte produced is in the log (one batch per request, stored as sent).
    const logBytes = value(families, 'samsa_log_size_bytes', { topic: 'orders', partition: '0' }) + value(families, 'samsa_log_size_bytes', { topic: 'orders', partition: '1' });
    assert.ok(logBytes > 0);
    assert.equal(value(families, 'samsa_topic_bytes_in_total', { topic: 'orders' }), logBytes);
    assert.equal(value(families, 'samsa_topic_messages_in_total', { topic: 'orders' }), 8);
    assert.equal(family(families, 'samsa_topic_bytes_in_total').type, 'COUNTER');

    // The latency histograms counted each of the 4 produce requests once, in every phase.
    const latency = family(families, 'samsa_request_latency_seconds');
    assert.equal(latency.type, 'HISTOGRAM');
    for (const phase of ['queue', 'local', 'remote', 'send', 'total']) {
      const h = latency.metrics.find((m) => m.labels?.['api'] === 'Produce' && m.labels?.['phase'] === phase);
      assert.ok(h, phase);
      assert.equal(Number(h.count), 4, `Produce ${phase} count`);
      assert.equal(Number(h.buckets?.['+Inf'] ?? h.count), 4);
    }
    assert.equal(value(families, 'samsa_requests_total', { api: 'Produce' }), 4);
    assert.ok(value(families, 'samsa_process_resident_memory_bytes') > 0);
    assert.ok(family(families, 'samsa_nodejs_eventloop_lag_seconds'));
    assert.equal(value(families, 'samsa_active_controller'), 1);
    assert.match(text, /^# TYPE kafka_consumergroup_lag gauge$/m);

    // A produce error is counted per topic and error: a record without a key on a compacted topic.
    await admin.createTopics({ topics: [{ topic: 'compacted', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    await assert.rejects(producer.send({ topic: 'compacted', messages: [{ value: 'no key' }] }));
    const after = (await scrape(b.adminUrl)).families;
    assert.equal(value(after, 'samsa_topic_produce_errors_total', { topic: 'compacted', error: 'INVALID_RECORD' }), 1);
    assert.equal(value(after, 'samsa_request_errors_total', { api: 'Produce', error: 'INVALID_RECORD' }), 1);
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await b.stop();
  }
});

test('/health and /ready answer as Kubernetes probes expect', async () => {
  const b = await startBroker();
  const url = b.adminUrl!;
  try {
    const health = await fetch(`${url}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await fetch(`${url}/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready' });
  } finally {
    await b.stop();
  }
  // Once stopped nothing listens any more: a probe fails by connection refused.
  await assert.rejects(fetch(`${url}/health`));
});

test('admin.listeners empty turns the HTTP listener off', async () => {
  const b = await startBroker({ 'admin.listeners': '' });
  try {
    assert.equal(b.adminUrl, null);
  } finally {
    await b.stop();
  }
});
