// ListOffsets: v0-10. Behaviour: v0 answers a list of offsets (old_style_offsets, Kafka's
// legacyFetchOffsetsBefore: segment base offsets and the log end, highest first, at most
// max_num_offsets; -1 starts from the high watermark for consumers, -2 is the log start). v1+: -2 earliest, -1 latest (high watermark; the last stable offset
// for read_committed), -3 max timestamp (KIP-734), -4 earliest local (= earliest here), -5
// latest tiered (none here: -1); any other value finds the first offset with a timestamp >= it.
import { ErrorCode } from '../../protocol/errors.js';
import { ListOffsets } from '../../protocol/messages/index.js';
import { AclOp, allowedCluster, allowedGroup, allowedTopic, allowedTxnId } from '../authz.js';
import { defineHandler } from '../handler.js';
import { leaderEpochError } from '../epoch-check.js';

export const listOffsetsHandler = defineHandler(ListOffsets, { min: 0, max: 10 }, (ctx, req) => {
  const isConsumer = req.replicaId < 0;
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((lp) => {
        const base = { partitionIndex: lp.partitionIndex, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 };
        if (!allowedTopic(ctx, AclOp.DESCRIBE, t.name)) return { ...base, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
        const p = ctx.partitions.partition(t.name, lp.partitionIndex);
        if (!p || !p.isLeader) {
          // A partition that exists but is led elsewhere is NOT_LEADER_OR_FOLLOWER, as Kafka answers:
          // clients refresh their metadata on it, and keep asking here on UNKNOWN_TOPIC_OR_PARTITION.
          const known = (ctx.metadata.image.topic(t.name)?.partitions.length ?? 0) > lp.partitionIndex && lp.partitionIndex >= 0;
          return { ...base, errorCode: known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        }
        const epochErr = leaderEpochError(p, lp.currentLeaderEpoch);
        if (epochErr !== ErrorCode.NONE) return { ...base, errorCode: epochErr };
        if (ctx.header.apiVersion === 0) {
          if (lp.maxNumOffsets < 0) return { ...base, errorCode: ErrorCode.INVALID_REQUEST };
          return { ...base, errorCode: ErrorCode.NONE, oldStyleOffsets: p.legacyOffsetsBefore(lp.timestamp, lp.maxNumOffsets, isConsumer) };
        }
        const ok = (offset: number, timestamp: number) => ({ ...base, errorCode: ErrorCode.NONE, offset, timestamp, leaderEpoch: p.leaderEpoch });
        switch (lp.timestamp) {
          case -2:
          case -4:
            return ok(p.logStartOffset, -1);
          case -1:
            return ok(isConsumer ? (req.isolationLevel === 1 ? p.lastStableOffset : p.highWatermark) : p.logEndOffset, -1);
          case -5:
            return ok(-1, -1);
          case -3: {
            const m = p.maxTimestampOffset();
            return m ? ok(m.offset, m.timestamp) : ok(-1, -1);
          }
          default: {
            const found = p.offsetForTimestamp(lp.timestamp);
            if (!found || (isConsumer && found.offset >= (req.isolationLevel === 1 ? p.lastStableOffset : p.highWatermark))) return ok(-1, -1);
            return ok(found.offset, found.timestamp);
          }
        }
      }),
    })),
  };
});
