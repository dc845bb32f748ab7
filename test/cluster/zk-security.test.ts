// Security metadata in cluster mode, in ZooKeeper as Kafka 3.9 keeps it: a SCRAM credential
// written through one broker is /config/users/<user> (salted, never the password) announced on
// /config/changes, and the other broker describes it; an ACL created through one broker is
// /kafka-acl/Topic/<name> (prefixed: /kafka-acl-extended/prefixed/...) announced on
// /kafka-acl-changes, and the other broker enforces it; a quota is /config/clients/<id>.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AlterClientQuotas, CreateAcls, DeleteAcls, DescribeUserScramCredentials, Fetch } from '../../src/protocol/index.js';
import { buildBatch } from '../../src/record/builder.js';
import { waitFor } from '../helpers/broker-process.js';
import { upsertScramUsers } from '../helpers/sasl.js';
import { WireClient, createTopic, produceBatch } from '../helpers/wire-client.js';
import { ZkCluster } from '../helpers/zk-cluster.js';
import { zookeeperAvailable } from '../helpers/zookeeper-process.js';

const skip = zookeeperAvailable() ? false : 'Debian zookeeper package not installed (scripts/test-deps.sh installs it)';

describe('security metadata in ZooKeeper', { skip }, () => {
  let cluster: ZkCluster;
  let one: WireClient;
  let two: WireClient;

  before(async () => {
    cluster = await ZkCluster.start({
      brokers: 2,
      settings: { 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer', 'allow.everyone.if.no.acl.found': 'true', 'offsets.topic.replication.factor': '1' },
    });
    one = await WireClient.connect(cluster.brokers.get(1)!.bootstrap);
    two = await WireClient.connect(cluster.brokers.get(2)!.bootstrap);
  });

  after(async () => {
    one?.close();
    two?.close();
    await cluster?.stop();
  });

  test('SCRAM credentials: written through one broker, stored salted in /config/users, described by the other', async () => {
    assert.deepEqual(await upsertScramUsers(one, [{ name: 'alice', password: 'alice-secret', mechanism: 'SCRAM-SHA-512', iterations: 8192 }]), [0]);
    const zk = await cluster.zkClient();
    const stored = JSON.parse((await zk.getData('/config/users/alice')).data.toString()) as { version: number; config: Record<string, string> };
    assert.equal(stored.version, 1);
    assert.match(stored.config['SCRAM-SHA-512']!, /^salt=[^,]+,stored_key=[^,]+,server_key=[^,]+,iterations=8192$/);
    assert.doesNotMatch(JSON.stringify(stored), /alice-secret/);
    const changes = (await zk.getChildren('/config/changes')).children;
    const bodies = await Promise.all(changes.map(async (c) => (await zk.getData(`/config/changes/${c}`)).data.toString()));
    assert.ok(bodies.includes('{"version":2,"entity_path":"users/alice"}'), bodies.join(' '));
    await waitFor(async () => {
      const r = await two.request(DescribeUserScramCredentials, 0, { users: [{ name: 'alice' }] });
      return r.results[0]!.errorCode === 0 && r.results[0]!.credentialInfos[0]!.iterations === 8192;
    }, { timeoutMs: 10_000, what: 'broker 2 to see the credential' });
  });

  test('ACLs: created through one broker in /kafka-acl, enforced by the other; deleted likewise', async () => {
    assert.equal(await createTopic(one, 'guarded', 2, {}), 0);
    // Both partitions: each broker leads one.
    const deny = { resourceType: 2, resourceName: 'guarded', resourcePatternType: 3, principal: 'User:ANONYMOUS', host: '*', operation: 3, permissionType: 2 };
    const prefixed = { resourceType: 2, resourceName: 'guar', resourcePatternType: 4, principal: 'User:ANONYMOUS', host: '*', operation: 4, permissionType: 3 };
    assert.deepEqual((await one.request(CreateAcls, 3, { creations: [deny, prefixed] })).results.map((r) => r.errorCode), [0, 0]);
    const zk = await cluster.zkClient();
    assert.deepEqual(JSON.parse((await zk.getData('/kafka-acl/Topic/guarded')).data.toString()), { version: 1, acls: [{ principal: 'User:ANONYMOUS', permissionType: 'Deny', operation: 'Read', host: '*' }] });
    assert.deepEqual(JSON.parse((await zk.getData('/kafka-acl-extended/prefixed/Topic/guar')).data.toString()).acls, [{ principal: 'User:ANONYMOUS', permissionType: 'Allow', operation: 'Write', host: '*' }]);
    const literalChanges = (await zk.getChildren('/kafka-acl-changes')).children;
    assert.ok((await Promise.all(literalChanges.map(async (c) => (await zk.getData(`/kafka-acl-changes/${c}`)).data.toString()))).includes('TOPIC:guarded'));
    const fetchCode = async (c: WireClient, partition: number) => {
      const r = await c.request(Fetch, 12, { replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [{ topic: 'guarded', partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }], forgottenTopicsData: [], rackId: '', clusterId: null, replicaState: { replicaId: -1, replicaEpoch: -1 } } as never);
      return r.responses[0]!.partitions[0]!.errorCode;
    };
    await waitFor(async () => (await fetchCode(two, 0)) === 29 && (await fetchCode(two, 1)) === 29, { timeoutMs: 10_000, what: 'broker 2 to deny READ' });
    // WRITE is allowed by the prefixed ACL (on whichever broker leads the partition).
    const codes = await Promise.all([one, two].map(async (c) => (await produceBatch(c, 'guarded', 0, buildBatch([{ key: null, value: Buffer.from('x') }]))).errorCode));
    assert.ok(codes.includes(0), `produce codes ${codes}`);
    // While any ACL names the topic (the prefixed one does), allow.everyone.if.no.acl.found does not apply.
    const deleted = await two.request(DeleteAcls, 3, { filters: [{ resourceTypeFilter: 2, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: 'User:ANONYMOUS', hostFilter: null, operation: 1, permissionType: 1 }] });
    assert.equal(deleted.filterResults[0]!.matchingAcls.length, 2);
    assert.equal(await zk.exists('/kafka-acl/Topic/guarded'), null);
    assert.equal(await zk.exists('/kafka-acl-extended/prefixed/Topic/guar'), null);
    await waitFor(async () => ![await fetchCode(one, 0), await fetchCode(one, 1)].includes(29), { timeoutMs: 10_000, what: 'broker 1 to allow READ again' });
  });

  test('quotas: a client quota is /config/clients/<id>', async () => {
    const r = await one.request(AlterClientQuotas, 1, { entries: [{ entity: [{ entityType: 'client-id', entityName: 'app one' }], ops: [{ key: 'consumer_byte_rate', value: 2048, remove: false }] }], validateOnly: false });
    assert.equal(r.entries[0]!.errorCode, 0);
    const zk = await cluster.zkClient();
    assert.deepEqual(JSON.parse((await zk.getData('/config/clients/app+one')).data.toString()), { version: 1, config: { consumer_byte_rate: '2048' } });
  });
});
