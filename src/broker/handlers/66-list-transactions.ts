// ListTransactions: v0-1 (kafka-transactions.sh list, Admin.listTransactions). Behaviour: every
// transactional id, filtered by state names and producer ids, and (v1, KIP-994) by having started
// more than duration_filter ms ago; state names this broker does not know are echoed in
// unknown_state_filters, as Kafka does.
import { ErrorCode } from '../../protocol/errors.js';
import { ListTransactions } from '../../protocol/messages/index.js';
import { TXN_STATE_NAMES } from '../../txn/transaction-coordinator.js';
import { AclOp, allowedTxnId } from '../authz.js';
import { defineHandler } from '../handler.js';

export const listTransactionsHandler = defineHandler(ListTransactions, { min: 0, max: 1 }, (ctx, req) => ({
  throttleTimeMs: 0,
  errorCode: ErrorCode.NONE,
  unknownStateFilters: req.stateFilters.filter((s) => !TXN_STATE_NAMES.includes(s)),
  // Only the transactional ids the principal may describe are listed.
  transactionStates: ctx.txn.coordinator.list(req.stateFilters, req.producerIdFilters, ctx.header.apiVersion >= 1 ? req.durationFilter : -1).filter((t) => allowedTxnId(ctx, AclOp.DESCRIBE, t.transactionalId)),
}));
