// DescribeGroups: v0-5. Behaviour: state, protocol and members with their metadata and
// assignments; an unknown group is described as Dead, as Kafka does before v6.
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeGroups } from '../../protocol/messages/index.js';
import { defineHandler } from '../handler.js';

export const describeGroupsHandler = defineHandler(DescribeGroups, { min: 0, max: 5 }, (ctx, req) => ({
  throttleTimeMs: 0,
  groups: req.groups.map((groupId) => {
    const g = ctx.broker.groups.group(groupId);
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: -2147483648 };
    if (!g) return { errorCode: ErrorCode.NONE, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [], authorizedOperations: -2147483648 };
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
      authorizedOperations: -2147483648,
    };
  }),
}));
