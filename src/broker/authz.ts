// The authorization checks handlers make, with the connection's principal and address: what
// Kafka's AuthHelper does for KafkaApis.
import { AclOp, AclResourceType, CLUSTER_RESOURCE_NAME } from '../cluster/security-store.js';
import type { RequestContext } from './handler.js';

export { AclOp, AclResourceType };

const requester = (ctx: RequestContext) => ({ principal: ctx.conn.session.principal, host: ctx.conn.session.clientHost });

export function allowed(ctx: RequestContext, operation: number, resourceType: number, name: string): boolean {
  return ctx.security.authorize(requester(ctx), operation, resourceType, name);
}

export const allowedTopic = (ctx: RequestContext, operation: number, topic: string): boolean => allowed(ctx, operation, AclResourceType.TOPIC, topic);
export const allowedGroup = (ctx: RequestContext, operation: number, group: string): boolean => allowed(ctx, operation, AclResourceType.GROUP, group);
export const allowedTxnId = (ctx: RequestContext, operation: number, id: string): boolean => allowed(ctx, operation, AclResourceType.TRANSACTIONAL_ID, id);
export const allowedCluster = (ctx: RequestContext, operation: number): boolean => allowed(ctx, operation, AclResourceType.CLUSTER, CLUSTER_RESOURCE_NAME);

export function allowedByResourceType(ctx: RequestContext, operation: number, resourceType: number): boolean {
  return ctx.security.authorizeByResourceType(requester(ctx), operation, resourceType);
}

/** Kafka's createTopics rule: CREATE on the cluster, else on the topic. */
export function mayCreateTopic(ctx: RequestContext, topic: string): boolean {
  return allowedCluster(ctx, AclOp.CREATE) || allowedTopic(ctx, AclOp.CREATE, topic);
}

/** The operations (bit n for AclOperation n) the principal may perform out of `ops`. */
export function allowedOperations(ctx: RequestContext, resourceType: number, name: string, ops: readonly number[]): number {
  let bits = 0;
  for (const op of ops) if (allowed(ctx, op, resourceType, name)) bits |= 1 << op;
  return bits;
}
