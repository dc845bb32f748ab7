// DeleteTopics: v0-6. Behaviour: by name (v1-5) or by name or topic id (v6); a deleted topic's
// data is removed from disk; internal topics are refused (INVALID_TOPIC_EXCEPTION); all the
// topics of one request are deleted in one controller change.
import { ErrorCode } from '../../protocol/errors.js';
import { DeleteTopics } from '../../protocol/messages/index.js';
import { INTERNAL_TOPICS } from '../../cluster/topic-names.js';
import { AclOp, allowedTopic } from '../authz.js';
import { defineHandler } from '../handler.js';

const NO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

export const deleteTopicsHandler = defineHandler(DeleteTopics, { min: 0, max: 6 }, async (ctx, req) => {
  const image = ctx.metadata.image;
  const targets = ctx.header.apiVersion >= 6 ? req.topics : req.topicNames.map((name) => ({ name, topicId: NO_ID }));
  type Response = { name: string | null; topicId: string; errorCode: number; errorMessage: string | null };
  const responses: Response[] = [];
  const doomed: Array<{ at: number; name: string }> = [];
  for (const t of targets) {
    const byId = (t.name === null || t.name === '') && t.topicId !== NO_ID;
    const topic = byId ? image.topicById(t.topicId) : image.topic(t.name ?? '');
    const name = topic?.name ?? (byId ? null : t.name);
    if (name !== null && !allowedTopic(ctx, AclOp.DELETE, name)) {
      responses.push({ name: byId ? null : name, topicId: t.topicId, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.' });
      continue;
    }
    if (!topic) {
      responses.push({
        name: t.name,
        topicId: t.topicId,
        errorCode: byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: byId ? `Topic id ${t.topicId} does not exist` : 'This server does not host this topic-partition.',
      });
      continue;
    }
    if (!ctx.config.bool('delete.topic.enable')) {
      responses.push({ name: topic.name, topicId: topic.id, errorCode: ErrorCode.TOPIC_DELETION_DISABLED, errorMessage: 'Topic deletion is disabled.' });
      continue;
    }
    if (INTERNAL_TOPICS.has(topic.name)) {
      // Every group's committed offsets live there: Kafka's tools refuse this with the same words.
      responses.push({ name: topic.name, topicId: topic.id, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: `Topic ${topic.name} is a kafka internal topic and is not allowed to be marked for deletion.` });
      continue;
    }
    doomed.push({ at: responses.length, name: topic.name });
    responses.push({ name: topic.name, topicId: topic.id, errorCode: ErrorCode.NONE, errorMessage: null });
  }
  // One controller change for the whole request: one metadata write, however many topics.
  const results = await ctx.admin.deleteTopics(doomed.map((d) => d.name));
  results.forEach((r, i) => {
    const resp = responses[doomed[i]!.at]!;
    resp.errorCode = r.errorCode;
    resp.errorMessage = r.message;
  });
  return { throttleTimeMs: 0, responses };
});
