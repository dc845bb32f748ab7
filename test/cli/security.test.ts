// The samsa command over TLS and SASL against a broker process with PLAINTEXT, SASL_SSL (PLAIN,
// SCRAM-SHA-256/512), mutual-TLS and SASL_PLAINTEXT (SCRAM-SHA-512 only, sessions of 2 s)
// listeners and the ACL authorizer: produce and consume with each mechanism and with a client
// certificate; users made by `samsa user create` authenticate with kcat; ACLs made by
// `samsa acl create` (literal, prefixed, DENY) decide what confluent-kafka and kcat may do; a
// quota set by `samsa quota alter` is read back and throttles librdkafka; every failure to
// connect is one line that says why.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BrokerProcess, cliPath, python, repoRoot, run, runOk, waitFor } from '../helpers/broker-process.js';
import { makePki, type CertFiles, type Pki } from '../helpers/certs.js';
import { reservePorts } from '../helpers/ports.js';
import { KafkaClient } from '../../src/client/client.js';
import { ClientError } from '../../src/client/util.js';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";';

describe('samsa over TLS and SASL: users, ACLs and quotas', () => {
  let pki: Pki;
  let cli: CertFiles;
  let broker: BrokerProcess;
  let plain: string;
  let saslSsl: string;
  let mtls: string;
  let saslPlain: string;
  const profiles = mkdtempSync(join(tmpdir(), 'samsa-sec-cli-'));

  before(async () => {
    pki = makePki();
    cli = pki.client('/CN=samsa-cli');
    const [p0, p1, p2, p3] = await reservePorts(4);
    plain = `127.0.0.1:${p0}`;
    saslSsl = `127.0.0.1:${p1}`;
    mtls = `127.0.0.1:${p2}`;
    saslPlain = `127.0.0.1:${p3}`;
    broker = await BrokerProcess.start({
      port: p0,
      settings: {
        listeners: `PLAINTEXT://${plain},SASL_SSL://${saslSsl},MTLS://${mtls},SCRAM512://${saslPlain}`,
        'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,MTLS:SSL,SCRAM512:SASL_PLAINTEXT',
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': pki.server.pem,
        'ssl.truststore.location': pki.ca,
        'listener.name.mtls.ssl.client.auth': 'required',
        'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
        'listener.name.scram512.sasl.enabled.mechanisms': 'SCRAM-SHA-512',
        'listener.name.scram512.connections.max.reauth.ms': '2000',
        'listener.name.sasl_ssl.plain.sasl.jaas.config': JAAS,
        'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
        'allow.everyone.if.no.acl.found': 'false',
        // ANONYMOUS: the PLAINTEXT listener administers; dave gets ACLs only.
        'super.users': 'User:ANONYMOUS;User:alice;User:bob;User:carol;User:CN=samsa-cli',
        'offsets.topic.replication.factor': '1',
      },
    });
  });

  after(() => {
    broker?.cleanup();
    pki?.cleanup();
    rmSync(profiles, { recursive: true, force: true });
  });

  /** The samsa command with no broker from the environment and its own profiles file. */
  const samsa = async (args: string[], input?: string, profileFile = 'none.json') => {
    const env: NodeJS.ProcessEnv = { ...process.env, SAMSA_PROFILES: join(profiles, profileFile) };
    delete env.SAMSA_BROKERS;
    const r = await run(process.execPath, [cliPath, ...args], { env, timeoutMs: 40_000, ...(input !== undefined ? { input } : {}) });
    return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
  };
  const samsaOk = async (args: string[], input?: string, profileFile?: string) => {
    const r = await samsa(args, input, profileFile);
    assert.equal(r.code, 0, `samsa ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const admin = (args: string[], input?: string) => samsaOk([...args, '-b', plain], input);
  const sasl = (mechanism: string, user: string, password: string) => ['-b', saslSsl, '--tls-truststore', pki.ca, '--sasl-mechanism', mechanism, '--user', user, '--password', password];
  const kcatSasl = (mechanism: string, user: string, password: string) => ['-b', saslSsl, '-X', 'security.protocol=sasl_ssl', '-X', `ssl.ca.location=${pki.ca}`, '-X', `sasl.mechanism=${mechanism}`, '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`];
  const confluentConf = (mechanism: string, user: string, password: string) => JSON.stringify({ 'security.protocol': 'sasl_ssl', 'ssl.ca.location': pki.ca, 'sasl.mechanism': mechanism, 'sasl.username': user, 'sasl.password': password });
  const confluent = async (conf: string, ...args: string[]) =>
    JSON.parse(await runOk(python, [join(repoRoot, 'test/interop/py/security_confluent.py'), saslSsl, conf, ...args], { timeoutMs: 90_000 })) as { produced?: number; consumed?: number; errors: string[]; acked_bytes?: [number, number][]; throttle_max_ms?: number };
  /** A one-line error: exit status 1, "samsa: ..." and nothing else. */
  const oneLineError = (r: { code: number | null; stderr: string }, re: RegExp) => {
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^samsa: [^\n]+\n$/);
    assert.match(r.stderr, re);
  };

  test('samsa user create makes SCRAM users (salted here); user list shows their mechanisms and iterations', async () => {
    await admin(['user', 'create', 'bob', '--new-password', 'bob-secret']);
    await admin(['user', 'create', 'carol', '--new-password', 'carol-secret', '--mechanism', 'SCRAM-SHA-512', '--iterations', '8192']);
    const listed = JSON.parse(await admin(['user', 'list', '--format', 'json'])) as { user: string; credentials: { mechanism: string; iterations: number }[] }[];
    assert.deepEqual(listed.filter((u) => u.user === 'bob' || u.user === 'carol'), [
      { user: 'bob', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }] },
      { user: 'carol', credentials: [{ mechanism: 'SCRAM-SHA-512', iterations: 8192 }] },
    ]);
    oneLineError(await samsa(['user', 'create', 'x', '--new-password', 'p', '--iterations', '100', '-b', plain]), /iterations/);
  });

  for (const [mechanism, user, password] of [['PLAIN', 'alice', 'alice-secret'], ['SCRAM-SHA-256', 'bob', 'bob-secret'], ['SCRAM-SHA-512', 'carol', 'carol-secret']] as const) {
    test(`the CLI produces and consumes over SASL_SSL with ${mechanism}`, async () => {
      const topic = `cli-${mechanism.toLowerCase()}`;
      const auth = sasl(mechanism, user, password);
      await samsaOk(['topic', 'create', topic, '-p', '2', ...auth]);
      const produced = JSON.parse(await samsaOk(['produce', topic, '-k', ':', '--format', 'json', ...auth], `a:${mechanism}-1\nb:${mechanism}-2\nc:${mechanism}-3\n`)) as { records: number };
      assert.equal(produced.records, 3);
      const out = await samsaOk(['consume', topic, '-n', '3', '-f', '%k=%v\\n', ...auth]);
      assert.deepEqual(out.trim().split('\n').sort(), [`a=${mechanism}-1`, `b=${mechanism}-2`, `c=${mechanism}-3`]);
      // librdkafka reads what the CLI wrote, over the same listener.
      const k = await runOk('kcat', [...kcatSasl(mechanism, user, password), '-t', topic, '-C', '-e', '-o', 'beginning', '-f', '%k=%s\\n'], { timeoutMs: 30_000 });
      assert.deepEqual(k.trim().split('\n').sort(), [`a=${mechanism}-1`, `b=${mechanism}-2`, `c=${mechanism}-3`]);
    });
  }

  test('the CLI produces and consumes over mutual TLS; the certificate\'s subject is the principal', async () => {
    const tls = ['-b', mtls, '--tls-truststore', pki.ca, '--tls-cert', cli.cert, '--tls-key', cli.key];
    await samsaOk(['topic', 'create', 'cli-mtls', '-p', '1', ...tls]);
    await samsaOk(['produce', 'cli-mtls', ...tls], 'one\ntwo\n');
    assert.equal(await samsaOk(['consume', 'cli-mtls', '-n', '2', ...tls]), 'one\ntwo\n');
    // Without the certificate the listener refuses the session: one line that names the fix.
    oneLineError(await samsa(['topic', 'list', '-b', mtls, '--tls-truststore', pki.ca]), /client certificate.*--tls-cert/);
  });

  test('a profile holds TLS and SASL under rpk\'s keys, and -X sets them too', async () => {
    const file = 'profiles.json';
    await samsaOk(['profile', 'create', 'secure', '-X', `brokers=${saslSsl}`, '-X', `tls.ca=${pki.ca}`, '-X', 'sasl.mechanism=SCRAM-SHA-256', '-X', 'user=bob', '-X', 'pass=bob-secret'], undefined, file);
    const listed = JSON.parse(await samsaOk(['topic', 'list', '--format', 'json'], undefined, file)) as { name: string }[];
    assert.ok(listed.some((t) => t.name === 'cli-scram-sha-256'), JSON.stringify(listed));
    // -X over the profile: a wrong password from -X is the one used.
    oneLineError(await samsa(['topic', 'list', '--profile', 'secure', '-X', 'pass=wrong'], undefined, file), /SASL_AUTHENTICATION_FAILED/);
    // The same settings by -X alone, with no profile.
    const x = JSON.parse(await samsaOk(['topic', 'list', '--format', 'json', '-X', `brokers=${saslSsl}`, '-X', `tls.ca=${pki.ca}`, '-X', 'sasl.mechanism=PLAIN', '-X', 'user=alice', '-X', 'pass=alice-secret'])) as { name: string }[];
    assert.deepEqual(x.map((t) => t.name).sort(), listed.map((t) => t.name).sort());
  });

  test('samsa user create: the new user authenticates with kcat; a wrong password is refused with one line', async () => {
    await admin(['user', 'create', 'dave', '--new-password', 'dave-secret', '--mechanism', 'SCRAM-SHA-512', '--iterations', '8192']);
    const md = await runOk('kcat', [...kcatSasl('SCRAM-SHA-512', 'dave', 'dave-secret'), '-L', '-J', '-m', '10'], { timeoutMs: 30_000 });
    assert.equal((JSON.parse(md) as { brokers: unknown[] }).brokers.length, 1);
    const bad = await run('kcat', [...kcatSasl('SCRAM-SHA-512', 'dave', 'not-it'), '-L', '-m', '5'], { timeoutMs: 30_000 });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Authentication failed/);
    const r = await samsa(['topic', 'list', ...sasl('SCRAM-SHA-512', 'dave', 'not-it')]);
    oneLineError(r, /SASL_AUTHENTICATION_FAILED \(Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/);
    // The same user on a mechanism it has no credential for.
    oneLineError(await samsa(['topic', 'list', ...sasl('SCRAM-SHA-256', 'dave', 'dave-secret')]), /SASL_AUTHENTICATION_FAILED/);
  });

  test('samsa acl create grants a topic and a group: confluent-kafka produces and consumes as the user, refused before', async () => {
    await admin(['topic', 'create', 'acl-t', '-p', '1']);
    const conf = confluentConf('SCRAM-SHA-512', 'dave', 'dave-secret');
    const before = await confluent(conf, 'produce', 'acl-t', '5');
    assert.equal(before.produced, 0);
    assert.match(before.errors.join(' '), /TOPIC_AUTHORIZATION_FAILED|Topic authorization failed/);
    const denied = await samsa(['produce', 'acl-t', ...sasl('SCRAM-SHA-512', 'dave', 'dave-secret')], 'x\n');
    oneLineError(denied, /TOPIC_AUTHORIZATION_FAILED/);

    const created = JSON.parse(await admin(['acl', 'create', '--allow-principal', 'User:dave', '--operation', 'read,write,describe', '--topic', 'acl-t', '--format', 'json'])) as { operation: string; error: string | null }[];
    assert.deepEqual(created.map((c) => [c.operation, c.error]), [['READ', null], ['WRITE', null], ['DESCRIBE', null]]);
    await admin(['acl', 'create', '--allow-principal', 'User:dave', '--operation', 'read', '--group', 'acl-g']);
    const listed = JSON.parse(await admin(['acl', 'list', '--allow-principal', 'User:dave', '--format', 'json'])) as Record<string, string>[];
    assert.deepEqual(listed.map((a) => `${a.resourceType}:${a.resourceName}:${a.operation}:${a.permission}`).sort(), ['GROUP:acl-g:READ:ALLOW', 'TOPIC:acl-t:DESCRIBE:ALLOW', 'TOPIC:acl-t:READ:ALLOW', 'TOPIC:acl-t:WRITE:ALLOW']);

    const out = await confluent(conf, 'roundtrip', 'acl-t', '20', 'acl-g');
    assert.deepEqual({ produced: out.produced, consumed: out.consumed }, { produced: 20, consumed: 20 }, JSON.stringify(out.errors));
    // Another group is not granted.
    const other = await confluent(conf, 'consume', 'acl-t', '1', 'not-granted');
    assert.equal(other.consumed, 0);
    assert.match(other.errors.join(' '), /GROUP_AUTHORIZATION_FAILED|Group authorization failed/);
  });

  test('a prefixed ACL grants every topic it starts; a DENY wins over it until samsa acl delete removes the DENY', async () => {
    await admin(['topic', 'create', 'pre-x', 'pre-y', 'other-z', '-p', '1']);
    await admin(['acl', 'create', '--allow-principal', 'User:dave', '--operation', 'write,describe', '--topic', 'pre-', '--resource-pattern-type', 'prefixed']);
    const produce = (topic: string) => run('kcat', [...kcatSasl('SCRAM-SHA-512', 'dave', 'dave-secret'), '-t', topic, '-P'], { input: `to ${topic}\n`, timeoutMs: 30_000 });
    const count = async (topic: string) => {
      const d = JSON.parse(await admin(['topic', 'describe', topic, '--format', 'json'])) as { partitions: { logEndOffset: number }[] };
      return d.partitions[0]!.logEndOffset;
    };
    assert.equal((await produce('pre-x')).code, 0);
    assert.equal((await produce('pre-y')).code, 0);
    const z = await produce('other-z');
    assert.match(z.stderr, /authorization failed/i);
    assert.deepEqual([await count('pre-x'), await count('pre-y'), await count('other-z')], [1, 1, 0]);

    await admin(['acl', 'create', '--deny-principal', 'User:dave', '--operation', 'write', '--topic', 'pre-x']);
    const x = await produce('pre-x');
    assert.match(x.stderr, /authorization failed/i);
    assert.equal((await produce('pre-y')).code, 0);
    assert.deepEqual([await count('pre-x'), await count('pre-y')], [1, 2]);

    const deleted = JSON.parse(await admin(['acl', 'delete', '--deny-principal', 'User:dave', '--topic', 'pre-x', '--format', 'json'])) as Record<string, string>[];
    assert.deepEqual(deleted, [{ principal: 'User:dave', host: '*', resourceType: 'TOPIC', resourceName: 'pre-x', resourcePatternType: 'LITERAL', operation: 'WRITE', permission: 'DENY' }]);
    assert.equal((await produce('pre-x')).code, 0);
    assert.equal(await count('pre-x'), 2);
    const prefixed = JSON.parse(await admin(['acl', 'list', '--topic', 'pre-', '--resource-pattern-type', 'prefixed', '--format', 'json'])) as Record<string, string>[];
    assert.deepEqual(prefixed.map((a) => a.operation).sort(), ['DESCRIBE', 'WRITE']);
  });

  test('samsa quota alter sets producer_byte_rate; quota describe shows it; librdkafka is throttled to it', { timeout: 120_000 }, async () => {
    const RATE = 100_000;
    await admin(['quota', 'alter', '--name', 'user=carol', '--add', `producer_byte_rate=${RATE}`, '--add', 'consumer_byte_rate=5000000']);
    await admin(['quota', 'alter', '--name', 'user=carol', '--delete', 'consumer_byte_rate']);
    const described = JSON.parse(await admin(['quota', 'describe', '--name', 'user=carol', '--format', 'json']));
    assert.deepEqual(described, [{ entity: [{ entityType: 'user', name: 'carol' }], values: { producer_byte_rate: RATE } }]);
    const table = await admin(['quota', 'describe']);
    assert.match(table, /^user=carol\s+producer_byte_rate\s+100000$/m);

    await admin(['topic', 'create', 'flood', '-p', '1']);
    const out = await confluent(confluentConf('SCRAM-SHA-512', 'carol', 'carol-secret'), 'flood', 'flood', '5', '10000');
    assert.deepEqual(out.errors, []);
    const last = out.acked_bytes![out.acked_bytes!.length - 1]!;
    assert.ok(out.throttle_max_ms! > 0, 'the broker told the client its throttle time');
    assert.ok(last[1] / last[0] < 3 * RATE, `held to ${Math.round(last[1] / last[0])} B/s with a quota of ${RATE} B/s`);
  });

  test('one-line errors: plaintext to a TLS listener, TLS to a plaintext one, no SASL on a SASL listener, a mechanism the listener does not enable', async () => {
    const started = Date.now();
    oneLineError(await samsa(['topic', 'list', '-b', saslSsl]), /TLS listener \(connect with --tls-enabled/);
    assert.ok(Date.now() - started < 8000, 'told at once, not after the 10 s timeout');
    oneLineError(await samsa(['topic', 'list', '-b', plain, '--tls-truststore', pki.ca]), /TLS handshake with .* failed: .*plaintext listener/);
    oneLineError(await samsa(['topic', 'list', '-b', saslSsl, '--tls-enabled']), /not signed by a trusted CA.*--tls-truststore/);
    oneLineError(await samsa(['topic', 'list', '-b', saslPlain]), /requires SASL \(give --user, --password and --sasl-mechanism\)/);
    oneLineError(await samsa(['topic', 'list', '-b', saslPlain, '--sasl-mechanism', 'SCRAM-SHA-256', '--user', 'carol', '--password', 'carol-secret']), /UNSUPPORTED_SASL_MECHANISM \(the broker does not enable SCRAM-SHA-256; it enables SCRAM-SHA-512\)/);
    oneLineError(await samsa(['topic', 'list', '-b', mtls, '--tls-truststore', pki.ca, '--tls-cert', cli.cert, '--tls-key', cli.key, '--sasl-mechanism', 'PLAIN', '--user', 'a', '--password', 'b']), /ILLEGAL_SASL_STATE .*leave out --user/);
  });

  test('the client verifies the broker\'s host name: localhost is on the certificate, another name is refused', async () => {
    const ca = readFileSync(pki.ca);
    const auth = { mechanism: 'PLAIN' as const, username: 'alice', password: 'alice-secret' };
    const ok = new KafkaClient({ brokers: `localhost:${saslSsl.split(':')[1]}`, tls: { ca }, sasl: auth, retries: 0 });
    try {
      assert.equal((await ok.metadata([])).brokers.length, 1);
    } finally {
      await ok.close();
    }
    const wrong = new KafkaClient({ brokers: saslSsl, tls: { ca, servername: 'elsewhere.test' }, sasl: auth, retries: 0 });
    try {
      await assert.rejects(wrong.metadata([]), (e: unknown) => e instanceof ClientError && e.code === 'TLS_HANDSHAKE' && /not for this host/.test(e.message));
    } finally {
      await wrong.close();
    }
  });

  test('the client outlives connections.max.reauth.ms: a connection whose session ends is replaced, requests go on', { timeout: 30_000 }, async () => {
    const client = new KafkaClient({ brokers: saslPlain, sasl: { mechanism: 'SCRAM-SHA-512', username: 'carol', password: 'carol-secret' }, retries: 2 });
    try {
      const first = await client.any();
      const md = await client.metadata(['cli-scram-sha-512']);
      assert.equal(md.topics[0]!.errorCode, 0);
      await sleep(2300);
      // Past the 2 s session the broker would close the connection on this request.
      const again = await client.metadata(['cli-scram-sha-512']);
      assert.equal(again.topics[0]!.partitions.length, 2);
      const second = await client.any();
      assert.notEqual(second, first, 'a new connection, freshly authenticated');
      await waitFor(() => first.closed, { timeoutMs: 5000, what: 'the old connection to be closed once idle' });
    } finally {
      await client.close();
    }
  });
});
