// WriteTxnMarkers: v0-1, from a transaction coordinator to partition leaders. Behaviour: one
// marker (a control batch) per partition through the partition's append path with origin
// 'coordinator', answered once the partition's ISR has it (acks=all, at most request.timeout.ms:
// REQUEST_TIMED_OUT after); per-partition errors as Kafka: UNKNOWN_TOPIC_OR_PARTITION,
// NOT_LEADER_OR_FOLLOWER (also for a partition of a known topic not hosted here),
// NOT_ENOUGH_REPLICAS, INVALID_PRODUCER_EPOCH for a marker older than the producer's epoch,
// TRANSACTION_COORDINATOR_FENCED for an older coordinator. A marker on __consumer_offsets
// completes the transaction's offsets. The coordinator writes markers for partitions it leads
// itself directly, through the same path.
import { WriteTxnMarkers } from '../../protocol/messages/index.js';
import { ErrorCode } from '../../protocol/errors.js';
import { AclOp, allowedCluster } from '../authz.js';
import { defineHandler } from '../handler.js';
import { writeMarker, type MarkerTarget } from '../txn-markers.js';

export const writeTxnMarkersHandler = defineHandler(WriteTxnMarkers, { min: 0, max: 1 }, async (ctx, req) => {
  // Markers come from transaction coordinators: CLUSTER_ACTION, else every partition is refused.
  const denied = !allowedCluster(ctx, AclOp.CLUSTER_ACTION);
  const target: MarkerTarget = { partitions: ctx.partitions, groups: ctx.groups.coordinator, image: ctx.metadata.image, delayed: ctx.delayed };
  const timeoutMs = ctx.config.int('request.timeout.ms');
  const markers = await Promise.all(req.markers.map(async (m) => {
    const marker = { producerId: m.producerId, producerEpoch: m.producerEpoch, commit: m.transactionResult, coordinatorEpoch: m.coordinatorEpoch };
    return {
      producerId: m.producerId,
      topics: await Promise.all(m.topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(t.partitionIndexes.map(async (index) => ({
          partitionIndex: index,
          errorCode: denied ? ErrorCode.CLUSTER_AUTHORIZATION_FAILED : await writeMarker(target, marker, t.name, index, timeoutMs),
        }))),
      }))),
    };
  }));
  return { markers };
});
