// The common part of AlterConfigs and IncrementalAlterConfigs: each resource's outcome, with the
// topic changes of one request handed to the controller together.
import { AclOp, allowedCluster, allowedTopic } from './authz.js';
import { BROKER_CONFIG_BY_NAME } from '../config/definitions.js';
import { effectiveTopicConfig } from '../config/topic-configs.js';
import { ErrorCode } from '../protocol/errors.js';
import { brokerResourceProblem, ResourceType } from './config-describe.js';
import type { RequestContext } from './handler.js';

export interface AlterOutcome {
  errorCode: number;
  errorMessage: string | null;
}

const OK: AlterOutcome = { errorCode: ErrorCode.NONE, errorMessage: null };

export interface AlterResource {
  resourceType: number;
  resourceName: string;
  /** The config names the request touches (duplicates are refused). */
  names: string[];
  /**
   * For a topic: the complete new set of its dynamic configs from the current set and the
   * effective values, or an error.
   */
  compute: (current: Record<string, string>, effective: Record<string, string>) => Record<string, string> | AlterOutcome;
}

function isOutcome(x: Record<string, string> | AlterOutcome): x is AlterOutcome {
  return typeof (x as AlterOutcome).errorCode === 'number';
}

/**
 * Each resource's outcome, in request order. Broker settings are refused (none is dynamically
 * updatable here: Kafka's message); topic changes go to the controller in one call.
 */
export async function alterResources(ctx: RequestContext, resources: readonly AlterResource[], validateOnly: boolean): Promise<AlterOutcome[]> {
  const outcomes: Array<AlterOutcome | null> = [];
  const changes: Array<{ name: string; configs: Record<string, string> }> = [];
  const changeOf: number[] = [];
  for (const r of resources) {
    // ALTER_CONFIGS on the topic, or on the cluster for the broker's own settings.
    const resourceAllowed = r.resourceType === ResourceType.TOPIC ? allowedTopic(ctx, AclOp.ALTER_CONFIGS, r.resourceName) : allowedCluster(ctx, AclOp.ALTER_CONFIGS);
    if (!resourceAllowed) {
      outcomes.push({ errorCode: r.resourceType === ResourceType.TOPIC ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null });
      continue;
    }
    const dup = r.names.find((n, i) => r.names.indexOf(n) !== i);
    if (dup !== undefined) {
      outcomes.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Error due to duplicate config keys: ${dup}` });
      continue;
    }
    if (r.resourceType === ResourceType.TOPIC) {
      const t = ctx.metadata.image.topic(r.resourceName);
      if (!t) {
        outcomes.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${r.resourceName} does not exist.` });
        continue;
      }
      const next = r.compute({ ...t.configs }, effectiveTopicConfig(ctx.config, t.configs));
      if (isOutcome(next)) {
        outcomes.push(next);
        continue;
      }
      changeOf.push(outcomes.length);
      outcomes.push(null);
      changes.push({ name: r.resourceName, configs: next });
      continue;
    }
    if (r.resourceType === ResourceType.BROKER || r.resourceType === ResourceType.BROKER_LOGGER) {
      const problem = brokerResourceProblem(ctx.metadata.nodeId, r.resourceName);
      if (problem) outcomes.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem });
      else if (r.names.length === 0) outcomes.push(OK);
      else {
        const unknown = r.names.filter((n) => !BROKER_CONFIG_BY_NAME.has(n));
        outcomes.push(unknown.length > 0
          ? { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Unknown broker configs: ${unknown.join(', ')}` }
          : { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Cannot update these configs dynamically: Set(${r.names.join(', ')})` });
      }
      continue;
    }
    outcomes.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${r.resourceType}` });
  }
  if (changes.length > 0) {
    const results = await ctx.admin.alterTopicConfigs(changes, validateOnly);
    results.forEach((res, i) => (outcomes[changeOf[i]!] = { errorCode: res.errorCode, errorMessage: res.message }));
  }
  return outcomes.map((o) => o ?? OK);
}
