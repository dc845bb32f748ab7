// OffsetCommit: v2-9. Behaviour: commits of the current generation's members, or of tools and
// standalone consumers (generation -1) into groups without members; stored in __consumer_offsets.
import { ErrorCode } from '../../protocol/errors.js';
import { OffsetCommit } from '../../protocol/messages/index.js';
import { defineHandler } from '../handler.js';

export const offsetCommitHandler = defineHandler(OffsetCommit, { min: 2, max: 9 }, (ctx, req) => {
  const { broker } = ctx;
  const allowed = broker.groups.commitAllowed(req.groupId, req.memberId, req.generationIdOrMemberEpoch, req.groupInstanceId);
  const maxMetadata = broker.config.int('offset.metadata.max.bytes');
  const accepted: Array<{ topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string }> = [];
  const topics = req.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => {
      let errorCode: number = allowed;
      if (errorCode === ErrorCode.NONE) {
        if (!broker.partition(t.name, p.partitionIndex)) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (p.committedMetadata !== null && Buffer.byteLength(p.committedMetadata) > maxMetadata) errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        else accepted.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata ?? '' });
      }
      return { partitionIndex: p.partitionIndex, errorCode };
    }),
  }));
  if (accepted.length > 0) broker.groups.commitOffsets(req.groupId, accepted);
  return { throttleTimeMs: 0, topics };
});
