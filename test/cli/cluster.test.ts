// samsa cluster health, logdirs and config get|set against the broker (rpk's cluster commands).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { clusterHealth } from '../../src/cli/commands.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rows, samsa } from './helpers.js';

let b: StartedBroker;
const dataDir = mkdtempSync(join(tmpdir(), 'samsa-cluster-cli-'));

test.before(async () => {
  b = await startBroker({ 'message.max.bytes': '500000' }, { dataDir });
});
test.after(async () => {
  await b?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('cluster health: a single broker with its partitions led is healthy', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'h1', '-p', '3'])).code, 0);
  let r = await samsa(bs, ['cluster', 'health', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { healthy: true, unhealthyReasons: [], controllerId: 0, allNodes: [0], nodesDown: [], leaderlessPartitions: [], underReplicatedPartitions: [] });
  r = await samsa(bs, ['cluster', 'health']);
  assert.match(r.stdout, /^CLUSTER HEALTH OVERVIEW\n=+\nHealthy: +true\n/);
  assert.match(r.stdout, /\nLeaderless partitions \(0\): +\[\]\n/);
});

test('cluster health reads brokers down, leaderless and under-replicated partitions from metadata', () => {
  const part = (partition: number, leader: number, replicas: number[], isr: number[]) => ({ partition, leader, leaderEpoch: 0, replicas, isr, offline: [], errorCode: 0 });
  const h = clusterHealth({
    clusterId: 'c',
    controllerId: 1,
    brokers: [{ nodeId: 1, host: 'a', port: 1, rack: null }, { nodeId: 2, host: 'b', port: 1, rack: null }],
    topics: [{ name: 't', topicId: '', internal: false, errorCode: 0, partitions: [part(0, 1, [1, 2], [1, 2]), part(1, 2, [2, 3], [2]), part(2, -1, [3], [])] }],
  });
  assert.deepEqual(h, {
    healthy: false,
    unhealthyReasons: ['nodes_down', 'leaderless_partitions', 'under_replicated_partitions'],
    controllerId: 1,
    allNodes: [1, 2],
    nodesDown: [3],
    leaderlessPartitions: ['t/2'],
    underReplicatedPartitions: ['t/1'],
  });
});

test('cluster logdirs: the data directory and the size of every partition', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'ld', '-p', '2'])).code, 0);
  assert.equal((await samsa(bs, ['produce', 'ld', '-p', '1'], { input: 'x'.repeat(1000) + '\n' })).code, 0);
  let r = await samsa(bs, ['cluster', 'logdirs', '-t', 'ld', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const [broker] = JSON.parse(r.stdout) as { broker: number; dirs: { dir: string; totalBytes: number; partitions: { topic: string; partition: number; size: number }[] }[] }[];
  assert.equal(broker!.broker, 0);
  assert.equal(broker!.dirs.length, 1);
  assert.equal(broker!.dirs[0]!.dir, dataDir);
  assert.ok(broker!.dirs[0]!.totalBytes > 0);
  const sizes = broker!.dirs[0]!.partitions.map((p) => [p.topic, p.partition, p.size]);
  assert.equal(sizes.length, 2);
  assert.deepEqual(sizes[0], ['ld', 0, 0]);
  // One batch of one 1000-byte record: 61 bytes of batch header, the record's own framing.
  assert.ok((sizes[1]![2] as number) > 1000 && (sizes[1]![2] as number) < 1100, String(sizes[1]));
  r = await samsa(bs, ['cluster', 'logdirs', '-t', 'ld']);
  assert.deepEqual(rows(r.stdout)[0], ['BROKER', 'DIR', 'TOPIC', 'PARTITION', 'SIZE', 'ERROR']);
  assert.deepEqual(rows(r.stdout)[1], ['0', dataDir, 'ld', '0', '0', '-']);
  r = await samsa(bs, ['cluster', 'logdirs', '-B', '7']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'samsa: no broker 7 in the cluster (brokers: 0)\n');
});

test('cluster config get shows broker configs with their sources; set reports the broker\'s refusal of a read-only one', async () => {
  const bs = b.bootstrap;
  let r = await samsa(bs, ['cluster', 'config', 'get', 'message.max.bytes', 'log.retention.hours', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const byName = Object.fromEntries((JSON.parse(r.stdout) as { name: string; value: string; source: string }[]).map((c) => [c.name, [c.value, c.source]]));
  assert.deepEqual(byName, { 'log.retention.hours': ['168', 'DEFAULT_CONFIG'], 'message.max.bytes': ['500000', 'STATIC_BROKER_CONFIG'] });
  r = await samsa(bs, ['cluster', 'config', 'get', 'message.max.bytes']);
  assert.deepEqual(rows(r.stdout), [['KEY', 'VALUE', 'SOURCE', 'READ-ONLY'], ['message.max.bytes', '500000', 'STATIC_BROKER_CONFIG', 'false']]);
  r = await samsa(bs, ['cluster', 'config', 'get', 'no.such.thing']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'samsa: unknown broker config no.such.thing\n');
  // A setting Kafka cannot change at runtime: the broker's INVALID_REQUEST comes back as one line.
  r = await samsa(bs, ['cluster', 'config', 'set', 'num.partitions=3']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^samsa: alter the cluster-wide broker configs: INVALID_REQUEST .*Cannot update these configs dynamically: Set\(num\.partitions\)\)\n$/);
  r = await samsa(bs, ['cluster', 'config', 'set', 'log.retention.ms']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'samsa: malformed config "log.retention.ms": expected key=value\n');
});
