// FindCoordinator: v0-6. Behaviour: this broker coordinates every group (key type 0) and every
// transactional id (key type 1) on a single node; the internal topic behind the key type
// (__consumer_offsets, __transaction_state) is created on first use. v4+ answers a batch of keys.
// An empty key is INVALID_REQUEST, an unknown key type INVALID_REQUEST, as in Kafka.
import { ErrorCode } from '../../protocol/errors.js';
import { FindCoordinator } from '../../protocol/messages/index.js';
import type { BrokerInfo } from '../../cluster/metadata-image.js';
import { defineHandler } from '../handler.js';

const GROUP_KEY = 0;
const TRANSACTION_KEY = 1;

function coordinatorFor(self: BrokerInfo, key: string, keyType: number) {
  const { id: nodeId, host, port } = self;
  if (keyType !== GROUP_KEY && keyType !== TRANSACTION_KEY) {
    return { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown coordinator key type ${keyType}` };
  }
  if (key === '') return { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: keyType === GROUP_KEY ? 'Group id must not be empty' : 'Transactional id must not be empty' };
  return { key, nodeId, host, port, errorCode: ErrorCode.NONE, errorMessage: null };
}

export const findCoordinatorHandler = defineHandler(FindCoordinator, { min: 0, max: 6 }, async (ctx, req) => {
  if (req.keyType === TRANSACTION_KEY) {
    try {
      await ctx.txn.ensureStorage();
    } catch {
      const c = { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'The transaction state topic could not be created' };
      if (ctx.header.apiVersion >= 4) return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: -1, host: '', port: -1, coordinators: req.coordinatorKeys.map((key) => ({ key, nodeId: -1, host: '', port: -1, ...c })) };
      return { throttleTimeMs: 0, ...c, nodeId: -1, host: '', port: -1, coordinators: [] };
    }
  } else {
    await ctx.groups.ensureStorage();
  }
  if (ctx.header.apiVersion >= 4) {
    return {
      throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: -1, host: '', port: -1,
      coordinators: req.coordinatorKeys.map((k) => coordinatorFor(ctx.metadata.self, k, req.keyType)),
    };
  }
  const c = coordinatorFor(ctx.metadata.self, req.key, req.keyType);
  return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port, coordinators: [] };
});
