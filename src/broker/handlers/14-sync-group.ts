// SyncGroup: v0-5. Behaviour: the leader's assignments are relayed as opaque bytes; members
// wait until the leader's sync arrives.
import { ErrorCode } from '../../protocol/errors.js';
import type { SyncResult } from '../../group/group.js';
import { SyncGroup } from '../../protocol/messages/index.js';
import { AclOp, allowedGroup } from '../authz.js';
import { defineHandler } from '../handler.js';

export const syncGroupHandler = defineHandler(SyncGroup, { min: 0, max: 5 }, async (ctx, req) => {
  if (!allowedGroup(ctx, AclOp.READ, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
  await ctx.groups.ensureStorage();
  const toResponse = (r: SyncResult) => ({ throttleTimeMs: 0, ...r });
  const result = ctx.groups.coordinator.sync({
    groupId: req.groupId,
    memberId: req.memberId,
    generationId: req.generationId,
    groupInstanceId: req.groupInstanceId,
    protocolType: req.protocolType,
    protocolName: req.protocolName,
    assignments: req.assignments,
  });
  return result instanceof Promise ? result.then(toResponse) : toResponse(result);
});
