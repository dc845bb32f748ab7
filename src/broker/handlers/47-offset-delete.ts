// OffsetDelete: v0. Behaviour: removes committed offsets of partitions the group's consumers
// are not subscribed to (GROUP_SUBSCRIBED_TO_TOPIC otherwise).
import { ErrorCode } from '../../protocol/errors.js';
import { OffsetDelete } from '../../protocol/messages/index.js';
import { decodeSubscription } from '../../protocol/consumer-protocol.js';
import { AclOp, allowedGroup, allowedTopic } from '../authz.js';
import { defineHandler } from '../handler.js';

export const offsetDeleteHandler = defineHandler(OffsetDelete, { min: 0, max: 0 }, async (ctx, req) => {
  if (!allowedGroup(ctx, AclOp.DELETE, req.groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] };
  await ctx.groups.ensureStorage();
  const coordinator = ctx.groups.coordinator;
  const image = ctx.metadata.image;
  if (req.groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, throttleTimeMs: 0, topics: [] };
  if (!coordinator.isCoordinatorFor(req.groupId)) return { errorCode: ErrorCode.NOT_COORDINATOR, throttleTimeMs: 0, topics: [] };
  const g = coordinator.group(req.groupId);
  if (!g) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, throttleTimeMs: 0, topics: [] };
  if (g.state !== 'Empty' && g.protocolType !== 'consumer') return { errorCode: ErrorCode.NON_EMPTY_GROUP, throttleTimeMs: 0, topics: [] };
  const subscribed = new Set<string>();
  if (g.state !== 'Empty') for (const m of g.members.values()) for (const t of decodeSubscription(g.metadataFor(m))?.topics ?? []) subscribed.add(t);
  const toDelete: string[] = [];
  const topics = req.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => {
      if (!allowedTopic(ctx, AclOp.READ, t.name)) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
      if (subscribed.has(t.name)) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
      if (p.partitionIndex < 0 || p.partitionIndex >= (image.topic(t.name)?.partitions.length ?? 0)) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
      toDelete.push(g.offsetKey(t.name, p.partitionIndex));
      return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
    }),
  }));
  coordinator.deleteOffsets(g, toDelete);
  return { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics };
});
