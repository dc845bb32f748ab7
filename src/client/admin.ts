// Admin calls: topics, configs, partitions, offsets, groups, cluster. Each routes to the broker
// Kafka expects (controller for topic changes on older brokers, leaders for ListOffsets, the group
// coordinator for group calls, the transaction coordinator for transaction calls) and turns
// error codes into KafkaError.
import {
  AlterConfigs,
  AlterPartitionReassignments,
  CreatePartitions,
  CreateTopics,
  DeleteGroups,
  DeleteRecords,
  DeleteTopics,
  DescribeConfigs,
  DescribeGroups,
  DescribeLogDirs,
  DescribeProducers,
  DescribeTransactions,
  ElectLeaders,
  FindCoordinator,
  IncrementalAlterConfigs,
  ListGroups,
  ListOffsets,
  ListPartitionReassignments,
  ListTransactions,
  OffsetCommit,
  OffsetDelete,
  OffsetFetch,
  WriteTxnMarkers,
} from '../protocol/messages/index.js';
import type { KafkaClient, ClusterMetadata, TopicInfo } from './client.js';
import { SecurityAdmin } from './admin-security.js';
import type { Connection } from './connection.js';
import { decodeAssignment, decodeSubscription } from '../protocol/consumer-protocol.js';
import { ClientError, KafkaError, check } from './util.js';
import { errorInfo } from '../protocol/errors.js';

export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;
/** DescribeConfigs' configSource ids as Kafka numbers them (DescribeConfigsResponse.json), by the names its AdminClient gives them. */
export const ConfigSource: Record<number, string> = {
  0: 'UNKNOWN',
  1: 'DYNAMIC_TOPIC_CONFIG',
  2: 'DYNAMIC_BROKER_CONFIG',
  3: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  4: 'STATIC_BROKER_CONFIG',
  5: 'DEFAULT_CONFIG',
  6: 'DYNAMIC_BROKER_LOGGER_CONFIG',
  7: 'DYNAMIC_CLIENT_METRICS_CONFIG',
  8: 'DYNAMIC_GROUP_CONFIG',
};
const DEFAULT_CONFIG = 5;
const DYNAMIC_TOPIC_CONFIG = 1;

export interface NewTopic {
  name: string;
  /** -1: the broker's num.partitions. */
  partitions?: number;
  /** -1: the broker's default.replication.factor. */
  replicationFactor?: number;
  configs?: Record<string, string>;
}

export interface TopicResult {
  name: string;
  errorCode: number;
  error: string | null;
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  source: string;
  readOnly: boolean;
  sensitive: boolean;
  isDefault: boolean;
}

export interface GroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  subscription: string[];
  assignment: { topic: string; partitions: number[] }[];
}

export interface GroupDescription {
  groupId: string;
  errorCode: number;
  state: string;
  protocolType: string;
  protocol: string;
  coordinator: number;
  members: GroupMember[];
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata: string | null;
}

/** One broker's log directories, as DescribeLogDirs reports them. */
export interface LogDirs {
  broker: number;
  dirs: {
    dir: string;
    error: string | null;
    totalBytes: number;
    usableBytes: number;
    partitions: { topic: string; partition: number; size: number; offsetLag: number; future: boolean }[];
  }[];
}

/** One idempotent (or transactional) producer writing to a partition, as DescribeProducers reports it. */
export interface ActiveProducer {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  /** Timestamp of its last batch, ms. */
  lastTimestamp: number;
  coordinatorEpoch: number;
  /** First offset of its ongoing transaction, -1 when none. */
  currentTxnStartOffset: number;
}

/** A partition to move (replicas: the target, preferred leader first) or whose move to cancel (null). */
export interface PartitionReassignment {
  topic: string;
  partition: number;
  replicas: number[] | null;
}

export interface PartitionReassignmentResult {
  topic: string;
  partition: number;
  errorCode: number;
  error: string | null;
}

/** A move in flight: the replicas now (original and target together), those being added and removed. */
export interface OngoingPartitionReassignment {
  topic: string;
  partition: number;
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

export const EARLIEST = -2;
export const LATEST = -1;

export interface ElectionResult {
  topic: string;
  partition: number;
  errorCode: number;
  /** Null when the election happened. */
  error: string | null;
}

export class Admin {
  /** ACLs, client quotas and SCRAM credentials (admin-security.ts). */
  readonly security: SecurityAdmin;

  constructor(readonly client: KafkaClient) {
    this.security = new SecurityAdmin(client);
  }

  /** The controller when the cluster reports one (older brokers require it for topic changes). */
  private async controller(): Promise<Connection> {
    if (this.client.controllerId < 0) await this.client.metadata([]);
    if (this.client.controllerId >= 0) {
      try {
        return await this.client.broker(this.client.controllerId);
      } catch {
        // fall through to any broker: KRaft brokers forward
      }
    }
    return this.client.any();
  }

  async cluster(): Promise<ClusterMetadata> {
    return this.client.metadata(null);
  }

  async listTopics(includeInternal = false): Promise<TopicInfo[]> {
    const md = await this.client.metadata(null);
    return md.topics.filter((t) => t.errorCode === 0 && (includeInternal || !t.internal));
  }

  /** Metadata of named topics; unknown topics throw UNKNOWN_TOPIC_OR_PARTITION. */
  async describeTopics(names: string[]): Promise<TopicInfo[]> {
    const md = await this.client.metadata(names);
    for (const t of md.topics) check(t.errorCode, `topic ${t.name}`);
    return names.map((n) => md.topics.find((t) => t.name === n)!);
  }

  async createTopics(topics: NewTopic[], validateOnly = false, timeoutMs = 30_000): Promise<TopicResult[]> {
    const conn = await this.controller();
    const res = await conn.send(CreateTopics, {
      topics: topics.map((t) => ({
        name: t.name,
        numPartitions: t.partitions ?? -1,
        replicationFactor: t.replicationFactor ?? -1,
        assignments: [],
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs,
      validateOnly,
    });
    return res.topics.map((t) => ({ name: t.name, errorCode: t.errorCode, error: t.errorCode ? describeError(t.errorCode, t.errorMessage) : null }));
  }

  async deleteTopics(names: string[], timeoutMs = 30_000): Promise<TopicResult[]> {
    const conn = await this.controller();
    const res = await conn.send(DeleteTopics, {
      topics: names.map((name) => ({ name })),
      topicNames: names,
      timeoutMs,
    });
    return res.responses.map((t) => ({ name: t.name ?? '', errorCode: t.errorCode, error: t.errorCode ? describeError(t.errorCode, t.errorMessage) : null }));
  }

  async createPartitions(topic: string, totalCount: number, validateOnly = false): Promise<void> {
    const conn = await this.controller();
    const res = await conn.send(CreatePartitions, { topics: [{ name: topic, count: totalCount, assignments: null }], timeoutMs: 30_000, validateOnly });
    for (const r of res.results) check(r.errorCode, `add partitions to ${r.name}`, r.errorMessage);
    await this.client.topic(topic, true).catch(() => undefined);
  }

  /**
   * ElectLeaders on the controller: 'preferred' moves leadership to each partition's first
   * replica, 'unclean' gives a leaderless partition any live replica. Null partitions: all (the
   * answer then leaves out those that needed no election).
   */
  async electLeaders(type: 'preferred' | 'unclean', partitions: ReadonlyArray<{ topic: string; partition: number }> | null, timeoutMs = 60_000): Promise<ElectionResult[]> {
    return this.client.withRetry(async (attempt) => {
      if (attempt > 0) await this.client.metadata([]);
      const conn = await this.controller();
      const byTopic = new Map<string, number[]>();
      for (const p of partitions ?? []) {
        let l = byTopic.get(p.topic);
        if (!l) byTopic.set(p.topic, (l = []));
        l.push(p.partition);
      }
      const res = await conn.send(ElectLeaders, {
        electionType: type === 'preferred' ? 0 : 1,
        topicPartitions: partitions === null ? null : [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })),
        timeoutMs,
      });
      check(res.errorCode, 'elect leaders');
      return res.replicaElectionResults.flatMap((t) =>
        t.partitionResult.map((r) => ({ topic: t.topic, partition: r.partitionId, errorCode: r.errorCode, error: r.errorCode ? describeError(r.errorCode, r.errorMessage) : null })),
      );
    });
  }

  /**
   * Starts or cancels partition reassignments on the controller (KIP-455); answered once the
   * controller wrote them, before the data has moved. A controller that moved meanwhile is found again.
   */
  async alterPartitionReassignments(moves: readonly PartitionReassignment[], timeoutMs = 30_000): Promise<PartitionReassignmentResult[]> {
    const byTopic = new Map<string, Array<{ partitionIndex: number; replicas: number[] | null }>>();
    for (const m of moves) {
      let l = byTopic.get(m.topic);
      if (!l) byTopic.set(m.topic, (l = []));
      l.push({ partitionIndex: m.partition, replicas: m.replicas });
    }
    const res = await this.onController((conn) => conn.send(AlterPartitionReassignments, { timeoutMs, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) }), 'alter partition reassignments');
    return res.responses.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode, error: p.errorCode ? describeError(p.errorCode, p.errorMessage) : null })));
  }

  /** The reassignments in flight: all (null), or those of the named partitions. */
  async listPartitionReassignments(partitions: ReadonlyArray<{ topic: string; partitions: number[] }> | null = null, timeoutMs = 30_000): Promise<OngoingPartitionReassignment[]> {
    const res = await this.onController((conn) => conn.send(ListPartitionReassignments, { timeoutMs, topics: partitions?.map((t) => ({ name: t.topic, partitionIndexes: t.partitions })) ?? null }), 'list partition reassignments');
    return res.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas, addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas })));
  }

  /** A controller-only request: NOT_CONTROLLER (the controller moved) refreshes the metadata and retries. */
  private onController<R extends { errorCode: number; errorMessage: string | null }>(send: (conn: Connection) => Promise<R>, what: string): Promise<R> {
    return this.client.withRetry(async (attempt) => {
      if (attempt > 0) await this.client.metadata([]);
      const res = await send(await this.controller());
      check(res.errorCode, what, res.errorMessage);
      return res;
    }, Math.max(this.client.retries, 5));
  }

  async describeConfigs(resourceType: number, name: string, keys: string[] | null = null): Promise<ConfigEntry[]> {
    // A broker's own settings from that broker; the cluster-wide defaults (name '') from any.
    const conn = resourceType === ResourceType.BROKER && name !== '' ? await this.client.broker(Number(name)) : await this.client.any();
    const res = await conn.send(DescribeConfigs, {
      resources: [{ resourceType, resourceName: name, configurationKeys: keys }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    const r = res.results[0];
    if (!r) throw new ClientError('PROTOCOL', 'empty DescribeConfigs response');
    check(r.errorCode, `describe configs of ${name}`, r.errorMessage);
    const v = conn.versionFor(DescribeConfigs);
    return r.configs
      .map((c) => {
        // v0 has no source, only isDefault; a non-default there is the topic's own (or a static broker) setting.
        const source = v === 0 ? (c.isDefault ? DEFAULT_CONFIG : DYNAMIC_TOPIC_CONFIG) : c.configSource;
        return {
          name: c.name,
          value: c.value,
          source: ConfigSource[source] ?? String(source),
          readOnly: c.readOnly,
          sensitive: c.isSensitive,
          isDefault: v === 0 ? c.isDefault : source === DEFAULT_CONFIG,
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Sets and removes topic configs. IncrementalAlterConfigs when the broker has it; otherwise
   * AlterConfigs with the merged full set (its replace-all semantics).
   */
  async alterTopicConfigs(topic: string, set: Record<string, string>, remove: string[] = [], validateOnly = false): Promise<void> {
    const conn = await this.client.any();
    if (conn.versionFor(IncrementalAlterConfigs) >= 0) {
      const res = await conn.send(IncrementalAlterConfigs, {
        resources: [
          {
            resourceType: ResourceType.TOPIC,
            resourceName: topic,
            configs: [
              ...Object.entries(set).map(([name, value]) => ({ name, configOperation: 0, value })),
              ...remove.map((name) => ({ name, configOperation: 1, value: null })),
            ],
          },
        ],
        validateOnly,
      });
      for (const r of res.responses) check(r.errorCode, `alter configs of ${topic}`, r.errorMessage);
      return;
    }
    const current = await this.describeConfigs(ResourceType.TOPIC, topic);
    const merged = new Map(current.filter((c) => c.source === 'DYNAMIC_TOPIC_CONFIG').map((c) => [c.name, c.value]));
    for (const [k, v] of Object.entries(set)) merged.set(k, v);
    for (const k of remove) merged.delete(k);
    const res = await conn.send(AlterConfigs, {
      resources: [{ resourceType: ResourceType.TOPIC, resourceName: topic, configs: [...merged].map(([name, value]) => ({ name, value })) }],
      validateOnly,
    });
    for (const r of res.responses) check(r.errorCode, `alter configs of ${topic}`, r.errorMessage);
  }

  /**
   * Sets and removes broker configs with IncrementalAlterConfigs: of one broker (its id), or the
   * cluster-wide defaults every broker takes (''), as kafka-configs --entity-default does.
   */
  async alterBrokerConfigs(broker: string, set: Record<string, string>, remove: string[] = [], validateOnly = false): Promise<void> {
    const conn = broker === '' ? await this.client.any() : await this.client.broker(Number(broker));
    const res = await conn.send(IncrementalAlterConfigs, {
      resources: [
        {
          resourceType: ResourceType.BROKER,
          resourceName: broker,
          configs: [
            ...Object.entries(set).map(([name, value]) => ({ name, configOperation: 0, value })),
            ...remove.map((name) => ({ name, configOperation: 1, value: null })),
          ],
        },
      ],
      validateOnly,
    });
    for (const r of res.responses) check(r.errorCode, broker === '' ? 'alter the cluster-wide broker configs' : `alter configs of broker ${broker}`, r.errorMessage);
  }

  /** Each broker's log directories with the size of every partition in them (all topics, or those given). */
  async describeLogDirs(brokerIds: number[], topics: string[] | null = null): Promise<LogDirs[]> {
    const wanted = topics === null ? null : await Promise.all(topics.map(async (t) => ({ topic: t, partitions: (await this.client.topic(t)).partitions.map((p) => p.partition) })));
    return Promise.all(
      brokerIds.map(async (broker) => {
        const conn = await this.client.broker(broker);
        const res = await conn.send(DescribeLogDirs, { topics: wanted });
        check(res.errorCode, `describe log dirs of broker ${broker}`);
        return {
          broker,
          dirs: res.results.map((d) => ({
            dir: d.logDir,
            error: d.errorCode === 0 ? null : errorInfo(d.errorCode).name,
            totalBytes: Number(d.totalBytes),
            usableBytes: Number(d.usableBytes),
            partitions: d.topics
              .flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, size: Number(p.partitionSize), offsetLag: Number(p.offsetLag), future: p.isFutureKey })))
              .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
          })),
        };
      }),
    );
  }

  /**
   * Offsets by timestamp per partition (EARLIEST = -2, LATEST = -1, or a timestamp in ms: the first
   * offset whose timestamp is at or after it, or the log end when there is none), routed to leaders.
   */
  async listOffsets(topic: string, partitions: number[] | null, timestamp: number, isolationLevel = 0): Promise<Map<number, number>> {
    const full = await this.listOffsetsFull(topic, partitions, timestamp, isolationLevel);
    return new Map([...full].map(([p, r]) => [p, r.offset]));
  }

  async listOffsetsFull(topic: string, partitions: number[] | null, timestamp: number, isolationLevel = 0): Promise<Map<number, { offset: number; timestamp: number }>> {
    return this.client.withRetry(async (attempt) => {
      const t = await this.client.topic(topic, attempt > 0);
      const parts = partitions ?? t.partitions.map((p) => p.partition);
      const byLeader = new Map<number, number[]>();
      for (const p of parts) {
        const leader = await this.client.leaderOf(topic, p);
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
      }
      const out = new Map<number, { offset: number; timestamp: number }>();
      await Promise.all(
        [...byLeader].map(async ([leader, ps]) => {
          const conn = await this.client.broker(leader);
          const res = await conn.send(ListOffsets, {
            replicaId: -1,
            isolationLevel,
            topics: [{ name: topic, partitions: ps.map((partitionIndex) => ({ partitionIndex, timestamp, currentLeaderEpoch: -1, maxNumOffsets: 1 })) }],
            timeoutMs: 30_000,
          });
          for (const rt of res.topics) {
            for (const rp of rt.partitions) {
              check(rp.errorCode, `list offsets of ${topic}/${rp.partitionIndex}`);
              const offset = conn.versionFor(ListOffsets) === 0 ? (rp.oldStyleOffsets[0] ?? -1) : rp.offset;
              out.set(rp.partitionIndex, { offset, timestamp: rp.timestamp });
            }
          }
        }),
      );
      // A timestamp after the last record: Kafka answers -1; seeking there means the log end.
      if (timestamp >= 0 && [...out.values()].some((r) => r.offset < 0)) {
        const ends = await this.listOffsets(topic, [...out.keys()], LATEST, isolationLevel);
        for (const [p, r] of out) if (r.offset < 0) out.set(p, { offset: ends.get(p) ?? 0, timestamp: -1 });
      }
      return out;
    });
  }

  /** The active producers of each partition (all when `partitions` is null), asked of its leader. */
  async describeProducers(topic: string, partitions: number[] | null): Promise<Map<number, ActiveProducer[]>> {
    return this.client.withRetry(async (attempt) => {
      const t = await this.client.topic(topic, attempt > 0);
      const parts = partitions ?? t.partitions.map((p) => p.partition);
      const byLeader = new Map<number, number[]>();
      for (const p of parts) {
        const leader = await this.client.leaderOf(topic, p, attempt > 0);
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
      }
      const out = new Map<number, ActiveProducer[]>();
      await Promise.all(
        [...byLeader].map(async ([leader, ps]) => {
          const conn = await this.client.broker(leader);
          const res = await conn.send(DescribeProducers, { topics: [{ name: topic, partitionIndexes: ps }] });
          for (const rt of res.topics) {
            for (const rp of rt.partitions) {
              check(rp.errorCode, `describe producers of ${topic}/${rp.partitionIndex}`, rp.errorMessage);
              out.set(rp.partitionIndex, rp.activeProducers.map((a) => ({ ...a })));
            }
          }
        }),
      );
      return new Map([...out].sort((a, b) => a[0] - b[0]));
    });
  }

  // ---- transactions ----

  /** ListTransactions on every broker (each lists the transactional ids it coordinates). */
  async listTransactions(states: string[] = []): Promise<{ transactionalId: string; producerId: number; state: string; coordinator: number }[]> {
    const md = await this.client.metadata([]);
    const out: { transactionalId: string; producerId: number; state: string; coordinator: number }[] = [];
    for (const b of md.brokers) {
      const conn = await this.client.broker(b.nodeId);
      const res = await conn.send(ListTransactions, { stateFilters: states, producerIdFilters: [], durationFilter: -1 });
      check(res.errorCode, `list transactions on broker ${b.nodeId}`);
      for (const t of res.transactionStates) out.push({ transactionalId: t.transactionalId, producerId: t.producerId, state: t.transactionState, coordinator: b.nodeId });
    }
    return out.sort((a, b) => a.transactionalId.localeCompare(b.transactionalId));
  }

  /** DescribeTransactions at the transactional id's coordinator. */
  async describeTransaction(transactionalId: string) {
    const node = await this.findCoordinator(transactionalId, 1);
    const conn = await this.client.broker(node);
    const res = await conn.send(DescribeTransactions, { transactionalIds: [transactionalId] });
    const t = res.transactionStates[0];
    if (!t) throw new ClientError('PROTOCOL', 'empty DescribeTransactions response');
    check(t.errorCode, `describe transaction ${transactionalId}`);
    return { ...t, coordinator: node };
  }

  /**
   * Aborts a producer's open transaction on one partition (kafka-transactions.sh abort, for a
   * hanging transaction): an abort marker with the producer's epoch and coordinator epoch from
   * DescribeProducers, written by the partition's leader.
   */
  async abortTransaction(topic: string, partition: number, producerId: number): Promise<{ producerEpoch: number; coordinatorEpoch: number; startOffset: number }> {
    const producers = await this.describeProducers(topic, [partition]);
    const p = producers.get(partition)?.find((x) => x.producerId === producerId);
    if (!p) throw new ClientError('NOT_FOUND', `producer ${producerId} has no state on ${topic}/${partition}`);
    if (p.currentTxnStartOffset < 0) throw new ClientError('NOT_FOUND', `producer ${producerId} has no open transaction on ${topic}/${partition}`);
    const leader = await this.client.leaderOf(topic, partition, false);
    const conn = await this.client.broker(leader);
    const res = await conn.send(WriteTxnMarkers, {
      markers: [{ producerId, producerEpoch: p.producerEpoch, transactionResult: false, topics: [{ name: topic, partitionIndexes: [partition] }], coordinatorEpoch: Math.max(0, p.coordinatorEpoch) }],
    });
    for (const m of res.markers) for (const t of m.topics) for (const r of t.partitions) check(r.errorCode, `abort marker on ${topic}/${r.partitionIndex}`);
    return { producerEpoch: p.producerEpoch, coordinatorEpoch: p.coordinatorEpoch, startOffset: p.currentTxnStartOffset };
  }

  // ---- groups ----

  async findCoordinator(groupId: string, keyType = 0): Promise<number> {
    return this.client.withRetry(async () => {
      const conn = await this.client.any();
      const v = conn.versionFor(FindCoordinator);
      const res = await conn.send(FindCoordinator, { key: groupId, keyType, coordinatorKeys: [groupId] });
      if (v >= 4) {
        const c = res.coordinators[0];
        if (!c) throw new ClientError('PROTOCOL', 'empty FindCoordinator response');
        check(c.errorCode, `find coordinator of group ${groupId}`, c.errorMessage);
        return c.nodeId;
      }
      check(res.errorCode, `find coordinator of group ${groupId}`, res.errorMessage);
      return res.nodeId;
    });
  }

  async coordinator(groupId: string): Promise<Connection> {
    const id = await this.findCoordinator(groupId);
    return this.client.broker(id);
  }

  /** Groups known to every broker. */
  async listGroups(): Promise<{ groupId: string; protocolType: string; state: string; coordinator: number }[]> {
    const md = await this.client.metadata([]);
    const out: { groupId: string; protocolType: string; state: string; coordinator: number }[] = [];
    for (const b of md.brokers) {
      const conn = await this.client.broker(b.nodeId);
      const res = await conn.send(ListGroups, { statesFilter: [], typesFilter: [] });
      check(res.errorCode, `list groups on broker ${b.nodeId}`);
      for (const g of res.groups) out.push({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState || '', coordinator: b.nodeId });
    }
    return out.sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    const node = await this.findCoordinator(groupId);
    const conn = await this.client.broker(node);
    const res = await conn.send(DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false });
    const g = res.groups[0];
    if (!g) throw new ClientError('PROTOCOL', 'empty DescribeGroups response');
    check(g.errorCode, `describe group ${groupId}`);
    const consumer = g.protocolType === 'consumer';
    return {
      groupId: g.groupId,
      errorCode: g.errorCode,
      state: g.groupState,
      protocolType: g.protocolType,
      protocol: g.protocolData,
      coordinator: node,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscription: consumer ? (decodeSubscription(m.memberMetadata)?.topics ?? []) : [],
        assignment: consumer ? (decodeAssignment(m.memberAssignment)?.assignedPartitions ?? []) : [],
      })),
    };
  }

  async deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number; error: string | null }[]> {
    const out: { groupId: string; errorCode: number; error: string | null }[] = [];
    for (const id of groupIds) {
      const conn = await this.coordinator(id);
      const res = await conn.send(DeleteGroups, { groupsNames: [id] });
      for (const r of res.results) out.push({ groupId: r.groupId, errorCode: r.errorCode, error: r.errorCode ? describeError(r.errorCode) : null });
    }
    return out;
  }

  /** Committed offsets of a group (all topics when `topics` is null). */
  async fetchOffsets(groupId: string, topics: { topic: string; partitions: number[] }[] | null = null, conn?: Connection): Promise<CommittedOffset[]> {
    const c = conn ?? (await this.coordinator(groupId));
    const v = c.versionFor(OffsetFetch);
    if (topics === null && v < 2) throw new ClientError('UNSUPPORTED_VERSION', 'the broker cannot list all committed offsets of a group (OffsetFetch < v2)');
    const reqTopics = topics === null ? null : topics.map((t) => ({ name: t.topic, partitionIndexes: t.partitions }));
    const res = await c.send(OffsetFetch, {
      groupId,
      topics: reqTopics,
      groups: [{ groupId, memberId: null, memberEpoch: -1, topics: reqTopics }],
      requireStable: false,
    });
    const out: CommittedOffset[] = [];
    if (v >= 8) {
      const g = res.groups[0];
      if (!g) throw new ClientError('PROTOCOL', 'empty OffsetFetch response');
      check(g.errorCode, `fetch offsets of group ${groupId}`);
      for (const t of g.topics) for (const p of t.partitions) {
        check(p.errorCode, `fetch offset of ${groupId} ${t.name}/${p.partitionIndex}`);
        out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata });
      }
    } else {
      check(res.errorCode, `fetch offsets of group ${groupId}`);
      for (const t of res.topics) for (const p of t.partitions) {
        check(p.errorCode, `fetch offset of ${groupId} ${t.name}/${p.partitionIndex}`);
        out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata });
      }
    }
    return out.filter((o) => o.offset >= 0).sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  /** Commits offsets; without generation/member (an admin commit) the group must be empty. */
  async commitOffsets(
    groupId: string,
    offsets: { topic: string; partition: number; offset: number; metadata?: string | null }[],
    member: { generationId: number; memberId: string; groupInstanceId?: string | null } = { generationId: -1, memberId: '' },
    conn?: Connection,
  ): Promise<void> {
    const c = conn ?? (await this.coordinator(groupId));
    const topics = new Map<string, { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; commitTimestamp: number; committedMetadata: string | null }[]>();
    for (const o of offsets) {
      const l = topics.get(o.topic) ?? [];
      l.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: o.metadata ?? '' });
      topics.set(o.topic, l);
    }
    const res = await c.send(OffsetCommit, {
      groupId,
      generationIdOrMemberEpoch: member.generationId,
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId ?? null,
      retentionTimeMs: -1,
      topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
    });
    for (const t of res.topics) for (const p of t.partitions) check(p.errorCode, `commit offset of group ${groupId} ${t.name}/${p.partitionIndex}`);
  }

  /**
   * Deletes the records of partitions before the given offsets (-1: the high watermark), each
   * partition at its leader; returns each partition's new log start offset (low watermark).
   */
  async deleteRecords(topic: string, before: ReadonlyMap<number, number>, timeoutMs = 30_000): Promise<Map<number, number>> {
    const byLeader = new Map<number, number[]>();
    for (const p of before.keys()) {
      const leader = await this.client.leaderOf(topic, p);
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
    }
    const out = new Map<number, number>();
    await Promise.all(
      [...byLeader].map(async ([leader, ps]) => {
        const conn = await this.client.broker(leader);
        const res = await conn.send(DeleteRecords, { topics: [{ name: topic, partitions: ps.map((partitionIndex) => ({ partitionIndex, offset: before.get(partitionIndex)! })) }], timeoutMs });
        for (const t of res.topics) for (const p of t.partitions) {
          check(p.errorCode, `delete records of ${topic}/${p.partitionIndex}`);
          out.set(p.partitionIndex, p.lowWatermark);
        }
      }),
    );
    return out;
  }

  /** Deletes a group's committed offsets of some partitions (OffsetDelete); per-partition error codes come back, 0 for deleted. */
  async deleteOffsets(groupId: string, topic: string, partitions: number[]): Promise<{ partition: number; errorCode: number; error: string | null }[]> {
    const conn = await this.coordinator(groupId);
    const res = await conn.send(OffsetDelete, { groupId, topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex })) }] });
    check(res.errorCode, `delete offsets of group ${groupId}`);
    return res.topics
      .flatMap((t) => t.partitions)
      .map((p) => ({ partition: p.partitionIndex, errorCode: p.errorCode, error: p.errorCode ? describeError(p.errorCode) : null }))
      .sort((a, b) => a.partition - b.partition);
  }
}

export function describeError(code: number, message?: string | null): string {
  return new KafkaError(code, 'error', message).message.replace(/^error: /, '');
}
