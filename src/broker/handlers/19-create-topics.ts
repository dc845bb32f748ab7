// CreateTopics: v2-7. Behaviour: partitions and replication factor (or explicit assignments),
// configs checked against the topic config table (INVALID_CONFIG names the problem),
// validate-only, Kafka's topic name rules. v5+ answers with the topic's effective configs.
import { ErrorCode } from '../../protocol/errors.js';
import { CreateTopics } from '../../protocol/messages/index.js';
import { defineHandler } from '../handler.js';

const CONFIG_SOURCE_DYNAMIC_TOPIC = 1;
const CONFIG_SOURCE_DEFAULT = 5;

export const createTopicsHandler = defineHandler(CreateTopics, { min: 2, max: 7 }, (ctx, req) => {
  const { broker } = ctx;
  const seen = new Map<string, number>();
  for (const t of req.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t) => {
      const fail = (errorCode: number, errorMessage: string | null) => ({
        name: t.name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', errorCode, errorMessage, topicConfigErrorCode: 0,
        numPartitions: -1, replicationFactor: -1, configs: null,
      });
      if ((seen.get(t.name) ?? 0) > 1) return fail(ErrorCode.INVALID_REQUEST, `Create topics request from client contains duplicate topic ${t.name}`);
      const configs: Record<string, string> = {};
      for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
      const assignments = t.assignments.length > 0
        ? [...t.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex).map((a) => a.brokerIds)
        : undefined;
      if (assignments && t.assignments.some((a, i, all) => all.findIndex((b) => b.partitionIndex === a.partitionIndex) !== i || a.partitionIndex >= all.length || a.partitionIndex < 0)) {
        return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions in the assignment must be consecutive from 0');
      }
      const out = broker.createTopic({
        name: t.name,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        ...(assignments ? { assignments } : {}),
        configs,
        validateOnly: req.validateOnly,
      });
      if (out.errorCode !== ErrorCode.NONE || !out.topic) return fail(out.errorCode, out.message);
      const topic = out.topic;
      const effective = broker.topicConfig(topic);
      return {
        name: t.name,
        topicId: topic.id,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        topicConfigErrorCode: 0,
        numPartitions: topic.partitions.length,
        replicationFactor: topic.partitions[0]?.replicas.length ?? -1,
        configs: Object.entries(effective).map(([name, value]) => ({
          name,
          value,
          readOnly: false,
          configSource: name in topic.configs ? CONFIG_SOURCE_DYNAMIC_TOPIC : CONFIG_SOURCE_DEFAULT,
          isSensitive: false,
        })),
      };
    }),
  };
});
