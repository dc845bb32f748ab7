// DeleteRecords: v0-2. Behaviour: moves each partition's log start offset to the given offset
// (-1: the high watermark) and drops segments wholly below it; an offset above the high
// watermark (or negative) is OFFSET_OUT_OF_RANGE; the answer carries the new low watermark.
// Internal topics are refused with INVALID_TOPIC_EXCEPTION, as Kafka refuses them.
import { ErrorCode } from '../../protocol/errors.js';
import { DeleteRecords } from '../../protocol/messages/index.js';
import { INTERNAL_TOPICS } from '../../cluster/topic-names.js';
import { AclOp, allowedTopic } from '../authz.js';
import { defineHandler } from '../handler.js';

const HIGH_WATERMARK = -1;

export const deleteRecordsHandler = defineHandler(DeleteRecords, { min: 0, max: 2 }, (ctx, req) => {
  type PartitionResult = { partitionIndex: number; lowWatermark: number; errorCode: number };
  const moved: PartitionResult[] = [];
  // One log-start-offset-checkpoint write for the whole request, done before the answer (one
  // write per partition froze the broker for seconds over 5,000 partitions).
  const { result: topics, checkpointed } = ctx.partitions.batchLogStartCheckpoints(() =>
    req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((pr): PartitionResult => {
        const fail = (errorCode: number) => ({ partitionIndex: pr.partitionIndex, lowWatermark: -1, errorCode });
        // Kafka's ReplicaManager: the internal topics' records are the coordinators' state.
        if (!allowedTopic(ctx, AclOp.DELETE, t.name)) return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        if (INTERNAL_TOPICS.has(t.name)) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION);
        const p = ctx.partitions.partition(t.name, pr.partitionIndex);
        if (!p) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (!p.isLeader) return fail(ErrorCode.NOT_LEADER_OR_FOLLOWER);
        const target = pr.offset === HIGH_WATERMARK ? p.highWatermark : pr.offset;
        if (target < 0 || target > p.highWatermark) return fail(ErrorCode.OFFSET_OUT_OF_RANGE);
        const before = p.logStartOffset;
        try {
          p.deleteRecordsBefore(target);
        } catch {
          return fail(ErrorCode.KAFKA_STORAGE_ERROR);
        }
        const done = { partitionIndex: pr.partitionIndex, lowWatermark: p.logStartOffset, errorCode: ErrorCode.NONE };
        if (p.logStartOffset !== before) moved.push(done);
        return done;
      }),
    })),
  );
  // The moves are not durable: a restart could bring the records back.
  if (!checkpointed) {
    for (const m of moved) {
      m.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
      m.lowWatermark = -1;
    }
  }
  return { throttleTimeMs: 0, topics };
});
