// A topic's effective settings as the parts that act on them need them: the log and the cleaner.
import { hasPolicy } from '../config/topic-configs.js';
import type { CleanerLogConfig } from '../storage/cleaner.js';
import type { LogConfig } from '../storage/config.js';

const SAFE_MAX = Number.MAX_SAFE_INTEGER;
const num = (v: string) => Math.min(Number(v), SAFE_MAX);

export function toLogConfig(effective: Record<string, string>): Partial<LogConfig> {
  return {
    'segment.bytes': num(effective['segment.bytes']!),
    'segment.ms': num(effective['segment.ms']!),
    // retention applies only with cleanup.policy delete (compact alone keeps every key forever)
    'retention.ms': hasPolicy(effective, 'delete') ? num(effective['retention.ms']!) : -1,
    'retention.bytes': hasPolicy(effective, 'delete') ? num(effective['retention.bytes']!) : -1,
    'index.interval.bytes': num(effective['index.interval.bytes']!),
    'segment.index.bytes': num(effective['segment.index.bytes']!),
    'flush.messages': num(effective['flush.messages']!),
    'flush.ms': num(effective['flush.ms']!),
    'message.timestamp.type': effective['message.timestamp.type'] === 'LogAppendTime' ? 'LogAppendTime' : 'CreateTime',
    'file.delete.delay.ms': num(effective['file.delete.delay.ms']!),
  };
}

/** What the log cleaner needs of a topic's effective config. */
export function toCleanerConfig(effective: Record<string, string>): CleanerLogConfig {
  return {
    compact: hasPolicy(effective, 'compact'),
    deleteRetentionMs: num(effective['delete.retention.ms']!),
    minCompactionLagMs: num(effective['min.compaction.lag.ms']!),
    maxCompactionLagMs: num(effective['max.compaction.lag.ms']!),
    minCleanableRatio: Number(effective['min.cleanable.dirty.ratio']!),
    segmentBytes: num(effective['segment.bytes']!),
    maxMessageBytes: num(effective['max.message.bytes']!),
  };
}

