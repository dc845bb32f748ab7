// Dynamic broker configs layered as Kafka's DynamicBrokerConfig layers them: this broker's value
// over the cluster-wide default over the static setting over the built-in default; what
// DescribeConfigs reports for them (sources and synonyms in Kafka's order), and which settings
// can change at runtime at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { dynamicBrokerConfig } from '../../src/config/dynamic.js';
import { effectiveTopicConfig } from '../../src/config/topic-configs.js';
import { ConfigSource, describeBrokerConfigs, describeTopicConfigs } from '../../src/broker/config-describe.js';
import { LocalMetadataStore } from '../../src/cluster/local-store.js';
import { LocalController } from '../../src/cluster/local-controller.js';
import type { TopicImage } from '../../src/cluster/metadata-image.js';

const flags = (m: Record<string, string>) => BrokerConfig.load({ flags: new Map(Object.entries(m)) });
const topic = (configs: Record<string, string>): TopicImage => ({ name: 't', id: 'AAAAAAAAAAAAAAAAAAAAAA', internal: false, configs, partitions: [] });

test('per-broker dynamic over cluster-wide dynamic over static over default', () => {
  const c = flags({ 'log.retention.ms': '5000', 'message.max.bytes': '2000' });
  assert.equal(c.retentionMs, 5000);
  assert.equal(c.source('log.retention.ms'), 'flag');
  c.applyDynamic({}, { 'log.retention.ms': '4000', 'log.segment.bytes': '100000' });
  assert.equal(c.retentionMs, 4000);
  assert.equal(c.source('log.retention.ms'), 'dynamic-default');
  assert.equal(c.int('log.segment.bytes'), 100000);
  c.applyDynamic({ 'log.retention.ms': '3000' }, { 'log.retention.ms': '4000' });
  assert.equal(c.retentionMs, 3000);
  assert.equal(c.source('log.retention.ms'), 'dynamic-broker');
  assert.equal(c.int('log.segment.bytes'), 1073741824, 'a layer is replaced as a whole');
  assert.equal(c.staticValue('log.retention.ms'), 5000);
  assert.equal(c.staticSource('log.retention.ms'), 'flag');
  // Removing the dynamic values brings the static one back.
  c.applyDynamic({}, {});
  assert.equal(c.retentionMs, 5000);
  assert.equal(c.int('message.max.bytes'), 2000);
});

test('a dynamic log.retention.ms wins over a static log.retention.hours, as its synonym', () => {
  const c = flags({ 'log.retention.hours': '1' });
  assert.equal(c.retentionMs, 3_600_000);
  c.applyDynamic({}, { 'log.retention.ms': '60000' });
  assert.equal(c.retentionMs, 60000);
});

test('topics without their own value follow the dynamic broker value; those with one keep it', () => {
  const c = flags({});
  c.applyDynamic({ 'log.retention.ms': '1000' }, { 'compression.type': 'gzip', 'log.cleanup.policy': 'compact', 'message.max.bytes': '3000' });
  const plain = effectiveTopicConfig(c, {});
  assert.equal(plain['retention.ms'], '1000');
  assert.equal(plain['compression.type'], 'gzip');
  assert.equal(plain['cleanup.policy'], 'compact');
  assert.equal(plain['max.message.bytes'], '3000');
  const own = effectiveTopicConfig(c, { 'retention.ms': '86400000', 'max.message.bytes': '500' });
  assert.equal(own['retention.ms'], '86400000');
  assert.equal(own['max.message.bytes'], '500');
});

test('values that do not parse and names that are not dynamic are left out, and said so', () => {
  const c = flags({});
  const problems = c.applyDynamic({ 'log.retention.ms': 'soon' }, { 'num.partitions': '3', 'log.segment.bytes': '2000' });
  assert.equal(problems.length, 2);
  assert.match(problems.join('\n'), /num\.partitions .*cannot be updated dynamically/);
  assert.match(problems.join('\n'), /log\.retention\.ms/);
  assert.equal(c.get('log.retention.ms'), null);
  assert.equal(c.int('num.partitions'), 1);
  assert.equal(c.int('log.segment.bytes'), 2000);
});

test('Kafka\'s dynamic settings are dynamic; its read-only ones and the retention synonyms are not', () => {
  for (const n of ['log.retention.ms', 'log.retention.bytes', 'log.segment.bytes', 'log.roll.ms', 'log.cleanup.policy', 'message.max.bytes', 'compression.type', 'min.insync.replicas', 'unclean.leader.election.enable', 'log.message.timestamp.type', 'log.cleaner.delete.retention.ms', 'log.cleaner.min.cleanable.ratio', 'log.cleaner.backoff.ms', 'log.cleaner.threads', 'producer.id.expiration.ms', 'transaction.partition.verification.enable']) {
    assert.ok(dynamicBrokerConfig(n), n);
  }
  for (const n of ['num.partitions', 'default.replication.factor', 'log.retention.hours', 'log.retention.minutes', 'log.roll.hours', 'log.dirs', 'listeners', 'broker.id', 'auto.create.topics.enable', 'log.retention.check.interval.ms', 'log.cleaner.enable', 'offsets.topic.num.partitions', 'zookeeper.connect', 'no.such.setting']) {
    assert.equal(dynamicBrokerConfig(n), undefined, n);
  }
});

test('DescribeConfigs on this broker: sources and synonyms in Kafka\'s order, read-only unless dynamic', () => {
  const c = flags({ 'log.retention.hours': '100', 'message.max.bytes': '2000' });
  c.applyDynamic({ 'log.retention.ms': '259200000' }, { 'log.retention.ms': '604800000', 'message.max.bytes': '3000' });
  const byName = new Map(describeBrokerConfigs(c, true, false).map((e) => [e.name, e]));
  const ms = byName.get('log.retention.ms')!;
  assert.equal(ms.value, '259200000');
  assert.equal(ms.configSource, ConfigSource.DYNAMIC_BROKER_CONFIG);
  assert.equal(ms.readOnly, false);
  // Kafka: synonyms={DYNAMIC_BROKER_CONFIG:log.retention.ms=259200000, DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=604800000,
  //                  STATIC_BROKER_CONFIG:log.retention.hours=100, DEFAULT_CONFIG:log.retention.hours=168}
  assert.deepEqual(ms.synonyms, [
    { name: 'log.retention.ms', value: '259200000', source: 2 },
    { name: 'log.retention.ms', value: '604800000', source: 3 },
    { name: 'log.retention.hours', value: '100', source: 4 },
    { name: 'log.retention.hours', value: '168', source: 5 },
  ]);
  const hours = byName.get('log.retention.hours')!;
  assert.equal(hours.configSource, ConfigSource.STATIC_BROKER_CONFIG);
  assert.equal(hours.readOnly, true);
  assert.deepEqual(hours.synonyms.map((s) => s.source), [4, 5]);
  const mmb = byName.get('message.max.bytes')!;
  assert.equal(mmb.value, '3000');
  assert.equal(mmb.configSource, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
  assert.deepEqual(mmb.synonyms.map((s) => [s.source, s.value]), [[3, '3000'], [4, '2000'], [5, '1048588']]);
  assert.equal(byName.get('num.partitions')!.readOnly, true);
  assert.equal(byName.get('num.partitions')!.configSource, ConfigSource.DEFAULT_CONFIG);
});

test('DescribeConfigs on the cluster-wide default lists only what is set, without per-broker values', () => {
  const c = flags({});
  c.applyDynamic({ 'log.retention.ms': '1000', 'log.segment.bytes': '5000' }, { 'log.retention.ms': '2000', 'log.cleaner.threads': '2' });
  const entries = describeBrokerConfigs(c, true, false, false);
  assert.deepEqual(entries.map((e) => [e.name, e.value, e.configSource]), [['log.retention.ms', '2000', 3], ['log.cleaner.threads', '2', 3]]);
  assert.deepEqual(entries[0]!.synonyms.map((s) => s.source), [3, 5], 'log.retention.hours behind it; no DYNAMIC_BROKER_CONFIG');
  // Settings accepted without effect show on the broker once set.
  const own = describeBrokerConfigs(c, false, false).find((e) => e.name === 'log.cleaner.threads');
  assert.equal(own?.value, '2');
});

test('a topic config\'s synonyms carry the dynamic broker layers behind it', () => {
  const c = flags({});
  c.applyDynamic({}, { 'log.retention.ms': '259200000' });
  let d = describeTopicConfigs(c, topic({}), true, false).find((e) => e.name === 'retention.ms')!;
  assert.equal(d.value, '259200000');
  assert.equal(d.configSource, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
  assert.deepEqual(d.synonyms, [{ name: 'log.retention.ms', value: '259200000', source: 3 }, { name: 'log.retention.hours', value: '168', source: 5 }]);
  d = describeTopicConfigs(c, topic({ 'retention.ms': '60000' }), true, false).find((e) => e.name === 'retention.ms')!;
  assert.equal(d.value, '60000');
  assert.deepEqual(d.synonyms.map((s) => s.source), [1, 3, 5]);
  c.applyDynamic({ 'log.segment.bytes': '1048576' }, {});
  d = describeTopicConfigs(c, topic({}), true, false).find((e) => e.name === 'segment.bytes')!;
  assert.equal(d.value, '1048576');
  assert.equal(d.configSource, ConfigSource.DYNAMIC_BROKER_CONFIG);
  assert.deepEqual(d.synonyms.map((s) => [s.name, s.source]), [['log.segment.bytes', 2], ['log.segment.bytes', 5]]);
});

test('samsa-metadata.json keeps the dynamic broker configs; a file written before them reads as none', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-dyncfg-'));
  try {
    // A metadata file of an earlier version: no brokerConfigs member.
    writeFileSync(join(dir, 'samsa-metadata.json'), JSON.stringify({ version: 1, clusterId: 'old-cluster', topics: [], nextProducerId: 3000 }));
    const self = { id: 0, host: '127.0.0.1', port: 9092, rack: null };
    const defaults = () => ({ numPartitions: 1, replicationFactor: 1, maxPartitionsPerRequest: 10_000, maxPartitions: 10_000, maxPartitionsSource: 'max.broker.partitions' });
    let store = new LocalMetadataStore(dir, 'unused', 0);
    assert.deepEqual(store.brokerConfigs(), {});
    let controller = new LocalController(store, self, defaults);
    assert.equal(controller.image.brokerConfigs.size, 0);
    let seen = 0;
    controller.onDelta((d) => void (seen += d.brokerConfigsChanged ? 1 : 0));
    const res = await controller.alterBrokerConfigs([{ entity: '<default>', configs: { 'log.retention.ms': '1000' } }, { entity: '0', configs: { 'message.max.bytes': '2000' } }], false);
    assert.deepEqual(res.map((r) => r.errorCode), [0, 0]);
    assert.equal(seen, 1, 'one delta for the request');
    assert.deepEqual(controller.image.brokerConfig('<default>'), { 'log.retention.ms': '1000' });
    // validateOnly changes nothing.
    await controller.alterBrokerConfigs([{ entity: '<default>', configs: {} }], true);
    assert.deepEqual(controller.image.brokerConfig('<default>'), { 'log.retention.ms': '1000' });
    const file = JSON.parse(readFileSync(join(dir, 'samsa-metadata.json'), 'utf8')) as { clusterId: string; nextProducerId: number; brokerConfigs: unknown };
    assert.equal(file.clusterId, 'old-cluster');
    assert.equal(file.nextProducerId, 3000);
    assert.deepEqual(file.brokerConfigs, { '<default>': { 'log.retention.ms': '1000' }, '0': { 'message.max.bytes': '2000' } });
    // Read back by the next run; an empty set removes the entity.
    store = new LocalMetadataStore(dir, 'unused', 0);
    controller = new LocalController(store, self, defaults);
    assert.deepEqual(controller.image.brokerConfig('0'), { 'message.max.bytes': '2000' });
    await controller.alterBrokerConfigs([{ entity: '0', configs: {} }], false);
    assert.deepEqual(new LocalMetadataStore(dir, 'unused', 0).brokerConfigs(), { '<default>': { 'log.retention.ms': '1000' } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
