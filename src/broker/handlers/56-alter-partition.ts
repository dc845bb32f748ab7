// AlterPartition: v0-3. Behaviour: a leader's ISR change, carried out by the controller
// (src/cluster/zk-mode/kafka-controller.ts: conditioned on the leader and partition epochs, written
// to ZooKeeper fenced by the controller epoch); a broker that is not the controller answers
// NOT_CONTROLLER, so the leader retries on the one its metadata names.
import { ErrorCode } from '../../protocol/errors.js';
import { AlterPartition } from '../../protocol/messages/index.js';
import type { AlterPartitionItem } from '../../cluster/zk-mode/kafka-controller.js';
import { AclOp, allowedCluster } from '../authz.js';
import { defineHandler } from '../handler.js';

export const alterPartitionHandler = defineHandler(AlterPartition, { min: 0, max: 3 }, async (ctx, req) => {
  // Only brokers may change an ISR: CLUSTER_ACTION on the cluster, as Kafka checks.
  if (!allowedCluster(ctx, AclOp.CLUSTER_ACTION)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, topics: [] };
  const v = ctx.header.apiVersion;
  const controller = ctx.controller;
  if (!controller) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, topics: [] };
  const items: AlterPartitionItem[] = [];
  const unknown: Array<{ topicName: string; topicId: string; partitionIndex: number }> = [];
  for (const t of req.topics) {
    const name = v >= 2 ? controller.topicNameById(t.topicId) : t.topicName;
    for (const p of t.partitions) {
      if (name === undefined) {
        unknown.push({ topicName: t.topicName, topicId: t.topicId, partitionIndex: p.partitionIndex });
        continue;
      }
      const newIsr = v >= 3 ? p.newIsrWithEpochs.map((b) => b.brokerId) : p.newIsr;
      items.push({ topic: name, partition: p.partitionIndex, leaderEpoch: p.leaderEpoch, newIsr, partitionEpoch: p.partitionEpoch });
    }
  }
  const out = await controller.alterPartition(req.brokerId, req.brokerEpoch, items);
  if (out.errorCode !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: out.errorCode, topics: [] };
  const idOf = new Map(req.topics.map((t) => [v >= 2 ? controller.topicNameById(t.topicId) ?? '' : t.topicName, t.topicId]));
  const byTopic = new Map<string, { topicName: string; topicId: string; partitions: Array<{ partitionIndex: number; errorCode: number; leaderId: number; leaderEpoch: number; isr: number[]; leaderRecoveryState: number; partitionEpoch: number }> }>();
  const entry = (name: string, id: string) => {
    let e = byTopic.get(`${name}\u0000${id}`);
    if (!e) byTopic.set(`${name}\u0000${id}`, (e = { topicName: name, topicId: id, partitions: [] }));
    return e;
  };
  for (const r of out.partitions) {
    entry(r.topic, idOf.get(r.topic) ?? '').partitions.push({ partitionIndex: r.partition, errorCode: r.errorCode, leaderId: r.leaderId, leaderEpoch: r.leaderEpoch, isr: [...r.isr], leaderRecoveryState: 0, partitionEpoch: r.partitionEpoch });
  }
  for (const u of unknown) {
    entry(u.topicName, u.topicId).partitions.push({ partitionIndex: u.partitionIndex, errorCode: v >= 2 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, leaderId: -1, leaderEpoch: -1, isr: [], leaderRecoveryState: 0, partitionEpoch: -1 });
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: [...byTopic.values()] };
});
