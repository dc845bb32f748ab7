// DeleteGroups: v0-2. Behaviour: only groups without members (NON_EMPTY_GROUP otherwise);
// offsets and metadata are tombstoned in __consumer_offsets.
import { DeleteGroups } from '../../protocol/messages/index.js';
import { ErrorCode } from '../../protocol/errors.js';
import { AclOp, allowedGroup } from '../authz.js';
import { defineHandler } from '../handler.js';

export const deleteGroupsHandler = defineHandler(DeleteGroups, { min: 0, max: 2 }, async (ctx, req) => {
  const allowed = req.groupsNames.map((g) => allowedGroup(ctx, AclOp.DELETE, g));
  if (allowed.some(Boolean)) await ctx.groups.ensureStorage();
  return {
    throttleTimeMs: 0,
    results: req.groupsNames.map((groupId, i) => ({ groupId, errorCode: allowed[i] ? ctx.groups.coordinator.deleteGroup(groupId) : ErrorCode.GROUP_AUTHORIZATION_FAILED })),
  };
});
