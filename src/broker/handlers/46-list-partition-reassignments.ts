// ListPartitionReassignments: v0 (KIP-455). Behaviour: DESCRIBE on the cluster, as Kafka checks;
// the active controller lists the moves in flight (named partitions that are not moving are left
// out, as Kafka does); another broker answers NOT_CONTROLLER. A single node never has one.
import { ErrorCode } from '../../protocol/errors.js';
import { ListPartitionReassignments } from '../../protocol/messages/index.js';
import { AclOp, allowedCluster } from '../authz.js';
import { defineHandler } from '../handler.js';

const topLevel = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, errorMessage: null, topics: [] });

export const listPartitionReassignmentsHandler = defineHandler(ListPartitionReassignments, { min: 0, max: 0 }, (ctx, req) => {
  if (!allowedCluster(ctx, AclOp.DESCRIBE)) return topLevel(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  if (!ctx.controller) return topLevel(ErrorCode.NONE);
  const out = ctx.controller.reassignments.list(req.topics?.map((t) => ({ topic: t.name, partitions: t.partitionIndexes })) ?? null);
  if (out.errorCode !== ErrorCode.NONE) return topLevel(out.errorCode);
  const byTopic = new Map<string, { name: string; partitions: Array<{ partitionIndex: number; replicas: number[]; addingReplicas: number[]; removingReplicas: number[] }> }>();
  for (const r of out.reassignments) {
    let e = byTopic.get(r.topic);
    if (!e) byTopic.set(r.topic, (e = { name: r.topic, partitions: [] }));
    e.partitions.push({ partitionIndex: r.partition, replicas: r.replicas, addingReplicas: r.addingReplicas, removingReplicas: r.removingReplicas });
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [...byTopic.values()] };
}, (_ctx, _req, errorCode) => topLevel(errorCode));
