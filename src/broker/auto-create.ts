import type { TopicImage } from '../cluster/metadata-image.js';
import { ErrorCode } from '../protocol/errors.js';
import type { RequestContext } from './handler.js';

/**
 * Creates unknown topics with the broker's defaults (auto.create.topics.enable), as Metadata and
 * Produce do; resolves with the topics that exist afterwards, by name.
 */
export async function autoCreateTopics(ctx: RequestContext, names: readonly string[]): Promise<Map<string, TopicImage>> {
  const out = new Map<string, TopicImage>();
  for (const [name, t] of await autoCreateTopicResults(ctx, names)) if (typeof t !== 'number') out.set(name, t);
  return out;
}

/** autoCreateTopics, with the error code of each topic that could not be created. */
export async function autoCreateTopicResults(ctx: RequestContext, names: readonly string[]): Promise<Map<string, TopicImage | number>> {
  const out = new Map<string, TopicImage | number>();
  if (names.length === 0) return out;
  const results = await ctx.admin.createTopics(names.map((name) => ({ name, numPartitions: -1, replicationFactor: -1 })), false);
  results.forEach((r, i) => {
    const name = names[i]!;
    const t = r.errorCode === ErrorCode.NONE ? r.topic : r.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS ? ctx.metadata.image.topic(name) : undefined;
    // Created by someone else but not yet in this broker's metadata: retriable, as Kafka answers.
    out.set(name, t ?? (r.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS ? ErrorCode.LEADER_NOT_AVAILABLE : r.errorCode));
  });
  return out;
}
