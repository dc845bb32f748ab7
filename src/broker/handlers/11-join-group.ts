// JoinGroup: v0-9. Behaviour: Kafka's classic protocol; v4+ hands out member ids with
// MEMBER_ID_REQUIRED; static members (v5+) rejoin without a rebalance; v9 skipAssignment.
import { ErrorCode } from '../../protocol/errors.js';
import { JoinGroup } from '../../protocol/messages/index.js';
import type { JoinResult } from '../../group/group.js';
import { AclOp, allowedGroup } from '../authz.js';
import { defineHandler } from '../handler.js';

export const joinGroupHandler = defineHandler(JoinGroup, { min: 0, max: 9 }, async (ctx, req) => {
  const version = ctx.header.apiVersion;
  if (!allowedGroup(ctx, AclOp.READ, req.groupId)) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, generationId: -1, protocolType: null, protocolName: version >= 7 ? null : '', leader: '', skipAssignment: false, memberId: '', members: [] };
  }
  await ctx.groups.ensureStorage();
  const toResponse = (r: JoinResult) => ({
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    generationId: r.generationId,
    protocolType: r.protocolType,
    // Before v7 the protocol name is not nullable.
    protocolName: r.protocolName ?? (version >= 7 ? null : ''),
    leader: r.leader,
    skipAssignment: r.skipAssignment,
    memberId: r.memberId,
    members: r.members,
  });
  const result = ctx.groups.coordinator.join({
    groupId: req.groupId,
    memberId: req.memberId,
    groupInstanceId: req.groupInstanceId,
    sessionTimeoutMs: req.sessionTimeoutMs,
    // v0 had no rebalance timeout: the session timeout served for both.
    rebalanceTimeoutMs: version === 0 || req.rebalanceTimeoutMs < 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs,
    protocolType: req.protocolType,
    protocols: req.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
    clientId: ctx.header.clientId ?? '',
    clientHost: '/' + ctx.conn.remote.replace(/:\d+$/, ''),
    requireKnownMemberId: version >= 4,
    supportsSkipAssignment: version >= 9,
  });
  return result instanceof Promise ? result.then(toResponse) : toResponse(result);
});
