// WriteTxnMarkers: v0-1, from a transaction coordinator to partition leaders. Behaviour: one
// marker (a control batch) per partition through the partition's append path with origin
// 'coordinator'; per-partition errors as Kafka: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER,
// INVALID_PRODUCER_EPOCH for a marker older than the producer's epoch, TRANSACTION_COORDINATOR_FENCED
// for an older coordinator. A marker on __consumer_offsets completes the transaction's offsets.
// On a single node the local coordinator writes its markers directly, not through this API.
import { WriteTxnMarkers } from '../../protocol/messages/index.js';
import { ErrorCode } from '../../protocol/errors.js';
import { AclOp, allowedCluster } from '../authz.js';
import { defineHandler } from '../handler.js';
import { writeMarker } from '../txn-markers.js';

export const writeTxnMarkersHandler = defineHandler(WriteTxnMarkers, { min: 0, max: 1 }, (ctx, req) => {
  // Markers come from transaction coordinators: CLUSTER_ACTION, else every partition is refused.
  const denied = !allowedCluster(ctx, AclOp.CLUSTER_ACTION);
  return {
  markers: req.markers.map((m) => ({
    producerId: m.producerId,
    topics: m.topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((index) => ({
        partitionIndex: index,
        errorCode: denied ? ErrorCode.CLUSTER_AUTHORIZATION_FAILED : writeMarker(ctx.partitions, ctx.groups.coordinator, m.producerId, m.producerEpoch, m.transactionResult, m.coordinatorEpoch, t.name, index),
      })),
    })),
  })),
  };
});
