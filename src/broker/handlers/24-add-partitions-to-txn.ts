// AddPartitionsToTxn: v0-5. Behaviour: the transaction coordinator adds the partitions to the
// producer's transaction (starting it), all or nothing: a partition of an unknown topic is
// UNKNOWN_TOPIC_OR_PARTITION and every other one OPERATION_NOT_ATTEMPTED, as in Kafka. v4+ carry
// several transactions (the batched form brokers send); with verify_only a transaction is only
// checked, partition by partition (KIP-890 part 1: INVALID_TXN_STATE for one not in it; partition
// leaders of other brokers send these). In a cluster an id this broker does not coordinate is
// NOT_COORDINATOR, one whose partition is still loading COORDINATOR_LOAD_IN_PROGRESS, one with a
// state write in flight CONCURRENT_TRANSACTIONS.
// PRODUCER_FENCED is INVALID_PRODUCER_EPOCH for v0-1 clients.
import { ErrorCode } from '../../protocol/errors.js';
import { AddPartitionsToTxn } from '../../protocol/messages/index.js';
import type { ResponseOf } from '../../protocol/schema.js';
import type { TopicPartitions } from '../../txn/transaction-coordinator.js';
import { AclOp, allowedCluster, allowedTopic, allowedTxnId } from '../authz.js';
import { defineHandler, type RequestContext } from '../handler.js';

type TopicResult = ResponseOf<typeof AddPartitionsToTxn>['resultsByTopicV3AndBelow'][number];

function everyPartition(topics: ReadonlyArray<{ name: string; partitions: number[] }>, code: (topic: string, p: number) => number): TopicResult[] {
  return topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: code(t.name, p) })) }));
}

async function addOne(ctx: RequestContext, transactionalId: string, producerId: number, producerEpoch: number, topics: ReadonlyArray<{ name: string; partitions: number[] }>, verifyOnly: boolean): Promise<TopicResult[]> {
  // WRITE on the transactional id, then on each topic; the other partitions are not attempted.
  if (!verifyOnly && !allowedTxnId(ctx, AclOp.WRITE, transactionalId)) return everyPartition(topics, () => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const denied = new Set(topics.map((t) => t.name).filter((n) => !allowedTopic(ctx, AclOp.WRITE, n)));
  if (!verifyOnly && denied.size > 0) return everyPartition(topics, (t) => (denied.has(t) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : ErrorCode.OPERATION_NOT_ATTEMPTED));
  const coordinator = ctx.txn.coordinator;
  const tps: TopicPartitions[] = topics.map((t) => ({ topic: t.name, partitions: t.partitions }));
  if (verifyOnly) {
    const codes = new Map(coordinator.verifyPartitions(transactionalId, producerId, producerEpoch, tps).map((r) => [`${r.topic}\u0000${r.partition}`, r.errorCode]));
    return everyPartition(topics, (t, p) => codes.get(`${t}\u0000${p}`) ?? ErrorCode.INVALID_TXN_STATE);
  }
  const image = ctx.metadata.image;
  const unknown = (t: string, p: number) => p < 0 || p >= (image.topic(t)?.partitions.length ?? 0);
  if (topics.some((t) => t.partitions.some((p) => unknown(t.name, p)))) {
    return everyPartition(topics, (t, p) => (unknown(t, p) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED));
  }
  let code = await coordinator.addPartitions(transactionalId, producerId, producerEpoch, tps);
  if (code === ErrorCode.PRODUCER_FENCED && ctx.header.apiVersion < 2) code = ErrorCode.INVALID_PRODUCER_EPOCH;
  return everyPartition(topics, () => code);
}

export const addPartitionsToTxnHandler = defineHandler(AddPartitionsToTxn, { min: 0, max: 5 }, async (ctx, req) => {
  if (ctx.header.apiVersion >= 4) {
    // v4+ batches come from brokers verifying transactions: CLUSTER_ACTION (Kafka's rule).
    if (!allowedCluster(ctx, AclOp.CLUSTER_ACTION)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, resultsByTransaction: [], resultsByTopicV3AndBelow: [] };
    await ctx.txn.ensureStorage();
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      resultsByTransaction: await Promise.all(req.transactions.map(async (t) => ({
        transactionalId: t.transactionalId,
        topicResults: await addOne(ctx, t.transactionalId, t.producerId, t.producerEpoch, t.topics, t.verifyOnly),
      }))),
      resultsByTopicV3AndBelow: [],
    };
  }
  if (!allowedTxnId(ctx, AclOp.WRITE, req.v3AndBelowTransactionalId)) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction: [], resultsByTopicV3AndBelow: everyPartition(req.v3AndBelowTopics, () => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) };
  }
  await ctx.txn.ensureStorage();
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    resultsByTransaction: [],
    resultsByTopicV3AndBelow: await addOne(ctx, req.v3AndBelowTransactionalId, req.v3AndBelowProducerId, req.v3AndBelowProducerEpoch, req.v3AndBelowTopics, false),
  };
});
