// DescribeGroups: v0-5. Behaviour: state, protocol and members with their metadata and
// assignments; an unknown group is described as Dead, as Kafka does before v6. v3+: the
// group's authorized operations when asked for.
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeGroups } from '../../protocol/messages/index.js';
import { AclOp, allowedGroup } from '../authz.js';
import { defineHandler } from '../handler.js';
import { authorizedOperations } from '../authorized-operations.js';

export const describeGroupsHandler = defineHandler(DescribeGroups, { min: 0, max: 5 }, (ctx, req) => {
  const withOps = ctx.header.apiVersion >= 3 && req.includeAuthorizedOperations;
  return {
    throttleTimeMs: 0,
    groups: req.groups.map((groupId) => {
      const ops = authorizedOperations('group', withOps, (op) => allowedGroup(ctx, op, groupId));
      const empty = { protocolType: '', protocolData: '', members: [], authorizedOperations: ops };
      if (!allowedGroup(ctx, AclOp.DESCRIBE, groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupId, groupState: '', ...empty, authorizedOperations: authorizedOperations('group', false) };
      if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, groupId, groupState: '', ...empty };
      if (!ctx.groups.coordinator.isCoordinatorFor(groupId)) return { errorCode: ErrorCode.NOT_COORDINATOR, groupId, groupState: '', ...empty };
      const g = ctx.groups.coordinator.group(groupId);
      if (!g) return { errorCode: ErrorCode.NONE, groupId, groupState: 'Dead', ...empty };
      const stable = g.state === 'Stable';
      return {
        errorCode: ErrorCode.NONE,
        groupId,
        groupState: g.state,
        protocolType: g.protocolType ?? '',
        protocolData: stable ? (g.protocolName ?? '') : '',
        members: [...g.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: stable ? g.metadataFor(m) : Buffer.alloc(0),
          memberAssignment: stable ? m.assignment : Buffer.alloc(0),
        })),
        authorizedOperations: ops,
      };
    }),
  };
});
