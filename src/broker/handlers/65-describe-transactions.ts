// DescribeTransactions: v0 (kafka-transactions.sh describe, Admin.describeTransactions). Behaviour:
// each transactional id's state, timeout, start time, producer id and epoch and its partitions;
// TRANSACTIONAL_ID_NOT_FOUND for an id the coordinator does not know.
import { DescribeTransactions } from '../../protocol/messages/index.js';
import { defineHandler } from '../handler.js';

export const describeTransactionsHandler = defineHandler(DescribeTransactions, { min: 0, max: 0 }, (ctx, req) => ({
  throttleTimeMs: 0,
  transactionStates: req.transactionalIds.map((id) => ctx.txn.coordinator.describe(id)),
}));
