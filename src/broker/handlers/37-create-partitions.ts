// CreatePartitions: v0-3. Behaviour: grows topics to `count` partitions, with explicit replica
// assignments for the new ones or the broker's placement; INVALID_PARTITIONS when the count does
// not increase; validateOnly checks without changing anything; a topic named twice is refused.
import { ErrorCode } from '../../protocol/errors.js';
import { CreatePartitions } from '../../protocol/messages/index.js';
import { AclOp, allowedTopic } from '../authz.js';
import { defineHandler } from '../handler.js';

export const createPartitionsHandler = defineHandler(CreatePartitions, { min: 0, max: 3 }, async (ctx, req) => {
  const seen = new Map<string, number>();
  for (const t of req.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
  const denied = new Set(req.topics.map((t) => t.name).filter((n) => !allowedTopic(ctx, AclOp.ALTER, n)));
  const unique = req.topics.filter((t) => seen.get(t.name) === 1 && !denied.has(t.name));
  const results = await ctx.admin.createPartitions(unique.map((t) => ({ name: t.name, count: t.count, assignments: t.assignments ? t.assignments.map((a) => a.brokerIds) : null })), req.validateOnly);
  const byName = new Map(unique.map((t, i) => [t.name, results[i]!]));
  return {
    throttleTimeMs: 0,
    results: req.topics.map((t) => {
      if (denied.has(t.name)) return { name: t.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.' };
      const out = byName.get(t.name);
      if (!out) return { name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Duplicate topic in request: ${t.name}` };
      return { name: t.name, errorCode: out.errorCode, errorMessage: out.message };
    }),
  };
});
