// StopReplica: v0-4. Behaviour: the controller stops this broker's replicas of the named
// partitions; with deletion their logs are removed (through the metadata delta). Epochs are
// checked as for LeaderAndIsr; a single node refuses with STALE_CONTROLLER_EPOCH.
import { ErrorCode } from '../../protocol/errors.js';
import { StopReplica } from '../../protocol/messages/index.js';
import { AclOp, allowedCluster, allowedGroup, allowedTopic, allowedTxnId } from '../authz.js';
import { defineHandler } from '../handler.js';

export const stopReplicaHandler = defineHandler(StopReplica, { min: 0, max: 4 }, (ctx, req) => {
  if (!allowedCluster(ctx, AclOp.CLUSTER_ACTION)) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, partitionErrors: [] };
  const v = ctx.header.apiVersion;
  const partitions =
    v >= 3
      ? req.topicStates.flatMap((t) => t.partitionStates.map((p) => ({ topic: t.topicName, partition: p.partitionIndex, deletePartition: p.deletePartition })))
      : v >= 1
        ? req.topics.flatMap((t) => t.partitionIndexes.map((p) => ({ topic: t.name, partition: p, deletePartition: req.deletePartitions })))
        : req.ungroupedPartitions.map((p) => ({ topic: p.topicName, partition: p.partitionIndex, deletePartition: req.deletePartitions }));
  const out = ctx.cluster
    ? ctx.cluster.applyStopReplica({ controllerId: req.controllerId, controllerEpoch: req.controllerEpoch, brokerEpoch: req.brokerEpoch }, partitions)
    : { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH, partitions: [] };
  return { errorCode: out.errorCode, partitionErrors: out.partitions.map((p) => ({ topicName: p.topic, partitionIndex: p.partition, errorCode: p.errorCode })) };
});
