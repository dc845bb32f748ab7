// ControlledShutdown: v1-3 (v0 needs request header v0, which no broker of Kafka 3.9 sends).
// Behaviour: a broker about to stop asks the controller to move its leaderships and take it out
// of every ISR (src/cluster/zk-mode/kafka-controller.ts, controlledShutdown); the answer lists
// the partitions it still leads, and the broker retries while there are any. A single node has
// no controller: NOT_CONTROLLER.
import { ErrorCode } from '../../protocol/errors.js';
import { ControlledShutdown } from '../../protocol/messages/index.js';
import { AclOp, allowedCluster } from '../authz.js';
import { defineHandler } from '../handler.js';

export const controlledShutdownHandler = defineHandler(ControlledShutdown, { min: 1, max: 3 }, async (ctx, req) => {
  // Only brokers may ask: CLUSTER_ACTION on the cluster, as Kafka checks.
  if (!allowedCluster(ctx, AclOp.CLUSTER_ACTION)) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, remainingPartitions: [] };
  if (!ctx.controller) return { errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] };
  const out = await ctx.controller.controlledShutdown(req.brokerId, ctx.header.apiVersion >= 2 ? req.brokerEpoch : -1);
  return { errorCode: out.errorCode, remainingPartitions: out.remaining.map((c) => ({ topicName: c.topic, partitionIndex: c.partition })) };
});
