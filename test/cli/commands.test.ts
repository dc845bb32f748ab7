import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { rows, run, samsa } from './helpers.js';

let b: StartedBroker;

test.before(async () => {
  b = await startBroker({ 'num.partitions': '2' });
});
test.after(async () => {
  await b?.stop();
});

test('topic create, list, describe, alter-config, add-partitions, delete (tables and JSON)', async () => {
  const bs = b.bootstrap;
  let r = await samsa(bs, ['topic', 'create', 'orders', '-p', '3', '-c', 'retention.ms=3600000']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(rows(r.stdout), [['TOPIC', 'STATUS'], ['orders', 'OK']]);

  r = await samsa(bs, ['topic', 'create', 'orders']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^samsa: cannot create topic orders: TOPIC_ALREADY_EXISTS.*\n$/);

  r = await samsa(bs, ['topic', 'list']);
  assert.deepEqual(rows(r.stdout), [['NAME', 'PARTITIONS', 'REPLICAS'], ['orders', '3', '1']]);
  r = await samsa(bs, ['topic', 'list', '--format', 'json']);
  assert.deepEqual(JSON.parse(r.stdout), [{ name: 'orders', partitions: 3, replicas: 1, internal: false }]);

  r = await samsa(bs, ['produce', 'orders', '-p', '1'], { input: 'a\nb\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(rows(r.stdout), [['PARTITION', 'RECORDS', 'FIRST-OFFSET', 'LAST-OFFSET'], ['1', '2', '0', '1']]);

  r = await samsa(bs, ['topic', 'describe', 'orders']);
  assert.equal(r.code, 0, r.stderr);
  const text = r.stdout;
  assert.match(text, /^retention\.ms\s+3600000\s+DYNAMIC_TOPIC_CONFIG$/m);
  assert.match(text, /^PARTITION\s+LEADER\s+EPOCH\s+REPLICAS\s+ISR\s+LOG-START-OFFSET\s+HIGH-WATERMARK$/m);
  assert.match(text, /^1\s+0\s+0\s+0\s+0\s+0\s+2$/m);
  r = await samsa(bs, ['topic', 'describe', 'orders', '--format', 'json']);
  const d = JSON.parse(r.stdout);
  assert.equal(d.name, 'orders');
  assert.deepEqual(d.partitions[1], { partition: 1, leader: 0, leaderEpoch: 0, replicas: [0], isr: [0], logStartOffset: 0, logEndOffset: 2 });
  assert.equal(d.configs.find((c: { name: string }) => c.name === 'retention.ms').value, '3600000');

  r = await samsa(bs, ['topic', 'alter-config', 'orders', '--set', 'retention.ms=60000', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  r = await samsa(bs, ['topic', 'describe', 'orders', '--format', 'json']);
  assert.equal(JSON.parse(r.stdout).configs.find((c: { name: string }) => c.name === 'retention.ms').value, '60000');

  r = await samsa(bs, ['topic', 'add-partitions', 'orders', '--num', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(rows(r.stdout)[1], ['orders', '3', '5']);

  r = await samsa(bs, ['cluster', 'info']);
  assert.match(r.stdout, new RegExp(`^0\\*\\s+127\\.0\\.0\\.1\\s+${b.port}`, 'm'));
  assert.match(r.stdout, /^orders\s+5\s+1$/m);
  r = await samsa(bs, ['cluster', 'info', '--format', 'json']);
  const ci = JSON.parse(r.stdout);
  assert.equal(ci.clusterId, b.broker.clusterId);
  assert.deepEqual(ci.brokers, [{ nodeId: 0, host: '127.0.0.1', port: b.port, rack: null, controller: true }]);

  r = await samsa(bs, ['topic', 'delete', 'orders']);
  assert.deepEqual(rows(r.stdout), [['TOPIC', 'STATUS'], ['orders', 'OK']]);
  r = await samsa(bs, ['topic', 'list', '--format', 'json']);
  assert.deepEqual(JSON.parse(r.stdout), []);
});

test('produce and consume: keys, headers, formats, offset specs, -n and --exit', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'fmt', '-p', '1'])).code, 0);
  const r0 = await samsa(bs, ['produce', 'fmt', '-k', ':', '-H', 'h1=v1', '-H', 'h2=x=y', '-z', 'lz4'], { input: 'k0:v0\nk1:v1\nnokey\nk3:v3\n' });
  assert.equal(r0.code, 0, r0.stderr);
  let r = await samsa(bs, ['consume', 'fmt', '-e', '-f', '%p|%o|%k|%v|%h|%K|%S\\n']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '0|0|k0|v0|h1=v1,h2=x=y|2|2\n0|1|k1|v1|h1=v1,h2=x=y|2|2\n0|2||nokey|h1=v1,h2=x=y|-1|5\n0|3|k3|v3|h1=v1,h2=x=y|2|2\n');
  r = await samsa(bs, ['consume', 'fmt', '-o', '-2', '-e', '--format', 'json']);
  const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(recs.map((x) => [x.offset, x.key, x.value]), [[2, null, 'nokey'], [3, 'k3', 'v3']]);
  assert.deepEqual(recs[1].headers, [{ key: 'h1', value: 'v1' }, { key: 'h2', value: 'x=y' }]);
  r = await samsa(bs, ['consume', 'fmt', '-o', '+1', '-n', '2', '-f', '%o\\t%v\\n']);
  assert.equal(r.stdout, '1\tv1\n2\tnokey\n');
  r = await samsa(bs, ['consume', 'fmt', '-o', '3', '-e']);
  assert.equal(r.stdout, 'v3\n');
  r = await samsa(bs, ['consume', 'fmt', '-o', '@0', '-n', '1']);
  assert.equal(r.stdout, 'v0\n');
  r = await samsa(bs, ['consume', 'fmt', '-o', 'end', '-e']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '');
  // Follows until interrupted: a record produced after the consumer started is printed.
  const follow = samsa(bs, ['consume', 'fmt', '-o', 'end', '-n', '1']);
  await new Promise((res) => setTimeout(res, 700));
  await samsa(bs, ['produce', 'fmt'], { input: 'late\n' });
  r = await follow;
  assert.equal(r.stdout, 'late\n');
});

test('samsa produce → kcat reads identically; kcat produce → samsa consume prints identically', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'interop', '-p', '1'])).code, 0);
  const lines = Array.from({ length: 20 }, (_, i) => `key${i}\tvalue ${i} ünïcode`);
  let r = await samsa(bs, ['produce', 'interop', '-k', '\\t', '-H', 'app=samsa', '-z', 'snappy'], { input: lines.join('\n') + '\n' });
  assert.equal(r.code, 0, r.stderr);
  const fmt = '%k=%s|%h|%p|%o\\n';
  const kc = await run('kcat', ['-C', '-b', bs, '-t', 'interop', '-o', 'beginning', '-e', '-q', '-f', fmt]);
  assert.equal(kc.code, 0, kc.stderr);
  const ours = await samsa(bs, ['consume', 'interop', '-e', '-f', fmt]);
  assert.equal(ours.stdout, kc.stdout);
  assert.equal(kc.stdout.split('\n')[3], 'key3=value 3 ünïcode|app=samsa|0|3');

  assert.equal((await samsa(bs, ['topic', 'create', 'fromkcat', '-p', '1'])).code, 0);
  r = await run('kcat', ['-P', '-b', bs, '-t', 'fromkcat', '-K', ':', '-H', 'h=1', '-H', 'other=two', '-z', 'gzip'], { input: 'ka:va\nkb:vb\nkc:vc\n' });
  assert.equal(r.code, 0, r.stderr);
  const fromKcat = await run('kcat', ['-C', '-b', bs, '-t', 'fromkcat', '-o', 'beginning', '-e', '-q', '-f', fmt]);
  const fromSamsa = await samsa(bs, ['consume', 'fromkcat', '-e', '-f', fmt]);
  assert.equal(fromSamsa.stdout, fromKcat.stdout);
  assert.equal(fromSamsa.stdout, 'ka=va|h=1,other=two|0|0\nkb=vb|h=1,other=two|0|1\nkc=vc|h=1,other=two|0|2\n');
});

test('errors: one line on stderr and exit 1', async () => {
  const bs = b.bootstrap;
  const cases: [string[], RegExp][] = [
    [['topic', 'list', '--brokers', '127.0.0.1:1'], /^samsa: cannot connect to broker 127\.0\.0\.1:1: connection refused\n$/],
    [['consume', 'missing', '-e'], /^samsa: topic missing: UNKNOWN_TOPIC_OR_PARTITION .*\n$/],
    [['topic', 'describe', 'missing'], /^samsa: topic missing: UNKNOWN_TOPIC_OR_PARTITION .*\n$/],
    [['consume', 'x', '-o', 'yesterday'], /^samsa: bad offset "yesterday": expected start, end, N, \+N, -N, @timestamp \(ms, a date, -1h\), a range N:M or @A:B\n$/],
    [['topic', 'create', 'x', '-c', 'retention.ms'], /^samsa: malformed config "retention\.ms": expected key=value\n$/],
    [['topic', 'alter-config', 'x', '--set', 'novalue'], /^samsa: malformed config "novalue": expected key=value\n$/],
    [['topic', 'frobnicate'], /^samsa: unknown command 'frobnicate'.*\n$/],
    [['produce', 'x', '--acks', '7'], /^samsa: bad acks "7": expected all, -1, 0 or 1\n$/],
  ];
  const results = await Promise.all(cases.map(([args]) => samsa(bs, args)));
  results.forEach((r, i) => {
    assert.equal(r.code, 1, cases[i]![0].join(' '));
    assert.match(r.stderr, cases[i]![1]);
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
  });
});

test('--help on every command has an example', async () => {
  const cmds = [
    ['topic', 'create'], ['topic', 'list'], ['topic', 'describe'], ['topic', 'delete'], ['topic', 'alter-config'], ['topic', 'add-partitions'], ['topic', 'delete-records'],
    ['produce'], ['consume'], ['group', 'list'], ['group', 'describe'], ['group', 'seek'], ['group', 'delete'], ['group', 'offset-delete'], ['cluster', 'info'],
    ['cluster', 'health'], ['cluster', 'logdirs'], ['cluster', 'config', 'get'], ['cluster', 'config', 'set'],
    ['perf', 'produce'], ['perf', 'consume'], ['profile', 'create'], ['profile', 'use'], ['profile', 'list'], ['profile', 'delete'], [],
  ];
  const results = await Promise.all(cmds.map((c) => samsa(b.bootstrap, [...c, '--help'])));
  results.forEach((r, i) => {
    assert.equal(r.code, 0, cmds[i]!.join(' '));
    assert.match(r.stdout, /Example/, cmds[i]!.join(' '));
  });
});

test('perf produce then perf consume print their figures', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'perf', '-p', '2'])).code, 0);
  let r = await samsa(bs, ['perf', 'produce', 'perf', '--num-records', '20000', '--record-size', '100', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const p = JSON.parse(r.stdout);
  assert.equal(p.records, 20000);
  for (const k of ['recordsPerSec', 'mbPerSec', 'p50Ms', 'p95Ms', 'p99Ms', 'p999Ms', 'maxLatencyMs']) assert.equal(typeof p[k], 'number', k);
  assert.ok(p.p50Ms <= p.p99Ms && p.p99Ms <= p.maxLatencyMs);
  r = await samsa(bs, ['perf', 'produce', 'perf', '--num-records', '3000', '--throughput', '10000']);
  assert.match(r.stdout, /^3000 records sent, [\d.]+ records\/sec \([\d.]+ MB\/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, [\d.]+ ms 50th, [\d.]+ ms 95th, [\d.]+ ms 99th, [\d.]+ ms 99\.9th\.\n$/);
  const secs = Number(/(\d+) records sent, ([\d.]+)/.exec(r.stdout)![2]);
  assert.ok(secs <= 12_000, `throughput cap respected: ${secs}`);
  r = await samsa(bs, ['perf', 'consume', 'perf', '--num-records', '23000', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).records, 23000);
  r = await samsa(bs, ['perf', 'consume', 'perf', '--num-records', '23000']);
  assert.match(r.stdout, /^23000 records consumed \([\d.]+ MB\) in [\d.]+ s, [\d.]+ records\/sec \([\d.]+ MB\/sec\)\.\n$/);
});
