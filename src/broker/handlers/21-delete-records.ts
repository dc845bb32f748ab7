// DeleteRecords: v0-2. Behaviour: moves each partition's log start offset to the given offset
// (-1: the high watermark) and drops segments wholly below it; an offset above the high
// watermark (or negative) is OFFSET_OUT_OF_RANGE; the answer carries the new low watermark.
import { ErrorCode } from '../../protocol/errors.js';
import { DeleteRecords } from '../../protocol/messages/index.js';
import { defineHandler } from '../handler.js';

const HIGH_WATERMARK = -1;

export const deleteRecordsHandler = defineHandler(DeleteRecords, { min: 0, max: 2 }, (ctx, req) => ({
  throttleTimeMs: 0,
  topics: req.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((pr) => {
      const fail = (errorCode: number) => ({ partitionIndex: pr.partitionIndex, lowWatermark: -1, errorCode });
      const p = ctx.broker.partition(t.name, pr.partitionIndex);
      if (!p) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      const target = pr.offset === HIGH_WATERMARK ? p.highWatermark : pr.offset;
      if (target < 0 || target > p.highWatermark) return fail(ErrorCode.OFFSET_OUT_OF_RANGE);
      try {
        p.log.deleteRecordsBefore(target);
      } catch {
        return fail(ErrorCode.KAFKA_STORAGE_ERROR);
      }
      p.syncAfterLogStartChange();
      return { partitionIndex: pr.partitionIndex, lowWatermark: p.logStartOffset, errorCode: ErrorCode.NONE };
    }),
  })),
}));
