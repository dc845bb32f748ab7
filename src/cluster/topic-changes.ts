/**
 * Validation and planning of topic changes, shared by every controller backend: each function
 * checks a request against the current image as Kafka's controller does (same error codes and
 * messages) and returns the new topic state, without persisting anything.
 */
import { randomBytes } from 'node:crypto';
import { checkTopicConfigs } from '../config/topic-configs.js';
import { ErrorCode } from '../protocol/errors.js';
import type { CreateTopicSpec, PartitionsIncrease } from './controller.js';
import type { BrokerInfo, MetadataImage, PartitionState, TopicImage } from './metadata-image.js';
import { PlacementError, placeReplicas } from './placement.js';
import { INTERNAL_TOPICS, collidingTopic, topicNameProblem } from './topic-names.js';

export interface TopicDefaults {
  numPartitions: number;
  replicationFactor: number;
  /** Partitions one request may create (Kafka's controller bounds a batch at 10,000). */
  maxPartitionsPerRequest: number;
  /** Partitions this cluster may hold in all (max.broker.partitions × brokers). */
  maxPartitions: number;
  /** What sets maxPartitions, for the refusal's message (default: max.broker.partitions). */
  maxPartitionsSource?: string;
}

export type Planned<T> = { ok: true; value: T } | { ok: false; errorCode: number; message: string };

const fail = <T>(errorCode: number, message: string): Planned<T> => ({ ok: false, errorCode, message });

/** A new partition led by its first live replica, with every replica in sync. */
export function newPartitionState(replicas: readonly number[], live: ReadonlySet<number>): PartitionState {
  const leader = replicas.find((r) => live.has(r)) ?? -1;
  return { replicas, leader, leaderEpoch: 0, isr: replicas.filter((r) => live.has(r)), partitionEpoch: 0 };
}

function checkAssignments(assignments: readonly number[][], brokers: readonly BrokerInfo[]): string | null {
  const known = new Set(brokers.map((b) => b.id));
  for (const a of assignments) {
    if (a.length === 0 || a.some((id) => !known.has(id)) || new Set(a).size !== a.length) return `Invalid replica assignment ${JSON.stringify(a)}`;
  }
  return null;
}

function place(brokers: readonly BrokerInfo[], partitions: number, replicationFactor: number, firstPartition = 0): Planned<number[][]> {
  try {
    return { ok: true, value: placeReplicas(brokers, { partitions, replicationFactor, firstPartition }) };
  } catch (err) {
    if (err instanceof PlacementError) return fail(ErrorCode.INVALID_REPLICATION_FACTOR, err.message);
    throw err;
  }
}

function checkPartitionBudget(image: MetadataImage, adding: number, defaults: TopicDefaults, pendingInRequest: number): string | null {
  if (pendingInRequest + adding > defaults.maxPartitionsPerRequest) {
    return `Unable to create ${pendingInRequest + adding} partitions in one request: at most ${defaults.maxPartitionsPerRequest} are allowed.`;
  }
  const total = image.partitionCount() + pendingInRequest + adding;
  if (total > defaults.maxPartitions) return `Unable to add ${adding} partitions: the cluster would hold ${total}, more than the ${defaults.maxPartitions} it allows (${defaults.maxPartitionsSource ?? 'max.broker.partitions'}).`;
  return null;
}

/**
 * CreateTopics for one topic. `pending` holds the topics created earlier in the same request
 * (names and partition counts), so limits and collisions see the whole request.
 */
export function planCreateTopic(image: MetadataImage, spec: CreateTopicSpec, defaults: TopicDefaults, pending: readonly TopicImage[] = []): Planned<TopicImage> {
  const problem = topicNameProblem(spec.name);
  if (problem) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
  if (image.topic(spec.name) || pending.some((t) => t.name === spec.name)) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${spec.name}' already exists.`);
  if (INTERNAL_TOPICS.has(spec.name) && !spec.internal) return fail(ErrorCode.INVALID_REQUEST, `Topic '${spec.name}' is reserved for internal use`);
  const names = function* () {
    for (const t of image.topics()) yield t.name;
    for (const t of pending) yield t.name;
  };
  const collides = collidingTopic(spec.name, names());
  if (collides) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${spec.name}' collides with existing topic: ${collides}`);
  const brokers = image.brokers();
  let replicas: number[][];
  if (spec.assignments && spec.assignments.length > 0) {
    if (spec.numPartitions !== -1 || spec.replicationFactor !== -1) {
      return fail(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
    }
    const bad = checkAssignments(spec.assignments, brokers);
    if (bad) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, bad);
    replicas = spec.assignments;
  } else {
    const n = spec.numPartitions === -1 ? defaults.numPartitions : spec.numPartitions;
    const rf = spec.replicationFactor === -1 ? defaults.replicationFactor : spec.replicationFactor;
    if (n <= 0) return fail(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
    if (rf <= 0) return fail(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
    // Bounded before placement, which is linear in the partition count.
    const budget = checkPartitionBudget(image, n, defaults, pending.reduce((s, t) => s + t.partitions.length, 0));
    if (budget) return fail(ErrorCode.POLICY_VIOLATION, budget);
    const placed = place(brokers, n, rf);
    if (!placed.ok) return placed;
    replicas = placed.value;
  }
  const budget = checkPartitionBudget(image, replicas.length, defaults, pending.reduce((s, t) => s + t.partitions.length, 0));
  if (budget) return fail(ErrorCode.POLICY_VIOLATION, budget);
  const configs = spec.configs ?? {};
  const bad = checkTopicConfigs(configs);
  if (bad) return fail(ErrorCode.INVALID_CONFIG, bad);
  const live = new Set(brokers.map((b) => b.id));
  return {
    ok: true,
    value: {
      name: spec.name,
      id: randomBytes(16).toString('base64url'),
      internal: spec.internal ?? false,
      configs: { ...configs },
      partitions: replicas.map((r) => newPartitionState(r, live)),
    },
  };
}

/** CreatePartitions for one topic: grows it to `count` partitions, never shrinks. */
export function planCreatePartitions(image: MetadataImage, req: PartitionsIncrease, defaults: TopicDefaults, pendingPartitions = 0): Planned<TopicImage> {
  const t = image.topic(req.name);
  if (!t) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${req.name}' does not exist.`);
  const current = t.partitions.length;
  if (req.count < current) return fail(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${current} partitions, which is higher than the requested ${req.count}.`);
  if (req.count === current) return fail(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partitions.`);
  const added = req.count - current;
  const budget = checkPartitionBudget(image, added, defaults, pendingPartitions);
  if (budget) return fail(ErrorCode.POLICY_VIOLATION, budget);
  const brokers = image.brokers();
  const rf = t.partitions[0]?.replicas.length ?? 1;
  let replicas: number[][];
  if (req.assignments) {
    if (req.assignments.length !== added) {
      return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Increasing the number of partitions by ${added} but ${req.assignments.length} assignments provided.`);
    }
    const bad = checkAssignments(req.assignments, brokers);
    if (bad) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, bad);
    const odd = req.assignments.find((a) => a.length !== rf);
    if (odd) {
      return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Inconsistent replication factor between partitions, partition 0 has ${rf} while partitions [${current}] have replication factors [${odd.length}], respectively.`);
    }
    replicas = req.assignments;
  } else {
    const placed = place(brokers, added, rf, current);
    if (!placed.ok) return placed;
    replicas = placed.value;
  }
  const live = new Set(brokers.map((b) => b.id));
  return { ok: true, value: { ...t, partitions: [...t.partitions, ...replicas.map((r) => newPartitionState(r, live))] } };
}

/** Replaces a topic's dynamic configs, checked first. */
export function planTopicConfigs(image: MetadataImage, name: string, configs: Record<string, string>): Planned<TopicImage> {
  const t = image.topic(name);
  if (!t) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${name} does not exist.`);
  const bad = checkTopicConfigs(configs);
  if (bad) return fail(ErrorCode.INVALID_CONFIG, bad);
  return { ok: true, value: { ...t, configs: { ...configs } } };
}
