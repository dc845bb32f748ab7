// Commands rpk users reach for: topic create --if-not-exists, produce tombstones (-Z) and a
// fixed key (--key), consume offset ranges (-o N:M), group offset-delete, topic delete-records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { Admin, KafkaClient } from '../../src/client/index.js';
import { rows, samsa } from './helpers.js';

let b: StartedBroker;

test.before(async () => {
  b = await startBroker();
});
test.after(async () => {
  await b?.stop();
});

const lines = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `v${from + i}`).join('\n') + '\n';

test('topic create --if-not-exists succeeds on topics that exist and creates the others', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'ine', '-p', '2'])).code, 0);
  let r = await samsa(bs, ['topic', 'create', 'ine']);
  assert.equal(r.code, 1);
  r = await samsa(bs, ['topic', 'create', 'ine', 'ine2', '--if-not-exists']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(rows(r.stdout), [['TOPIC', 'STATUS'], ['ine', 'EXISTS'], ['ine2', 'OK']]);
  r = await samsa(bs, ['topic', 'create', 'ine', '--if-not-exists', '--format', 'json']);
  assert.deepEqual(JSON.parse(r.stdout), [{ topic: 'ine', error: null, existed: true }]);
  // An error other than "exists" still fails.
  r = await samsa(bs, ['topic', 'create', 'bad', '--if-not-exists', '-c', 'cleanup.policy=nonsense']);
  assert.equal(r.code, 1);
});

test('produce --key gives every record one key; -Z sends empty values as null (tombstones)', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'tomb', '-p', '1', '-c', 'cleanup.policy=compact'])).code, 0);
  let r = await samsa(bs, ['produce', 'tomb', '--key', 'user-1'], { input: 'first\nsecond\n' });
  assert.equal(r.code, 0, r.stderr);
  r = await samsa(bs, ['produce', 'tomb', '-k', ':', '-Z'], { input: 'user-1:\nuser-2:kept\n' });
  assert.equal(r.code, 0, r.stderr);
  r = await samsa(bs, ['consume', 'tomb', '-e', '-f', '%o %k %S\\n']);
  assert.equal(r.stdout, '0 user-1 5\n1 user-1 6\n2 user-1 -1\n3 user-2 4\n');
  r = await samsa(bs, ['consume', 'tomb', '-o', '2', '-e', '--format', 'json']);
  assert.equal(JSON.parse(r.stdout.split('\n')[0]!).value, null);
  // Without -Z an empty line is an empty value, not a tombstone.
  r = await samsa(bs, ['produce', 'tomb', '--key', 'user-3'], { input: '\n' });
  assert.equal(r.code, 0, r.stderr);
  r = await samsa(bs, ['consume', 'tomb', '-o', '4', '-e', '-f', '%k %S\\n']);
  assert.equal(r.stdout, 'user-3 0\n');
  r = await samsa(bs, ['produce', 'tomb', '--key', 'a', '-k', ':'], { input: 'x\n' });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'samsa: give --key or --key-delimiter, not both\n');
});

test('consume -o N:M prints offsets N up to M excluded and exits; N: and :M', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'rng', '-p', '1'])).code, 0);
  assert.equal((await samsa(bs, ['produce', 'rng'], { input: lines(30) })).code, 0);
  const offsets = async (args: string[]) => {
    const r = await samsa(bs, ['consume', 'rng', ...args, '-f', '%o\\n'], { timeoutMs: 15_000 });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split('\n').filter(Boolean).map(Number);
  };
  const range = (a: number, z: number) => Array.from({ length: z - a }, (_, i) => a + i);
  assert.deepEqual(await offsets(['-o', '10:20']), range(10, 20));
  assert.deepEqual(await offsets(['-o', '25:']), range(25, 30));
  assert.deepEqual(await offsets(['-o', '27:end']), range(27, 30));
  assert.deepEqual(await offsets(['-o', ':3']), range(0, 3));
  assert.deepEqual(await offsets(['-o', '5:100', '-e']), range(5, 30));
  assert.deepEqual(await offsets(['-o', '8:8']), []);
  assert.deepEqual(await offsets(['-o', '10:20', '-n', '3']), range(10, 13));

  assert.equal((await samsa(bs, ['topic', 'create', 'rng2', '-p', '2'])).code, 0);
  for (const p of ['0', '1']) assert.equal((await samsa(bs, ['produce', 'rng2', '-p', p], { input: lines(5) })).code, 0);
  const r = await samsa(bs, ['consume', 'rng2', '-o', '1:3', '-f', '%p/%o\\n']);
  assert.deepEqual(r.stdout.trim().split('\n').sort(), ['0/1', '0/2', '1/1', '1/2']);

  const g = await samsa(bs, ['consume', 'rng', '-o', '1:3', '-g', 'x']);
  assert.equal(g.code, 1);
  assert.match(g.stderr, /^samsa: a range \(-o N:M or @A:B\) reads partitions by offset; it cannot be combined with -g\n$/);
});

test('group offset-delete removes a group\'s committed offsets of a topic', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'od', '-p', '3'])).code, 0);
  assert.equal((await samsa(bs, ['topic', 'create', 'od-other', '-p', '1'])).code, 0);
  const client = new KafkaClient({ brokers: bs });
  try {
    const admin = new Admin(client);
    await admin.commitOffsets('odg', [0, 1, 2].map((partition) => ({ topic: 'od', partition, offset: 0 })).concat([{ topic: 'od-other', partition: 0, offset: 0 }]));
    let r = await samsa(bs, ['group', 'offset-delete', 'odg', '--topic', 'od:0,2']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(rows(r.stdout), [['TOPIC', 'PARTITION', 'STATUS'], ['od', '0', 'DELETED'], ['od', '2', 'DELETED']]);
    assert.deepEqual((await admin.fetchOffsets('odg')).map((c) => `${c.topic}/${c.partition}`), ['od/1', 'od-other/0']);
    r = await samsa(bs, ['group', 'offset-delete', 'odg', '--topic', 'od', '--format', 'json']);
    assert.deepEqual(JSON.parse(r.stdout), { group: 'odg', topic: 'od', partitions: [{ partition: 1, error: null }] });
    assert.deepEqual((await admin.fetchOffsets('odg')).map((c) => `${c.topic}/${c.partition}`), ['od-other/0']);
    r = await samsa(bs, ['group', 'offset-delete', 'odg', '--topic', 'od']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'samsa: group odg has no committed offsets for od\n');
  } finally {
    await client.close();
  }
});

test('topic delete-records moves the log start offset', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'dr', '-p', '2'])).code, 0);
  for (const p of ['0', '1']) assert.equal((await samsa(bs, ['produce', 'dr', '-p', p], { input: lines(20) })).code, 0);
  let r = await samsa(bs, ['topic', 'delete-records', 'dr', '--before', '10', '-p', '0']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(rows(r.stdout), [['TOPIC', 'PARTITION', 'LOG-START-OFFSET'], ['dr', '0', '10']]);
  r = await samsa(bs, ['consume', 'dr', '-p', '0', '-o', 'start', '-n', '1']);
  assert.equal(r.stdout, 'v10\n');
  r = await samsa(bs, ['topic', 'delete-records', 'dr', '--before', 'end', '--format', 'json']);
  assert.deepEqual(JSON.parse(r.stdout), { topic: 'dr', partitions: [{ partition: 0, logStartOffset: 20 }, { partition: 1, logStartOffset: 20 }] });
  r = await samsa(bs, ['topic', 'describe', 'dr', '--format', 'json']);
  assert.deepEqual(JSON.parse(r.stdout).partitions.map((p: { logStartOffset: number }) => p.logStartOffset), [20, 20]);
  r = await samsa(bs, ['topic', 'delete-records', 'dr', '--before', '99']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^samsa: delete records of dr\/\d: OFFSET_OUT_OF_RANGE/);
});
