// DeleteAcls: v0-3. Behaviour: removes every binding matching each filter and lists what each
// filter removed; ALTER on the cluster is needed; without an authorizer SECURITY_DISABLED.
import type { AclBinding } from '../../cluster/security-store.js';
import { ErrorCode } from '../../protocol/errors.js';
import { DeleteAcls } from '../../protocol/messages/index.js';
import { filterMatches, filterProblem } from '../../server/security/authorizer.js';
import { AclOp, allowedCluster } from '../authz.js';
import { defineHandler } from '../handler.js';

export const deleteAclsHandler = defineHandler(DeleteAcls, { min: 0, max: 3 }, async (ctx, req) => {
  const each = (errorCode: number, errorMessage: string | null) => ({ throttleTimeMs: 0, filterResults: req.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })) });
  if (!ctx.security.aclsEnabled) return each(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
  if (!allowedCluster(ctx, AclOp.ALTER)) return each(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
  const all = ctx.security.store.acls();
  const results = req.filters.map((f) => {
    const filter = {
      resourceType: f.resourceTypeFilter,
      resourceName: f.resourceNameFilter,
      patternType: ctx.header.apiVersion >= 1 ? f.patternTypeFilter : 3,
      principal: f.principalFilter,
      host: f.hostFilter,
      operation: f.operation,
      permission: f.permissionType,
    };
    const problem = filterProblem(filter);
    return problem ? { problem, matched: [] as AclBinding[] } : { problem: null, matched: all.filter((a) => filterMatches(filter, a)) };
  });
  const remove = results.flatMap((r) => r.matched);
  let failure: string | null = null;
  if (remove.length > 0) {
    try {
      await ctx.security.store.alterAcls([], remove);
    } catch (err) {
      failure = (err as Error).message;
    }
  }
  return {
    throttleTimeMs: 0,
    filterResults: results.map((r) => {
      if (r.problem !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: r.problem, matchingAcls: [] };
      if (failure !== null) return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: failure, matchingAcls: [] };
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        matchingAcls: r.matched.map((a) => ({
          errorCode: ErrorCode.NONE, errorMessage: null, resourceType: a.resourceType, resourceName: a.resourceName, patternType: a.patternType,
          principal: a.principal, host: a.host, operation: a.operation, permissionType: a.permission,
        })),
      };
    }),
  };
});
