const LEGAL = /^[a-zA-Z0-9._-]+$/;
export const MAX_TOPIC_NAME_LENGTH = 249;

/** Kafka's topic name rules; null when the name is valid, else why not. */
export function topicNameProblem(name: string): string | null {
  if (name.length === 0) return 'Topic name is empty';
  if (name === '.' || name === '..') return `Topic name cannot be "${name}"`;
  if (name.length > MAX_TOPIC_NAME_LENGTH) return `Topic name is longer than ${MAX_TOPIC_NAME_LENGTH} characters`;
  if (!LEGAL.test(name)) return `Topic name "${name}" is illegal: it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  return null;
}

export const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);

/**
 * Kafka's collision rule: '.' and '_' are the same character in metric names, so two topics
 * whose names differ only there cannot both exist. The existing topic it collides with, if any.
 */
export function collidingTopic(name: string, existing: Iterable<string>): string | null {
  if (!name.includes('.') && !name.includes('_')) return null;
  const unified = name.replaceAll('.', '_');
  for (const other of existing) if (other !== name && other.replaceAll('.', '_') === unified) return other;
  return null;
}
