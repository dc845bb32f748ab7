// AlterConfigs: v0-2. Behaviour: a topic's dynamic configs are replaced as a whole by the ones
// given (unmentioned ones return to their defaults), checked (INVALID_CONFIG names the problem),
// persisted and applied to the live logs; validateOnly checks without changing anything. Broker
// resources (this broker's id, or '' for the cluster-wide default) likewise: the given dynamic
// broker configs replace the entity's whole set; settings Kafka cannot change at runtime are
// refused with INVALID_REQUEST "Cannot update these configs dynamically".
import { AlterConfigs } from '../../protocol/messages/index.js';
import { alterResources } from '../config-alter.js';
import { defineHandler } from '../handler.js';

export const alterConfigsHandler = defineHandler(AlterConfigs, { min: 0, max: 2 }, async (ctx, req) => {
  const outcomes = await alterResources(ctx, req.resources.map((r) => ({
    resourceType: r.resourceType,
    resourceName: r.resourceName,
    names: r.configs.map((c) => c.name),
    compute: () => {
      const next: Record<string, string> = {};
      for (const c of r.configs) if (c.value !== null) next[c.name] = c.value;
      return next;
    },
  })), req.validateOnly);
  return {
    throttleTimeMs: 0,
    responses: req.resources.map((r, i) => ({ errorCode: outcomes[i]!.errorCode, errorMessage: outcomes[i]!.errorMessage, resourceType: r.resourceType, resourceName: r.resourceName })),
  };
});
