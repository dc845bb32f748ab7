// DescribeConfigs: v0-4. Behaviour: topic resources list every supported topic config with its
// effective value and source (DYNAMIC_TOPIC_CONFIG, STATIC_BROKER_CONFIG, DEFAULT_CONFIG),
// synonyms when asked (v1+), config type and documentation (v3+); broker resources (this node's
// id) list the broker settings with their source (DYNAMIC_BROKER_CONFIG,
// DYNAMIC_DEFAULT_BROKER_CONFIG, STATIC_BROKER_CONFIG, DEFAULT_CONFIG), read-only unless dynamic;
// the empty broker name lists the cluster-wide dynamic defaults that are set. Topic configs'
// synonyms carry the broker layers behind them. Unknown keys are left out, as Kafka does.
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeConfigs } from '../../protocol/messages/index.js';
import { brokerResourceProblem, describeBrokerConfigs, describeTopicConfigs, ResourceType, type DescribedConfig } from '../config-describe.js';
import { AclOp, allowedCluster, allowedTopic } from '../authz.js';
import { defineHandler } from '../handler.js';

export const describeConfigsHandler = defineHandler(DescribeConfigs, { min: 0, max: 4 }, (ctx, req) => {
  const synonyms = ctx.header.apiVersion >= 1 && req.includeSynonyms;
  const docs = ctx.header.apiVersion >= 3 && req.includeDocumentation;
  return {
    throttleTimeMs: 0,
    results: req.resources.map((r) => {
      const result = (errorCode: number, errorMessage: string | null, configs: DescribedConfig[]) => ({
        errorCode,
        errorMessage,
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        configs: r.configurationKeys === null ? configs : configs.filter((c) => r.configurationKeys!.includes(c.name)),
      });
      if (r.resourceType === ResourceType.TOPIC && !allowedTopic(ctx, AclOp.DESCRIBE_CONFIGS, r.resourceName)) return result(ErrorCode.TOPIC_AUTHORIZATION_FAILED, null, []);
      if ((r.resourceType === ResourceType.BROKER || r.resourceType === ResourceType.BROKER_LOGGER) && !allowedCluster(ctx, AclOp.DESCRIBE_CONFIGS)) return result(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null, []);
      if (r.resourceType === ResourceType.TOPIC) {
        const t = ctx.metadata.image.topic(r.resourceName);
        if (!t) return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${r.resourceName} does not exist.`, []);
        return result(ErrorCode.NONE, null, describeTopicConfigs(ctx.config, t, synonyms, docs));
      }
      if (r.resourceType === ResourceType.BROKER) {
        const problem = brokerResourceProblem(ctx.metadata.nodeId, r.resourceName);
        if (problem) return result(ErrorCode.INVALID_REQUEST, problem, []);
        return result(ErrorCode.NONE, null, describeBrokerConfigs(ctx.config, synonyms, docs, r.resourceName !== ''));
      }
      if (r.resourceType === ResourceType.BROKER_LOGGER) {
        const problem = brokerResourceProblem(ctx.metadata.nodeId, r.resourceName);
        return result(problem ? ErrorCode.INVALID_REQUEST : ErrorCode.NONE, problem, []);
      }
      return result(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${r.resourceType}`, []);
    }),
  };
});
