// `samsa topic describe` named config sources off by one (a default showed as
// STATIC_BROKER_CONFIG, a broker setting as DYNAMIC_DEFAULT_BROKER_CONFIG): the client's table of
// DescribeConfigs' configSource ids did not follow Kafka's numbering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { Admin, KafkaClient, ResourceType } from '../../src/client/index.js';
import { samsa } from './helpers.js';

let b: StartedBroker;

test.before(async () => {
  // log.retention.bytes set on the broker: retention.bytes of every topic comes from it.
  b = await startBroker({ 'log.retention.bytes': '123456789' });
});
test.after(async () => {
  await b?.stop();
});

test('topic describe shows DYNAMIC_TOPIC_CONFIG, STATIC_BROKER_CONFIG and DEFAULT_CONFIG where Kafka would', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'src', '-p', '1', '-c', 'retention.ms=3600000'])).code, 0);
  const r = await samsa(bs, ['topic', 'describe', 'src']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^retention\.ms\s+3600000\s+DYNAMIC_TOPIC_CONFIG$/m);
  assert.match(r.stdout, /^retention\.bytes\s+123456789\s+STATIC_BROKER_CONFIG$/m);
  assert.match(r.stdout, /^segment\.bytes\s+1073741824\s+DEFAULT_CONFIG$/m);
  const d = JSON.parse((await samsa(bs, ['topic', 'describe', 'src', '--format', 'json'])).stdout) as { configs: { name: string; source: string }[] };
  const source = (n: string) => d.configs.find((c) => c.name === n)?.source;
  assert.deepEqual([source('retention.ms'), source('retention.bytes'), source('cleanup.policy')], ['DYNAMIC_TOPIC_CONFIG', 'STATIC_BROKER_CONFIG', 'DEFAULT_CONFIG']);

  // The client's isDefault follows the source: only DEFAULT_CONFIG is a default.
  const client = new KafkaClient({ brokers: bs });
  try {
    const entries = await new Admin(client).describeConfigs(ResourceType.TOPIC, 'src');
    const byName = new Map(entries.map((e) => [e.name, e]));
    assert.equal(byName.get('segment.bytes')?.isDefault, true);
    assert.equal(byName.get('retention.bytes')?.isDefault, false);
    assert.equal(byName.get('retention.ms')?.isDefault, false);
  } finally {
    await client.close();
  }
});
