// Metadata: v0-12. Behaviour: all topics when the list is null (v1+) or empty (v0); unknown
// topics are created when auto.create.topics.enable and the request allow it (v4+ flag).
// v8+: topic (and v8-10 cluster) authorized operations when asked for.
import type { TopicRecord } from '../../cluster/metadata-store.js';
import { ErrorCode } from '../../protocol/errors.js';
import { Metadata } from '../../protocol/messages/index.js';
import type { ResponseOf } from '../../protocol/schema.js';
import type { Broker } from '../broker.js';
import { defineHandler } from '../handler.js';
import { topicNameProblem } from '../topic-names.js';
import { authorizedOperations } from '../authorized-operations.js';

type TopicResponse = ResponseOf<typeof Metadata>['topics'][number];
const NO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function describeTopic(broker: Broker, t: TopicRecord, includeOperations = false): TopicResponse {
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.id,
    isInternal: t.internal,
    partitions: t.partitions.map((a, i) => {
      const p = broker.partition(t.name, i);
      return {
        errorCode: p ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
        partitionIndex: i,
        leaderId: p ? broker.nodeId : -1,
        leaderEpoch: p?.leaderEpoch ?? -1,
        replicaNodes: a.replicas,
        isrNodes: p?.isr ?? [],
        offlineReplicas: [],
      };
    }),
    topicAuthorizedOperations: authorizedOperations('topic', includeOperations),
  };
}

function errorTopic(name: string | null, topicId: string, errorCode: number): TopicResponse {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: authorizedOperations('topic', false) };
}

export const metadataHandler = defineHandler(Metadata, { min: 0, max: 12 }, (ctx, req) => {
  const { broker } = ctx;
  const version = ctx.header.apiVersion;
  const all = req.topics === null || (version === 0 && req.topics.length === 0);
  const autoCreate = broker.config.bool('auto.create.topics.enable') && req.allowAutoTopicCreation;
  const withOps = version >= 8 && req.includeTopicAuthorizedOperations;
  const topics: TopicResponse[] = [];
  if (all) {
    for (const t of broker.allTopics()) topics.push(describeTopic(broker, t, withOps));
  } else {
    for (const rt of req.topics!) {
      let t: TopicRecord | undefined;
      if (rt.name === null || rt.name === '') {
        t = broker.topicById(rt.topicId);
        if (!t) {
          topics.push(errorTopic(null, rt.topicId, ErrorCode.UNKNOWN_TOPIC_ID));
          continue;
        }
      } else {
        t = broker.topic(rt.name);
        if (!t) {
          if (topicNameProblem(rt.name)) {
            topics.push(errorTopic(rt.name, NO_ID, ErrorCode.INVALID_TOPIC_EXCEPTION));
            continue;
          }
          if (autoCreate) {
            const out = broker.autoCreate(rt.name);
            t = out.topic && out.errorCode === ErrorCode.NONE ? out.topic : undefined;
          }
          if (!t) {
            topics.push(errorTopic(rt.name, NO_ID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
            continue;
          }
        }
      }
      topics.push(describeTopic(broker, t, withOps));
    }
  }
  return {
    throttleTimeMs: 0,
    brokers: broker.brokers(),
    clusterId: broker.clusterId,
    controllerId: broker.nodeId,
    topics,
    clusterAuthorizedOperations: authorizedOperations('cluster', version >= 8 && version <= 10 && req.includeClusterAuthorizedOperations),
  };
});
