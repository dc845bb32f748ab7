// OffsetCommit: v0-9. Behaviour: commits of the current generation's members, or of tools and
// standalone consumers (generation -1) into groups without members; stored in __consumer_offsets.
// v0 has no generation or member (a standalone commit; Kafka stored those in ZooKeeper, Samsa
// stores them with the others); v1 carries each partition's commit timestamp, kept as given.
import { ErrorCode } from '../../protocol/errors.js';
import { OffsetCommit } from '../../protocol/messages/index.js';
import { AclOp, allowedCluster, allowedGroup, allowedTopic, allowedTxnId } from '../authz.js';
import { defineHandler } from '../handler.js';
import { CoordinatorAppendError, awaitCoordinatorWrite } from '../offsets-topic.js';

export const offsetCommitHandler = defineHandler(OffsetCommit, { min: 0, max: 9 }, async (ctx, req) => {
  // READ on the group first: a principal without it changes nothing, not even __consumer_offsets.
  if (!allowedGroup(ctx, AclOp.READ, req.groupId)) {
    return { throttleTimeMs: 0, topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED as number })) })) };
  }
  await ctx.groups.ensureStorage();
  const coordinator = ctx.groups.coordinator;
  const image = ctx.metadata.image;
  const allowed = coordinator.commitAllowed(req.groupId, req.memberId, req.generationIdOrMemberEpoch, req.groupInstanceId);
  const maxMetadata = ctx.config.int('offset.metadata.max.bytes');
  const accepted: Array<{ topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string; commitTimestamp: number }> = [];
  const v1 = ctx.header.apiVersion === 1;
  const topics = req.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => {
      let errorCode: number = allowedTopic(ctx, AclOp.READ, t.name) ? allowed : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
      if (errorCode === ErrorCode.NONE) {
        if (p.partitionIndex < 0 || p.partitionIndex >= (image.topic(t.name)?.partitions.length ?? 0)) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (p.committedMetadata !== null && Buffer.byteLength(p.committedMetadata) > maxMetadata) errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        else accepted.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata ?? '', commitTimestamp: v1 ? p.commitTimestamp : -1 });
      }
      return { partitionIndex: p.partitionIndex, errorCode: errorCode as number };
    }),
  }));
  if (accepted.length > 0) {
    let code: number = ErrorCode.NONE;
    try {
      coordinator.commitOffsets(req.groupId, accepted);
    } catch (err) {
      // Kafka's answer when the commit's record cannot be stored: too large for
      // __consumer_offsets is INVALID_COMMIT_OFFSET_SIZE, anything else UNKNOWN_SERVER_ERROR.
      code = err instanceof CoordinatorAppendError && err.tooLarge ? ErrorCode.INVALID_COMMIT_OFFSET_SIZE : ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    // Acknowledged once replicated, so a commit survives the loss of the coordinator's broker.
    if (code === ErrorCode.NONE) code = await awaitCoordinatorWrite(ctx.partitions, ctx.delayed, coordinator.partitionFor(req.groupId), ctx.config.int('offsets.commit.timeout.ms'), ctx.conn);
    if (code !== ErrorCode.NONE) for (const t of topics) for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) p.errorCode = code;
  }
  return { throttleTimeMs: 0, topics };
});
