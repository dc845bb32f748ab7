// What a newcomer met trying the samsa command beside kcat and rpk: a silent address held the
// command for 91 s, `samsa … | head` ended in a stack trace, extra arguments were dropped without
// a word, `consume --format text` printed the word "text", there was no --version, perf consume
// counted its idle timeout as consuming time, and perf wanted --json where the rest say --format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { MAIN, ROOT, rows, samsa } from './helpers.js';

let b: StartedBroker;

test.before(async () => {
  b = await startBroker();
});
test.after(async () => {
  await b?.stop();
});

/** A TCP server that accepts connections and never writes a byte. */
async function silentServer(): Promise<{ address: string; close: () => void }> {
  const sockets: net.Socket[] = [];
  const srv = net.createServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  return { address: `127.0.0.1:${port}`, close: () => (sockets.forEach((s) => s.destroy()), srv.close()) };
}

test('a broker address that accepts but never answers: --timeout, and a default of about ten seconds', async () => {
  const silent = await silentServer();
  try {
    const timed = async (args: string[]) => {
      const t0 = Date.now();
      const r = await samsa(silent.address, args, { timeoutMs: 30_000 });
      return { ...r, ms: Date.now() - t0 };
    };
    const [short, byDefault, consume] = await Promise.all([
      timed(['topic', 'list', '--timeout', '1s']),
      timed(['cluster', 'info']),
      timed(['consume', 'x', '-e', '--timeout', '500ms']),
    ]);
    assert.equal(short.code, 1);
    assert.match(short.stderr, /^samsa: broker 127\.0\.0\.1:\d+ accepted the connection but did not answer ApiVersions within 1000 ms\n$/);
    assert.ok(short.ms < 4000, `--timeout 1s gave up after ${short.ms} ms`);
    assert.equal(byDefault.code, 1);
    assert.ok(byDefault.ms >= 9000 && byDefault.ms < 14_000, `the default gave up after ${byDefault.ms} ms`);
    assert.equal(consume.code, 1);
    assert.ok(consume.ms < 4000, `consume --timeout 500ms gave up after ${consume.ms} ms`);
    const bad = await samsa(silent.address, ['topic', 'list', '--timeout', 'soon']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^samsa: bad timeout "soon": expected a duration such as 500ms, 10s or 2m\n$/);
  } finally {
    silent.close();
  }
});

test('samsa consume | head: the closed pipe ends the command quietly', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'pipe', '-p', '1'])).code, 0);
  const line = 'x'.repeat(200);
  assert.equal((await samsa(bs, ['produce', 'pipe', '--linger-ms', '20'], { input: Array.from({ length: 5000 }, () => line).join('\n') + '\n' })).code, 0);
  const r = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, [MAIN, 'consume', 'pipe', '-e'], { env: { ...process.env, SAMSA_BROKERS: bs }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d));
    // Like head -n 1: read the first chunk, then close the pipe's reading end.
    p.stdout.once('data', () => p.stdout.destroy());
    p.on('close', (code, signal) => resolve({ code, signal, stderr: err }));
  });
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
});

test('extra positional arguments are an error of one line', async () => {
  const cases: [string[], RegExp][] = [
    [['cluster', 'info', 'orders'], /^samsa: too many arguments for 'info'\. Expected 0 arguments but got 1\.\n$/],
    [['topic', 'alter-config', 'a', 'b', '--set', 'x=y'], /^samsa: too many arguments for 'alter-config'\. Expected 1 argument but got 2\.\n$/],
    [['produce', 'a', 'b'], /^samsa: too many arguments for 'produce'\. Expected 1 argument but got 2\.\n$/],
    [['group', 'seek', 'g', 'h', '--to', 'start'], /^samsa: too many arguments for 'seek'/],
  ];
  const results = await Promise.all(cases.map(([args]) => samsa(b.bootstrap, args)));
  results.forEach((r, i) => {
    assert.equal(r.code, 1, cases[i]![0].join(' '));
    assert.match(r.stderr, cases[i]![1]);
  });
});

test('consume --format text prints a table of records', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'text', '-p', '1'])).code, 0);
  assert.equal((await samsa(bs, ['produce', 'text', '-k', ':'], { input: 'k1:hello\nlonger-key:world\nnokey\n' })).code, 0);
  const r = await samsa(bs, ['consume', 'text', '-e', '--format', 'text']);
  assert.equal(r.code, 0, r.stderr);
  const t = rows(r.stdout);
  assert.deepEqual(t[0], ['PARTITION', 'OFFSET', 'TIMESTAMP', 'KEY', 'VALUE']);
  assert.deepEqual(t.slice(1).map((x) => [x[0], x[1], x[3], x[4]]), [['0', '0', 'k1', 'hello'], ['0', '1', 'longer-key', 'world'], ['0', '2', '-', 'nokey']]);
  assert.match(t[1]![2]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('samsa --version prints the package version', async () => {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  for (const flag of ['--version', '-V']) {
    const r = await samsa(b.bootstrap, [flag]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${version}\n`);
  }
});

test('perf: --format json (and --json), and perf consume does not count its idle timeout', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'perfidle', '-p', '1'])).code, 0);
  let r = await samsa(bs, ['perf', 'produce', 'perfidle', '--num-records', '500', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).records, 500);
  r = await samsa(bs, ['perf', 'produce', 'perfidle', '--num-records', '500', '--json']);
  assert.equal(JSON.parse(r.stdout).records, 500);
  // 1000 records exist, 5000 are asked for: the run ends after 2 s without records.
  const t0 = Date.now();
  r = await samsa(bs, ['perf', 'consume', 'perfidle', '--num-records', '5000', '--timeout-ms', '2000', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(r.stdout) as { records: number; seconds: number; recordsPerSec: number };
  assert.ok(Date.now() - t0 >= 2000);
  assert.equal(c.records, 1000);
  assert.ok(c.seconds < 1.5, `the rate counts ${c.seconds} s, the idle timeout included`);
});
