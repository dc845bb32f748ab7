// CreateAcls: v0-3. Behaviour: stores each binding with the cluster metadata (the data dir, or
// ZooKeeper's /kafka-acl); ALTER on the cluster is needed (CLUSTER_AUTHORIZATION_FAILED for
// each); an invalid binding is INVALID_REQUEST with Kafka's message; without an authorizer
// SECURITY_DISABLED. v0 bindings are literal.
import type { AclBinding } from '../../cluster/security-store.js';
import { ErrorCode } from '../../protocol/errors.js';
import { CreateAcls } from '../../protocol/messages/index.js';
import { bindingProblem } from '../../server/security/authorizer.js';
import { AclOp, allowedCluster } from '../authz.js';
import { defineHandler } from '../handler.js';

export const createAclsHandler = defineHandler(CreateAcls, { min: 0, max: 3 }, async (ctx, req) => {
  const each = (errorCode: number, errorMessage: string | null) => ({ throttleTimeMs: 0, results: req.creations.map(() => ({ errorCode, errorMessage })) });
  if (!ctx.security.aclsEnabled) return each(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
  if (!allowedCluster(ctx, AclOp.ALTER)) return each(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
  const bindings: AclBinding[] = req.creations.map((c) => ({
    resourceType: c.resourceType,
    resourceName: c.resourceName,
    patternType: ctx.header.apiVersion >= 1 ? c.resourcePatternType : 3,
    principal: c.principal,
    host: c.host,
    operation: c.operation,
    permission: c.permissionType,
  }));
  const problems = bindings.map(bindingProblem);
  const valid = bindings.filter((_, i) => problems[i] === null);
  let failure: string | null = null;
  if (valid.length > 0) {
    try {
      await ctx.security.store.alterAcls(valid, []);
    } catch (err) {
      failure = (err as Error).message;
    }
  }
  return {
    throttleTimeMs: 0,
    results: problems.map((p) => (p !== null ? { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: p } : failure !== null ? { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: failure } : { errorCode: ErrorCode.NONE, errorMessage: null })),
  };
});
