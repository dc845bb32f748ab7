// The common part of AlterConfigs and IncrementalAlterConfigs: each resource's outcome, with the
// topic changes of one request handed to the controller together, and the broker ones likewise.
import { BROKER_CONFIGS, BROKER_CONFIG_BY_NAME, type ConfigDef } from '../config/definitions.js';
import { DYNAMIC_WITHOUT_EFFECT, brokerEntity, dynamicBrokerConfig } from '../config/dynamic.js';
import { ignoredSetting } from '../config/ignored.js';
import { ConfigError, parseValue } from '../config/parse.js';
import { effectiveTopicConfig, TOPIC_CONFIG_BY_NAME } from '../config/topic-configs.js';
import { AclOp, allowedCluster, allowedTopic } from './authz.js';
import { ErrorCode } from '../protocol/errors.js';
import { brokerResourceProblem, configValueString, ResourceType } from './config-describe.js';
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
   * The complete new set of the resource's dynamic configs (a topic's, or a broker entity's) from
   * the current set and the values a list operation starts from, or an error. `def` is how a
   * config of this resource is typed; undefined for a name it does not have.
   */
  compute: (current: Record<string, string>, effective: Record<string, string>, def: (name: string) => { type: ConfigDef['type'] } | undefined) => Record<string, string> | AlterOutcome;
}

/** A broker config's definition, dynamic or not, for typing an operation. */
const brokerDef = (name: string): ConfigDef | undefined => BROKER_CONFIG_BY_NAME.get(name) ?? DYNAMIC_WITHOUT_EFFECT.get(name);

/** Where a broker list operation starts when the entity has no value: the built-in default, as Kafka. */
const BROKER_DEFAULTS: Record<string, string> = Object.fromEntries(BROKER_CONFIGS.map((d) => [d.name, configValueString(d.default) ?? '']));

/**
 * Kafka's DynamicBrokerConfig.validateConfigs on the complete new set of a broker entity: names
 * that cannot change at runtime are refused together (INVALID_REQUEST, Kafka's message), then
 * each value is parsed as the broker would. A name Samsa does not know at all is INVALID_CONFIG
 * (Kafka would store it, for plugins Samsa does not load).
 */
function brokerConfigsProblem(resourceName: string, configs: Record<string, string>): AlterOutcome | null {
  const names = Object.keys(configs);
  const unknown = names.filter((n) => !BROKER_CONFIG_BY_NAME.has(n) && !DYNAMIC_WITHOUT_EFFECT.has(n) && ignoredSetting(n) === undefined);
  if (unknown.length > 0) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Unknown broker configs: ${unknown.join(', ')}` };
  const resource = `ConfigResource(type=BROKER, name='${resourceName}')`;
  const fixed = names.filter((n) => dynamicBrokerConfig(n) === undefined);
  if (fixed.length > 0) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Invalid config value for resource ${resource}: Cannot update these configs dynamically: Set(${fixed.join(', ')})` };
  for (const n of names) {
    try {
      parseValue(dynamicBrokerConfig(n)!, configs[n]!, 'dynamic');
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Invalid config value for resource ${resource}: ${e.message}` };
    }
  }
  return null;
}

function isOutcome(x: Record<string, string> | AlterOutcome): x is AlterOutcome {
  return typeof (x as AlterOutcome).errorCode === 'number';
}

/**
 * Each resource's outcome, in request order. Topic changes go to the controller in one call, the
 * changes of broker entities (this broker's id, or '' for the cluster-wide default) in another.
 */
export async function alterResources(ctx: RequestContext, resources: readonly AlterResource[], validateOnly: boolean): Promise<AlterOutcome[]> {
  const outcomes: Array<AlterOutcome | null> = [];
  const changes: Array<{ name: string; configs: Record<string, string> }> = [];
  const changeOf: number[] = [];
  const brokerChanges: Array<{ entity: string; configs: Record<string, string> }> = [];
  const brokerChangeOf: number[] = [];
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
      const next = r.compute({ ...t.configs }, effectiveTopicConfig(ctx.config, t.configs), (n) => TOPIC_CONFIG_BY_NAME.get(n));
      if (isOutcome(next)) {
        outcomes.push(next);
        continue;
      }
      changeOf.push(outcomes.length);
      outcomes.push(null);
      changes.push({ name: r.resourceName, configs: next });
      continue;
    }
    if (r.resourceType === ResourceType.BROKER) {
      const problem = brokerResourceProblem(ctx.metadata.nodeId, r.resourceName);
      if (problem) {
        outcomes.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem });
        continue;
      }
      const entity = brokerEntity(r.resourceName);
      const next = r.compute({ ...ctx.metadata.image.brokerConfig(entity) }, BROKER_DEFAULTS, brokerDef);
      const refused = isOutcome(next) ? next : brokerConfigsProblem(r.resourceName, next);
      if (refused) {
        outcomes.push(refused);
        continue;
      }
      brokerChangeOf.push(outcomes.length);
      outcomes.push(null);
      brokerChanges.push({ entity, configs: next as Record<string, string> });
      continue;
    }
    if (r.resourceType === ResourceType.BROKER_LOGGER) {
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
  if (brokerChanges.length > 0) {
    const results = await ctx.admin.alterBrokerConfigs(brokerChanges, validateOnly);
    results.forEach((res, i) => (outcomes[brokerChangeOf[i]!] = { errorCode: res.errorCode, errorMessage: res.message }));
  }
  return outcomes.map((o) => o ?? OK);
}
