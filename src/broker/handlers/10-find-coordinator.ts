// FindCoordinator: v0-6. Behaviour: a group's coordinator (key type 0) is the leader of its
// partition of __consumer_offsets, a transactional id's (key type 1) the leader of its partition
// of __transaction_state (Utils.abs(id.hashCode) % partitions, as Kafka); the internal topic
// behind the key type is created on first use. COORDINATOR_NOT_AVAILABLE while that partition
// has no leader, or while this broker, its leader, is still loading it. v4+ answers a batch of
// keys. An empty key is INVALID_REQUEST, an unknown key type INVALID_REQUEST, as in Kafka.
import { ErrorCode } from '../../protocol/errors.js';
import { FindCoordinator } from '../../protocol/messages/index.js';
import { OFFSETS_TOPIC } from '../offsets-topic.js';
import { TRANSACTION_STATE_TOPIC } from '../../txn/transaction-log.js';
import { defineHandler, type RequestContext } from '../handler.js';
import { endpointOn } from '../../cluster/metadata-image.js';
import { AclOp, allowedGroup, allowedTxnId } from '../authz.js';

const GROUP_KEY = 0;
const TRANSACTION_KEY = 1;

function coordinatorFor(ctx: RequestContext, key: string, keyType: number, storage: string | null) {
  const none = { key, nodeId: -1, host: '', port: -1 };
  if (keyType !== GROUP_KEY && keyType !== TRANSACTION_KEY) return { ...none, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown coordinator key type ${keyType}` };
  if (keyType === GROUP_KEY && !allowedGroup(ctx, AclOp.DESCRIBE, key)) return { ...none, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null };
  if (keyType === TRANSACTION_KEY && !allowedTxnId(ctx, AclOp.DESCRIBE, key)) return { ...none, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, errorMessage: null };
  if (key === '') return { ...none, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: keyType === GROUP_KEY ? 'Group id must not be empty' : 'Transactional id must not be empty' };
  if (storage !== null) return { ...none, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: storage };
  if (keyType === TRANSACTION_KEY && !ctx.cluster) {
    const self = ctx.metadata.self;
    return { key, nodeId: self.id, ...endpointOn(self, ctx.conn.session.listener.name), errorCode: ErrorCode.NONE, errorMessage: null };
  }
  const image = ctx.metadata.image;
  const partition = keyType === TRANSACTION_KEY
    ? image.topic(TRANSACTION_STATE_TOPIC)?.partitions[ctx.txn.coordinator.partitionFor(key)]
    : image.topic(OFFSETS_TOPIC)?.partitions[ctx.groups.coordinator.partitionFor(key)];
  const leader = partition && partition.leader >= 0 ? image.broker(partition.leader) : undefined;
  if (!leader) return { ...none, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'The coordinator is not available.' };
  if (keyType === TRANSACTION_KEY && leader.id === ctx.metadata.nodeId && ctx.txn.coordinator.coordinatorError(key) === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
    return { ...none, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'The coordinator is loading its transactions.' };
  }
  return { key, nodeId: leader.id, ...endpointOn(leader, ctx.conn.session.listener.name), errorCode: ErrorCode.NONE, errorMessage: null };
}

export const findCoordinatorHandler = defineHandler(FindCoordinator, { min: 0, max: 6 }, async (ctx, req) => {
  // Kafka answers COORDINATOR_NOT_AVAILABLE while the internal topic cannot be created (fewer
  // live brokers than its replication factor); clients retry.
  const keys = ctx.header.apiVersion >= 4 ? req.coordinatorKeys : [req.key];
  const anyAllowed = keys.some((k) => (req.keyType === GROUP_KEY ? allowedGroup(ctx, AclOp.DESCRIBE, k) : allowedTxnId(ctx, AclOp.DESCRIBE, k)));
  // Nothing is created for a principal that may not use what it would be created for.
  const ensure = !anyAllowed ? Promise.resolve() : req.keyType === TRANSACTION_KEY ? ctx.txn.ensureStorage() : req.keyType === GROUP_KEY ? ctx.groups.ensureStorage() : Promise.resolve();
  const what = req.keyType === TRANSACTION_KEY ? 'The transaction state topic could not be created' : null;
  const storage = await ensure.then(() => null, (err: unknown) => what ?? (err as Error).message);
  if (ctx.header.apiVersion >= 4) {
    return {
      throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: -1, host: '', port: -1,
      coordinators: req.coordinatorKeys.map((k) => coordinatorFor(ctx, k, req.keyType, storage)),
    };
  }
  const c = coordinatorFor(ctx, req.key, req.keyType, storage);
  return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port, coordinators: [] };
});
