// The security building blocks against their references: SCRAM-SHA-256 with RFC 7677's example
// exchange, Kafka's credential string, JAAS parsing, RFC 2253 subjects and principal mapping
// rules, the authorizer's matching (literal, wildcard, prefixed, DENY, implied DESCRIBE), the SASL
// state machine's gate, and the quota rate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AclAuthorizer, filterMatches } from '../../../src/server/security/authorizer.js';
import { parseJaasConfig, plainUsers } from '../../../src/server/security/jaas.js';
import { SslPrincipalMapper, rfc2253Subject } from '../../../src/server/security/principal.js';
import { ClientQuotaManager } from '../../../src/server/security/quotas.js';
import { ScramServer, credentialFromSalted, credentialFromString, credentialToString, saltedPassword } from '../../../src/server/security/scram.js';
import { Session } from '../../../src/server/security/session.js';
import { makePki } from '../../helpers/certs.js';

test('SCRAM-SHA-256: the RFC 7677 example exchange', () => {
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const cred = credentialFromSalted('SCRAM-SHA-256', salt, saltedPassword('SCRAM-SHA-256', 'pencil', salt, 4096), 4096);
  const server = new ScramServer('SCRAM-SHA-256', (u) => (u === 'user' ? cred : undefined));
  const first = server.evaluate(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
  assert.equal(first.done, false);
  const serverFirst = first.challenge.toString();
  assert.match(serverFirst, /^r=rOprNGfwEbeRWgbNEkqO[^,]+,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096$/);
  // The RFC's client-final with the RFC's server nonce: recompute the proof for our nonce instead.
  assert.throws(() => server.evaluate(Buffer.from(`c=biws,r=${serverFirst.slice(2, serverFirst.indexOf(','))},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`)), /Invalid client credentials/);
  const round = credentialFromString(credentialToString(cred))!;
  assert.deepEqual(round, cred);
  assert.match(credentialToString(cred), /^salt=W22ZaJ0SNY7soEsUEjb6gQ==,stored_key=[^,]+,server_key=[^,]+,iterations=4096$/);
});

test('JAAS: PlainLoginModule users, quoted and bare values', () => {
  const e = parseJaasConfig('org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="a b\\"c" user_admin="x" user_bob=y;');
  assert.equal(e[0]!.options.get('password'), 'a b"c');
  assert.deepEqual([...plainUsers(e)], [['admin', 'x'], ['bob', 'y']]);
  assert.throws(() => parseJaasConfig('Module required a="b"'), /missing ";"/);
});

test('certificate subjects in RFC 2253 order; principal mapping rules as Kafka\'s', () => {
  const pki = makePki();
  try {
    const c = pki.client('/C=US/O=Acme, Inc./OU=eng/CN=alice', 'u');
    assert.equal(rfc2253Subject(new X509Certificate(readFileSync(c.cert))), 'CN=alice,OU=eng,O=Acme\\, Inc.,C=US');
  } finally {
    pki.cleanup();
  }
  const m = new SslPrincipalMapper('RULE:^CN=(.*?),OU=(.*?),O=.*$/$1@$2/L,RULE:^CN=([^,]+).*$/$1/U,DEFAULT');
  assert.equal(m.map('CN=Alice,OU=Eng,O=Acme,C=US'), 'alice@eng');
  assert.equal(m.map('CN=bob,O=Acme'), 'BOB');
  assert.equal(new SslPrincipalMapper('DEFAULT').map('O=x'), 'O=x');
  assert.throws(() => new SslPrincipalMapper('RULE:^CN=(.*)$/$1/').map('O=x'), /no ssl.principal.mapping.rules rule/);
});

test('authorizer: deny before allow, wildcard and prefixed patterns, implied DESCRIBE, super users, no-ACL default', () => {
  const acl = (resourceName: string, operation: number, permission: number, patternType = 3, principal = 'User:alice', host = '*') => ({ resourceType: 2, resourceName, patternType, principal, host, operation, permission });
  const a = new AclAuthorizer({ superUsers: ['User:root'], allowEveryoneIfNoAclFound: false }, [
    acl('orders', 3, 3),
    acl('logs-', 2, 3, 4),
    acl('logs-secret', 3, 2),
    acl('*', 4, 3, 3, 'User:*', '10.0.0.1'),
  ]);
  const alice = { principal: 'User:alice', host: '127.0.0.1' };
  assert.equal(a.authorize(alice, 3, 2, 'orders'), true);
  assert.equal(a.authorize(alice, 8, 2, 'orders'), true, 'READ implies DESCRIBE');
  assert.equal(a.authorize(alice, 4, 2, 'orders'), false);
  assert.equal(a.authorize(alice, 4, 2, 'logs-app'), true, 'prefixed ALL');
  assert.equal(a.authorize(alice, 3, 2, 'logs-secret'), false, 'DENY wins');
  assert.equal(a.authorize(alice, 4, 2, 'logs-secret'), true);
  assert.equal(a.authorize({ principal: 'User:bob', host: '10.0.0.1' }, 4, 2, 'anything'), true, 'wildcard principal from that host');
  assert.equal(a.authorize({ principal: 'User:bob', host: '10.0.0.2' }, 4, 2, 'anything'), false);
  assert.equal(a.authorize({ principal: 'User:root', host: 'x' }, 6, 4, 'kafka-cluster'), true);
  assert.equal(a.authorizeByResourceType(alice, 4, 2), true);
  assert.equal(a.authorizeByResourceType({ principal: 'User:carol', host: '1.1.1.1' }, 4, 2), false);
  assert.equal(new AclAuthorizer({ superUsers: [], allowEveryoneIfNoAclFound: true }, []).authorize(alice, 4, 2, 't'), true);
  const matchFilter = { resourceType: 2, resourceName: 'logs-secret', patternType: 2, principal: null, host: null, operation: 1, permission: 1 };
  assert.equal(filterMatches(matchFilter, acl('logs-', 2, 3, 4)), true);
  assert.equal(filterMatches(matchFilter, acl('orders', 3, 3)), false);
});

test('SASL gate: only ApiVersions and the handshake before authentication; a failure closes', () => {
  const settings = { mechanisms: ['PLAIN'] as const, plainUsers: new Map([['alice', 'pw']]), scramCredential: () => undefined, reauthMs: 1000, maxReceiveSize: 1024 };
  let now = 0;
  const s = new Session({ name: 'SASL_PLAINTEXT', protocol: 'SASL_PLAINTEXT', sasl: { ...settings, mechanisms: [...settings.mechanisms] } }, '127.0.0.1', () => now);
  assert.deepEqual([18, 17, 3, 0, 36].map((k) => s.mayServe(k)), [true, true, false, false, false]);
  assert.equal(s.handshake('PLAIN', 1).errorCode, 0);
  assert.deepEqual([36, 18, 3].map((k) => s.mayServe(k)), [true, false, false]);
  const r = s.authenticate(Buffer.from('\u0000alice\u0000pw'), 1);
  assert.equal(r.errorCode, 0);
  assert.equal(r.sessionLifetimeMs, 1000);
  assert.equal(s.principal, 'User:alice');
  assert.equal(s.mayServe(3), true);
  now = 1001;
  assert.equal(s.mayServe(3), false, 'the session expired');
  assert.equal(s.handshake('PLAIN', 1).errorCode, 0, 're-authentication');
  assert.equal(s.authenticate(Buffer.from('\u0000alice\u0000pw'), 2).errorCode, 0);
  assert.equal(s.mayServe(3), true);
  const bad = new Session({ name: 'S', protocol: 'SASL_SSL', sasl: { ...settings, mechanisms: ['PLAIN'] } }, '', () => 0);
  bad.handshake('PLAIN', 1);
  assert.equal(bad.authenticate(Buffer.from('\u0000alice\u0000nope'), 1).errorCode, 58);
  assert.equal(bad.closeAfterResponse, true);
  assert.equal(new Session({ name: 'S', protocol: 'SASL_SSL', sasl: { ...settings, mechanisms: ['PLAIN'] } }, '', () => 0).handshake('GSSAPI', 1).errorCode, 33);
});

test('quota: a client within its rate is not throttled; above it, the throttle brings it back to it', () => {
  let now = 0;
  const q = new ClientQuotaManager({ samples: 11, sampleWindowMs: 1000, now: () => now });
  q.load(new Map<string, Record<string, string>>([['clients/app', { producer_byte_rate: '1000' }], ['users/%3Cdefault%3E', {}]]));
  assert.equal(q.record('producer_byte_rate', 'ANONYMOUS', 'other', 1e9), 0, 'no quota for that client');
  let throttled = 0;
  let sent = 0;
  // 100 bytes every 10 ms (10 kB/s) against 1 kB/s: following the throttle keeps it near 1 kB/s.
  while (now < 60_000) {
    const t = q.record('producer_byte_rate', 'ANONYMOUS', 'app', 100);
    sent += 100;
    if (t > 0) throttled++;
    now += 10 + t;
  }
  assert.ok(throttled > 0);
  assert.ok(Math.abs(sent / 60 - 1000) / 1000 < 0.1, `${sent / 60} B/s`);
});
