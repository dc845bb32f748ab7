// DescribeUserScramCredentials: v0. Behaviour: each user's SCRAM mechanisms and iterations
// (never salts or keys); all users when the list is null or empty; an unknown user is
// RESOURCE_NOT_FOUND, a user named twice DUPLICATE_RESOURCE; DESCRIBE on the cluster is needed.
import { desanitizeEntityName } from '../../cluster/security-store.js';
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeUserScramCredentials } from '../../protocol/messages/index.js';
import { SCRAM_MECHANISMS, SCRAM_MECHANISM_ID, credentialFromString } from '../../server/security/scram.js';
import { AclOp, allowedCluster } from '../authz.js';
import { defineHandler, type RequestContext } from '../handler.js';

/** Every user's SCRAM credentials: user → [mechanism id, iterations][]. */
export function scramUsers(ctx: RequestContext): Map<string, Array<{ mechanism: number; iterations: number }>> {
  const out = new Map<string, Array<{ mechanism: number; iterations: number }>>();
  for (const [path, values] of ctx.security.store.entityConfigs()) {
    const m = /^users\/([^/]+)$/.exec(path);
    if (!m) continue;
    const infos = SCRAM_MECHANISMS.flatMap((mech) => {
      const c = values[mech] ? credentialFromString(values[mech]) : null;
      return c ? [{ mechanism: SCRAM_MECHANISM_ID[mech], iterations: c.iterations }] : [];
    });
    if (infos.length > 0) out.set(desanitizeEntityName(m[1]!), infos);
  }
  return out;
}

export const describeUserScramCredentialsHandler = defineHandler(DescribeUserScramCredentials, { min: 0, max: 0 }, (ctx, req) => {
  if (!allowedCluster(ctx, AclOp.DESCRIBE)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, results: [] };
  const users = scramUsers(ctx);
  const wanted = req.users === null || req.users.length === 0 ? [...users.keys()].sort() : req.users.map((u) => u.name);
  const counts = new Map<string, number>();
  for (const u of wanted) counts.set(u, (counts.get(u) ?? 0) + 1);
  const seen = new Set<string>();
  const results = [];
  for (const user of wanted) {
    if (seen.has(user)) continue;
    seen.add(user);
    if (counts.get(user)! > 1) {
      results.push({ user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request', credentialInfos: [] });
      continue;
    }
    const infos = users.get(user);
    if (!infos) results.push({ user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist', credentialInfos: [] });
    else results.push({ user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: infos });
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
});
