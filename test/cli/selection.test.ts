// rpk's ways of choosing what to read and where to seek: several topics and regular expressions
// in topic list/describe and consume, offsets by relative time (@-1h) and time ranges (@A:B),
// binary keys and values as hex or base64 both ways, group describe of several groups with
// LOG-START-OFFSET, group seek --to-group and --shift-by.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { Admin, KafkaClient, Producer } from '../../src/client/index.js';
import { parseOffsetSpec } from '../../src/cli/record-format.js';
import { rows, samsa } from './helpers.js';

let b: StartedBroker;

test.before(async () => {
  b = await startBroker();
});
test.after(async () => {
  await b?.stop();
});

const lines = (n: number, prefix = 'v') => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join('\n') + '\n';

async function withAdmin<T>(fn: (client: KafkaClient, admin: Admin) => Promise<T>): Promise<T> {
  const client = new KafkaClient({ brokers: b.bootstrap });
  try {
    return await fn(client, new Admin(client));
  } finally {
    await client.close();
  }
}

test('offset specs: relative times, time ranges and a duration after the start', () => {
  const now = 1_700_000_000_000;
  assert.deepEqual(parseOffsetSpec('@-1h', now), { kind: 'timestamp', timestamp: now - 3_600_000 });
  assert.deepEqual(parseOffsetSpec('@-1h30m', now), { kind: 'timestamp', timestamp: now - 5_400_000 });
  assert.deepEqual(parseOffsetSpec('@-48h:-24h', now), { kind: 'timeRange', from: now - 172_800_000, to: now - 86_400_000 });
  assert.deepEqual(parseOffsetSpec('@1000:1h', now), { kind: 'timeRange', from: 1000, to: 1000 + 3_600_000 });
  assert.deepEqual(parseOffsetSpec('@1000:+90s', now), { kind: 'timeRange', from: 1000, to: 91_000 });
  assert.deepEqual(parseOffsetSpec('@:2000', now), { kind: 'timeRange', from: null, to: 2000 });
  assert.deepEqual(parseOffsetSpec('@-2d:', now), { kind: 'timeRange', from: now - 172_800_000, to: null });
  assert.deepEqual(parseOffsetSpec('@2024-01-02T03:04:05Z', now), { kind: 'timestamp', timestamp: Date.parse('2024-01-02T03:04:05Z') });
  assert.deepEqual(parseOffsetSpec('@2024-01-02T03:04:05Z:2024-01-03', now), { kind: 'timeRange', from: Date.parse('2024-01-02T03:04:05Z'), to: Date.parse('2024-01-03') });
  assert.deepEqual(parseOffsetSpec('@1700000000000', now), { kind: 'timestamp', timestamp: 1_700_000_000_000 });
  for (const bad of ['@-1x', '@', '@:', '@soon', '@1h']) assert.throws(() => parseOffsetSpec(bad, now), /^CliError: bad offset/, bad);
});

test('topic list and describe take several topics and regular expressions (whole names)', async () => {
  const bs = b.bootstrap;
  for (const t of ['sel-orders-eu', 'sel-orders-us', 'sel-payments']) assert.equal((await samsa(bs, ['topic', 'create', t, '-p', '2'])).code, 0);
  let r = await samsa(bs, ['topic', 'list', '-r', 'sel-orders-.*', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).map((t: { name: string }) => t.name), ['sel-orders-eu', 'sel-orders-us']);
  // Whole names: "sel-orders" matches neither topic; two expressions are a union.
  r = await samsa(bs, ['topic', 'list', '-r', 'sel-orders', 'sel-pay.*']);
  assert.deepEqual(rows(r.stdout), [['NAME', 'PARTITIONS', 'REPLICAS'], ['sel-payments', '2', '1']]);
  r = await samsa(bs, ['topic', 'list', 'sel-payments', 'sel-orders-us', '--format', 'json']);
  assert.deepEqual(JSON.parse(r.stdout).map((t: { name: string }) => t.name).sort(), ['sel-orders-us', 'sel-payments']);
  r = await samsa(bs, ['topic', 'describe', '-r', 'sel-orders-.*', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).map((t: { name: string; partitions: unknown[] }) => [t.name, t.partitions.length]), [['sel-orders-eu', 2], ['sel-orders-us', 2]]);
  r = await samsa(bs, ['topic', 'describe', '-r', 'nothing-.*']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'samsa: no topic matches nothing-.*\n');
  r = await samsa(bs, ['topic', 'list', '-r', 'sel-(']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^samsa: bad regular expression "sel-\(": .*\n$/);
});

test('consume reads several topics, or those a regular expression matches, with a group too', async () => {
  const bs = b.bootstrap;
  for (const t of ['multi-a', 'multi-b', 'other-c']) {
    assert.equal((await samsa(bs, ['topic', 'create', t, '-p', '1'])).code, 0);
    assert.equal((await samsa(bs, ['produce', t], { input: lines(3, `${t}-`) })).code, 0);
  }
  let r = await samsa(bs, ['consume', 'multi-a', 'other-c', '-e', '-f', '%t %o %v\\n']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').sort(), ['multi-a 0 multi-a-0', 'multi-a 1 multi-a-1', 'multi-a 2 multi-a-2', 'other-c 0 other-c-0', 'other-c 1 other-c-1', 'other-c 2 other-c-2']);
  r = await samsa(bs, ['consume', '-r', 'multi-.*', '-o', '1:2', '-f', '%t/%o\\n']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').sort(), ['multi-a/1', 'multi-b/1']);
  // A group over a regex: 6 records, committed for both topics.
  r = await samsa(bs, ['consume', '-r', 'multi-.*', '-g', 'multi-g', '-n', '6', '-f', '%t\\n'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').sort(), ['multi-a', 'multi-a', 'multi-a', 'multi-b', 'multi-b', 'multi-b']);
  const committed = await withAdmin((_c, admin) => admin.fetchOffsets('multi-g'));
  assert.deepEqual(committed.map((c) => [c.topic, c.partition, c.offset]), [['multi-a', 0, 3], ['multi-b', 0, 3]]);
  r = await samsa(bs, ['consume', '-r', 'zzz.*', '-e']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'samsa: no topic matches zzz.*\n');
});

test('consume -o @-1h and time ranges start and stop by record timestamps', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'times', '-p', '1'])).code, 0);
  const now = Date.now();
  const ages = [5 * 3_600_000, 3 * 3_600_000, 90 * 60_000, 30 * 60_000, 60_000];
  await withAdmin(async (client) => {
    const p = new Producer(client, { acks: -1 });
    await p.sendAll(ages.map((age, i) => ({ topic: 'times', value: `age${i}`, timestamp: now - age })));
    await p.close();
  });
  const values = async (spec: string, extra: string[] = ['-e']) => {
    const r = await samsa(bs, ['consume', 'times', '-o', spec, ...extra, '-f', '%v\\n'], { timeoutMs: 15_000 });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split('\n').filter(Boolean);
  };
  assert.deepEqual(await values('@-1h'), ['age3', 'age4']);
  assert.deepEqual(await values('@-2h'), ['age2', 'age3', 'age4']);
  // A range stops by itself, without -e.
  assert.deepEqual(await values('@-4h:-1h', []), ['age1', 'age2']);
  assert.deepEqual(await values('@-6h:2h', []), ['age0']);
  assert.deepEqual(await values('@:-2h', []), ['age0', 'age1']);
  assert.deepEqual(await values('@-45m:', []), ['age3', 'age4']);
  assert.deepEqual(await values(`@${now - 4 * 3_600_000}:${now - 45 * 60_000}`, []), ['age1', 'age2']);
  // After the last record: nothing, and -e still exits.
  assert.deepEqual(await values('@-1s'), []);
  const g = await samsa(bs, ['consume', 'times', '-o', '@-1h:', '-g', 'x']);
  assert.equal(g.code, 1);
  assert.match(g.stderr, /^samsa: a range .* cannot be combined with -g\n$/);
});

test('binary keys and values: produce --encoding hex/base64, consume as hex, base64 or %v{hex}', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'bin', '-p', '1'])).code, 0);
  const bytes = Buffer.from([0x00, 0xff, 0x80, 0x0a, 0x3a]);
  let r = await samsa(bs, ['produce', 'bin', '--encoding', 'hex', '-k', ':'], { input: `00ff:${bytes.toString('hex')}\n` });
  assert.equal(r.code, 0, r.stderr);
  r = await samsa(bs, ['produce', 'bin', '--encoding', 'base64', '--key', Buffer.from('k\n').toString('base64')], { input: `${bytes.toString('base64')}\n` });
  assert.equal(r.code, 0, r.stderr);
  r = await samsa(bs, ['consume', 'bin', '-e', '--format', 'json', '--encoding', 'base64']);
  assert.equal(r.code, 0, r.stderr);
  const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; value: string });
  assert.deepEqual(recs.map((x) => [Buffer.from(x.key, 'base64'), Buffer.from(x.value, 'base64')]), [[Buffer.from([0, 255]), bytes], [Buffer.from('k\n'), bytes]]);
  r = await samsa(bs, ['consume', 'bin', '-e', '--format', 'json', '--encoding', 'hex']);
  assert.deepEqual(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { value: string }).value), ['00ff800a3a', '00ff800a3a']);
  r = await samsa(bs, ['consume', 'bin', '-e', '-f', '%o %k{hex} %v{base64} %v{hex}\\n']);
  assert.equal(r.stdout, `0 00ff ${bytes.toString('base64')} 00ff800a3a\n1 6b0a ${bytes.toString('base64')} 00ff800a3a\n`);
  r = await samsa(bs, ['consume', 'bin', '-e', '--format', 'text', '--encoding', 'hex']);
  assert.deepEqual(rows(r.stdout).map((x) => x.slice(3)), [['KEY', 'VALUE'], ['00ff', '00ff800a3a'], ['6b0a', '00ff800a3a']]);
  // A line that is not hex: one line naming it, and nothing sent.
  r = await samsa(bs, ['produce', 'bin', '--encoding', 'hex'], { input: 'abcd\nxyz\n' });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'samsa: bad value on line 2 "xyz": not hex\n');
  r = await samsa(bs, ['consume', 'bin', '-e', '-f', '%o\\n']);
  assert.equal(r.stdout, '0\n1\n');
  r = await samsa(bs, ['consume', 'bin', '-e', '-f', '%v{hex64}\\n']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'samsa: unknown encoding "%v{hex64}" (use {hex} or {base64})\n');
});

test('group describe of several groups shows LOG-START-OFFSET; seek --to-group and --shift-by', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'gs', '-p', '2'])).code, 0);
  for (const p of ['0', '1']) assert.equal((await samsa(bs, ['produce', 'gs', '-p', p], { input: lines(20) })).code, 0);
  assert.equal((await samsa(bs, ['topic', 'delete-records', 'gs', '--before', '4', '-p', '0'])).code, 0);
  await withAdmin(async (_c, admin) => {
    await admin.commitOffsets('gs-a', [{ topic: 'gs', partition: 0, offset: 10 }, { topic: 'gs', partition: 1, offset: 15 }]);
    await admin.commitOffsets('gs-b', [{ topic: 'gs', partition: 0, offset: 6 }]);
  });
  let r = await samsa(bs, ['group', 'describe', 'gs-a', 'gs-b']);
  assert.equal(r.code, 0, r.stderr);
  const t = rows(r.stdout);
  assert.deepEqual(t[3]!.slice(0, 6), ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-START-OFFSET', 'LOG-END-OFFSET', 'LAG']);
  assert.deepEqual(t.slice(4, 6).map((x) => x.slice(0, 6)), [['gs', '0', '10', '4', '20', '10'], ['gs', '1', '15', '0', '20', '5']]);
  assert.deepEqual(t[8], ['gs-b', '0', 'Empty', '-', '0', '14']);
  r = await samsa(bs, ['group', 'describe', 'gs-a', 'gs-b', '--format', 'json']);
  const docs = JSON.parse(r.stdout) as { group: string; partitions: { partition: number; logStartOffset: number }[] }[];
  assert.deepEqual(docs.map((d) => [d.group, d.partitions.map((p) => p.logStartOffset)]), [['gs-a', [4, 0]], ['gs-b', [4]]]);

  // --shift-by: each committed offset moved, kept within [log start, log end].
  r = await samsa(bs, ['group', 'seek', 'gs-a', '--shift-by', '-8', '--execute', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).partitions, [
    { topic: 'gs', partition: 0, currentOffset: 10, newOffset: 4 },
    { topic: 'gs', partition: 1, currentOffset: 15, newOffset: 7 },
  ]);
  r = await samsa(bs, ['group', 'seek', 'gs-a', '--shift-by', '100', '--format', 'json']);
  assert.deepEqual(JSON.parse(r.stdout).partitions.map((p: { newOffset: number }) => p.newOffset), [20, 20]);
  // A partition without a committed offset cannot be shifted (as Kafka's --shift-by).
  r = await samsa(bs, ['group', 'seek', 'gs-b', '--shift-by', '1', '--topic', 'gs']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'samsa: cannot shift gs/1: group gs-b has no committed offset for it\n');

  // --to-group: the other group's commits, of the topics it committed.
  r = await samsa(bs, ['group', 'seek', 'gs-c', '--to-group', 'gs-a', '--execute']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(rows(r.stdout), [['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'NEW-OFFSET'], ['gs', '0', '-', '4'], ['gs', '1', '-', '7']]);
  const copied = await withAdmin((_c, admin) => admin.fetchOffsets('gs-c'));
  assert.deepEqual(copied.map((c) => [c.partition, c.offset]), [[0, 4], [1, 7]]);
  r = await samsa(bs, ['group', 'seek', 'gs-c', '--to-group', 'gs-b', '--topic', 'gs:0', '--execute', '--format', 'json']);
  assert.deepEqual(JSON.parse(r.stdout).partitions, [{ topic: 'gs', partition: 0, currentOffset: 4, newOffset: 6 }]);
  r = await samsa(bs, ['group', 'seek', 'gs-c', '--to-group', 'nobody']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'samsa: group nobody has no committed offsets\n');
  r = await samsa(bs, ['group', 'seek', 'gs-c', '--to', 'start', '--shift-by', '1']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'samsa: give exactly one of --to, --to-group or --shift-by\n');
  // Every record was written within the hour: @-1h is the log start of each partition.
  r = await samsa(bs, ['group', 'seek', 'gs-c', '--to', '@-1h', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).partitions.map((p: { newOffset: number }) => p.newOffset), [4, 0]);
});
