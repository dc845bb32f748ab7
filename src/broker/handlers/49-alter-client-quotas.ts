// AlterClientQuotas: v0-1. Behaviour: sets and removes quotas (producer_byte_rate,
// consumer_byte_rate, request_percentage, controller_mutation_rate) of user, client-id and
// user+client-id entities (a null name: the default entity), stored as Kafka stores them under
// /config/users and /config/clients; ALTER_CONFIGS on the cluster is needed. An unknown key, a
// negative value or an unknown entity type is INVALID_REQUEST; validate_only changes nothing.
import { DEFAULT_ENTITY, sanitizeEntityName, type EntityConfigChange } from '../../cluster/security-store.js';
import { ErrorCode } from '../../protocol/errors.js';
import { AlterClientQuotas } from '../../protocol/messages/index.js';
import { AclOp, allowedCluster } from '../authz.js';
import { defineHandler } from '../handler.js';

const KEYS = new Set(['producer_byte_rate', 'consumer_byte_rate', 'request_percentage', 'controller_mutation_rate']);

/** The entity path of user / client-id components, or why there is none. */
export function entityPath(entity: ReadonlyArray<{ entityType: string; entityName: string | null }>): string | { problem: string } {
  const name = (n: string | null) => (n === null ? DEFAULT_ENTITY : sanitizeEntityName(n));
  const user = entity.filter((e) => e.entityType === 'user');
  const client = entity.filter((e) => e.entityType === 'client-id');
  if (user.length > 1 || client.length > 1) return { problem: 'Duplicate entity type' };
  if (user.length + client.length !== entity.length || entity.length === 0) return { problem: `Invalid quota entity: ${entity.map((e) => e.entityType).join(', ') || 'empty'}` };
  if (user[0] && client[0]) return `users/${name(user[0].entityName)}/clients/${name(client[0].entityName)}`;
  if (user[0]) return `users/${name(user[0].entityName)}`;
  return `clients/${name(client[0]!.entityName)}`;
}

export const alterClientQuotasHandler = defineHandler(AlterClientQuotas, { min: 0, max: 1 }, async (ctx, req) => {
  const result = (e: (typeof req.entries)[number], errorCode: number, errorMessage: string | null) => ({ errorCode, errorMessage, entity: e.entity.map((x) => ({ entityType: x.entityType, entityName: x.entityName })) });
  if (!allowedCluster(ctx, AclOp.ALTER_CONFIGS)) return { throttleTimeMs: 0, entries: req.entries.map((e) => result(e, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null)) };
  const planned = req.entries.map((e): EntityConfigChange | { problem: string } => {
    const path = entityPath(e.entity);
    if (typeof path !== 'string') return path;
    const set: Record<string, string> = {};
    const remove: string[] = [];
    for (const op of e.ops) {
      if (!KEYS.has(op.key)) return { problem: `Invalid configuration key ${op.key}` };
      if (op.remove) remove.push(op.key);
      else if (!(op.value > 0) || !Number.isFinite(op.value)) return { problem: `Quota ${op.key} must be greater than 0, got ${op.value}` };
      else set[op.key] = op.key.endsWith('byte_rate') ? String(Math.floor(op.value)) : String(op.value);
    }
    return { path, set, remove };
  });
  const changes = planned.filter((p): p is EntityConfigChange => !('problem' in p));
  let failure: string | null = null;
  if (!req.validateOnly && changes.length > 0) {
    try {
      await ctx.security.store.alterEntityConfigs(changes);
    } catch (err) {
      failure = (err as Error).message;
    }
  }
  return {
    throttleTimeMs: 0,
    entries: req.entries.map((e, i) => {
      const p = planned[i]!;
      if ('problem' in p) return result(e, ErrorCode.INVALID_REQUEST, p.problem);
      return failure !== null ? result(e, ErrorCode.UNKNOWN_SERVER_ERROR, failure) : result(e, ErrorCode.NONE, null);
    }),
  };
});
