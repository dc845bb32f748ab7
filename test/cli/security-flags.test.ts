// The flags of samsa acl and samsa quota, and the connection flags, turned into requests: ACL
// bindings (every resource × principal × host × operation), filters where what is left out
// matches anything, quota entities, and TLS/SASL options over profile settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AclOperation, AclPermission, AclResourceType, PatternType } from '../../src/client/admin-security.js';
import { aclBindings, aclFilters, parseOperations, quotaEntity } from '../../src/cli/security.js';
import { securityOptions } from '../../src/cli/connect-options.js';

test('acl create: a user granted read,write,describe on a topic and read on a group', () => {
  const topic = aclBindings({ allowPrincipal: ['User:bob'], operation: ['read,write', 'describe'], topic: ['orders'] });
  assert.deepEqual(topic, [AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE].map((operation) => ({
    resourceType: AclResourceType.TOPIC, resourceName: 'orders', patternType: PatternType.LITERAL, principal: 'User:bob', host: '*', operation, permission: AclPermission.ALLOW,
  })));
  const group = aclBindings({ allowPrincipal: ['bob'], operation: ['READ'], group: ['billing'] });
  assert.deepEqual(group, [{ resourceType: AclResourceType.GROUP, resourceName: 'billing', patternType: PatternType.LITERAL, principal: 'User:bob', host: '*', operation: AclOperation.READ, permission: AclPermission.ALLOW }]);
});

test('acl create: allow and deny principals with their own hosts, prefixed, every resource kind', () => {
  const b = aclBindings({
    allowPrincipal: ['User:a,User:b'],
    allowHost: ['10.0.0.1'],
    denyPrincipal: ['User:eve'],
    operation: ['idempotent-write,cluster_action'],
    topic: ['pay-'],
    transactionalId: ['tx-'],
    resourcePatternType: 'prefixed',
  });
  assert.equal(b.length, 2 * 3 * 2);
  assert.ok(b.every((x) => x.patternType === PatternType.PREFIXED));
  assert.deepEqual(new Set(b.map((x) => `${x.principal}@${x.host}/${x.permission}`)), new Set(['User:a@10.0.0.1/3', 'User:b@10.0.0.1/3', 'User:eve@*/2']));
  assert.deepEqual(new Set(b.map((x) => x.resourceType)), new Set([AclResourceType.TOPIC, AclResourceType.TRANSACTIONAL_ID]));
  assert.deepEqual(new Set(b.map((x) => x.operation)), new Set([AclOperation.IDEMPOTENT_WRITE, AclOperation.CLUSTER_ACTION]));
  const cluster = aclBindings({ allowPrincipal: ['User:ops'], operation: ['describe_configs,alter_configs,alter,create,delete,all'], cluster: true });
  assert.deepEqual(cluster.map((x) => [x.resourceType, x.resourceName, x.operation]), [10, 11, 7, 5, 6, 2].map((op) => [AclResourceType.CLUSTER, 'kafka-cluster', op]));
});

test('acl create refuses what Kafka would not take, with the flag to fix it', () => {
  assert.throws(() => aclBindings({ allowPrincipal: ['User:bob'], operation: ['read'] }), /give a resource/);
  assert.throws(() => aclBindings({ allowPrincipal: ['User:bob'], topic: ['t'] }), /give --operation/);
  assert.throws(() => aclBindings({ operation: ['read'], topic: ['t'] }), /--allow-principal or --deny-principal/);
  assert.throws(() => aclBindings({ allowPrincipal: ['User:bob'], operation: ['reed'], topic: ['t'] }), /unknown operation "reed"/);
  assert.throws(() => aclBindings({ allowPrincipal: ['User:bob'], operation: ['any'], topic: ['t'] }), /unknown operation "any"/);
  assert.throws(() => aclBindings({ allowPrincipal: ['User:bob'], operation: ['read'], topic: ['t'], resourcePatternType: 'match' }), /literal, prefixed/);
  assert.throws(() => aclBindings({ allowPrincipal: [':bob'], operation: ['read'], topic: ['t'] }), /bad principal/);
  assert.throws(() => aclBindings({ denyPrincipal: ['User:x'], allowHost: ['h'], operation: ['read'], topic: ['t'] }), /--allow-host needs --allow-principal/);
});

test('acl list/delete filters: nothing given matches every ACL; each flag narrows', () => {
  assert.deepEqual(aclFilters({}), [{ resourceType: AclResourceType.ANY, resourceName: null, patternType: PatternType.ANY, principal: null, host: null, operation: AclOperation.ANY, permission: AclPermission.ANY }]);
  const f = aclFilters({ topic: ['t'], denyPrincipal: ['eve'], operation: ['write,any'], resourcePatternType: 'match' });
  assert.deepEqual(f, [AclOperation.WRITE, AclOperation.ANY].map((operation) => ({ resourceType: AclResourceType.TOPIC, resourceName: 't', patternType: PatternType.MATCH, principal: 'User:eve', host: null, operation, permission: AclPermission.DENY })));
  assert.deepEqual(parseOperations(['read,READ', 'Read'], false), [AclOperation.READ]);
});

test('quota entities: --name type=name, --client-id, --default type; each type once', () => {
  assert.deepEqual(quotaEntity({ name: ['user=alice'], clientId: ['loader'] }), [{ entityType: 'user', name: 'alice' }, { entityType: 'client-id', name: 'loader' }]);
  assert.deepEqual(quotaEntity({ default: ['client-id'] }), [{ entityType: 'client-id', name: null }]);
  assert.throws(() => quotaEntity({ name: ['group=x'] }), /bad quota entity type "group"/);
  assert.throws(() => quotaEntity({ name: ['user=a'], default: ['user'] }), /each type once/);
});

test('connection flags over profile settings: TLS implied by a truststore, SASL needs all three, files read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-flags-'));
  try {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, 'PEM-CA');
    assert.deepEqual(securityOptions({}, {}), { tls: null, sasl: null });
    assert.deepEqual(securityOptions({ tlsTruststore: ca }, {}).tls, { ca: Buffer.from('PEM-CA') });
    assert.deepEqual(securityOptions({}, { 'tls.enabled': 'true' }).tls, {});
    assert.equal(securityOptions({}, { 'tls.enabled': 'false' }).tls, null);
    assert.deepEqual(securityOptions({}, { 'tls.insecure_skip_verify': 'true' }).tls, { verify: false });
    assert.deepEqual(securityOptions({ user: 'bob' }, { user: 'alice', pass: 'p', 'sasl.mechanism': 'scram-sha-512' }).sasl, { mechanism: 'SCRAM-SHA-512', username: 'bob', password: 'p' });
    assert.throws(() => securityOptions({ user: 'bob', password: 'p' }, {}), /--sasl-mechanism/);
    assert.throws(() => securityOptions({ user: 'bob', saslMechanism: 'PLAIN' }, {}), /--password/);
    assert.throws(() => securityOptions({ password: 'p', saslMechanism: 'PLAIN' }, {}), /--user/);
    assert.throws(() => securityOptions({ user: 'u', password: 'p', saslMechanism: 'GSSAPI' }, {}), /unknown SASL mechanism "GSSAPI"/);
    assert.throws(() => securityOptions({ tlsCert: ca }, {}), /--tls-cert and --tls-key/);
    assert.throws(() => securityOptions({ tlsTruststore: join(dir, 'missing.pem') }, {}), /cannot read the TLS truststore .*missing\.pem: ENOENT/);
    assert.throws(() => securityOptions({}, { 'tls.enabled': 'yes' }), /bad tls.enabled "yes"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
