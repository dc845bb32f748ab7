// OffsetFetch: v0-9. Behaviour: committed offsets of one group (v0-7) or several (v8+); all of a
// group's offsets when the topic list is null; -1 where nothing is committed. v0 reads what v0
// commits stored (Kafka kept those in ZooKeeper; Samsa keeps every offset in __consumer_offsets).
// With require_stable (v7+, KIP-447) a partition whose offset waits in an open transaction is
// UNSTABLE_OFFSET_COMMIT (retriable), so a consumer never resumes from an offset that
// transaction may still replace. A group coordinated by another broker is NOT_COORDINATOR.
import { ErrorCode } from '../../protocol/errors.js';
import { OffsetFetch } from '../../protocol/messages/index.js';
import type { GroupCoordinator } from '../../group/coordinator.js';
import { splitOffsetKey } from '../../group/group.js';
import { AclOp, allowedCluster, allowedGroup, allowedTopic, allowedTxnId } from '../authz.js';
import { defineHandler } from '../handler.js';

interface PartitionOffset {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

function fetchGroup(coordinator: GroupCoordinator, groupId: string, topics: Array<{ name: string; partitionIndexes: number[] }> | null, requireStable: boolean, describable: (topic: string) => boolean) {
  const g = coordinator.group(groupId);
  const out = new Map<string, PartitionOffset[]>();
  const push = (topic: string, p: PartitionOffset) => {
    let list = out.get(topic);
    if (!list) out.set(topic, (list = []));
    list.push(p);
  };
  if (topics === null) {
    for (const [key, o] of g?.offsets ?? []) {
      const { topic, partition } = splitOffsetKey(key);
      // Topics the principal may not describe are left out (Kafka filters them the same way).
      if (!describable(topic)) continue;
      push(topic, { partitionIndex: partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: 0 });
    }
  } else {
    for (const t of topics) {
      out.set(t.name, []);
      for (const p of t.partitionIndexes) {
        if (!describable(t.name)) {
          push(t.name, { partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
          continue;
        }
        const key = g?.offsetKey(t.name, p);
        if (requireStable && g && coordinator.hasPendingTxnOffset(g, key!)) {
          push(t.name, { partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT });
          continue;
        }
        const o = g?.offsets.get(key!);
        push(t.name, o
          ? { partitionIndex: p, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: 0 }
          : { partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 });
      }
    }
  }
  return [...out.entries()].map(([name, partitions]) => ({ name, partitions }));
}

export const offsetFetchHandler = defineHandler(OffsetFetch, { min: 0, max: 9 }, (ctx, req) => {
  const describable = (topic: string) => allowedTopic(ctx, AclOp.DESCRIBE, topic);
  if (ctx.header.apiVersion >= 8) {
    return {
      throttleTimeMs: 0, topics: [], errorCode: 0,
      groups: req.groups.map((g) => !allowedGroup(ctx, AclOp.DESCRIBE, g.groupId)
        ? { groupId: g.groupId, topics: [], errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }
        : g.groupId === ''
        ? { groupId: g.groupId, topics: [], errorCode: ErrorCode.INVALID_GROUP_ID }
        : !ctx.groups.coordinator.isCoordinatorFor(g.groupId)
          ? { groupId: g.groupId, topics: [], errorCode: ErrorCode.NOT_COORDINATOR }
          : { groupId: g.groupId, topics: fetchGroup(ctx.groups.coordinator, g.groupId, g.topics, req.requireStable, describable), errorCode: ErrorCode.NONE }),
    };
  }
  if (!allowedGroup(ctx, AclOp.DESCRIBE, req.groupId)) return { throttleTimeMs: 0, topics: [], errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groups: [] };
  if (req.groupId === '') return { throttleTimeMs: 0, topics: [], errorCode: ErrorCode.INVALID_GROUP_ID, groups: [] };
  if (!ctx.groups.coordinator.isCoordinatorFor(req.groupId)) return { throttleTimeMs: 0, topics: [], errorCode: ErrorCode.NOT_COORDINATOR, groups: [] };
  return { throttleTimeMs: 0, topics: fetchGroup(ctx.groups.coordinator, req.groupId, req.topics, ctx.header.apiVersion >= 7 && req.requireStable, describable), errorCode: ErrorCode.NONE, groups: [] };
});
