// DescribeTransactions: v0 (kafka-transactions.sh describe, Admin.describeTransactions). Behaviour:
// each transactional id's state, timeout, start time, producer id and epoch and its partitions;
// TRANSACTIONAL_ID_NOT_FOUND for an id the coordinator does not know; in a cluster NOT_COORDINATOR
// for an id another broker coordinates (ListTransactions lists this broker's ids, as Kafka's).
import { DescribeTransactions } from '../../protocol/messages/index.js';
import { ErrorCode } from '../../protocol/errors.js';
import { AclOp, allowedTopic, allowedTxnId } from '../authz.js';
import { defineHandler } from '../handler.js';

export const describeTransactionsHandler = defineHandler(DescribeTransactions, { min: 0, max: 0 }, (ctx, req) => ({
  throttleTimeMs: 0,
  transactionStates: req.transactionalIds.map((id) => {
    if (!allowedTxnId(ctx, AclOp.DESCRIBE, id)) {
      return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, transactionalId: id, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] };
    }
    const d = ctx.txn.coordinator.describe(id);
    // Partitions of topics the principal may not describe are left out (Kafka's rule).
    return { ...d, topics: d.topics.filter((t) => allowedTopic(ctx, AclOp.DESCRIBE, t.topic)) };
  }),
}));
