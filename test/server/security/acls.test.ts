// ACLs as Kafka applies them, created with clients' admin APIs (kafkajs createAcls, and
// librdkafka's CreateAcls from C, which is what confluent-kafka's create_acls calls: the
// python3-confluent-kafka Debian ships, 1.7, predates create_acls): a user granted WRITE, READ and
// DESCRIBE on a topic and READ on a group produces and consumes with confluent-kafka; a prefixed
// ACL covers the topics it prefixes and no other; a DENY wins over an ALLOW; ACLs survive a
// restart (kept in the metadata file) and are listed and deleted by filter.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { DeleteAcls, DescribeAcls, Fetch, Metadata } from '../../../src/protocol/index.js';
import { startBroker, type StartedBroker } from '../../../src/node/start-broker.js';
import { buildBatch } from '../../../src/record/builder.js';
import { python, repoRoot, run, runOk } from '../../helpers/broker-process.js';
import { WireClient, createTopic, produceBatch } from '../../helpers/wire-client.js';
import { authenticate } from '../../helpers/sasl.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;
const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret" user_alice="alice-secret" user_bob="bob-secret";';

describe('ACLs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-acls-'));
  let b: StartedBroker;
  let bootstrap: string;
  let kafkaAdmin: kafkajs.Admin;
  const settings = {
    listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
    'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
    'super.users': 'User:admin',
    'log.dirs': dir,
  };

  const start = async () => {
    b = await startBroker(settings);
    bootstrap = b.bootstrap;
    kafkaAdmin = new Kafka({ clientId: 'acl-admin', brokers: [bootstrap], sasl: { mechanism: 'plain', username: 'admin', password: 'admin-secret' }, logLevel: logLevel.NOTHING }).admin();
    await kafkaAdmin.connect();
  };
  const stop = async () => {
    await kafkaAdmin?.disconnect();
    await b?.stop();
  };

  before(start);
  after(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const as = async (user: string, password: string): Promise<WireClient> => {
    const c = await WireClient.connect(bootstrap);
    assert.equal((await authenticate(c, 'PLAIN', user, password)).errorCode, 0);
    return c;
  };
  const acl = (resourceType: kafkajs.AclResourceTypes, resourceName: string, operation: kafkajs.AclOperationTypes, permission = AclPermissionTypes.ALLOW, pattern = ResourcePatternTypes.LITERAL, principal = 'User:alice') =>
    ({ resourceType, resourceName, resourcePatternType: pattern, principal, host: '*', operation, permissionType: permission });
  const py = async (user: string, password: string, ...args: string[]) =>
    JSON.parse(await runOk(python, [join(repoRoot, 'test/interop/py/security_confluent.py'), bootstrap, JSON.stringify({ 'security.protocol': 'sasl_plaintext', 'sasl.mechanism': 'PLAIN', 'sasl.username': user, 'sasl.password': password }), ...args], { timeoutMs: 90_000 }));
  const fetchCode = async (c: WireClient, topic: string) => {
    const r = await c.request(Fetch, 12, { replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }], forgottenTopicsData: [], rackId: '', clusterId: null, replicaState: { replicaId: -1, replicaEpoch: -1 } } as never);
    return r.responses[0]!.partitions[0]!.errorCode;
  };
  const produceCode = async (c: WireClient, topic: string) => (await produceBatch(c, topic, 0, buildBatch([{ key: null, value: Buffer.from('x') }]))).errorCode;

  test('WRITE, READ, DESCRIBE on a topic and READ on a group: confluent-kafka produces and consumes', async () => {
    await kafkaAdmin.createTopics({ topics: [{ topic: 'orders', numPartitions: 2 }] });
    const before = await py('alice', 'alice-secret', 'produce', 'orders', '5');
    assert.equal(before.produced, 0);
    assert.match(JSON.stringify(before.errors), /TOPIC_AUTHORIZATION_FAILED|authoriz/i);
    await kafkaAdmin.createAcls({ acl: [
      acl(AclResourceTypes.TOPIC, 'orders', AclOperationTypes.WRITE),
      acl(AclResourceTypes.TOPIC, 'orders', AclOperationTypes.READ),
      acl(AclResourceTypes.TOPIC, 'orders', AclOperationTypes.DESCRIBE),
      acl(AclResourceTypes.GROUP, 'orders-app', AclOperationTypes.READ),
    ] });
    const out = await py('alice', 'alice-secret', 'roundtrip', 'orders', '100', 'orders-app');
    assert.deepEqual({ produced: out.produced, consumed: out.consumed }, { produced: 100, consumed: 100 }, JSON.stringify(out.errors));
    // Another group is not granted: the consumer is refused, the produced records stay unread by it.
    const other = await py('alice', 'alice-secret', 'consume', 'orders', '1', 'other-app');
    assert.equal(other.consumed, 0);
    assert.match(JSON.stringify(other.errors), /GROUP_AUTHORIZATION_FAILED|Group authorization/i);
    // bob has no ACL at all.
    const bob = await as('bob', 'bob-secret');
    assert.equal(await produceCode(bob, 'orders'), 29);
    bob.close();
  });

  test('librdkafka\'s CreateAcls (what confluent-kafka\'s create_acls calls) grants bob a topic and a group; bob then produces and consumes with confluent-kafka', async () => {
    const program = join(dir, 'rdkafka_acls');
    await runOk('cc', ['-O1', '-o', program, join(repoRoot, 'test', 'interop', 'c', 'rdkafka_acls.c'), '-lrdkafka']);
    await kafkaAdmin.createTopics({ topics: [{ topic: 'payments', numPartitions: 1 }] });
    const before = await py('bob', 'bob-secret', 'produce', 'payments', '3');
    assert.equal(before.produced, 0);
    assert.match(JSON.stringify(before.errors), /TOPIC_AUTHORIZATION_FAILED|authoriz/i);
    const out = JSON.parse(await runOk(program, [bootstrap, 'admin', 'admin-secret', 'User:bob', 'payments', 'payments-app'], { timeoutMs: 60_000 })) as { created: number; acls: string[][] };
    assert.equal(out.created, 4);
    assert.deepEqual(out.acls.map((a) => a.join(' ')).sort(), ['GROUP payments-app READ', 'TOPIC payments DESCRIBE', 'TOPIC payments READ', 'TOPIC payments WRITE']);
    const rt = await py('bob', 'bob-secret', 'roundtrip', 'payments', '50', 'payments-app');
    assert.deepEqual({ produced: rt.produced, consumed: rt.consumed }, { produced: 50, consumed: 50 }, JSON.stringify(rt.errors));
    // A non-superuser may not create ACLs: CLUSTER_AUTHORIZATION_FAILED through the same API.
    const refused = await run(program, [bootstrap, 'bob', 'bob-secret', 'User:bob', 'other', 'other-app'], { timeoutMs: 60_000 });
    assert.match(refused.stdout.toString() + refused.stderr, /created": 0|authoriz/i);
  });

  test('a prefixed ACL covers the topics it prefixes; a DENY wins over the ALLOW', async () => {
    for (const t of ['pre-a', 'pre-secret', 'other']) assert.equal(await createTopic(await as('admin', 'admin-secret'), t, 1), 0);
    await kafkaAdmin.createAcls({ acl: [
      acl(AclResourceTypes.TOPIC, 'pre-', AclOperationTypes.ALL, AclPermissionTypes.ALLOW, ResourcePatternTypes.PREFIXED),
      acl(AclResourceTypes.TOPIC, 'pre-secret', AclOperationTypes.READ, AclPermissionTypes.DENY),
    ] });
    const alice = await as('alice', 'alice-secret');
    assert.equal(await produceCode(alice, 'pre-a'), 0);
    assert.equal(await fetchCode(alice, 'pre-a'), 0);
    assert.equal(await produceCode(alice, 'pre-secret'), 0, 'WRITE is not denied');
    assert.equal(await fetchCode(alice, 'pre-secret'), 29, 'READ is denied');
    assert.equal(await produceCode(alice, 'other'), 29);
    assert.equal(await fetchCode(alice, 'other'), 29);
    // DESCRIBE is implied by the prefixed ALL; "other" is hidden from the topic list.
    const md = await alice.request(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    assert.deepEqual(md.topics.map((t) => t.name).sort(), ['orders', 'pre-a', 'pre-secret']);
    // A deny for every user on the wildcard: everyone but the super user is refused.
    await kafkaAdmin.createAcls({ acl: [acl(AclResourceTypes.TOPIC, '*', AclOperationTypes.WRITE, AclPermissionTypes.DENY, ResourcePatternTypes.LITERAL, 'User:*')] });
    assert.equal(await produceCode(alice, 'pre-a'), 29);
    assert.equal(await produceCode(await as('admin', 'admin-secret'), 'pre-a'), 0);
    await kafkaAdmin.deleteAcls({ filters: [{ resourceType: AclResourceTypes.TOPIC, resourceName: '*', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:*', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.DENY }] });
    assert.equal(await produceCode(alice, 'pre-a'), 0);
    alice.close();
  });

  test('ACLs are listed by filter (MATCH finds the prefixed one), survive a restart, and are deleted', async () => {
    const described = await kafkaAdmin.describeAcls({ resourceType: AclResourceTypes.TOPIC, resourceName: 'pre-secret', resourcePatternType: ResourcePatternTypes.MATCH, principal: 'User:alice', host: '*', operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY } as never);
    const names = described.resources.map((r) => `${r.resourceName}:${r.resourcePatternType}`).sort();
    assert.deepEqual(names, ['pre-:4', 'pre-secret:3']);
    await stop();
    await start();
    const alice = await as('alice', 'alice-secret');
    assert.equal(await fetchCode(alice, 'pre-secret'), 29);
    assert.equal(await fetchCode(alice, 'pre-a'), 0);
    // A non-super user may not list or change ACLs.
    const r = await alice.request(DescribeAcls, 3, { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 });
    assert.equal(r.errorCode, 31);
    const admin = await as('admin', 'admin-secret');
    const deleted = await admin.request(DeleteAcls, 3, { filters: [{ resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: 'User:alice', hostFilter: null, operation: 1, permissionType: 1 }] });
    assert.equal(deleted.filterResults[0]!.matchingAcls.length, 6);
    admin.close();
    assert.equal(await fetchCode(alice, 'pre-a'), 29);
    alice.close();
  });
});
