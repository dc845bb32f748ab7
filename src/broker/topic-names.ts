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
