// DeleteGroups: v0-2. Behaviour: only groups without members (NON_EMPTY_GROUP otherwise);
// offsets and metadata are tombstoned in __consumer_offsets.
import { DeleteGroups } from '../../protocol/messages/index.js';
import { defineHandler } from '../handler.js';

export const deleteGroupsHandler = defineHandler(DeleteGroups, { min: 0, max: 2 }, async (ctx, req) => {
  await ctx.groups.ensureStorage();
  return {
    throttleTimeMs: 0,
    results: req.groupsNames.map((groupId) => ({ groupId, errorCode: ctx.groups.coordinator.deleteGroup(groupId) })),
  };
});
