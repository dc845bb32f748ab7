/**
 * Security metadata kept with the cluster metadata: entity configs as Kafka keeps them under
 * /config/<entity path> (SCRAM credentials and quotas of users/<user>, clients/<client id>,
 * users/<user>/clients/<client id>; "<default>" names the default entity) and ACL bindings.
 * Two backends: the single node's metadata file (LocalSecurityStore) and ZooKeeper
 * (zk-mode/zk-security.ts). Reads are synchronous, from the last loaded state.
 */

/** Kafka's ACL enums: the codes the ACL APIs carry. */
export const AclResourceType = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const;
export const AclPatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export const AclPermission = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;
export const AclOp = {
  UNKNOWN: 0, ANY: 1, ALL: 2, READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8,
  CLUSTER_ACTION: 9, DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12, CREATE_TOKENS: 13, DESCRIBE_TOKENS: 14,
} as const;

/** The one cluster resource's name. */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';
export const WILDCARD_RESOURCE = '*';
export const WILDCARD_PRINCIPAL = 'User:*';
export const WILDCARD_HOST = '*';

/** One ACL: a principal allowed or denied an operation from a host on resources matching a pattern. */
export interface AclBinding {
  readonly resourceType: number;
  readonly resourceName: string;
  /** LITERAL or PREFIXED. */
  readonly patternType: number;
  readonly principal: string;
  readonly host: string;
  readonly operation: number;
  readonly permission: number;
}

export const aclKey = (b: AclBinding): string => JSON.stringify([b.resourceType, b.resourceName, b.patternType, b.principal, b.host, b.operation, b.permission]);

/** Changes to entity configs: keys set, keys removed, per entity path. */
export interface EntityConfigChange {
  readonly path: string;
  readonly set: Readonly<Record<string, string>>;
  readonly remove: readonly string[];
}

export interface SecurityStore {
  /** Entity path (users/alice, clients/app, users/alice/clients/app, users/<default>) → its configs. */
  entityConfigs(): ReadonlyMap<string, Readonly<Record<string, string>>>;
  alterEntityConfigs(changes: readonly EntityConfigChange[]): Promise<void>;
  acls(): readonly AclBinding[];
  /** Adds and removes bindings (a binding present twice is kept once). */
  alterAcls(add: readonly AclBinding[], remove: readonly AclBinding[]): Promise<void>;
  /** Runs after every change, local or (cluster mode) made by another broker. */
  onChange(listener: () => void): void;
}

/** The name of the default entity in an entity path. */
export const DEFAULT_ENTITY = '<default>';

/** Kafka's Sanitizer: entity names in paths are URL-encoded (a principal may hold "/"). */
export function sanitizeEntityName(name: string): string {
  return encodeURIComponent(name).replace(/\*/g, '%2A').replace(/%20/g, '+');
}

export function desanitizeEntityName(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, '%20'));
}

/** Applies changes to a map of entity configs; entities left with no configs are dropped. */
export function applyEntityChanges(into: Map<string, Record<string, string>>, changes: readonly EntityConfigChange[]): void {
  for (const c of changes) {
    const next = { ...(into.get(c.path) ?? {}) };
    for (const k of c.remove) delete next[k];
    Object.assign(next, c.set);
    if (Object.keys(next).length === 0) into.delete(c.path);
    else into.set(c.path, next);
  }
}

/** Applies ACL additions and removals to a list of bindings. */
export function applyAclChanges(acls: readonly AclBinding[], add: readonly AclBinding[], remove: readonly AclBinding[]): AclBinding[] {
  const byKey = new Map(acls.map((a) => [aclKey(a), a]));
  for (const r of remove) byKey.delete(aclKey(r));
  for (const a of add) byKey.set(aclKey(a), a);
  return [...byKey.values()];
}
