// DescribeAcls: v0-3. Behaviour: the bindings matching the filter, grouped by resource pattern;
// DESCRIBE on the cluster is needed (CLUSTER_AUTHORIZATION_FAILED); without an authorizer
// SECURITY_DISABLED, as Kafka answers. A filter naming an unknown enum value is INVALID_REQUEST.
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeAcls } from '../../protocol/messages/index.js';
import { filterMatches, filterProblem } from '../../server/security/authorizer.js';
import { AclOp, allowedCluster } from '../authz.js';
import { defineHandler } from '../handler.js';

export const describeAclsHandler = defineHandler(DescribeAcls, { min: 0, max: 3 }, (ctx, req) => {
  const fail = (errorCode: number, errorMessage: string | null) => ({ throttleTimeMs: 0, errorCode, errorMessage, resources: [] });
  if (!ctx.security.aclsEnabled) return fail(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
  if (!allowedCluster(ctx, AclOp.DESCRIBE)) return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
  const filter = {
    resourceType: req.resourceTypeFilter,
    resourceName: req.resourceNameFilter,
    patternType: ctx.header.apiVersion >= 1 ? req.patternTypeFilter : 3,
    principal: req.principalFilter,
    host: req.hostFilter,
    operation: req.operation,
    permission: req.permissionType,
  };
  const problem = filterProblem(filter);
  if (problem) return fail(ErrorCode.INVALID_REQUEST, problem);
  const byResource = new Map<string, { resourceType: number; resourceName: string; patternType: number; acls: { principal: string; host: string; operation: number; permissionType: number }[] }>();
  for (const a of ctx.security.store.acls()) {
    if (!filterMatches(filter, a)) continue;
    const k = JSON.stringify([a.resourceType, a.resourceName, a.patternType]);
    let r = byResource.get(k);
    if (!r) byResource.set(k, (r = { resourceType: a.resourceType, resourceName: a.resourceName, patternType: a.patternType, acls: [] }));
    r.acls.push({ principal: a.principal, host: a.host, operation: a.operation, permissionType: a.permission });
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: [...byResource.values()] };
});
