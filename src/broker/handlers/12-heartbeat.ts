// Heartbeat: v0-4. Behaviour: keeps the member's session; REBALANCE_IN_PROGRESS tells it to rejoin.
import { ErrorCode } from '../../protocol/errors.js';
import { Heartbeat } from '../../protocol/messages/index.js';
import { AclOp, allowedGroup } from '../authz.js';
import { defineHandler } from '../handler.js';

export const heartbeatHandler = defineHandler(Heartbeat, { min: 0, max: 4 }, (ctx, req) => ({
  throttleTimeMs: 0,
  errorCode: allowedGroup(ctx, AclOp.READ, req.groupId) ? ctx.groups.coordinator.heartbeat(req) : ErrorCode.GROUP_AUTHORIZATION_FAILED,
}));
