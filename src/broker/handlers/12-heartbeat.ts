// Heartbeat: v0-4. Behaviour: keeps the member's session; REBALANCE_IN_PROGRESS tells it to rejoin.
import { Heartbeat } from '../../protocol/messages/index.js';
import { defineHandler } from '../handler.js';

export const heartbeatHandler = defineHandler(Heartbeat, { min: 0, max: 4 }, (ctx, req) => ({
  throttleTimeMs: 0,
  errorCode: ctx.groups.coordinator.heartbeat(req),
}));
