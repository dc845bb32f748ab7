// The common part of AlterConfigs and IncrementalAlterConfigs: per-resource outcome for topic
// and broker resources.
import { BROKER_CONFIG_BY_NAME } from '../config/definitions.js';
import { ErrorCode } from '../protocol/errors.js';
import type { Broker } from './broker.js';
import { brokerResourceProblem, ResourceType } from './config-describe.js';

export interface AlterOutcome {
  errorCode: number;
  errorMessage: string | null;
}

const OK: AlterOutcome = { errorCode: ErrorCode.NONE, errorMessage: null };

/**
 * Applies `compute` to a resource: for topics, `compute(current dynamic configs, effective)`
 * returns the complete new set of dynamic configs (or an error); for brokers, every named
 * setting is refused since none is dynamically updatable here (Kafka's message).
 */
export function alterResource(
  broker: Broker,
  resourceType: number,
  resourceName: string,
  names: string[],
  validateOnly: boolean,
  compute: (current: Record<string, string>, effective: Record<string, string>) => Record<string, string> | AlterOutcome,
): AlterOutcome {
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Error due to duplicate config keys: ${dup}` };
  if (resourceType === ResourceType.TOPIC) {
    const t = broker.topic(resourceName);
    if (!t) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${resourceName} does not exist.` };
    const next = compute({ ...t.configs }, broker.topicConfig(t));
    if ('errorCode' in next && typeof next.errorCode === 'number') return next as AlterOutcome;
    const out = broker.setTopicConfigs(resourceName, next as Record<string, string>, validateOnly);
    return { errorCode: out.errorCode, errorMessage: out.message };
  }
  if (resourceType === ResourceType.BROKER || resourceType === ResourceType.BROKER_LOGGER) {
    const problem = brokerResourceProblem(broker, resourceName);
    if (problem) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem };
    if (names.length === 0) return OK;
    const unknown = names.filter((n) => !BROKER_CONFIG_BY_NAME.has(n));
    if (unknown.length > 0) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Unknown broker configs: ${unknown.join(', ')}` };
    return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Cannot update these configs dynamically: Set(${names.join(', ')})` };
  }
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${resourceType}` };
}
