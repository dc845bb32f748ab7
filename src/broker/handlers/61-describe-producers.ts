// DescribeProducers: v0, for operators (kafka-transactions.sh describe-producers, the Admin
// client's describeProducers, `samsa topic describe-producers`). Behaviour: each requested
// partition this broker holds a replica of lists its active producers — id, epoch, last sequence,
// timestamp of the last batch — as Kafka's ReplicaManager.activeProducerState does, on leaders
// and followers alike. An invalid topic name is INVALID_TOPIC_EXCEPTION, an unknown topic or
// partition UNKNOWN_TOPIC_OR_PARTITION (with Kafka's message), a partition hosted elsewhere
// NOT_LEADER_OR_FOLLOWER. currentTxnStartOffset is the first offset of the producer's open transaction on
// the partition, -1 when none.
import { topicNameProblem } from '../../cluster/topic-names.js';
import { ErrorCode, errorInfo } from '../../protocol/errors.js';
import { DescribeProducers } from '../../protocol/messages/index.js';
import type { ResponseOf } from '../../protocol/schema.js';
import { AclOp, allowedTopic } from '../authz.js';
import { defineHandler } from '../handler.js';

type PartitionResponse = ResponseOf<typeof DescribeProducers>['topics'][number]['partitions'][number];

const failed = (partitionIndex: number, errorCode: number, errorMessage: string | null = null): PartitionResponse => ({ partitionIndex, errorCode, errorMessage, activeProducers: [] });

export const describeProducersHandler = defineHandler(DescribeProducers, { min: 0, max: 0 }, (ctx, req) => ({
  throttleTimeMs: 0,
  topics: req.topics.map((t) => {
    const invalid = topicNameProblem(t.name);
    const known = invalid === null ? ctx.metadata.image.topic(t.name) : undefined;
    return {
      name: t.name,
      partitions: t.partitionIndexes.map((index): PartitionResponse => {
        if (invalid !== null) return failed(index, ErrorCode.INVALID_TOPIC_EXCEPTION, invalid);
        if (!allowedTopic(ctx, AclOp.READ, t.name)) return failed(index, ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorInfo(ErrorCode.TOPIC_AUTHORIZATION_FAILED).message);
        if (!known) return failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorInfo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).message);
        const p = ctx.partitions.partition(t.name, index);
        if (!p) return failed(index, index >= 0 && index < known.partitions.length ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        return {
          partitionIndex: index,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          activeProducers: [...p.producerState.activeProducers()].map((e) => ({
            producerId: e.producerId,
            producerEpoch: e.epoch,
            lastSequence: e.lastSeq,
            lastTimestamp: e.lastTimestamp,
            coordinatorEpoch: e.coordinatorEpoch,
            currentTxnStartOffset: e.currentTxnFirstOffset,
          })),
        };
      }),
    };
  }),
}));
