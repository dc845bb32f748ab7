// FindCoordinator: v0-6. Behaviour: a group's coordinator is the leader of its partition of
// __consumer_offsets (created on first use; every partition is this broker's on a single node);
// v4+ answers a batch of keys. Transaction coordinators (key type 1) are not offered yet.
import { ErrorCode } from '../../protocol/errors.js';
import { FindCoordinator } from '../../protocol/messages/index.js';
import { OFFSETS_TOPIC } from '../offsets-topic.js';
import { defineHandler, type RequestContext } from '../handler.js';

const GROUP_KEY = 0;

function coordinatorFor(ctx: RequestContext, key: string, keyType: number, storage: string | null) {
  const none = { key, nodeId: -1, host: '', port: -1 };
  if (keyType !== GROUP_KEY) return { ...none, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'Transactions are not supported yet' };
  if (key === '') return { ...none, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Group id must not be empty' };
  if (storage !== null) return { ...none, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: storage };
  const image = ctx.metadata.image;
  const partition = image.topic(OFFSETS_TOPIC)?.partitions[ctx.groups.coordinator.partitionFor(key)];
  const leader = partition && partition.leader >= 0 ? image.broker(partition.leader) : undefined;
  if (!leader) return { ...none, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'The coordinator is not available.' };
  return { key, nodeId: leader.id, host: leader.host, port: leader.port, errorCode: ErrorCode.NONE, errorMessage: null };
}

export const findCoordinatorHandler = defineHandler(FindCoordinator, { min: 0, max: 6 }, async (ctx, req) => {
  // Kafka answers COORDINATOR_NOT_AVAILABLE while __consumer_offsets cannot be created (fewer
  // live brokers than offsets.topic.replication.factor); clients retry.
  const storage = await ctx.groups.ensureStorage().then(() => null, (err: unknown) => (err as Error).message);
  if (ctx.header.apiVersion >= 4) {
    return {
      throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: -1, host: '', port: -1,
      coordinators: req.coordinatorKeys.map((k) => coordinatorFor(ctx, k, req.keyType, storage)),
    };
  }
  const c = coordinatorFor(ctx, req.key, req.keyType, storage);
  return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port, coordinators: [] };
});
