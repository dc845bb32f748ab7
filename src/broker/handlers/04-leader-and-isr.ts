// LeaderAndIsr: v0-7. Behaviour: the controller names the partitions this broker leads or
// follows; src/cluster/zk-mode/broker-metadata.ts checks the controller and broker epochs and
// applies them, and the replicas follow from the metadata delta. A single node has no
// controller: every such request is refused with STALE_CONTROLLER_EPOCH and changes nothing.
import { ErrorCode } from '../../protocol/errors.js';
import { LeaderAndIsr } from '../../protocol/messages/index.js';
import type { ControllerPartitionState } from '../../cluster/zk-mode/broker-metadata.js';
import { AclOp, allowedCluster, allowedGroup, allowedTopic, allowedTxnId } from '../authz.js';
import { defineHandler } from '../handler.js';

export const leaderAndIsrHandler = defineHandler(LeaderAndIsr, { min: 0, max: 7 }, (ctx, req) => {
  if (!allowedCluster(ctx, AclOp.CLUSTER_ACTION)) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, partitionErrors: [], topics: [] };
  const v = ctx.header.apiVersion;
  const states: ControllerPartitionState[] = [];
  const topicIds = new Map<string, string>();
  const grouped = v >= 2 ? req.topicStates.flatMap((t) => {
    if (v >= 5) topicIds.set(t.topicName, t.topicId);
    return t.partitionStates.map((p) => ({ ...p, topicName: t.topicName }));
  }) : req.ungroupedPartitionStates;
  for (const p of grouped) {
    states.push({ topic: p.topicName, partition: p.partitionIndex, controllerEpoch: p.controllerEpoch, leader: p.leader, leaderEpoch: p.leaderEpoch, isr: p.isr, partitionEpoch: p.partitionEpoch, replicas: p.replicas });
  }
  const cluster = ctx.cluster;
  const out = cluster
    ? cluster.applyLeaderAndIsr({ controllerId: req.controllerId, controllerEpoch: req.controllerEpoch, brokerEpoch: req.brokerEpoch }, states, topicIds)
    : { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH, partitions: [] };
  if (v >= 5) {
    const byTopic = new Map<string, Array<{ topicName: string; partitionIndex: number; errorCode: number }>>();
    for (const p of out.partitions) {
      const id = topicIds.get(p.topic) ?? '';
      let l = byTopic.get(id);
      if (!l) byTopic.set(id, (l = []));
      l.push({ topicName: p.topic, partitionIndex: p.partition, errorCode: p.errorCode });
    }
    return { errorCode: out.errorCode, partitionErrors: [], topics: [...byTopic].map(([topicId, partitionErrors]) => ({ topicId, partitionErrors })) };
  }
  return { errorCode: out.errorCode, partitionErrors: out.partitions.map((p) => ({ topicName: p.topic, partitionIndex: p.partition, errorCode: p.errorCode })), topics: [] };
});
