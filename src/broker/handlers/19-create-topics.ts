// CreateTopics: v0-7 (v0 has no validate-only). Behaviour: partitions and replication factor (or explicit assignments),
// configs checked against the topic config table (INVALID_CONFIG names the problem),
// validate-only, Kafka's topic name and collision rules, at most 10,000 partitions per request
// (POLICY_VIOLATION); the topics of one request are created in one controller change, each
// fully or not at all. v5+ answers with the topic's effective configs.
import { effectiveTopicConfig } from '../../config/topic-configs.js';
import { ErrorCode } from '../../protocol/errors.js';
import { CreateTopics } from '../../protocol/messages/index.js';
import type { CreateTopicSpec } from '../../cluster/controller.js';
import { AclOp, allowedTopic, mayCreateTopic } from '../authz.js';
import { defineHandler } from '../handler.js';

const CONFIG_SOURCE_DYNAMIC_TOPIC = 1;
const CONFIG_SOURCE_DEFAULT = 5;
const NO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

export const createTopicsHandler = defineHandler(CreateTopics, { min: 0, max: 7 }, async (ctx, req) => {
  const seen = new Map<string, number>();
  for (const t of req.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
  type Failure = { errorCode: number; message: string };
  const checked: Array<CreateTopicSpec | Failure> = req.topics.map((t) => {
    if ((seen.get(t.name) ?? 0) > 1) return { errorCode: ErrorCode.INVALID_REQUEST, message: `Create topics request from client contains duplicate topic ${t.name}` };
    if (!mayCreateTopic(ctx, t.name)) return { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, message: 'Authorization failed.' };
    const configs: Record<string, string> = {};
    for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
    if (t.assignments.length > 0) {
      // Linear: one pass marks each partition index, whatever the number of assignments.
      const present = new Uint8Array(t.assignments.length);
      for (const a of t.assignments) {
        if (a.partitionIndex < 0 || a.partitionIndex >= t.assignments.length || present[a.partitionIndex]) {
          return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: 'Partitions in the assignment must be consecutive from 0' };
        }
        present[a.partitionIndex] = 1;
      }
    }
    const assignments = t.assignments.length > 0 ? [...t.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex).map((a) => a.brokerIds) : undefined;
    return { name: t.name, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor, ...(assignments ? { assignments } : {}), configs };
  });
  const specs = checked.filter((c): c is CreateTopicSpec => !('errorCode' in c));
  const results = await ctx.admin.createTopics(specs, req.validateOnly);
  let next = 0;
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t, i) => {
      const c = checked[i]!;
      const out = 'errorCode' in c ? { errorCode: c.errorCode, message: c.message } : results[next++]!;
      if (out.errorCode !== ErrorCode.NONE || !('topic' in out) || !out.topic) {
        return { name: t.name, topicId: NO_ID, errorCode: out.errorCode, errorMessage: out.message, topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1, configs: null };
      }
      const topic = out.topic;
      // The created topic's configs are returned only with DESCRIBE_CONFIGS on it.
      if (!allowedTopic(ctx, AclOp.DESCRIBE_CONFIGS, t.name)) {
        return { name: t.name, topicId: topic.id, errorCode: ErrorCode.NONE, errorMessage: null, topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, numPartitions: topic.partitions.length, replicationFactor: topic.partitions[0]?.replicas.length ?? -1, configs: null };
      }
      const effective = effectiveTopicConfig(ctx.config, topic.configs);
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
