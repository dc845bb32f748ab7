// DeleteTopics: v1-6. Behaviour: by name (v1-5) or by name or topic id (v6); a deleted topic's
// data is removed from disk.
import { ErrorCode } from '../../protocol/errors.js';
import { DeleteTopics } from '../../protocol/messages/index.js';
import { defineHandler } from '../handler.js';

const NO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

export const deleteTopicsHandler = defineHandler(DeleteTopics, { min: 1, max: 6 }, (ctx, req) => {
  const { broker } = ctx;
  const targets = ctx.header.apiVersion >= 6 ? req.topics : req.topicNames.map((name) => ({ name, topicId: NO_ID }));
  return {
    throttleTimeMs: 0,
    responses: targets.map((t) => {
      const byId = (t.name === null || t.name === '') && t.topicId !== NO_ID;
      const topic = byId ? broker.topicById(t.topicId) : broker.topic(t.name ?? '');
      if (!topic) {
        return {
          name: t.name,
          topicId: t.topicId,
          errorCode: byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          errorMessage: byId ? `Topic id ${t.topicId} does not exist` : 'This server does not host this topic-partition.',
        };
      }
      const out = broker.deleteTopic(topic.name);
      return { name: topic.name, topicId: topic.id, errorCode: out.errorCode, errorMessage: out.message };
    }),
  };
});
