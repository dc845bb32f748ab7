// librdkafka 2.0.2's admin API against the broker: ListConsumerGroups (ListGroups v4 with one
// trailing byte), ListConsumerGroupOffsets without partitions (OffsetFetch v7 with three) and
// DescribeConsumerGroups, through a small C program built against Debian's librdkafka-dev —
// the calls behind confluent-kafka's list_consumer_groups() and list_consumer_group_offsets(),
// which Debian's Python binding (1.7) does not expose. Then confluent-kafka's AdminClient sets
// Kafka 3.9 topic configs that Samsa accepts without acting on them (message.format.version).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerProcess, python, repoRoot, runOk } from '../helpers/broker-process.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';
import { Background, FAST_GROUPS, describeGroup, produceTagged, waitFor } from '../group/helpers.js';
import { OffsetCommit } from '../../src/protocol/index.js';

describe('librdkafka admin API', { timeout: 120_000 }, () => {
  let broker: BrokerProcess;
  let wire: WireClient;
  let member: Background | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'samsa-rdkafka-'));
  const program = join(dir, 'rdkafka_admin');

  before(async () => {
    await runOk('cc', ['-O1', '-o', program, join(repoRoot, 'test', 'interop', 'c', 'rdkafka_admin.c'), '-lrdkafka']);
    broker = await BrokerProcess.start({ settings: FAST_GROUPS });
    wire = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(wire, 'rda', 3), 0);
    await produceTagged(wire, 'rda', 3, 5, 'rda');
    const commit = await wire.request(OffsetCommit, 8, {
      groupId: 'rda-offsets', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
      topics: [{ name: 'rda', partitions: [0, 1, 2].map((p) => ({ partitionIndex: p, committedOffset: p + 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' })) }],
    });
    assert.deepEqual(commit.topics[0]!.partitions.map((p) => p.errorCode), [0, 0, 0]);
    member = new Background('kcat', ['-b', broker.bootstrap, '-G', 'rda-live', '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=6000', 'rda']);
    await waitFor(async () => (await describeGroup(wire, 'rda-live')).groupState === 'Stable', { timeoutMs: 30_000, what: 'kcat member in a stable group' });
  });
  after(async () => {
    await member?.kill();
    wire?.close();
    broker?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('ListConsumerGroups, ListConsumerGroupOffsets and DescribeConsumerGroups answer', async () => {
    const lines = (await runOk(program, [broker.bootstrap, 'rda-offsets', 'rda-live'], { timeoutMs: 60_000 })).trim().split('\n').map((l) => JSON.parse(l));
    const [listed, offsets, described] = lines;
    assert.equal(listed.errors, 0);
    assert.deepEqual(listed.groups.map((g: { id: string; state: string }) => `${g.id}:${g.state}`).sort(), ['rda-live:Stable', 'rda-offsets:Empty']);
    assert.equal(offsets.offsets.length, 1);
    assert.equal(offsets.offsets[0].group, 'rda-offsets');
    assert.equal(offsets.offsets[0].error, '');
    assert.deepEqual(offsets.offsets[0].partitions.sort(), [['rda', 0, 1, 'NO_ERROR'], ['rda', 1, 2, 'NO_ERROR'], ['rda', 2, 3, 'NO_ERROR']]);
    assert.deepEqual(described.describe, [
      { id: 'rda-offsets', state: 'Empty', members: 0, error: '' },
      { id: 'rda-live', state: 'Stable', members: 1, error: '' },
    ]);
  });

  test('confluent-kafka sets message.format.version and other accepted Kafka 3.9 topic configs', async () => {
    const script = `
import json, sys
from confluent_kafka.admin import AdminClient, NewTopic, ConfigResource
a = AdminClient({'bootstrap.servers': sys.argv[1]})
cfg = {'message.format.version': '0.10.0', 'preallocate': 'true', 'segment.jitter.ms': '100', 'message.timestamp.difference.max.ms': '1000'}
a.create_topics([NewTopic('rda-cfg', 1, 1, config=cfg)])['rda-cfg'].result(timeout=10)
d = a.describe_configs([ConfigResource('topic', 'rda-cfg')])
entries = list(d.values())[0].result(timeout=10)
print(json.dumps({k: {'value': e.value, 'source': e.source} for k, e in entries.items()}))
`;
    const out = JSON.parse(await runOk(python, ['-c', script, broker.bootstrap], { timeoutMs: 60_000 }));
    assert.deepEqual(out['message.format.version'], { value: '0.10.0', source: 1 });
    assert.deepEqual(out['preallocate'], { value: 'true', source: 1 });
    assert.deepEqual(out['segment.jitter.ms'], { value: '100', source: 1 });
    assert.deepEqual(out['message.downconversion.enable'], { value: 'true', source: 5 });
    assert.deepEqual(out['compression.zstd.level'], { value: '3', source: 5 });
  });
});
