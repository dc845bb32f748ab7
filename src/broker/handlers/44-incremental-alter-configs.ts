// IncrementalAlterConfigs: v0-1. Behaviour: per entry SET (0), DELETE (1, back to the default),
// APPEND (2) and SUBTRACT (3) for list configs (cleanup.policy), starting from the effective
// value; the result is checked as a whole (INVALID_CONFIG), persisted and applied live unless
// validateOnly. APPEND/SUBTRACT on a non-list config and unknown operations are INVALID_REQUEST,
// as in Kafka. Broker resources (this broker's id, or '' for the cluster-wide default): the same
// operations on the entity's dynamic configs, starting from the stored value or the built-in
// default; the new set is checked as Kafka's DynamicBrokerConfig does (config-alter.ts).
import { ErrorCode } from '../../protocol/errors.js';
import { IncrementalAlterConfigs } from '../../protocol/messages/index.js';
import { alterResources, type AlterOutcome } from '../config-alter.js';
import { defineHandler } from '../handler.js';
import { ResourceType } from '../config-describe.js';

const OP = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

export const incrementalAlterConfigsHandler = defineHandler(IncrementalAlterConfigs, { min: 0, max: 1 }, async (ctx, req) => {
  const outcomes = await alterResources(ctx, req.resources.map((r) => ({
    resourceType: r.resourceType,
    resourceName: r.resourceName,
    names: r.configs.map((c) => c.name),
    compute: (current, effective, configDef): Record<string, string> | AlterOutcome => {
      const next = { ...current };
      for (const c of r.configs) {
        const def = configDef(c.name);
        // An unknown broker config name is refused with the whole new set (config-alter.ts).
        if (!def && r.resourceType === ResourceType.TOPIC) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Unknown topic config name: ${c.name}` } satisfies AlterOutcome;
        switch (c.configOperation) {
          case OP.SET:
            if (c.value === null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Null value not supported for: ${c.name}` };
            next[c.name] = c.value;
            break;
          case OP.DELETE:
            delete next[c.name];
            break;
          case OP.APPEND:
          case OP.SUBTRACT: {
            if (def?.type !== 'list') {
              const verb = c.configOperation === OP.APPEND ? 'append' : 'subtract';
              return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Config value ${verb} is not allowed for config key: ${c.name}` };
            }
            const items = (next[c.name] ?? effective[c.name] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
            const given = (c.value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
            const result = c.configOperation === OP.APPEND
              ? [...items, ...given.filter((g) => !items.includes(g))]
              : items.filter((i) => !given.includes(i));
            next[c.name] = result.join(',');
            break;
          }
          default:
            return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown config operation ${c.configOperation} for ${c.name}` };
        }
      }
      return next;
    },
  })), req.validateOnly);
  return {
    throttleTimeMs: 0,
    responses: req.resources.map((r, i) => ({ errorCode: outcomes[i]!.errorCode, errorMessage: outcomes[i]!.errorMessage, resourceType: r.resourceType, resourceName: r.resourceName })),
  };
});
