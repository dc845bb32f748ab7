// Admin calls for security: ACLs (Describe/Create/DeleteAcls), client quotas
// (Describe/AlterClientQuotas) and SCRAM credentials (Describe/AlterUserScramCredentials). Kafka's
// enums by Kafka's numbers (AclOperation, ResourceType, PatternType, AclPermissionType). SCRAM
// passwords are salted and hashed here, as Kafka's AdminClient does: the broker receives salt,
// iterations and the salted password, never the password.
import { randomBytes } from 'node:crypto';
import {
  AlterClientQuotas,
  AlterUserScramCredentials,
  CreateAcls,
  DeleteAcls,
  DescribeAcls,
  DescribeClientQuotas,
  DescribeUserScramCredentials,
} from '../protocol/messages/index.js';
import { SCRAM_MECHANISM_ID, SCRAM_MIN_ITERATIONS, saltedPassword, scramMechanismById, type ScramMechanism } from '../server/security/scram.js';
import type { KafkaClient } from './client.js';
import { check, KafkaError } from './util.js';
import { errorInfo } from '../protocol/errors.js';

export const AclResourceType = { ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const;
export const AclOperation = {
  ANY: 1,
  ALL: 2,
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
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;
export const AclPermission = { ANY: 1, DENY: 2, ALLOW: 3 } as const;
export const PatternType = { ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;

const nameOf = (table: Record<string, number>, n: number): string => Object.entries(table).find(([, v]) => v === n)?.[0] ?? `UNKNOWN(${n})`;
export const resourceTypeName = (n: number): string => nameOf(AclResourceType, n);
export const operationName = (n: number): string => nameOf(AclOperation, n);
export const permissionName = (n: number): string => nameOf(AclPermission, n);
export const patternTypeName = (n: number): string => nameOf(PatternType, n);

/** One ACL, as CreateAcls takes it and DescribeAcls/DeleteAcls return it. */
export interface AclBinding {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permission: number;
}

/** Which ACLs a describe or delete matches; null fields match anything. */
export interface AclBindingFilter {
  resourceType: number;
  resourceName: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permission: number;
}

export interface AclCreateResult {
  binding: AclBinding;
  errorCode: number;
  error: string | null;
}

export interface AclDeleteResult {
  filter: AclBindingFilter;
  errorCode: number;
  error: string | null;
  deleted: (AclBinding & { errorCode: number; error: string | null })[];
}

export type QuotaEntityType = 'user' | 'client-id' | 'ip';

/** One component of a quota entity: a name, or null for the type's default entity. */
export interface QuotaEntityPart {
  entityType: string;
  name: string | null;
}

export interface QuotaEntry {
  entity: QuotaEntityPart[];
  values: Record<string, number>;
}

/** What DescribeClientQuotas matches: an exact name, the default entity, or any named entity of a type. */
export interface QuotaFilterPart {
  entityType: string;
  match: { exact: string } | 'default' | 'any';
}

export interface QuotaAlteration {
  entity: QuotaEntityPart[];
  set?: Record<string, number>;
  remove?: string[];
}

export interface ScramUser {
  user: string;
  credentials: { mechanism: ScramMechanism | string; iterations: number }[];
}

export interface ScramUpsert {
  user: string;
  password: string;
  mechanism: ScramMechanism;
  /** Default: the mechanism's minimum, 4096 (as Kafka's AdminClient). */
  iterations?: number;
}

export interface UserResult {
  user: string;
  errorCode: number;
  error: string | null;
}

const describe = (code: number, message: string | null): string | null => (code === 0 ? null : `${errorInfo(code).name}${message ? `: ${message}` : ''}`);

export class SecurityAdmin {
  constructor(readonly client: KafkaClient) {}

  async describeAcls(filter: AclBindingFilter): Promise<AclBinding[]> {
    const res = await this.client.withRetry(async () => {
      const conn = await this.client.any();
      return conn.send(DescribeAcls, {
        resourceTypeFilter: filter.resourceType,
        resourceNameFilter: filter.resourceName,
        patternTypeFilter: filter.patternType,
        principalFilter: filter.principal,
        hostFilter: filter.host,
        operation: filter.operation,
        permissionType: filter.permission,
      });
    });
    check(res.errorCode, 'DescribeAcls', res.errorMessage);
    return res.resources.flatMap((r) =>
      r.acls.map((a) => ({ resourceType: r.resourceType, resourceName: r.resourceName, patternType: r.patternType, principal: a.principal, host: a.host, operation: a.operation, permission: a.permissionType })),
    );
  }

  /** Creates every binding; each result says whether its ACL was created. */
  async createAcls(bindings: readonly AclBinding[]): Promise<AclCreateResult[]> {
    const conn = await this.client.withRetry(() => this.client.any());
    const res = await conn.send(CreateAcls, {
      creations: bindings.map((b) => ({ resourceType: b.resourceType, resourceName: b.resourceName, resourcePatternType: b.patternType, principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permission })),
    });
    return bindings.map((binding, i) => {
      const r = res.results[i];
      const errorCode = r?.errorCode ?? -1;
      return { binding, errorCode, error: r ? describe(r.errorCode, r.errorMessage) : 'no result from the broker' };
    });
  }

  async deleteAcls(filters: readonly AclBindingFilter[]): Promise<AclDeleteResult[]> {
    const conn = await this.client.withRetry(() => this.client.any());
    const res = await conn.send(DeleteAcls, {
      filters: filters.map((f) => ({
        resourceTypeFilter: f.resourceType,
        resourceNameFilter: f.resourceName,
        patternTypeFilter: f.patternType,
        principalFilter: f.principal,
        hostFilter: f.host,
        operation: f.operation,
        permissionType: f.permission,
      })),
    });
    return filters.map((filter, i) => {
      const r = res.filterResults[i];
      if (!r) return { filter, errorCode: -1, error: 'no result from the broker', deleted: [] };
      return {
        filter,
        errorCode: r.errorCode,
        error: describe(r.errorCode, r.errorMessage),
        deleted: r.matchingAcls.map((m) => ({
          resourceType: m.resourceType,
          resourceName: m.resourceName,
          patternType: m.patternType,
          principal: m.principal,
          host: m.host,
          operation: m.operation,
          permission: m.permissionType,
          errorCode: m.errorCode,
          error: describe(m.errorCode, m.errorMessage),
        })),
      };
    });
  }

  /** Quotas of the entities the filter matches (empty filter: every entity). */
  async describeClientQuotas(filter: readonly QuotaFilterPart[], strict = false): Promise<QuotaEntry[]> {
    const res = await this.client.withRetry(async () => {
      const conn = await this.client.any();
      return conn.send(DescribeClientQuotas, {
        components: filter.map((p) =>
          p.match === 'default' ? { entityType: p.entityType, matchType: 1, match: null } : p.match === 'any' ? { entityType: p.entityType, matchType: 2, match: null } : { entityType: p.entityType, matchType: 0, match: p.match.exact },
        ),
        strict,
      });
    });
    check(res.errorCode, 'DescribeClientQuotas', res.errorMessage);
    return (res.entries ?? []).map((e) => ({
      entity: e.entity.map((x) => ({ entityType: x.entityType, name: x.entityName })),
      values: Object.fromEntries(e.values.map((v) => [v.key, v.value])),
    }));
  }

  async alterClientQuotas(alterations: readonly QuotaAlteration[], validateOnly = false): Promise<{ entity: QuotaEntityPart[]; errorCode: number; error: string | null }[]> {
    const conn = await this.client.withRetry(() => this.client.any());
    const res = await conn.send(AlterClientQuotas, {
      entries: alterations.map((a) => ({
        entity: a.entity.map((p) => ({ entityType: p.entityType, entityName: p.name })),
        ops: [...Object.entries(a.set ?? {}).map(([key, value]) => ({ key, value, remove: false })), ...(a.remove ?? []).map((key) => ({ key, value: 0, remove: true }))],
      })),
      validateOnly,
    });
    return res.entries.map((e) => ({ entity: e.entity.map((x) => ({ entityType: x.entityType, name: x.entityName })), errorCode: e.errorCode, error: describe(e.errorCode, e.errorMessage) }));
  }

  /** SCRAM users and their mechanisms (null: every user). Users without credentials are left out. */
  async describeUserScramCredentials(users: readonly string[] | null = null): Promise<(ScramUser & { errorCode: number; error: string | null })[]> {
    const res = await this.client.withRetry(async () => {
      const conn = await this.client.any();
      return conn.send(DescribeUserScramCredentials, { users: users === null ? null : users.map((name) => ({ name })) });
    });
    check(res.errorCode, 'DescribeUserScramCredentials', res.errorMessage);
    return res.results.map((r) => ({
      user: r.user,
      errorCode: r.errorCode,
      error: describe(r.errorCode, r.errorMessage),
      credentials: r.credentialInfos.map((c) => ({ mechanism: scramMechanismById(c.mechanism) ?? `UNKNOWN(${c.mechanism})`, iterations: c.iterations })),
    }));
  }

  /** Creates or replaces credentials and deletes others, in one request; one result per user and change. */
  async alterUserScramCredentials(upserts: readonly ScramUpsert[], deletions: readonly { user: string; mechanism: ScramMechanism }[] = []): Promise<UserResult[]> {
    const upsertions = upserts.map((u) => {
      const iterations = u.iterations ?? SCRAM_MIN_ITERATIONS;
      // A fresh salt per credential, so equal passwords never give equal stored keys.
      const salt = randomBytes(32);
      return { name: u.user, mechanism: SCRAM_MECHANISM_ID[u.mechanism], iterations, salt, saltedPassword: saltedPassword(u.mechanism, u.password, salt, iterations) };
    });
    const conn = await this.client.withRetry(() => this.client.any());
    const res = await conn.send(AlterUserScramCredentials, {
      upsertions,
      deletions: deletions.map((d) => ({ name: d.user, mechanism: SCRAM_MECHANISM_ID[d.mechanism] })),
    });
    return res.results.map((r) => ({ user: r.user, errorCode: r.errorCode, error: describe(r.errorCode, r.errorMessage) }));
  }
}

/** Throws the first failed result as a KafkaError. */
export function checkResults(results: readonly { errorCode: number; error: string | null }[], context: (i: number) => string): void {
  results.forEach((r, i) => {
    if (r.errorCode !== 0) throw new KafkaError(r.errorCode, context(i), r.error?.replace(/^[A-Z_]+: /, '') ?? null);
  });
}
