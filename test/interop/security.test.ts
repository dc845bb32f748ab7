// TLS and SASL with real clients: kcat and confluent-kafka (librdkafka) over SSL, SASL_SSL with
// PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, kafkajs with SCRAM; a wrong password, an unknown user
// and a plaintext connection to a TLS listener are refused; a client certificate's subject is
// the principal of an SSL connection (ssl.principal.mapping.rules too). Certificates are made
// with openssl at test time (test/helpers/certs.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import kafkajs from 'kafkajs';
import { ApiVersions, CreateAcls, Metadata } from '../../src/protocol/index.js';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { makePki, type Pki } from '../helpers/certs.js';
import { python, repoRoot, run, runOk } from '../helpers/broker-process.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';
import { authenticate, upsertScramUsers } from '../helpers/sasl.js';
import { join } from 'node:path';

const { Kafka, logLevel } = kafkajs;
const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";';

describe('TLS and SASL with kcat, confluent-kafka and kafkajs', () => {
  let pki: Pki;
  let b: StartedBroker;
  let plain: string;
  let ssl: string;
  let saslSsl: string;
  let mtls: string;
  let admin: WireClient;

  before(async () => {
    pki = makePki();
    b = await startBroker({
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_SSL://127.0.0.1:0,MTLS://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,MTLS:SSL',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': pki.server.pem,
      'ssl.truststore.location': pki.ca,
      'listener.name.mtls.ssl.client.auth': 'required',
      'ssl.principal.mapping.rules': 'RULE:^CN=([^,]+),OU=mapped.*$/$1/L,DEFAULT',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': JAAS,
      'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
      'allow.everyone.if.no.acl.found': 'true',
      'super.users': 'User:ANONYMOUS;User:admin',
    });
    const ports = b.broker.listenerPorts;
    plain = `127.0.0.1:${ports.get('PLAINTEXT')}`;
    ssl = `127.0.0.1:${ports.get('SSL')}`;
    saslSsl = `127.0.0.1:${ports.get('SASL_SSL')}`;
    mtls = `127.0.0.1:${ports.get('MTLS')}`;
    admin = await WireClient.connect(plain);
    assert.deepEqual(await upsertScramUsers(admin, [
      { name: 'bob', password: 'bob-secret', mechanism: 'SCRAM-SHA-256' },
      { name: 'carol', password: 'carol-secret', mechanism: 'SCRAM-SHA-512', iterations: 8192 },
    ]), [0, 0]);
    assert.equal(await createTopic(admin, 'sec', 1), 0);
  });

  after(async () => {
    admin?.close();
    await b?.stop();
    pki?.cleanup();
  });

  const kcatArgs = (bootstrap: string, conf: Record<string, string>) => ['-b', bootstrap, ...Object.entries(conf).flatMap(([k, v]) => ['-X', `${k}=${v}`])];
  const sslConf = () => ({ 'security.protocol': 'ssl', 'ssl.ca.location': pki.ca });
  const saslConf = (mechanism: string, user: string, password: string) => ({ 'security.protocol': 'sasl_ssl', 'ssl.ca.location': pki.ca, 'sasl.mechanism': mechanism, 'sasl.username': user, 'sasl.password': password });
  const cases: Array<[string, () => string, () => Record<string, string>]> = [
    ['SSL', () => ssl, sslConf],
    ['SASL_SSL PLAIN', () => saslSsl, () => saslConf('PLAIN', 'alice', 'alice-secret')],
    ['SASL_SSL SCRAM-SHA-256', () => saslSsl, () => saslConf('SCRAM-SHA-256', 'bob', 'bob-secret')],
    ['SASL_SSL SCRAM-SHA-512', () => saslSsl, () => saslConf('SCRAM-SHA-512', 'carol', 'carol-secret')],
  ];

  for (const [name, bootstrap, conf] of cases) {
    test(`kcat over ${name}: produce and consume`, async () => {
      const topic = `kcat-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
      await runOk('kcat', [...kcatArgs(bootstrap(), conf()), '-t', topic, '-P', '-K:'], { input: 'a:1\nb:2\nc:3\n', timeoutMs: 30_000 });
      const out = await runOk('kcat', [...kcatArgs(bootstrap(), conf()), '-t', topic, '-C', '-e', '-o', 'beginning', '-f', '%k=%s\\n'], { timeoutMs: 30_000 });
      assert.equal(out, 'a=1\nb=2\nc=3\n');
    });

    test(`confluent-kafka over ${name}: produce and consume in a group`, async () => {
      const topic = `py-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
      const out = JSON.parse(await runOk(python, [join(repoRoot, 'test/interop/py/security_confluent.py'), bootstrap(), JSON.stringify(conf()), 'roundtrip', topic, '50', `g-${topic}`], { timeoutMs: 90_000 }));
      assert.deepEqual({ produced: out.produced, consumed: out.consumed }, { produced: 50, consumed: 50 }, JSON.stringify(out.errors));
    });
  }

  for (const [mechanism, user, password] of [['scram-sha-256', 'bob', 'bob-secret'], ['scram-sha-512', 'carol', 'carol-secret']] as const) {
    test(`kafkajs with ${mechanism.toUpperCase()}: produce and read metadata`, async () => {
      const kafka = new Kafka({ clientId: 'samsa-sec', brokers: [saslSsl], ssl: { ca: [readFileSync(pki.ca, 'utf8')] }, sasl: { mechanism, username: user, password } as kafkajs.SASLOptions, logLevel: logLevel.NOTHING, retry: { retries: 1 } });
      const producer = kafka.producer();
      await producer.connect();
      try {
        const [r] = await producer.send({ topic: 'sec', acks: -1, messages: [{ key: 'k', value: mechanism }] });
        assert.equal(r!.errorCode, 0);
      } finally {
        await producer.disconnect();
      }
    });
  }

  test('kafkajs with a wrong SCRAM password is refused', async () => {
    const kafka = new Kafka({ clientId: 'samsa-sec', brokers: [saslSsl], ssl: { ca: [readFileSync(pki.ca, 'utf8')] }, sasl: { mechanism: 'scram-sha-256', username: 'bob', password: 'wrong' }, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const producer = kafka.producer();
    await assert.rejects(producer.connect(), /SASL|authentication/i);
  });

  for (const [what, conf] of [
    ['a wrong PLAIN password', () => saslConf('PLAIN', 'alice', 'nope')],
    ['a wrong SCRAM password', () => saslConf('SCRAM-SHA-256', 'bob', 'nope')],
    ['an unknown PLAIN user', () => saslConf('PLAIN', 'mallory', 'x')],
    ['an unknown SCRAM user', () => saslConf('SCRAM-SHA-512', 'mallory', 'x')],
    ['a SCRAM user on a mechanism it has no credential for', () => saslConf('SCRAM-SHA-512', 'bob', 'bob-secret')],
  ] as const) {
    test(`kcat with ${what} is refused`, async () => {
      const r = await run('kcat', [...kcatArgs(saslSsl, conf()), '-L', '-m', '5'], { timeoutMs: 30_000 });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Authentication failed/);
    });
  }

  test('SASL over the wire: the failed SaslAuthenticate is answered, then the connection closes', async () => {
    const c = await WireClient.connect(saslSsl, { tls: { ca: readFileSync(pki.ca) } });
    const r = await authenticate(c, 'SCRAM-SHA-256', 'bob', 'nope');
    assert.equal(r.errorCode, 58); // SASL_AUTHENTICATION_FAILED
    assert.equal(await c.waitClosed(5000), true);
    const ok = await WireClient.connect(saslSsl, { tls: { ca: readFileSync(pki.ca) } });
    assert.equal((await authenticate(ok, 'PLAIN', 'alice', 'alice-secret')).errorCode, 0);
    assert.equal((await ok.request(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })).brokers.length, 1);
    ok.close();
  });

  test('a plaintext client on a TLS listener gets nothing and is disconnected', async () => {
    const c = await WireClient.connect(ssl);
    await assert.rejects(c.request(ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' }, 5000));
    assert.equal(c.closed, true);
    const r = await run('kcat', ['-b', ssl, '-L', '-m', '5'], { timeoutMs: 30_000 });
    assert.notEqual(r.code, 0);
  });

  test('each listener advertises its own address', async () => {
    const c = await WireClient.connect(ssl, { tls: { ca: readFileSync(pki.ca) } });
    const md = await c.request(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    assert.equal(`${md.brokers[0]!.host}:${md.brokers[0]!.port}`, ssl);
    c.close();
  });

  test('mutual TLS: the certificate subject is the principal (mapped by ssl.principal.mapping.rules)', async () => {
    assert.equal(await createTopic(admin, 'mtls-only', 1), 0);
    // Only two principals may describe the topic: the full subject of one, the mapped name of the other.
    const acl = (principal: string) => ({ resourceType: 2, resourceName: 'mtls-only', resourcePatternType: 3, principal, host: '*', operation: 8, permissionType: 3 });
    const created = await admin.request(CreateAcls, 3, { creations: [acl('User:CN=dana,O=samsa,C=US'), acl('User:erin')] });
    assert.deepEqual(created.results.map((r) => r.errorCode), [0, 0]);
    const visible = async (cert: { cert: string; key: string } | null, where = mtls): Promise<boolean> => {
      const c = await WireClient.connect(where, { tls: { ca: readFileSync(pki.ca), ...(cert ? { cert: readFileSync(cert.cert), key: readFileSync(cert.key) } : {}) } });
      try {
        const md = await c.request(Metadata, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'mtls-only' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
        return md.topics[0]!.errorCode === 0;
      } finally {
        c.close();
      }
    };
    assert.equal(await visible(pki.client('/C=US/O=samsa/CN=dana', 'dana')), true);
    assert.equal(await visible(pki.client('/O=samsa/OU=mapped/CN=Erin', 'erin')), true);
    assert.equal(await visible(pki.client('/O=samsa/CN=frank', 'frank')), false);
    // required: no certificate, or one the CA did not sign, is refused at the handshake.
    await assert.rejects(visible(null));
    await assert.rejects(visible(pki.stranger('/CN=dana')));
    // kcat with the client certificate, over the same listener.
    const dana = pki.client('/C=US/O=samsa/CN=dana', 'dana2');
    const out = await runOk('kcat', ['-b', mtls, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${pki.ca}`, '-X', `ssl.certificate.location=${dana.cert}`, '-X', `ssl.key.location=${dana.key}`, '-L', '-t', 'mtls-only', '-m', '10'], { timeoutMs: 30_000 });
    assert.match(out, /topic "mtls-only" with 1 partitions/);
  });
});
