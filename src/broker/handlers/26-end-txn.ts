// EndTxn: v0-4 (v5 is KIP-890 part 2, an epoch bump per transaction, not served). Behaviour: the
// coordinator writes PrepareCommit/PrepareAbort (replicated to its ISR), the markers to every
// partition of the transaction (to each partition's leader) and CompleteCommit/CompleteAbort; it
// answers after the first round of markers, and retries those that failed in the background (the
// id answers CONCURRENT_TRANSACTIONS until they are written); a retry of a completed EndTxn is
// answered NONE, the other outcome INVALID_TXN_STATE. PRODUCER_FENCED is INVALID_PRODUCER_EPOCH
// for v0-1 clients.
import { ErrorCode } from '../../protocol/errors.js';
import { EndTxn } from '../../protocol/messages/index.js';
import { AclOp, allowedTxnId } from '../authz.js';
import { defineHandler } from '../handler.js';

export const endTxnHandler = defineHandler(EndTxn, { min: 0, max: 4 }, async (ctx, req) => {
  if (!allowedTxnId(ctx, AclOp.WRITE, req.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 };
  await ctx.txn.ensureStorage();
  let errorCode = await ctx.txn.coordinator.endTxn(req.transactionalId, req.producerId, req.producerEpoch, req.committed);
  if (errorCode === ErrorCode.PRODUCER_FENCED && ctx.header.apiVersion < 2) errorCode = ErrorCode.INVALID_PRODUCER_EPOCH;
  return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 };
});
