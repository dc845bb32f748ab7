// FindCoordinator: v0-6. Behaviour: this broker coordinates every group (single node); v4+
// answers a batch of keys. Transaction coordinators (key type 1) are not offered yet.
import { ErrorCode } from '../../protocol/errors.js';
import { FindCoordinator } from '../../protocol/messages/index.js';
import type { BrokerInfo } from '../../cluster/metadata-image.js';
import { defineHandler } from '../handler.js';

const GROUP_KEY = 0;

function coordinatorFor(self: BrokerInfo, key: string, keyType: number) {
  const { id: nodeId, host, port } = self;
  if (keyType !== GROUP_KEY) {
    return { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'Transactions are not supported yet' };
  }
  if (key === '') return { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Group id must not be empty' };
  return { key, nodeId, host, port, errorCode: ErrorCode.NONE, errorMessage: null };
}

export const findCoordinatorHandler = defineHandler(FindCoordinator, { min: 0, max: 6 }, async (ctx, req) => {
  await ctx.groups.ensureStorage();
  if (ctx.header.apiVersion >= 4) {
    return {
      throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: -1, host: '', port: -1,
      coordinators: req.coordinatorKeys.map((k) => coordinatorFor(ctx.metadata.self, k, req.keyType)),
    };
  }
  const c = coordinatorFor(ctx.metadata.self, req.key, req.keyType);
  return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port, coordinators: [] };
});
