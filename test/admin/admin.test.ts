// Topic administration through real clients: confluent-kafka's AdminClient and kafka-python's
// KafkaAdminClient (test/admin/py/*.py, each read back by the other client) and kafkajs admin
// (read back over the wire protocol). Invalid requests must get Kafka's error code and a message.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { DescribeConfigs, DescribeCluster, DescribeLogDirs, IncrementalAlterConfigs } from '../../src/protocol/index.js';
import { python, repoRoot, runOk } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';

const runAdminPy = (script: string, args: string[]) => runOk(python, [join(repoRoot, 'test', 'admin', 'py', script), ...args], { timeoutMs: 90_000 });

describe('admin interop', () => {
  let b: StartedBroker;
  before(async () => {
    b = await startBroker({ 'log.retention.check.interval.ms': '60000' });
  });
  after(async () => {
    await b.stop();
  });

  it('confluent-kafka AdminClient, read back by kafka-python', async () => {
    const out = JSON.parse(await runAdminPy('confluent_admin.py', [b.bootstrap, 'adm-confluent']));
    assert.equal(out.validate_only, null);
    assert.equal(out.exists_after_validate, false);
    assert.equal(out.create, null);
    assert.equal(out.bad_config.name, 'INVALID_CONFIG');
    assert.match(out.bad_config.str, /retention\.ms/);
    assert.equal(out.unknown_config.name, 'INVALID_CONFIG');
    assert.match(out.unknown_config.str, /no\.such\.config/);
    assert.equal(out.bad_rf.name, 'INVALID_REPLICATION_FACTOR');
    assert.match(out.bad_rf.str, /larger than available brokers/);
    assert.equal(out.listed, true);
    assert.deepEqual(out.described['retention.ms'], { value: '12345', source: 1 });
    assert.deepEqual(out.described['cleanup.policy'], { value: 'compact', source: 1 });
    assert.deepEqual(out.described['segment.bytes'], { value: '1073741824', source: 5 });
    assert.deepEqual(out.confluent_described['retention.ms'], { value: '12345', source: 1 });
    assert.equal(out.alter, null);
    // AlterConfigs replaces the set: cleanup.policy returns to its default
    assert.deepEqual(out.after_alter, {
      'retention.ms': { value: '99999', source: 1 },
      'max.message.bytes': { value: '2000000', source: 1 },
      'cleanup.policy': { value: 'delete', source: 5 },
    });
    assert.equal(out.alter_bad.name, 'INVALID_CONFIG');
    assert.match(out.alter_bad.str, /retention\.ms/);
    assert.equal(out.alter_validate_only, null);
    assert.equal(out.after_validate_only.value, '99999');
    assert.equal(out.partitions, null);
    assert.equal(out.partition_count, 4);
    assert.equal(out.shrink.name, 'INVALID_PARTITIONS');
    assert.match(out.shrink.str, /4 partitions/);
    assert.equal(out.delete, null);
    assert.equal(out.listed_after_delete, false);
    // applied live
    assert.equal(b.broker.topic('adm-confluent'), undefined);
  });

  it('kafka-python KafkaAdminClient, read back by confluent-kafka', async () => {
    const out = JSON.parse(await runAdminPy('kafka_python_admin.py', [b.bootstrap, 'adm-kp']));
    assert.equal(out.validate_only.ok, true);
    assert.equal(out.exists_after_validate, false);
    assert.equal(out.create.ok, true);
    assert.equal(out.create_again.error, 'TopicAlreadyExistsError');
    assert.match(out.create_again.str, /already exists/);
    assert.equal(out.listed, true);
    assert.deepEqual(out.described['segment.bytes'], { value: '1048576', source: 1 });
    assert.equal(out.described['retention.ms'].source, 5);
    assert.equal(out.alter.ok, true);
    assert.deepEqual(out.after_alter['compression.type'], { value: 'gzip', source: 1 });
    assert.equal(out.after_alter['segment.bytes'].source, 5);
    assert.match(out.alter_unknown.resp, /40/);
    assert.match(out.alter_unknown.resp, /bogus\.setting/);
    assert.equal(out.partitions.ok, true);
    assert.equal(out.partition_count, 3);
    assert.equal(out.partitions_same.error, 'InvalidPartitionsError');
    assert.match(out.partitions_same.str, /already has 3 partitions/);
    assert.deepEqual(out.broker_configs, { 'log.retention.check.interval.ms': '60000', 'num.partitions': '1' });
    assert.equal(out.delete.ok, true);
    assert.equal(out.listed_after_delete, false);
  });

  it('kafkajs admin, read back over the wire', async () => {
    const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'adm', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const wire = await WireClient.connect(b.bootstrap);
    try {
      const topic = 'adm-kafkajs';
      await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic, numPartitions: 1 }] });
      assert.equal(b.broker.topic(topic), undefined);
      assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'retention.bytes', value: '5000' }] }] }), true);
      assert.ok((await admin.listTopics()).includes(topic));
      await assert.rejects(
        admin.createTopics({ topics: [{ topic: 'adm-bad', configEntries: [{ name: 'cleanup.policy', value: 'shred' }] }] }),
        (e: { errors?: Array<{ type: string; message: string }> }) => e.errors?.[0]?.type === 'INVALID_CONFIG',
      );
      const d = await admin.describeConfigs({ includeSynonyms: true, resources: [{ type: 2, name: topic }] });
      const entry = d.resources[0]!.configEntries.find((c) => c.configName === 'retention.bytes')!;
      assert.equal(entry.configValue, '5000');
      assert.equal(entry.configSource, 1);
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: topic, configEntries: [{ name: 'min.insync.replicas', value: '1' }, { name: 'segment.ms', value: '60000' }] }] });
      // read back with our own wire client, with synonyms
      const rb = await wire.request(DescribeConfigs, 4, { resources: [{ resourceType: 2, resourceName: topic, configurationKeys: ['segment.ms', 'retention.bytes'] }], includeSynonyms: true, includeDocumentation: true });
      const byName = new Map(rb.results[0]!.configs.map((c) => [c.name, c]));
      assert.equal(byName.get('segment.ms')!.value, '60000');
      assert.equal(byName.get('segment.ms')!.configSource, 1);
      assert.equal(byName.get('segment.ms')!.configType, 5);
      assert.ok(byName.get('segment.ms')!.documentation);
      // Kafka's synonyms: the topic's own value; log.roll.ms has no default (log.roll.hours gives it), so nothing more.
      assert.deepEqual(byName.get('segment.ms')!.synonyms.map((s) => s.source), [1]);
      assert.equal(byName.get('retention.bytes')!.configSource, 5, 'alterConfigs replaced the whole set');
      assert.equal(b.broker.partition(topic, 0)!.log.config['segment.ms'], 60000, 'applied to the live log');
      // incremental: SET, APPEND, SUBTRACT, DELETE, and the errors
      const inc = (configs: Array<{ name: string; configOperation: number; value: string | null }>, validateOnly = false) =>
        wire.request(IncrementalAlterConfigs, 1, { resources: [{ resourceType: 2, resourceName: topic, configs }], validateOnly });
      let r = await inc([{ name: 'cleanup.policy', configOperation: 2, value: 'compact' }, { name: 'segment.ms', configOperation: 1, value: null }]);
      assert.equal(r.responses[0]!.errorCode, 0);
      assert.equal(b.broker.topic(topic)!.configs['cleanup.policy'], 'delete,compact');
      assert.equal(b.broker.topic(topic)!.configs['segment.ms'], undefined);
      r = await inc([{ name: 'cleanup.policy', configOperation: 3, value: 'delete' }]);
      assert.equal(b.broker.topic(topic)!.configs['cleanup.policy'], 'compact');
      assert.equal(b.broker.partition(topic, 0)!.settings.requireKeys, true);
      r = await inc([{ name: 'retention.ms', configOperation: 2, value: '5' }]);
      assert.equal(r.responses[0]!.errorCode, 42);
      assert.match(r.responses[0]!.errorMessage!, /append is not allowed for config key: retention.ms/);
      r = await inc([{ name: 'min.cleanable.dirty.ratio', configOperation: 0, value: '2' }]);
      assert.equal(r.responses[0]!.errorCode, 40);
      assert.match(r.responses[0]!.errorMessage!, /min\.cleanable\.dirty\.ratio/);
      r = await inc([{ name: 'retention.ms', configOperation: 0, value: '1000' }], true);
      assert.equal(r.responses[0]!.errorCode, 0);
      assert.equal(b.broker.topic(topic)!.configs['retention.ms'], undefined, 'validateOnly changed nothing');
      const br = await wire.request(IncrementalAlterConfigs, 1, { resources: [{ resourceType: 4, resourceName: '0', configs: [{ name: 'num.partitions', configOperation: 0, value: '3' }] }], validateOnly: false });
      assert.equal(br.responses[0]!.errorCode, 42, 'INVALID_REQUEST, as Kafka');
      assert.match(br.responses[0]!.errorMessage!, /Cannot update these configs dynamically: Set\(num\.partitions\)/);
      // partitions, records
      await admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] });
      const md = await admin.fetchTopicMetadata({ topics: [topic] });
      assert.equal(md.topics[0]!.partitions.length, 2);
      await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic, count: 1 }] }), /partitions/i);
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: 0 })) });
      await producer.disconnect();
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '4' }] });
      const offs = await admin.fetchTopicOffsets(topic);
      assert.equal(offs.find((o) => o.partition === 0)!.low, '4');
      await assert.rejects(admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '99' }] }), /OFFSET_OUT_OF_RANGE|out of range|not within the range|deleting records/i);
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '-1' }] });
      assert.equal((await admin.fetchTopicOffsets(topic)).find((o) => o.partition === 0)!.low, '10');
      // cluster and log dirs
      const cl = await wire.request(DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
      assert.equal(cl.clusterId, b.broker.clusterId);
      assert.deepEqual(cl.brokers.map((x) => x.port), [b.port]);
      const ld = await wire.request(DescribeLogDirs, 4, { topics: [{ topic, partitions: [0, 1] }] });
      assert.equal(ld.results[0]!.topics[0]!.partitions.length, 2);
      assert.ok(ld.results[0]!.totalBytes > 0);
      await admin.deleteTopics({ topics: [topic] });
      assert.ok(!(await admin.listTopics()).includes(topic));
    } finally {
      wire.close();
      await admin.disconnect();
    }
  });
});
