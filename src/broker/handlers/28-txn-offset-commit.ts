// TxnOffsetCommit: v0-4. Behaviour: offsets committed inside the producer's transaction, written
// to the group's __consumer_offsets partition as a transactional batch of the producer and kept
// pending until the transaction's marker: a commit makes them the group's offsets, an abort drops
// them. The partition must be in the transaction (AddOffsetsToTxn first: INVALID_TXN_STATE
// otherwise, KIP-890 part 1); the producer's id and epoch must be current (PRODUCER_FENCED,
// INVALID_PRODUCER_ID_MAPPING). In a cluster the transaction coordinator may be another broker:
// it is asked with AddPartitionsToTxn v4 verify_only (KIP-890 part 1, as Kafka 3.6+; a marker of
// the producer written while the answer was on its way makes it INVALID_TXN_STATE). Answered
// once the offsets' record is replicated (offsets.commit.timeout.ms; COORDINATOR_NOT_AVAILABLE
// after). v3+ (KIP-447): a member id and generation, when given, must be the group's
// (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID).
import { ErrorCode } from '../../protocol/errors.js';
import { TxnOffsetCommit } from '../../protocol/messages/index.js';
import { AclOp, allowedGroup, allowedTopic, allowedTxnId } from '../authz.js';
import { defineHandler } from '../handler.js';
import { CoordinatorAppendError, OFFSETS_TOPIC, awaitCoordinatorWrite } from '../offsets-topic.js';
import { verificationKey } from '../txn-verification.js';

/**
 * The answer of the coordinator's broker to verify_only, as this request reports it: the
 * producer's own errors as they are, a coordinator that cannot answer (moved, loading,
 * unreachable) COORDINATOR_NOT_AVAILABLE, retried by the client (Kafka's mapping).
 */
function remoteVerdict(code: number): number {
  switch (code) {
    case ErrorCode.NONE:
    case ErrorCode.INVALID_TXN_STATE:
    case ErrorCode.PRODUCER_FENCED:
    case ErrorCode.INVALID_PRODUCER_ID_MAPPING:
      return code;
    case ErrorCode.INVALID_PRODUCER_EPOCH:
      return ErrorCode.PRODUCER_FENCED;
    case ErrorCode.CONCURRENT_TRANSACTIONS:
      return ErrorCode.CONCURRENT_TRANSACTIONS;
    default:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
}

export const txnOffsetCommitHandler = defineHandler(TxnOffsetCommit, { min: 0, max: 4 }, async (ctx, req) => {
  const refuse = (errorCode: number) => ({ throttleTimeMs: 0, topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })) });
  if (!allowedTxnId(ctx, AclOp.WRITE, req.transactionalId)) return refuse(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  if (!allowedGroup(ctx, AclOp.READ, req.groupId)) return refuse(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  await ctx.groups.ensureStorage();
  await ctx.txn.ensureStorage();
  const groups = ctx.groups.coordinator;
  const image = ctx.metadata.image;
  let allowed = groups.txnCommitAllowed(req.groupId, req.memberId, req.generationId, req.groupInstanceId);
  const offsetsPartition = groups.partitionFor(req.groupId);
  const elsewhere = allowed === ErrorCode.NONE ? ctx.txn.verifyElsewhere(req.transactionalId, req.producerId, req.producerEpoch, [{ topic: OFFSETS_TOPIC, partitions: [offsetsPartition] }]) : null;
  if (elsewhere) {
    // As for a produce: a marker of the producer written meanwhile ended the transaction the
    // answer was about, and offsets stored after it would wait for the producer's next one.
    const state = ctx.partitions.partition(OFFSETS_TOPIC, offsetsPartition)?.producerState;
    const guard = state?.verificationGuard(req.producerId, ctx.clock.now());
    allowed = remoteVerdict((await elsewhere).get(verificationKey(OFFSETS_TOPIC, offsetsPartition)) ?? ErrorCode.UNKNOWN_SERVER_ERROR);
    if (allowed === ErrorCode.NONE && state && guard && !state.holdsVerificationGuard(req.producerId, guard)) allowed = ErrorCode.INVALID_TXN_STATE;
  } else if (allowed === ErrorCode.NONE) {
    allowed = ctx.txn.coordinator.checkOngoing(req.transactionalId, req.producerId, req.producerEpoch);
    if (allowed === ErrorCode.NONE && !ctx.txn.coordinator.verifyPartition(req.transactionalId, req.producerId, req.producerEpoch, OFFSETS_TOPIC, offsetsPartition)) {
      allowed = ErrorCode.INVALID_TXN_STATE;
    }
  }
  const maxMetadata = ctx.config.int('offset.metadata.max.bytes');
  const accepted: Array<{ topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string }> = [];
  const topics = req.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => {
      let errorCode: number = allowedTopic(ctx, AclOp.READ, t.name) ? allowed : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
      if (errorCode === ErrorCode.NONE) {
        if (p.partitionIndex < 0 || p.partitionIndex >= (image.topic(t.name)?.partitions.length ?? 0)) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (p.committedMetadata !== null && Buffer.byteLength(p.committedMetadata) > maxMetadata) errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        else accepted.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata ?? '' });
      }
      return { partitionIndex: p.partitionIndex, errorCode };
    }),
  }));
  if (accepted.length > 0) {
    let code: number = ErrorCode.NONE;
    try {
      groups.commitTxnOffsets(req.groupId, { producerId: req.producerId, producerEpoch: req.producerEpoch }, accepted);
    } catch (err) {
      code = err instanceof CoordinatorAppendError ? (err.tooLarge ? ErrorCode.INVALID_COMMIT_OFFSET_SIZE : err.errorCode === ErrorCode.INVALID_PRODUCER_EPOCH ? ErrorCode.PRODUCER_FENCED : ErrorCode.UNKNOWN_SERVER_ERROR) : ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    // Acknowledged once replicated: offsets lost with the group coordinator's broker would let
    // the transaction commit without them, and its inputs be processed again.
    if (code === ErrorCode.NONE) {
      code = await awaitCoordinatorWrite(ctx.partitions, ctx.delayed, offsetsPartition, ctx.config.int('offsets.commit.timeout.ms'), ctx.conn);
      // Kafka's mapping for a transactional commit that did not reach the ISR: retriable.
      if (code === ErrorCode.REQUEST_TIMED_OUT) code = ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    if (code !== ErrorCode.NONE) for (const t of topics) for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) p.errorCode = code;
  }
  return { throttleTimeMs: 0, topics };
});
