import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../../src/node/start-broker.js';
import { Admin, Fetcher, KafkaClient, Producer, murmur2, rangeAssign, decodeAssignment, encodeAssignment, encodeSubscription, decodeSubscription, KafkaError } from '../../src/client/index.js';

test('murmur2 matches Kafka test vectors', () => {
  // From Kafka's UtilsTest.testMurmur2.
  const cases: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [s, h] of cases) assert.equal(murmur2(Buffer.from(s)), h, s);
});

test('range assignor and consumer protocol round trip', () => {
  const plan = rangeAssign(
    [
      { memberId: 'b', topics: ['t'] },
      { memberId: 'a', topics: ['t', 'u'] },
    ],
    new Map([
      ['t', 5],
      ['u', 2],
    ]),
  );
  assert.deepEqual(plan.get('a'), new Map([['t', [0, 1, 2]], ['u', [0, 1]]]));
  assert.deepEqual(plan.get('b'), new Map([['t', [3, 4]]]));
  const a = decodeAssignment(encodeAssignment(plan.get('a')!));
  assert.deepEqual(a?.assignedPartitions, [{ topic: 't', partitions: [0, 1, 2] }, { topic: 'u', partitions: [0, 1] }]);
  assert.deepEqual(decodeSubscription(encodeSubscription(['x', 'y'], 1))?.topics, ['x', 'y']);
});

test('client: negotiate, create topic, produce with compression, fetch, list offsets', async (t) => {
  const b = await startBroker();
  const client = new KafkaClient({ brokers: b.bootstrap });
  t.after(async () => {
    await client.close();
    await b.stop();
  });
  const admin = new Admin(client);
  const created = await admin.createTopics([{ name: 'c1', partitions: 3, replicationFactor: 1 }]);
  assert.deepEqual(created.map((r) => r.errorCode), [0]);
  const md = await admin.describeTopics(['c1']);
  assert.equal(md[0]!.partitions.length, 3);

  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const p = new Producer(client, { compression, lingerMs: 2 });
    const res = await p.sendAll(
      Array.from({ length: 50 }, (_, i) => ({ topic: 'c1', key: `k${i % 7}`, value: `${compression}-${i}`, headers: [{ key: 'h', value: 'v' }] })),
    );
    // Same key → same partition (murmur2), offsets dense per partition.
    const byKey = new Map<string, number>();
    res.forEach((r, i) => {
      const k = `k${i % 7}`;
      if (byKey.has(k)) assert.equal(byKey.get(k), r.partition);
      byKey.set(k, r.partition);
      assert.ok(r.offset >= 0);
    });
    await p.close();
  }
  const ends = await admin.listOffsets('c1', null, -1);
  assert.equal([...ends.values()].reduce((a, b) => a + b, 0), 250);
  const starts = await admin.listOffsets('c1', null, -2);
  assert.deepEqual([...starts.values()], [0, 0, 0]);

  const f = new Fetcher(client, admin, { maxWaitMs: 100 });
  for (const p of [0, 1, 2]) f.assign('c1', p, 0);
  const got: string[] = [];
  const deadline = Date.now() + 10_000;
  while (got.length < 250 && Date.now() < deadline) {
    for (const r of await f.poll()) {
      got.push(r.value!.toString());
      assert.equal(r.headers[0]!.key, 'h');
      assert.equal(r.headers[0]!.value!.toString(), 'v');
    }
  }
  assert.equal(got.length, 250);
  assert.ok(f.caughtUp());
  for (const c of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) assert.equal(got.filter((v) => v.startsWith(`${c}-`)).length, 50);

  // Unknown topic surfaces Kafka's error code.
  await assert.rejects(() => client.topic('nope'), (e: unknown) => e instanceof KafkaError && e.errorCode === 3);
  const del = await admin.deleteTopics(['c1']);
  assert.equal(del[0]!.errorCode, 0);
});

test('client: a broker that is down fails with a clear error', async () => {
  const client = new KafkaClient({ brokers: '127.0.0.1:1', retries: 0 });
  await assert.rejects(() => client.metadata(), /cannot connect to broker 127\.0\.0\.1:1: connection refused/);
  await client.close();
});
