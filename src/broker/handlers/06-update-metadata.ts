// UpdateMetadata: v0-8. Behaviour: the controller's view of the live brokers and of partition
// states (leader -2: the topic is being deleted) replaces this broker's; Metadata answers from
// it. Epochs are checked as for LeaderAndIsr; a single node refuses with STALE_CONTROLLER_EPOCH.
import { ErrorCode } from '../../protocol/errors.js';
import { UpdateMetadata } from '../../protocol/messages/index.js';
import type { ControllerPartitionState } from '../../cluster/zk-mode/broker-metadata.js';
import type { BrokerInfo } from '../../cluster/metadata-image.js';
import { AclOp, allowedCluster, allowedGroup, allowedTopic, allowedTxnId } from '../authz.js';
import { defineHandler } from '../handler.js';

export const updateMetadataHandler = defineHandler(UpdateMetadata, { min: 0, max: 8 }, (ctx, req) => {
  if (!allowedCluster(ctx, AclOp.CLUSTER_ACTION)) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED };
  const cluster = ctx.cluster;
  if (!cluster) return { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH };
  const v = ctx.header.apiVersion;
  const topicIds = new Map<string, string>();
  const flat = v >= 5 ? req.topicStates.flatMap((t) => {
    if (v >= 7) topicIds.set(t.topicName, t.topicId);
    return t.partitionStates.map((p) => ({ ...p, topicName: t.topicName }));
  }) : req.ungroupedPartitionStates;
  const states: ControllerPartitionState[] = flat.map((p) => ({
    topic: p.topicName, partition: p.partitionIndex, controllerEpoch: p.controllerEpoch, leader: p.leader, leaderEpoch: p.leaderEpoch, isr: p.isr, partitionEpoch: p.zkVersion, replicas: p.replicas,
  }));
  const listener = ctx.metadata.listenerName;
  const brokers: BrokerInfo[] = req.liveBrokers.flatMap((b) => {
    if (v === 0) return [{ id: b.id, host: b.v0Host, port: b.v0Port, rack: null }];
    const ep = b.endpoints.find((e) => v < 3 || e.listener === listener) ?? b.endpoints[0];
    // Every listener's endpoint: clients on each listener are given the brokers' addresses on it.
    const endpoints = v >= 3 && b.endpoints.length > 1 ? { endpoints: b.endpoints.map((e) => ({ listener: e.listener, host: e.host, port: e.port, securityProtocol: e.securityProtocol })) } : {};
    return ep ? [{ id: b.id, host: ep.host, port: ep.port, rack: b.rack, ...endpoints }] : [];
  });
  return { errorCode: cluster.applyUpdateMetadata({ controllerId: req.controllerId, controllerEpoch: req.controllerEpoch, brokerEpoch: req.brokerEpoch }, brokers, states, topicIds) };
});
