import type { BrokerConfig } from '../config/broker-config.js';
import type { LogConfig } from '../storage/config.js';

/** A topic-level setting, its broker-level synonym (the default source) and how to check a value. */
export interface TopicConfigDef {
  readonly name: string;
  readonly brokerSynonym: string | null;
  readonly type: 'int' | 'long' | 'string' | 'boolean' | 'list' | 'double';
  readonly default: (broker: BrokerConfig) => string;
  readonly check?: (value: string) => string | null;
}

const LONG_MAX = '9223372036854775807';

const intAtLeast = (min: number) => (v: string) => (/^-?\d+$/.test(v) && Number(v) >= min ? null : `must be an integer >= ${min}`);
const oneOf = (values: string[]) => (v: string) => (values.includes(v) ? null : `must be one of ${values.join(', ')}`);
const fromBroker = (name: string) => (b: BrokerConfig) => {
  const v = b.get(name);
  return v === null ? '' : Array.isArray(v) ? v.join(',') : String(v);
};

export const TOPIC_CONFIGS: readonly TopicConfigDef[] = [
  { name: 'cleanup.policy', brokerSynonym: 'log.cleanup.policy', type: 'list', default: fromBroker('log.cleanup.policy'),
    check: (v) => (v.split(',').every((p) => ['delete', 'compact'].includes(p.trim())) && v.trim() !== '' ? null : 'must be delete, compact or delete,compact') },
  { name: 'compression.type', brokerSynonym: 'compression.type', type: 'string', default: fromBroker('compression.type'),
    check: oneOf(['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd']) },
  { name: 'delete.retention.ms', brokerSynonym: 'log.cleaner.delete.retention.ms', type: 'long', default: fromBroker('log.cleaner.delete.retention.ms'), check: intAtLeast(0) },
  { name: 'file.delete.delay.ms', brokerSynonym: null, type: 'long', default: () => '60000', check: intAtLeast(0) },
  { name: 'flush.messages', brokerSynonym: 'log.flush.interval.messages', type: 'long', default: fromBroker('log.flush.interval.messages'), check: intAtLeast(1) },
  { name: 'flush.ms', brokerSynonym: 'log.flush.interval.ms', type: 'long', default: (b) => String(b.get('log.flush.interval.ms') ?? LONG_MAX), check: intAtLeast(0) },
  { name: 'index.interval.bytes', brokerSynonym: 'log.index.interval.bytes', type: 'int', default: fromBroker('log.index.interval.bytes'), check: intAtLeast(0) },
  { name: 'max.compaction.lag.ms', brokerSynonym: 'log.cleaner.max.compaction.lag.ms', type: 'long', default: fromBroker('log.cleaner.max.compaction.lag.ms'), check: intAtLeast(1) },
  { name: 'max.message.bytes', brokerSynonym: 'message.max.bytes', type: 'int', default: fromBroker('message.max.bytes'), check: intAtLeast(0) },
  { name: 'message.timestamp.type', brokerSynonym: 'log.message.timestamp.type', type: 'string', default: fromBroker('log.message.timestamp.type'), check: oneOf(['CreateTime', 'LogAppendTime']) },
  { name: 'min.cleanable.dirty.ratio', brokerSynonym: 'log.cleaner.min.cleanable.ratio', type: 'double', default: fromBroker('log.cleaner.min.cleanable.ratio'),
    check: (v) => (Number(v) >= 0 && Number(v) <= 1 && v.trim() !== '' ? null : 'must be between 0 and 1') },
  { name: 'min.compaction.lag.ms', brokerSynonym: 'log.cleaner.min.compaction.lag.ms', type: 'long', default: fromBroker('log.cleaner.min.compaction.lag.ms'), check: intAtLeast(0) },
  { name: 'min.insync.replicas', brokerSynonym: 'min.insync.replicas', type: 'int', default: fromBroker('min.insync.replicas'), check: intAtLeast(1) },
  { name: 'retention.bytes', brokerSynonym: 'log.retention.bytes', type: 'long', default: fromBroker('log.retention.bytes'), check: intAtLeast(-1) },
  { name: 'retention.ms', brokerSynonym: 'log.retention.ms', type: 'long', default: (b) => String(b.retentionMs), check: intAtLeast(-1) },
  { name: 'segment.bytes', brokerSynonym: 'log.segment.bytes', type: 'int', default: fromBroker('log.segment.bytes'), check: intAtLeast(14) },
  { name: 'segment.index.bytes', brokerSynonym: 'log.index.size.max.bytes', type: 'int', default: fromBroker('log.index.size.max.bytes'), check: intAtLeast(4) },
  { name: 'segment.ms', brokerSynonym: 'log.roll.ms', type: 'long', default: (b) => String(b.segmentMs), check: intAtLeast(1) },
  { name: 'unclean.leader.election.enable', brokerSynonym: 'unclean.leader.election.enable', type: 'boolean', default: fromBroker('unclean.leader.election.enable'), check: oneOf(['true', 'false']) },
];

export const TOPIC_CONFIG_BY_NAME = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));

/** Null when every setting is known and valid, else a message naming the first problem. */
export function checkTopicConfigs(configs: Record<string, string | null>): string | null {
  for (const [name, value] of Object.entries(configs)) {
    const def = TOPIC_CONFIG_BY_NAME.get(name);
    if (!def) return `Unknown topic config name: ${name}`;
    if (value === null) continue;
    const why = def.check?.(value.trim());
    if (why) return `Invalid value ${value} for configuration ${name}: ${why}`;
  }
  return null;
}

/** Every topic setting's effective value: the topic's own, else the broker's default. */
export function effectiveTopicConfig(broker: BrokerConfig, overrides: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const def of TOPIC_CONFIGS) out[def.name] = overrides[def.name] ?? def.default(broker);
  return out;
}

const SAFE_MAX = Number.MAX_SAFE_INTEGER;
const num = (v: string) => Math.min(Number(v), SAFE_MAX);

export function toLogConfig(effective: Record<string, string>): Partial<LogConfig> {
  return {
    'segment.bytes': num(effective['segment.bytes']!),
    'segment.ms': num(effective['segment.ms']!),
    'retention.ms': num(effective['retention.ms']!),
    'retention.bytes': num(effective['retention.bytes']!),
    'index.interval.bytes': num(effective['index.interval.bytes']!),
    'segment.index.bytes': num(effective['segment.index.bytes']!),
    'flush.messages': num(effective['flush.messages']!),
    'flush.ms': num(effective['flush.ms']!),
    'message.timestamp.type': effective['message.timestamp.type'] === 'LogAppendTime' ? 'LogAppendTime' : 'CreateTime',
    'file.delete.delay.ms': num(effective['file.delete.delay.ms']!),
  };
}
