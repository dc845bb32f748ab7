// The authorized-operations bit sets of Metadata v8+, DescribeGroups v3+, DescribeCluster and
// DescribeTopicPartitions: bit n set for Kafka's AclOperation code n. Without an authorizer
// Kafka answers every operation the resource type supports (AclEntry.supportedOperations);
// with an authorizer, `allowed` narrows them to what the principal may do.

/** Kafka's AclOperation codes. */
export const AclOperation = {
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
} as const;

/** The value of an authorized-operations field the request did not ask for. */
export const OPERATIONS_NOT_REQUESTED = -2147483648;

const bits = (ops: readonly number[]): number => ops.reduce((set, op) => set | (1 << op), 0);

const A = AclOperation;
const SUPPORTED = {
  topic: bits([A.READ, A.WRITE, A.CREATE, A.DESCRIBE, A.DELETE, A.ALTER, A.DESCRIBE_CONFIGS, A.ALTER_CONFIGS]),
  group: bits([A.READ, A.DESCRIBE, A.DELETE]),
  cluster: bits([A.CREATE, A.CLUSTER_ACTION, A.DESCRIBE_CONFIGS, A.ALTER_CONFIGS, A.IDEMPOTENT_WRITE, A.ALTER, A.DESCRIBE]),
} as const;

export type AclResourceType = keyof typeof SUPPORTED;

const OPS = {
  topic: [A.READ, A.WRITE, A.CREATE, A.DESCRIBE, A.DELETE, A.ALTER, A.DESCRIBE_CONFIGS, A.ALTER_CONFIGS],
  group: [A.READ, A.DESCRIBE, A.DELETE],
  cluster: [A.CREATE, A.CLUSTER_ACTION, A.DESCRIBE_CONFIGS, A.ALTER_CONFIGS, A.IDEMPOTENT_WRITE, A.ALTER, A.DESCRIBE],
} as const;

/** The field's value for a resource: its operation set (those `allowed`) when asked for, else "not requested". */
export function authorizedOperations(resource: AclResourceType, requested: boolean, allowed?: (op: number) => boolean): number {
  if (!requested) return OPERATIONS_NOT_REQUESTED;
  if (!allowed) return SUPPORTED[resource];
  return bits(OPS[resource].filter((op) => allowed(op)));
}
