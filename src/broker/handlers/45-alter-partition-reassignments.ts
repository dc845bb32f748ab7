// AlterPartitionReassignments: v0 (KIP-455). Behaviour: ALTER on the cluster, as Kafka checks; the
// active controller writes the moves (src/cluster/zk-mode/reassignment.ts) and answers once they
// are written, not once the data has moved; a broker that is not the controller answers
// NOT_CONTROLLER, so the client retries on the controller its metadata names. A single node has
// no other broker to move replicas to: a partition's only valid target is that node, which is
// where it already is, and there is never a reassignment to cancel.
import { ErrorCode } from '../../protocol/errors.js';
import { AlterPartitionReassignments } from '../../protocol/messages/index.js';
import type { ReassignmentOutcome, ReassignmentRequestItem } from '../../cluster/zk-mode/reassignment.js';
import { AclOp, allowedCluster } from '../authz.js';
import { defineHandler, type RequestContext } from '../handler.js';

type Response = { throttleTimeMs: number; errorCode: number; errorMessage: string | null; responses: Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number; errorMessage: string | null }> }> };

const topLevel = (errorCode: number, errorMessage: string | null = null): Response => ({ throttleTimeMs: 0, errorCode, errorMessage, responses: [] });

export const alterPartitionReassignmentsHandler = defineHandler(AlterPartitionReassignments, { min: 0, max: 0 }, async (ctx, req) => {
  if (!allowedCluster(ctx, AclOp.ALTER)) return topLevel(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  const items: ReassignmentRequestItem[] = req.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas })));
  let outcomes: ReassignmentOutcome[];
  if (ctx.controller) {
    const out = await ctx.controller.reassignments.alter(items, req.timeoutMs);
    if (out.errorCode !== ErrorCode.NONE) return topLevel(out.errorCode);
    outcomes = out.partitions;
  } else {
    outcomes = items.map((i) => singleNode(ctx, i));
  }
  // Answered in the request's order of topics, each once.
  const byTopic = new Map<string, Response['responses'][number]>();
  for (const o of outcomes) {
    let e = byTopic.get(o.topic);
    if (!e) byTopic.set(o.topic, (e = { name: o.topic, partitions: [] }));
    e.partitions.push({ partitionIndex: o.partition, errorCode: o.errorCode, errorMessage: o.errorMessage });
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses: [...byTopic.values()] };
}, (_ctx, _req, errorCode) => topLevel(errorCode));

function singleNode(ctx: RequestContext, i: ReassignmentRequestItem): ReassignmentOutcome {
  const r = (errorCode: number, errorMessage: string | null) => ({ topic: i.topic, partition: i.partition, errorCode, errorMessage });
  const t = ctx.metadata.image.topic(i.topic);
  if (!t || i.partition < 0 || i.partition >= t.partitions.length) return r(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find partition ${i.topic}-${i.partition}.`);
  if (i.replicas === null) return r(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, `Partition ${i.topic}-${i.partition} is not being reassigned.`);
  const self = ctx.metadata.nodeId;
  if (i.replicas.length === 1 && i.replicas[0] === self) return r(ErrorCode.NONE, null);
  return r(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Replica assignment has brokers that are not alive. Replica list: [${i.replicas.join(', ')}], live broker list: [${self}].`);
}
