// InitProducerId: v0-5, for idempotent producers (no transactional id) and transactional ones.
// Behaviour:
// - Every request without a transactional id gets a new producer id with epoch 0, as Kafka's
//   TransactionCoordinator answers a null transactional id ("always blindly accept the request
//   and return a new producerId"), also when v3+ names the producer's current id and epoch:
//   idempotent producers bump their epoch themselves (KIP-360, the Java client and librdkafka
//   both do), and without a transactional id there is no owner to check a bump against.
// - Ids come from blocks of 1000 the controller persists before any id of them is used, so
//   neither a restart nor another broker ever hands out an id twice. A block that cannot be
//   reserved answers COORDINATOR_LOAD_IN_PROGRESS, the retriable code Kafka's producer id
//   manager answers when it has no block; clients retry.
// - v3+: a producer id without an epoch, or an epoch without an id, is INVALID_REQUEST (Kafka's
//   KafkaApis check).
// - With a transactional id the transaction coordinator answers (its __transaction_state is
//   created first): the id keeps its producer id and gets the next epoch, which fences older
//   producers of the same id (an ongoing transaction of theirs is aborted first). v0-3 clients
//   get INVALID_PRODUCER_EPOCH where Kafka 2.7+ answers PRODUCER_FENCED (KafkaApis' mapping).
//   An empty transactional id is INVALID_REQUEST; a timeout above transaction.max.timeout.ms is
//   INVALID_TRANSACTION_TIMEOUT.
import { ErrorCode } from '../../protocol/errors.js';
import { InitProducerId } from '../../protocol/messages/index.js';
import type { ResponseOf } from '../../protocol/schema.js';
import { log as rootLog } from '../../util/log.js';
import { AclOp, AclResourceType, allowedByResourceType, allowedCluster, allowedTxnId } from '../authz.js';
import { defineHandler } from '../handler.js';

type InitProducerIdResponse = ResponseOf<typeof InitProducerId>;

const NO_PRODUCER_ID = -1;
const NO_PRODUCER_EPOCH = -1;

const logger = rootLog.child({ component: 'init-producer-id' });

const refused = (errorCode: number): InitProducerIdResponse => ({ throttleTimeMs: 0, errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });

export const initProducerIdHandler = defineHandler(
  InitProducerId,
  { min: 0, max: 5 },
  async (ctx, req): Promise<InitProducerIdResponse> => {
    if (req.transactionalId === '') return refused(ErrorCode.INVALID_REQUEST);
    // A transactional producer needs WRITE on its transactional id; an idempotent one
    // IDEMPOTENT_WRITE on the cluster or WRITE on some topic (Kafka 3.x).
    if (req.transactionalId !== null && !allowedTxnId(ctx, AclOp.WRITE, req.transactionalId)) return refused(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    if (req.transactionalId === null && !allowedCluster(ctx, AclOp.IDEMPOTENT_WRITE) && !allowedByResourceType(ctx, AclOp.WRITE, AclResourceType.TOPIC)) return refused(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    if (ctx.header.apiVersion >= 3 && (req.producerId === NO_PRODUCER_ID) !== (req.producerEpoch === NO_PRODUCER_EPOCH)) {
      return refused(ErrorCode.INVALID_REQUEST);
    }
    if (req.transactionalId !== null) {
      try {
        await ctx.txn.ensureStorage();
      } catch {
        return refused(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
      const expected = ctx.header.apiVersion >= 3 && req.producerId !== NO_PRODUCER_ID ? { producerId: req.producerId, producerEpoch: req.producerEpoch } : null;
      const out = await ctx.txn.coordinator.initProducerId(req.transactionalId, req.transactionTimeoutMs, expected);
      const errorCode = out.errorCode === ErrorCode.PRODUCER_FENCED && ctx.header.apiVersion < 4 ? ErrorCode.INVALID_PRODUCER_EPOCH : out.errorCode;
      return { throttleTimeMs: 0, errorCode, producerId: out.producerId, producerEpoch: out.producerEpoch };
    }
    let producerId: number;
    try {
      producerId = await ctx.producerIds.generateProducerId();
    } catch (err) {
      logger.warn({ err }, 'no producer id block could be reserved');
      return refused(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
  },
  (_ctx, _req, errorCode) => refused(errorCode),
);
