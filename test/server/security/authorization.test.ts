// Every API key the broker serves, sent (1) on a SASL listener before authentication: Kafka
// closes the connection for all but ApiVersions and the SASL requests; (2) by an authenticated
// user without ACLs: each is answered with Kafka's error for it. Nothing changes either way:
// topics, records, log start offsets, groups and their offsets, ACLs, credentials and quotas,
// transactions are compared before and after.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_APIS, ApiVersions, InitProducerId, OffsetCommit, SaslHandshake, apiByKey, type ApiSpec } from '../../../src/protocol/index.js';
import { defaultStruct } from '../../../src/protocol/codec.js';
import type { Field, Fields } from '../../../src/protocol/schema.js';
import { buildBatch } from '../../../src/record/builder.js';
import { startBroker, type StartedBroker } from '../../../src/node/start-broker.js';
import { WireClient, createTopic, produceBatch } from '../../helpers/wire-client.js';
import { authenticate, upsertScramUsers } from '../../helpers/sasl.js';
import { ErrorCode } from '../../../src/protocol/errors.js';

const T = 'victim';
const G = 'victim-group';
const X = 'victim-txn';
const NO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** Fills every field the value leaves out with its default, into nested structs. */
function complete(fields: Fields, value: Record<string, unknown>): Record<string, unknown> {
  const out = defaultStruct(fields);
  for (const [k, v] of Object.entries(value)) {
    const f: Field | undefined = fields[k];
    if (!f) throw new Error(`no field ${k}`);
    if (f.kind === 'array' && typeof f.of === 'object' && Array.isArray(v)) out[k] = v.map((e) => complete(f.of as Fields, e as Record<string, unknown>));
    else if (f.kind === 'struct' && v && typeof v === 'object') out[k] = complete(f.fields, v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

interface Case {
  key: number;
  version: number;
  body: Record<string, unknown>;
  /** The error codes the response must carry (collected from every errorCode-like field). */
  expect: number[];
}

/** Every error code in a response, depth first. */
function codes(v: unknown, out: number[] = []): number[] {
  if (Array.isArray(v)) for (const e of v) codes(e, out);
  else if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (/errorcode$/i.test(k) && typeof x === 'number') out.push(x);
      else codes(x, out);
    }
  }
  return out;
}

const batch = buildBatch([{ key: Buffer.from('k'), value: Buffer.from('evil') }]);
const A = ErrorCode;

const CASES: Case[] = [
  { key: 0, version: 9, body: { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: T, partitionData: [{ index: 0, records: batch }] }] }, expect: [A.TOPIC_AUTHORIZATION_FAILED] },
  { key: 0, version: 9, body: { transactionalId: X, acks: -1, timeoutMs: 5000, topicData: [{ name: T, partitionData: [{ index: 0, records: batch }] }] }, expect: [A.TRANSACTIONAL_ID_AUTHORIZATION_FAILED] },
  { key: 1, version: 12, body: { replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionEpoch: -1, topics: [{ topic: T, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1 }] }] }, expect: [A.NONE, A.TOPIC_AUTHORIZATION_FAILED] },
  { key: 1, version: 12, body: { replicaId: 1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionEpoch: -1, topics: [{ topic: T, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1 }] }] }, expect: [A.NONE, A.TOPIC_AUTHORIZATION_FAILED] },
  { key: 2, version: 7, body: { replicaId: -1, topics: [{ name: T, partitions: [{ partitionIndex: 0, timestamp: -1, currentLeaderEpoch: -1 }] }] }, expect: [A.TOPIC_AUTHORIZATION_FAILED] },
  { key: 3, version: 12, body: { topics: [{ topicId: NO_ID, name: T }, { topicId: NO_ID, name: 'new-topic' }], allowAutoTopicCreation: true }, expect: [A.TOPIC_AUTHORIZATION_FAILED, A.TOPIC_AUTHORIZATION_FAILED] },
  { key: 4, version: 7, body: { controllerId: 1, controllerEpoch: 99, brokerEpoch: 99, topicStates: [{ topicName: T, topicId: NO_ID, partitionStates: [{ partitionIndex: 0, controllerEpoch: 99, leader: 1, leaderEpoch: 99, isr: [1], replicas: [1] }] }], liveLeaders: [] }, expect: [A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 5, version: 4, body: { controllerId: 1, controllerEpoch: 99, brokerEpoch: 99, topicStates: [{ topicName: T, partitionStates: [{ partitionIndex: 0, leaderEpoch: 99, deletePartition: true }] }] }, expect: [A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 6, version: 8, body: { controllerId: 1, controllerEpoch: 99, brokerEpoch: 99, topicStates: [], liveBrokers: [] }, expect: [A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 8, version: 8, body: { groupId: G, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [{ name: T, partitions: [{ partitionIndex: 0, committedOffset: 0, committedLeaderEpoch: -1, committedMetadata: '' }] }] }, expect: [A.GROUP_AUTHORIZATION_FAILED] },
  { key: 9, version: 8, body: { groups: [{ groupId: G, topics: null }], requireStable: false }, expect: [A.NONE, A.GROUP_AUTHORIZATION_FAILED] },
  { key: 10, version: 4, body: { keyType: 0, coordinatorKeys: [G] }, expect: [A.NONE, A.GROUP_AUTHORIZATION_FAILED] },
  { key: 10, version: 4, body: { keyType: 1, coordinatorKeys: [X] }, expect: [A.NONE, A.TRANSACTIONAL_ID_AUTHORIZATION_FAILED] },
  { key: 11, version: 9, body: { groupId: G, sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null }, expect: [A.GROUP_AUTHORIZATION_FAILED] },
  { key: 12, version: 4, body: { groupId: G, generationId: 1, memberId: 'm', groupInstanceId: null }, expect: [A.GROUP_AUTHORIZATION_FAILED] },
  { key: 13, version: 5, body: { groupId: G, members: [{ memberId: 'm', groupInstanceId: null, reason: null }] }, expect: [A.GROUP_AUTHORIZATION_FAILED] },
  { key: 14, version: 5, body: { groupId: G, generationId: 1, memberId: 'm', groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] }, expect: [A.GROUP_AUTHORIZATION_FAILED] },
  { key: 15, version: 5, body: { groups: [G], includeAuthorizedOperations: true }, expect: [A.GROUP_AUTHORIZATION_FAILED] },
  { key: 16, version: 4, body: { statesFilter: [] }, expect: [A.NONE] },
  { key: 18, version: 3, body: { clientSoftwareName: 't', clientSoftwareVersion: '1' }, expect: [A.NONE] },
  { key: 19, version: 7, body: { topics: [{ name: 'new-topic', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false }, expect: [A.NONE, A.TOPIC_AUTHORIZATION_FAILED] },
  { key: 20, version: 6, body: { topics: [{ name: T, topicId: NO_ID }], timeoutMs: 5000 }, expect: [A.TOPIC_AUTHORIZATION_FAILED] },
  { key: 21, version: 2, body: { topics: [{ name: T, partitions: [{ partitionIndex: 0, offset: -1 }] }], timeoutMs: 5000 }, expect: [A.TOPIC_AUTHORIZATION_FAILED] },
  { key: 22, version: 4, body: { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 }, expect: [A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 22, version: 4, body: { transactionalId: X, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 }, expect: [A.TRANSACTIONAL_ID_AUTHORIZATION_FAILED] },
  { key: 23, version: 4, body: { replicaId: -1, topics: [{ topic: T, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] }, expect: [A.TOPIC_AUTHORIZATION_FAILED] },
  { key: 24, version: 3, body: { v3AndBelowTransactionalId: X, v3AndBelowProducerId: 0, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: T, partitions: [0] }] }, expect: [A.NONE, A.TRANSACTIONAL_ID_AUTHORIZATION_FAILED] },
  { key: 24, version: 4, body: { transactions: [{ transactionalId: X, producerId: 0, producerEpoch: 0, verifyOnly: false, topics: [{ name: T, partitions: [0] }] }] }, expect: [A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 25, version: 3, body: { transactionalId: X, producerId: 0, producerEpoch: 0, groupId: G }, expect: [A.TRANSACTIONAL_ID_AUTHORIZATION_FAILED] },
  { key: 26, version: 3, body: { transactionalId: X, producerId: 0, producerEpoch: 0, committed: true }, expect: [A.TRANSACTIONAL_ID_AUTHORIZATION_FAILED] },
  { key: 27, version: 1, body: { markers: [{ producerId: 5, producerEpoch: 0, transactionResult: false, topics: [{ name: T, partitionIndexes: [0] }], coordinatorEpoch: 0 }] }, expect: [A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 28, version: 3, body: { transactionalId: X, groupId: G, producerId: 0, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null, topics: [{ name: T, partitions: [{ partitionIndex: 0, committedOffset: 0, committedLeaderEpoch: -1, committedMetadata: '' }] }] }, expect: [A.TRANSACTIONAL_ID_AUTHORIZATION_FAILED] },
  { key: 29, version: 3, body: { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 }, expect: [A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 30, version: 3, body: { creations: [{ resourceType: 2, resourceName: T, resourcePatternType: 3, principal: 'User:alice', host: '*', operation: 2, permissionType: 3 }] }, expect: [A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 31, version: 3, body: { filters: [{ resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 }] }, expect: [A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 32, version: 4, body: { resources: [{ resourceType: 2, resourceName: T, configurationKeys: null }, { resourceType: 4, resourceName: '0', configurationKeys: null }], includeSynonyms: false, includeDocumentation: false }, expect: [A.TOPIC_AUTHORIZATION_FAILED, A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 33, version: 2, body: { resources: [{ resourceType: 2, resourceName: T, configs: [{ name: 'retention.ms', value: '1' }] }], validateOnly: false }, expect: [A.TOPIC_AUTHORIZATION_FAILED] },
  { key: 35, version: 4, body: { topics: null }, expect: [A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 37, version: 3, body: { topics: [{ name: T, count: 5, assignments: null }], timeoutMs: 5000, validateOnly: false }, expect: [A.TOPIC_AUTHORIZATION_FAILED] },
  { key: 42, version: 2, body: { groupsNames: [G] }, expect: [A.GROUP_AUTHORIZATION_FAILED] },
  { key: 43, version: 2, body: { electionType: 0, topicPartitions: [{ topic: T, partitions: [0] }], timeoutMs: 5000 }, expect: [A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 44, version: 1, body: { resources: [{ resourceType: 2, resourceName: T, configs: [{ name: 'retention.ms', configOperation: 0, value: '1' }] }], validateOnly: false }, expect: [A.TOPIC_AUTHORIZATION_FAILED] },
  { key: 45, version: 0, body: { timeoutMs: 5000, topics: [{ name: T, partitions: [{ partitionIndex: 0, replicas: [1] }] }] }, expect: [A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 46, version: 0, body: { timeoutMs: 5000, topics: null }, expect: [A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 47, version: 0, body: { groupId: G, topics: [{ name: T, partitions: [{ partitionIndex: 0 }] }] }, expect: [A.GROUP_AUTHORIZATION_FAILED] },
  { key: 7, version: 3, body: { brokerId: 1, brokerEpoch: 99 }, expect: [A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 56, version: 3, body: { brokerId: 1, brokerEpoch: 99, topics: [{ topicName: T, topicId: NO_ID, partitions: [{ partitionIndex: 0, leaderEpoch: 0, newIsr: [1], newIsrWithEpochs: [{ brokerId: 1, brokerEpoch: 99 }], leaderRecoveryState: 0, partitionEpoch: 0 }] }] }, expect: [A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 48, version: 1, body: { components: [], strict: false }, expect: [A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 49, version: 1, body: { entries: [{ entity: [{ entityType: 'user', entityName: 'alice' }], ops: [{ key: 'producer_byte_rate', value: 1e9, remove: false }] }], validateOnly: false }, expect: [A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 50, version: 0, body: { users: null }, expect: [A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 51, version: 0, body: { deletions: [{ name: 'bob', mechanism: 1 }], upsertions: [{ name: 'alice', mechanism: 1, iterations: 4096, salt: Buffer.from('salt'), saltedPassword: Buffer.alloc(32, 1) }] }, expect: [A.CLUSTER_AUTHORIZATION_FAILED, A.CLUSTER_AUTHORIZATION_FAILED] },
  { key: 60, version: 1, body: { includeClusterAuthorizedOperations: true, endpointType: 1 }, expect: [A.NONE] },
  { key: 61, version: 0, body: { topics: [{ name: T, partitionIndexes: [0] }] }, expect: [A.TOPIC_AUTHORIZATION_FAILED] },
  { key: 65, version: 0, body: { transactionalIds: [X] }, expect: [A.TRANSACTIONAL_ID_AUTHORIZATION_FAILED] },
  { key: 66, version: 1, body: { stateFilters: [], producerIdFilters: [], durationFilter: -1 }, expect: [A.NONE] },
];

describe('every API as an unauthenticated connection and as a user without ACLs', () => {
  let b: StartedBroker;
  let plain: string;
  let sasl: string;
  let admin: WireClient;
  let served: number[];

  before(async () => {
    b = await startBroker({
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      // The PLAINTEXT listener is the operator's: its ANONYMOUS principal may do anything.
      'super.users': 'User:ANONYMOUS',
    });
    plain = `127.0.0.1:${b.broker.listenerPorts.get('PLAINTEXT')}`;
    sasl = `127.0.0.1:${b.broker.listenerPorts.get('SASL_PLAINTEXT')}`;
    admin = await WireClient.connect(plain);
    assert.equal(await createTopic(admin, T, 2), 0);
    assert.equal((await produceBatch(admin, T, 0, buildBatch([{ key: Buffer.from('a'), value: Buffer.from('1') }]))).errorCode, 0);
    const commit = await admin.request(OffsetCommit, 8, complete(OffsetCommit.request, { groupId: G, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [{ name: T, partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: '' }] }] }) as never);
    assert.deepEqual(codes(commit), [0]);
    const init = await admin.request(InitProducerId, 4, { transactionalId: X, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 });
    assert.equal(init.errorCode, 0);
    assert.deepEqual(await upsertScramUsers(admin, [{ name: 'bob', password: 'bob-secret', mechanism: 'SCRAM-SHA-256' }]), [0]);
    served = (await admin.request(ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).apiKeys.map((k) => k.apiKey);
  });

  after(async () => {
    admin?.close();
    await b?.stop();
  });

  /** What a principal could have changed. */
  function snapshot(): string {
    const node = b.broker;
    const topics = [...node.controller.image.topics()].map((t) => ({ name: t.name, partitions: t.partitions.length, configs: t.configs }));
    const logs = topics.flatMap((t) => Array.from({ length: t.partitions }, (_, i) => {
      const p = node.partition(t.name, i);
      return [t.name, i, p?.logStartOffset, p?.logEndOffset, p?.highWatermark];
    }));
    const groups = [...node.groups.groups.values()].map((g) => ({ id: g.groupId, state: g.state, members: g.members.size, offsets: [...g.offsets].map(([k, o]) => [k, o.offset]) }));
    const security = { acls: node.security.store.acls(), entities: [...node.security.store.entityConfigs()] };
    const txn = node.txn.describe(X);
    return JSON.stringify({ topics, logs, groups, security, txn: { state: txn.transactionState, pid: txn.producerId, epoch: txn.producerEpoch, topics: txn.topics } });
  }

  test('the cases cover every API key the broker serves', () => {
    const covered = new Set([...CASES.map((c) => c.key), 17, 36]);
    assert.deepEqual(served.filter((k) => !covered.has(k)), []);
  });

  test('before SASL authentication, every API but ApiVersions and SaslHandshake closes the connection', async () => {
    const before = snapshot();
    for (const key of served) {
      const spec = apiByKey(key)!;
      const c = await WireClient.connect(sasl);
      const cs = CASES.find((x) => x.key === key);
      const version = cs?.version ?? 0;
      const body = complete(spec.request, cs?.body ?? (key === 17 ? { mechanism: 'PLAIN' } : key === 36 ? { authBytes: Buffer.from('\u0000alice\u0000alice-secret') } : {}));
      const answered = await c.request(spec as ApiSpec, version, body as never, 5000).then(() => true, () => false);
      if (key === 18 || key === 17) assert.equal(answered, true, `${spec.name} is answered before authentication`);
      else {
        assert.equal(answered, false, `${spec.name} before authentication must not be answered`);
        assert.equal(await c.waitClosed(2000), true, `${spec.name} before authentication closes the connection`);
      }
      c.close();
    }
    assert.equal(snapshot(), before);
  });

  test('an authenticated user without ACLs is refused with Kafka\'s error for each API, and nothing changes', async () => {
    const before = snapshot();
    for (const mechanism of ['PLAIN', 'SCRAM-SHA-256'] as const) {
      const c = await WireClient.connect(sasl);
      const auth = mechanism === 'PLAIN' ? await authenticate(c, 'PLAIN', 'alice', 'alice-secret') : await authenticate(c, 'SCRAM-SHA-256', 'bob', 'bob-secret');
      assert.equal(auth.errorCode, 0);
      for (const cs of CASES) {
        const spec = ALL_APIS.find((a) => a.key === cs.key)!;
        const resp = await c.request(spec, cs.version, complete(spec.request, cs.body) as never, 10_000);
        assert.deepEqual([...new Set(codes(resp))].sort((x, y) => x - y), [...new Set(cs.expect)].sort((x, y) => x - y), `${spec.name} v${cs.version}: ${JSON.stringify(resp).slice(0, 300)}`);
        if (cs.key === 3) assert.equal((resp as { topics: unknown[] }).topics.length, 2);
        if (cs.key === 16) assert.deepEqual((resp as { groups: unknown[] }).groups, []);
        if (cs.key === 60) assert.equal((resp as { clusterAuthorizedOperations: number }).clusterAuthorizedOperations, 0);
        if (cs.key === 66) assert.deepEqual((resp as { transactionStates: unknown[] }).transactionStates, []);
      }
      // All topics: none the principal may describe is listed.
      const md = await c.request(apiByKey(3) as ApiSpec, 12, complete(apiByKey(3)!.request, { topics: null }) as never);
      assert.deepEqual((md as { topics: unknown[] }).topics, []);
      // A second SaslHandshake with another mechanism is not a re-authentication: refused and closed.
      const hs = await c.request(SaslHandshake, 1, { mechanism: mechanism === 'PLAIN' ? 'SCRAM-SHA-256' : 'PLAIN' });
      assert.equal(hs.errorCode, ErrorCode.ILLEGAL_SASL_STATE);
      assert.equal(await c.waitClosed(2000), true);
    }
    assert.equal(snapshot(), before);
  });
});
