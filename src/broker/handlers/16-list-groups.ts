// ListGroups: v0-5. Behaviour: every group with its protocol type; v4+ filters by state
// (case-insensitive), v5+ by type (all groups here are "classic").
import { ListGroups } from '../../protocol/messages/index.js';
import { AclOp, allowedCluster, allowedGroup } from '../authz.js';
import { defineHandler } from '../handler.js';

export const listGroupsHandler = defineHandler(ListGroups, { min: 0, max: 5 }, (ctx, req) => {
  const states = new Set(req.statesFilter.map((s) => s.toLowerCase()));
  const types = new Set(req.typesFilter.map((s) => s.toLowerCase()));
  const clusterWide = allowedCluster(ctx, AclOp.DESCRIBE);
  const groups = [...ctx.groups.coordinator.groups.values()]
    // DESCRIBE on the cluster lists every group, else those the principal may describe (Kafka's rule).
    .filter((g) => clusterWide || allowedGroup(ctx, AclOp.DESCRIBE, g.groupId))
    .filter((g) => (states.size === 0 || states.has(g.state.toLowerCase())) && (types.size === 0 || types.has('classic')))
    .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state, groupType: 'classic' }));
  return { throttleTimeMs: 0, errorCode: 0, groups };
});
