import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { KafkaClient, GroupConsumer, Producer } from '../../src/client/index.js';
import { rows, run, samsa } from './helpers.js';

let b: StartedBroker;

test.before(async () => {
  b = await startBroker({ 'group.initial.rebalance.delay.ms': '0' });
});
test.after(async () => {
  await b?.stop();
});

const CONFLUENT = `
import json, sys
from confluent_kafka import Consumer, TopicPartition
bs, topic, group, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = Consumer({'bootstrap.servers': bs, 'group.id': group, 'auto.offset.reset': 'earliest', 'enable.auto.commit': False})
c.subscribe([topic])
got = 0
while got < n:
    m = c.poll(10)
    if m is None: raise SystemExit('timed out')
    if m.error(): continue
    got += 1
c.commit(asynchronous=False)
parts = [TopicPartition(topic, p) for p in range(3)]
out = {}
for tp in c.committed(parts, timeout=10):
    lo, hi = c.get_watermark_offsets(tp, timeout=10)
    out[tp.partition] = {'committed': tp.offset, 'end': hi, 'lag': (hi - tp.offset) if tp.offset >= 0 else None}
c.close()
print(json.dumps(out))
`;

test('group describe reports the lag a confluent-kafka group really has; list, delete', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'lag', '-p', '3'])).code, 0);
  const input = Array.from({ length: 90 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n';
  assert.equal((await samsa(bs, ['produce', 'lag', '-k', ':'], { input })).code, 0);
  const py = await run('/usr/bin/python3', ['-c', CONFLUENT, bs, 'lag', 'cg', '40'], { timeoutMs: 60_000 });
  assert.equal(py.code, 0, py.stderr);
  const truth = JSON.parse(py.stdout) as Record<string, { committed: number; end: number; lag: number | null }>;
  const r = await samsa(bs, ['group', 'describe', 'cg', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.equal(d.group, 'cg');
  assert.equal(d.state, 'Empty');
  const expected = Object.entries(truth)
    .filter(([, v]) => v.committed >= 0)
    .map(([p, v]) => ({ partition: Number(p), currentOffset: v.committed, logEndOffset: v.end, lag: v.lag }));
  assert.deepEqual(
    d.partitions.map((x: { partition: number; currentOffset: number; logEndOffset: number; lag: number }) => ({ partition: x.partition, currentOffset: x.currentOffset, logEndOffset: x.logEndOffset, lag: x.lag })),
    expected,
  );
  const totalLag = expected.reduce((s, x) => s + (x.lag ?? 0), 0);
  assert.equal(d.totalLag, totalLag);
  // Committed 40 records' worth in total.
  assert.equal(expected.reduce((s, x) => s + x.currentOffset, 0), 40);
  const t = await samsa(bs, ['group', 'describe', 'cg']);
  assert.deepEqual(rows(t.stdout)[1], ['cg', '0', 'Empty', '-', '0', String(totalLag)]);
  assert.deepEqual(rows(t.stdout)[3], ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-START-OFFSET', 'LOG-END-OFFSET', 'LAG', 'MEMBER-ID', 'CLIENT-ID', 'HOST']);

  const l = await samsa(bs, ['group', 'list', '--format', 'json']);
  assert.deepEqual(JSON.parse(l.stdout).map((g: { groupId: string }) => g.groupId), ['cg']);
  assert.equal((await samsa(bs, ['group', 'delete', 'cg'])).code, 0);
  const missing = await samsa(bs, ['group', 'describe', 'cg']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^samsa: .*cg.*\n$/);
});

test('group seek moves a kafkajs group\'s committed offsets and the group resumes there', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'seek', '-p', '1'])).code, 0);
  assert.equal((await samsa(bs, ['produce', 'seek'], { input: Array.from({ length: 10 }, (_, i) => `m${i}`).join('\n') + '\n' })).code, 0);
  const kafka = new Kafka({ brokers: [bs], clientId: 'seek-test', logLevel: logLevel.NOTHING });
  const consumeFrom = async (count: number): Promise<number[]> => {
    const c = kafka.consumer({ groupId: 'kg', sessionTimeout: 10_000, heartbeatInterval: 500 });
    await c.connect();
    await c.subscribe({ topic: 'seek', fromBeginning: true });
    const seen: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kafkajs saw only ${seen.join(',')}`)), 30_000);
      void c.run({
        eachMessage: async ({ message }) => {
          seen.push(Number(message.offset));
          if (seen.length === count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await c.disconnect();
    return seen;
  };
  assert.deepEqual(await consumeFrom(10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  let r = await samsa(bs, ['group', 'describe', 'kg', '--format', 'json']);
  assert.equal(JSON.parse(r.stdout).partitions[0].currentOffset, 10);

  r = await samsa(bs, ['group', 'seek', 'kg', '--to', '3']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(rows(r.stdout).slice(0, 2), [['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'NEW-OFFSET'], ['seek', '0', '10', '3']]);
  assert.match(r.stdout, /Dry run/);
  r = await samsa(bs, ['group', 'describe', 'kg', '--format', 'json']);
  assert.equal(JSON.parse(r.stdout).partitions[0].currentOffset, 10, 'dry run changes nothing');

  r = await samsa(bs, ['group', 'seek', 'kg', '--to', '3', '--execute', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).partitions, [{ topic: 'seek', partition: 0, currentOffset: 10, newOffset: 3 }]);
  assert.deepEqual(await consumeFrom(7), [3, 4, 5, 6, 7, 8, 9]);

  r = await samsa(bs, ['group', 'seek', 'kg', '--to', 'start', '--execute']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(rows(r.stdout)[1], ['seek', '0', '10', '0']);
  r = await samsa(bs, ['group', 'seek', 'kg', '--to', 'soon']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^samsa: bad offset "soon"/);
});

test('project group consumer: two members split partitions by range and commit', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'gc', '-p', '4'])).code, 0);
  const client = new KafkaClient({ brokers: bs });
  const p = new Producer(client);
  await p.sendAll(Array.from({ length: 40 }, (_, i) => ({ topic: 'gc', key: `k${i}`, value: `v${i}` })));
  const a = new GroupConsumer(client, { groupId: 'own', topics: ['gc'], autoOffsetReset: 'earliest', maxWaitMs: 100, heartbeatIntervalMs: 300 });
  const seen = new Set<string>();
  const deadline = Date.now() + 20_000;
  while (seen.size < 40 && Date.now() < deadline) for (const r of await a.poll()) seen.add(r.value!.toString());
  assert.equal(seen.size, 40);
  assert.deepEqual(a.assignment, new Map([['gc', [0, 1, 2, 3]]]));
  await a.commit();
  await a.close();
  const d = JSON.parse((await samsa(bs, ['group', 'describe', 'own', '--format', 'json'])).stdout);
  assert.equal(d.totalLag, 0);
  assert.equal(d.partitions.reduce((s: number, x: { currentOffset: number }) => s + x.currentOffset, 0), 40);
  await client.close();
});
