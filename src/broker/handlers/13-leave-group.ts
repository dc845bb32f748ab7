// LeaveGroup: v0-5. Behaviour: one member (v0-2) or a batch by member or instance id (v3+).
import { ErrorCode } from '../../protocol/errors.js';
import { LeaveGroup } from '../../protocol/messages/index.js';
import { AclOp, allowedGroup } from '../authz.js';
import { defineHandler } from '../handler.js';

export const leaveGroupHandler = defineHandler(LeaveGroup, { min: 0, max: 5 }, async (ctx, req) => {
  if (!allowedGroup(ctx, AclOp.READ, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
  await ctx.groups.ensureStorage();
  const groups = ctx.groups.coordinator;
  if (ctx.header.apiVersion < 3) {
    return { throttleTimeMs: 0, errorCode: groups.leave(req.groupId, req.memberId, null), members: [] };
  }
  if (req.groupId === '') return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
  if (!groups.group(req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_MEMBER_ID, members: [] };
  const members = req.members.map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    errorCode: groups.leave(req.groupId, m.memberId, m.groupInstanceId),
  }));
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, members };
});
