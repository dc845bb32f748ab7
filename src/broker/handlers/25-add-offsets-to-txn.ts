// AddOffsetsToTxn: v0-4. Behaviour: adds the group's __consumer_offsets partition to the
// producer's transaction, so the offsets TxnOffsetCommit writes there get the transaction's
// marker. PRODUCER_FENCED is INVALID_PRODUCER_EPOCH for v0-1 clients.
import { ErrorCode } from '../../protocol/errors.js';
import { AddOffsetsToTxn } from '../../protocol/messages/index.js';
import { AclOp, allowedGroup, allowedTxnId } from '../authz.js';
import { defineHandler } from '../handler.js';
import { OFFSETS_TOPIC } from '../offsets-topic.js';

export const addOffsetsToTxnHandler = defineHandler(AddOffsetsToTxn, { min: 0, max: 4 }, async (ctx, req) => {
  if (!allowedTxnId(ctx, AclOp.WRITE, req.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
  if (!allowedGroup(ctx, AclOp.READ, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
  if (req.groupId === '') return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID };
  await ctx.groups.ensureStorage();
  await ctx.txn.ensureStorage();
  const partition = ctx.groups.coordinator.partitionFor(req.groupId);
  let errorCode = await ctx.txn.coordinator.addPartitions(req.transactionalId, req.producerId, req.producerEpoch, [{ topic: OFFSETS_TOPIC, partitions: [partition] }]);
  if (errorCode === ErrorCode.PRODUCER_FENCED && ctx.header.apiVersion < 2) errorCode = ErrorCode.INVALID_PRODUCER_EPOCH;
  return { throttleTimeMs: 0, errorCode };
});
