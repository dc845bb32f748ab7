// Dynamic broker configs from real admin clients (kafka-python and confluent-kafka AlterConfigs on
// BROKER resources, test/interop/py/broker_configs.py) and from `samsa cluster config set|get`
// (IncrementalAlterConfigs): a new log.retention.ms or message.max.bytes reaches every topic
// without its own value — its live log and its append path — and no topic with one; the values
// survive a restart; read-only settings are refused with Kafka's INVALID_REQUEST.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { runPython } from '../helpers/broker-process.js';
import { samsa } from '../cli/helpers.js';

const PLAIN = 'dyn-plain';
const OWN = 'dyn-own';
// Kafka's ConfigSource ids (DescribeConfigsResponse.json).
const DYNAMIC_TOPIC_CONFIG = 1;
const DYNAMIC_BROKER_CONFIG = 2;
const DYNAMIC_DEFAULT_BROKER_CONFIG = 3;
const DEFAULT_CONFIG = 5;

describe('dynamic broker configs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-dynamic-'));
  let b: StartedBroker;
  before(async () => {
    b = await startBroker({ 'log.retention.check.interval.ms': '60000' }, { dataDir });
    assert.equal((await samsa(b.bootstrap, ['topic', 'create', PLAIN])).code, 0);
    assert.equal((await samsa(b.bootstrap, ['topic', 'create', OWN, '-c', 'retention.ms=86400000', '-c', 'max.message.bytes=1000000'])).code, 0);
  });
  after(async () => {
    await b?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const retentionOf = (topic: string) => b.broker.partition(topic, 0)!.log.config['retention.ms'];

  /** Produces one record of `bytes` to partition 0; the error's type when refused. */
  async function produce(topic: string, bytes: number): Promise<string | null> {
    const kafka = new Kafka({ clientId: 'dyn', brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const p = kafka.producer({ allowAutoTopicCreation: false });
    await p.connect();
    try {
      await p.send({ topic, acks: 1, messages: [{ value: 'x'.repeat(bytes), partition: 0 }] });
      return null;
    } catch (e) {
      const err = e as { type?: string; originalError?: { type?: string } };
      return err.type ?? err.originalError?.type ?? String(e);
    } finally {
      await p.disconnect();
    }
  }

  it('kafka-python and confluent-kafka: per-broker over cluster-wide default, applied to topics without their own value', async () => {
    assert.equal(retentionOf(PLAIN), 604800000);
    const out = JSON.parse(await runPython('broker_configs.py', [b.bootstrap, PLAIN, OWN], { timeoutMs: 90_000 }));
    assert.deepEqual(out.set_default, [{ code: 0, message: null }]);
    assert.equal(out.set_read_only[0].code, 42, 'INVALID_REQUEST');
    assert.equal(out.set_read_only[0].message, "Invalid config value for resource ConfigResource(type=BROKER, name='0'): Cannot update these configs dynamically: Set(num.partitions)");
    assert.deepEqual(out.broker_after_default, {
      'log.retention.ms': { value: '3600000', source: DYNAMIC_DEFAULT_BROKER_CONFIG, read_only: false },
      'message.max.bytes': { value: '2000', source: DYNAMIC_DEFAULT_BROKER_CONFIG, read_only: false },
      'num.partitions': { value: '1', source: DEFAULT_CONFIG, read_only: true },
    });
    assert.deepEqual(out.plain_after_default, { 'retention.ms': { value: '3600000', source: DYNAMIC_DEFAULT_BROKER_CONFIG }, 'max.message.bytes': { value: '2000', source: DYNAMIC_DEFAULT_BROKER_CONFIG } });
    assert.deepEqual(out.own_after_default, { 'retention.ms': { value: '86400000', source: DYNAMIC_TOPIC_CONFIG }, 'max.message.bytes': { value: '1000000', source: DYNAMIC_TOPIC_CONFIG } });
    assert.equal(out.set_broker, null);
    assert.deepEqual(out.broker_after_broker, { 'log.retention.ms': { value: '7200000', source: DYNAMIC_BROKER_CONFIG, read_only: false } });
    assert.deepEqual(out.plain_after_broker['retention.ms'], { value: '7200000', source: DYNAMIC_BROKER_CONFIG });
    assert.deepEqual(out.own_after_broker['retention.ms'], { value: '86400000', source: DYNAMIC_TOPIC_CONFIG });
    // The live logs: the topic without an override follows, the other keeps its own.
    assert.equal(retentionOf(PLAIN), 7200000);
    assert.equal(retentionOf(OWN), 86400000);
    // message.max.bytes on the append path.
    assert.equal(await produce(PLAIN, 5000), 'MESSAGE_TOO_LARGE');
    assert.equal(await produce(OWN, 5000), null);
  });

  it('samsa cluster config set|get changes and shows the dynamic values', async () => {
    let r = await samsa(b.bootstrap, ['cluster', 'config', 'set', 'log.retention.ms=1800000', '--delete', 'message.max.bytes']);
    assert.equal(r.code, 0, r.stderr);
    r = await samsa(b.bootstrap, ['cluster', 'config', 'get', '-B', 'default', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [{ name: 'log.retention.ms', value: '1800000', source: 'DYNAMIC_DEFAULT_BROKER_CONFIG', readOnly: false, sensitive: false }]);
    // Broker 0's own value (from the clients above) still wins.
    assert.equal(retentionOf(PLAIN), 7200000);
    r = await samsa(b.bootstrap, ['cluster', 'config', 'set', '-B', '0', '--delete', 'log.retention.ms']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(retentionOf(PLAIN), 1800000);
    assert.equal(retentionOf(OWN), 86400000);
    assert.equal(await produce(PLAIN, 5000), null, 'message.max.bytes is back to its default');
    r = await samsa(b.bootstrap, ['cluster', 'config', 'get', 'log.retention.ms', 'log.retention.hours']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^log\.retention\.ms\s+1800000\s+DYNAMIC_DEFAULT_BROKER_CONFIG\s+false$/m);
    assert.match(r.stdout, /^log\.retention\.hours\s+168\s+DEFAULT_CONFIG\s+true$/m);
    r = await samsa(b.bootstrap, ['cluster', 'config', 'set', 'log.retention.hours=1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /INVALID_REQUEST .*Cannot update these configs dynamically: Set\(log\.retention\.hours\)/);
    r = await samsa(b.bootstrap, ['cluster', 'config', 'set', 'log.retention.ms=soon']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /INVALID_REQUEST .*log\.retention\.ms/);
    r = await samsa(b.bootstrap, ['cluster', 'config', 'set', '--dry-run', 'log.segment.bytes=1048576']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(b.broker.partition(PLAIN, 0)!.log.config['segment.bytes'], 1073741824, 'a dry run changes nothing');
  });

  it('the dynamic values are in samsa-metadata.json and apply again after a restart', async () => {
    await samsa(b.bootstrap, ['cluster', 'config', 'set', '-B', '0', 'log.segment.bytes=1048576']);
    const file = JSON.parse(readFileSync(join(dataDir, 'samsa-metadata.json'), 'utf8')) as { brokerConfigs: unknown };
    assert.deepEqual(file.brokerConfigs, { '<default>': { 'log.retention.ms': '1800000' }, '0': { 'log.segment.bytes': '1048576' } });
    await b.stop();
    b = await startBroker({ 'log.retention.check.interval.ms': '60000' }, { dataDir });
    assert.equal(retentionOf(PLAIN), 1800000);
    assert.equal(retentionOf(OWN), 86400000);
    assert.equal(b.broker.partition(PLAIN, 0)!.log.config['segment.bytes'], 1048576);
    const r = await samsa(b.bootstrap, ['cluster', 'config', 'get', 'log.segment.bytes', 'log.retention.ms', '--format', 'json']);
    assert.deepEqual(JSON.parse(r.stdout).map((c: { name: string; value: string; source: string }) => [c.name, c.value, c.source]), [
      ['log.retention.ms', '1800000', 'DYNAMIC_DEFAULT_BROKER_CONFIG'],
      ['log.segment.bytes', '1048576', 'DYNAMIC_BROKER_CONFIG'],
    ]);
  });
});
