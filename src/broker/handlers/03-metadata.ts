// Metadata: v0-12. Behaviour: all topics when the list is null (v1+) or empty (v0); unknown
// topics are created when auto.create.topics.enable and the request allow it (v4+ flag); every
// partition's leader, epoch, replicas and ISR from the metadata image. v8+: topic (and v8-10
// cluster) authorized operations when asked for. A topic that could not be auto-created carries
// the creation's error (POLICY_VIOLATION past the partition limit), as Kafka's createTopic does.
import { endpointOn, type TopicImage } from '../../cluster/metadata-image.js';
import { topicNameProblem } from '../../cluster/topic-names.js';
import { ErrorCode } from '../../protocol/errors.js';
import { Metadata } from '../../protocol/messages/index.js';
import type { RequestOf, ResponseOf } from '../../protocol/schema.js';
import { autoCreateTopicResults } from '../auto-create.js';
import { authorizedOperations } from '../authorized-operations.js';
import { AclOp, allowedCluster, allowedTopic, mayCreateTopic } from '../authz.js';
import { defineHandler, type RequestContext } from '../handler.js';

type MetadataRequest = RequestOf<typeof Metadata>;
type MetadataResponse = ResponseOf<typeof Metadata>;
type TopicResponse = MetadataResponse['topics'][number];
const NO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function describeTopic(t: TopicImage, includeOperations = false, allowed?: (op: number) => boolean): TopicResponse {
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.id,
    isInternal: t.internal,
    partitions: t.partitions.map((p, i) => ({
      errorCode: p.leader >= 0 ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
      partitionIndex: i,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: [...p.replicas],
      isrNodes: [...p.isr],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: authorizedOperations('topic', includeOperations, allowed),
  };
}

function errorTopic(name: string | null, topicId: string, errorCode: number): TopicResponse {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: authorizedOperations('topic', false) };
}

function answer(ctx: RequestContext, req: MetadataRequest, created: ReadonlyMap<string, TopicImage | number>): MetadataResponse {
  const version = ctx.header.apiVersion;
  const image = ctx.metadata.image;
  const all = req.topics === null || (version === 0 && req.topics.length === 0);
  const withOps = version >= 8 && req.includeTopicAuthorizedOperations;
  const topics: TopicResponse[] = [];
  const ops = (name: string) => (op: number) => allowedTopic(ctx, op, name);
  const describable = (name: string) => allowedTopic(ctx, AclOp.DESCRIBE, name);
  if (all) {
    // Topics the principal may not describe are left out, as Kafka leaves them out.
    for (const t of image.topics()) if (describable(t.name)) topics.push(describeTopic(t, withOps, ops(t.name)));
  } else {
    for (const rt of req.topics!) {
      if (rt.name === null || rt.name === '') {
        const t = image.topicById(rt.topicId);
        // An id the principal may not describe is answered as unknown: ids must not reveal names.
        topics.push(t && describable(t.name) ? describeTopic(t, withOps, ops(t.name)) : errorTopic(null, rt.topicId, ErrorCode.UNKNOWN_TOPIC_ID));
        continue;
      }
      if (!describable(rt.name)) {
        topics.push(errorTopic(rt.name, NO_ID, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
        continue;
      }
      const t = image.topic(rt.name) ?? created.get(rt.name);
      if (typeof t === 'number') topics.push(errorTopic(rt.name, NO_ID, t));
      else if (t) topics.push(describeTopic(t, withOps, ops(t.name)));
      else topics.push(errorTopic(rt.name, NO_ID, topicNameProblem(rt.name) ? ErrorCode.INVALID_TOPIC_EXCEPTION : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
    }
  }
  return {
    throttleTimeMs: 0,
    brokers: image.brokers().map((b) => ({ nodeId: b.id, ...endpointOn(b, ctx.conn.session.listener.name), rack: b.rack })),
    clusterId: image.clusterId,
    controllerId: image.controllerId,
    topics,
    clusterAuthorizedOperations: authorizedOperations('cluster', version >= 8 && version <= 10 && req.includeClusterAuthorizedOperations, (op) => allowedCluster(ctx, op)),
  };
}

export const metadataHandler = defineHandler(Metadata, { min: 0, max: 12 }, (ctx, req) => {
  const autoCreate = ctx.config.bool('auto.create.topics.enable') && req.allowAutoTopicCreation;
  const image = ctx.metadata.image;
  const missing = !autoCreate || req.topics === null
    ? []
    : [...new Set(req.topics.map((t) => t.name).filter((n): n is string => n !== null && n !== '' && !image.topic(n) && topicNameProblem(n) === null))]
      // Auto-creation needs CREATE (on the cluster or the topic), and DESCRIBE to be told about it.
      .filter((n) => allowedTopic(ctx, AclOp.DESCRIBE, n) && mayCreateTopic(ctx, n));
  if (missing.length === 0) return answer(ctx, req, new Map());
  return autoCreateTopicResults(ctx, missing).then((created) => answer(ctx, req, created));
});
