// DescribeClientQuotas: v0-1. Behaviour: the quotas of the user / client-id entities matching
// the filter components (exact name, default, any specified name; strict leaves out entities of
// types the filter does not name), from the cluster metadata; DESCRIBE_CONFIGS on the cluster
// is needed (CLUSTER_AUTHORIZATION_FAILED). An unknown entity type is INVALID_REQUEST.
import { DEFAULT_ENTITY, desanitizeEntityName } from '../../cluster/security-store.js';
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeClientQuotas } from '../../protocol/messages/index.js';
import { QUOTA_KEYS } from '../../server/security/quotas.js';
import { AclOp, allowedCluster } from '../authz.js';
import { defineHandler } from '../handler.js';

const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;
const MATCH_SPECIFIED = 2;

/** users/a/clients/b → {user: a, client-id: b}; null names the default entity. */
export function entityOfPath(path: string): Map<string, string | null> | null {
  const parts = path.split('/');
  const out = new Map<string, string | null>();
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const type = parts[i] === 'users' ? 'user' : parts[i] === 'clients' ? 'client-id' : null;
    if (!type) return null;
    out.set(type, parts[i + 1] === DEFAULT_ENTITY ? null : desanitizeEntityName(parts[i + 1]!));
  }
  return out.size > 0 ? out : null;
}

export const describeClientQuotasHandler = defineHandler(DescribeClientQuotas, { min: 0, max: 1 }, (ctx, req) => {
  const fail = (errorCode: number, errorMessage: string | null) => ({ throttleTimeMs: 0, errorCode, errorMessage, entries: null });
  if (!allowedCluster(ctx, AclOp.DESCRIBE_CONFIGS)) return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
  for (const c of req.components) {
    if (c.entityType !== 'user' && c.entityType !== 'client-id' && c.entityType !== 'ip') return fail(ErrorCode.INVALID_REQUEST, `Custom entity type '${c.entityType}' not supported`);
    if (c.matchType === MATCH_EXACT && c.match === null) return fail(ErrorCode.INVALID_REQUEST, 'Match must be set for an exact match');
    if (c.matchType > MATCH_SPECIFIED || c.matchType < 0) return fail(ErrorCode.INVALID_REQUEST, `Unknown match type ${c.matchType}`);
  }
  const types = new Set(req.components.map((c) => c.entityType));
  if (types.size !== req.components.length) return fail(ErrorCode.INVALID_REQUEST, 'Duplicate filter component entity type');
  const entries = [];
  for (const [path, values] of ctx.security.store.entityConfigs()) {
    const entity = entityOfPath(path);
    if (!entity) continue;
    const quota = Object.entries(values).filter(([k]) => QUOTA_KEYS.includes(k));
    if (quota.length === 0) continue;
    const matches = req.components.every((c) => {
      if (!entity.has(c.entityType)) return false;
      const name = entity.get(c.entityType)!;
      if (c.matchType === MATCH_EXACT) return name === c.match;
      if (c.matchType === MATCH_DEFAULT) return name === null;
      return name !== null;
    });
    if (!matches) continue;
    if (req.strict && [...entity.keys()].some((t) => !types.has(t))) continue;
    entries.push({
      entity: [...entity].map(([entityType, entityName]) => ({ entityType, entityName })),
      values: quota.map(([key, value]) => ({ key, value: Number(value) })),
    });
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, entries };
});
