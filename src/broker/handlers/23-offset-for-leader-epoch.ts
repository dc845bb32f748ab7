// OffsetForLeaderEpoch: v0-4. Behaviour: the end offset of the requested epoch (the start of the
// next one, or the log end for the current epoch), as consumers validate positions after a leader
// change and followers truncate before fetching. v0 answers no epoch; v2+ check the current one.
import { ErrorCode } from '../../protocol/errors.js';
import { OffsetForLeaderEpoch } from '../../protocol/messages/index.js';
import { leaderEpochError } from '../epoch-check.js';
import { AclOp, allowedCluster, allowedTopic } from '../authz.js';
import { defineHandler } from '../handler.js';

export const offsetForLeaderEpochHandler = defineHandler(OffsetForLeaderEpoch, { min: 0, max: 4 }, (ctx, req) => {
  // CLUSTER_ACTION covers every topic (followers); otherwise DESCRIBE on each.
  const clusterAction = allowedCluster(ctx, AclOp.CLUSTER_ACTION);
  return {
  throttleTimeMs: 0,
  topics: req.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((rp) => {
      if (!clusterAction && !allowedTopic(ctx, AclOp.DESCRIBE, t.topic)) return { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, partition: rp.partition, leaderEpoch: -1, endOffset: -1 };
      const p = ctx.partitions.partition(t.topic, rp.partition);
      if (!p || !p.isLeader) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, partition: rp.partition, leaderEpoch: -1, endOffset: -1 };
      const err = leaderEpochError(p, rp.currentLeaderEpoch);
      if (err !== ErrorCode.NONE) return { errorCode: err, partition: rp.partition, leaderEpoch: -1, endOffset: -1 };
      const r = p.endOffsetForEpoch(rp.leaderEpoch);
      return { errorCode: ErrorCode.NONE, partition: rp.partition, leaderEpoch: r.epoch, endOffset: r.endOffset };
    }),
  })),
  };
});
