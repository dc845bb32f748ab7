/**
 * Transaction markers written to the partitions this broker leads (Kafka's
 * handleWriteTxnMarkersRequest): one control batch per partition through the partition's append
 * path with origin 'coordinator'. A marker on __consumer_offsets also completes the transaction's
 * offsets in the group coordinator. The local transaction coordinator and the WriteTxnMarkers
 * handler both write through here.
 */
import type { GroupCoordinator } from '../group/coordinator.js';
import { ErrorCode } from '../protocol/errors.js';
import { ControlType, buildControlBatch } from '../record/builder.js';
import type { TopicPartitions, TxnMarkerPort } from '../txn/transaction-coordinator.js';
import { log as rootLog } from '../util/log.js';
import type { PartitionsPort } from './handler.js';
import { OFFSETS_TOPIC } from './offsets-topic.js';

const logger = rootLog.child({ component: 'txn-markers' });

/** Writes one marker; Kafka's error code for the partition. */
export function writeMarker(partitions: PartitionsPort, groups: GroupCoordinator, producerId: number, producerEpoch: number, commit: boolean, coordinatorEpoch: number, topic: string, index: number): number {
  const p = partitions.partition(topic, index);
  if (!p) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  const batch = buildControlBatch({ type: commit ? ControlType.COMMIT : ControlType.ABORT, producerId, producerEpoch, coordinatorEpoch });
  const out = p.appendRecordsToLeader(batch, 'coordinator');
  if (!out.ok) return out.errorCode;
  if (topic === OFFSETS_TOPIC) groups.onTxnCompleted(producerId, index, commit);
  return ErrorCode.NONE;
}

/** The local coordinator's marker port: a partition that no longer exists or fences the marker is skipped, others are retried. */
export class LocalTxnMarkers implements TxnMarkerPort {
  constructor(
    private readonly partitions: PartitionsPort,
    private readonly groups: () => GroupCoordinator,
  ) {}

  writeMarkers(producerId: number, producerEpoch: number, commit: boolean, coordinatorEpoch: number, tps: readonly TopicPartitions[]): TopicPartitions[] {
    const retry: TopicPartitions[] = [];
    for (const tp of tps) {
      const failed: number[] = [];
      for (const index of tp.partitions) {
        const code = writeMarker(this.partitions, this.groups(), producerId, producerEpoch, commit, coordinatorEpoch, tp.topic, index);
        if (code === ErrorCode.NONE) continue;
        // Kafka drops markers for deleted partitions and for producers a newer epoch fenced.
        if (code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.TRANSACTION_COORDINATOR_FENCED) {
          logger.warn({ topic: tp.topic, partition: index, producerId, producerEpoch, errorCode: code }, 'transaction marker not written');
          continue;
        }
        failed.push(index);
      }
      if (failed.length > 0) retry.push({ topic: tp.topic, partitions: failed });
    }
    return retry;
  }
}
