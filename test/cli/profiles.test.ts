// Profiles and -X: connection settings kept in one file (rpk's profiles), chosen with --profile or
// the current one, under -X key=value, --brokers and SAMSA_BROKERS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { rows, run, MAIN } from './helpers.js';

let b: StartedBroker;
const dir = mkdtempSync(join(tmpdir(), 'samsa-profiles-'));
const file = join(dir, 'profiles.json');

test.before(async () => {
  b = await startBroker();
});
test.after(async () => {
  await b?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The samsa command with no SAMSA_BROKERS, its profiles in the test's file. */
const samsa = (args: string[], env: Record<string, string> = {}) => {
  const base: Record<string, string | undefined> = { ...process.env, SAMSA_PROFILES: file, ...env };
  if (!('SAMSA_BROKERS' in env)) delete base.SAMSA_BROKERS;
  return run(process.execPath, [MAIN, ...args], { env: base as Record<string, string>, timeoutMs: 20_000 });
};

test('a profile names the brokers; the current one is used, --profile picks another, flags and -X win', async () => {
  let r = await samsa(['profile', 'create', 'dead', '-X', 'brokers=127.0.0.1:1', '-X', 'timeout=300ms']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(rows(r.stdout), [['PROFILE', 'STATUS', 'CURRENT'], ['dead', 'CREATED', 'true']]);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  r = await samsa(['profile', 'create', 'local', '-X', `brokers=${b.bootstrap}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { current: 'dead', profiles: { dead: { brokers: '127.0.0.1:1', timeout: '300ms' }, local: { brokers: b.bootstrap } } });

  // The current profile (dead) is used, with its own short timeout.
  const started = Date.now();
  r = await samsa(['topic', 'create', 'prof', '-p', '1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^samsa: .*\n$/);
  assert.ok(Date.now() - started < 8000, 'the profile\'s 300ms timeout, not the 10 s default');
  r = await samsa(['topic', 'create', 'prof', '-p', '1', '--profile', 'local']);
  assert.equal(r.code, 0, r.stderr);
  // -X, --brokers and SAMSA_BROKERS are above the profile.
  for (const [args, env] of [[['-X', `brokers=${b.bootstrap}`], {}], [['--brokers', b.bootstrap], {}], [[], { SAMSA_BROKERS: b.bootstrap }]] as [string[], Record<string, string>][]) {
    r = await samsa(['topic', 'list', '--format', 'json', ...args], env);
    assert.equal(r.code, 0, `${args.join(' ')} ${JSON.stringify(env)}: ${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout).map((t: { name: string }) => t.name), ['prof']);
  }
  r = await samsa(['profile', 'use', 'local']);
  assert.equal(r.stdout, 'Current profile: local\n');
  r = await samsa(['topic', 'list', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  r = await samsa(['profile', 'list']);
  assert.deepEqual(rows(r.stdout), [['NAME', 'CURRENT', 'BROKERS', 'TIMEOUT'], ['dead', '127.0.0.1:1', '300ms'], ['local', '*', b.bootstrap, '-']]);
  r = await samsa(['profile', 'delete', 'dead', '--format', 'json']);
  assert.deepEqual(JSON.parse(r.stdout), { profile: 'dead', deleted: true });
  r = await samsa(['profile', 'list', '--format', 'json']);
  assert.deepEqual(JSON.parse(r.stdout), [{ name: 'local', current: true, brokers: b.bootstrap, timeout: null }]);
});

test('bad profiles and -X settings: one line each', async () => {
  const cases: [string[], string][] = [
    [['topic', 'list', '--profile', 'nope'], `samsa: no profile nope in ${file}\n`],
    [['topic', 'list', '-X', 'brokerz=x'], 'samsa: unknown -X setting brokerz (known: brokers, timeout, sasl.mechanism, user, pass, tls.enabled, tls.ca, tls.cert, tls.key, tls.insecure_skip_verify)\n'],
    [['topic', 'list', '-X', 'brokers'], 'samsa: malformed -X setting "brokers": expected key=value\n'],
    [['topic', 'list', '-X', 'sasl.mechanism=PLAIN', '-X', 'user=u'], 'samsa: SASL needs a password: give --password\n'],
    [['topic', 'list', '-X', 'tls.enabled=maybe'], 'samsa: bad tls.enabled "maybe": expected true or false\n'],
    [['profile', 'create', 'x', '-X', 'timeout=1s'], 'samsa: a profile needs -X brokers=host:port[,host:port]\n'],
    [['profile', 'use', 'nope'], `samsa: no profile nope in ${file}\n`],
  ];
  for (const [args, stderr] of cases) {
    const r = await samsa(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stderr, stderr, args.join(' '));
  }
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{ not json');
  const r = await samsa(['topic', 'list'], { SAMSA_PROFILES: bad });
  assert.equal(r.code, 1);
  assert.ok(r.stderr.startsWith(`samsa: cannot read ${bad}: `) && r.stderr.split('\n').length === 2, r.stderr);
});
