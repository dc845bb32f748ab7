import type { BrokerConfig } from './broker-config.js';
import type { ConfigValue } from './definitions.js';

/** A topic-level setting, its broker-level synonym (the default source) and how to check a value. */
export interface TopicConfigDef {
  readonly name: string;
  readonly brokerSynonym: string | null;
  readonly type: 'int' | 'long' | 'string' | 'boolean' | 'list' | 'double';
  readonly default: (broker: BrokerConfig) => string;
  readonly check?: (value: string) => string | null;
  /** Accepted and described as Kafka 3.9 does, but without effect here; says why. */
  readonly noEffect?: string;
}

const LONG_MAX = '9223372036854775807';

const intAtLeast = (min: number) => (v: string) => (/^-?\d+$/.test(v) && Number(v) >= min ? null : `must be an integer >= ${min}`);
const oneOf = (values: string[]) => (v: string) => (values.includes(v) ? null : `must be one of ${values.join(', ')}`);
/** Kafka's Long.MAX_VALUE defaults do not survive a JS number: they are printed as Kafka prints them. */
export const configString = (v: ConfigValue): string => {
  if (v === null) return '';
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'number' && v >= 9223372036854775807) return LONG_MAX;
  return String(v);
};

const fromBroker = (name: string) => (b: BrokerConfig) => configString(b.get(name));
const intIn = (min: number, max: number, also?: number) => (v: string) =>
  /^-?\d+$/.test(v) && ((Number(v) >= min && Number(v) <= max) || Number(v) === also) ? null : `must be an integer in [${min}, ${max}]${also === undefined ? '' : ` or ${also}`}`;
const bool = (v: string) => (v === 'true' || v === 'false' ? null : 'must be true or false');
const throttledReplicas = (v: string) =>
  v === '' || v === '*' || /^\s*\d+\s*:\s*\d+\s*(,\s*\d+\s*:\s*\d+\s*)*$/.test(v) ? null : 'must be *, empty, or a list of partition:broker';

/** A Kafka 3.9 topic setting Samsa accepts (so tools and clients that set it keep working) but does not act on. */
const accepted = (name: string, brokerSynonym: string | null, type: TopicConfigDef['type'], value: string, check: (v: string) => string | null, noEffect: string): TopicConfigDef => ({
  name,
  brokerSynonym,
  type,
  // Its broker default can be set dynamically (also without effect): topics without their own value show it.
  default: (b) => (brokerSynonym === null ? value : b.dynamicConfigs('broker')[brokerSynonym] ?? b.dynamicConfigs('default')[brokerSynonym] ?? value),
  check,
  noEffect,
});

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
  accepted('compression.gzip.level', 'compression.gzip.level', 'int', '-1', intIn(1, 9, -1), 'batches are re-compressed at the codec library\'s default level'),
  accepted('compression.lz4.level', 'compression.lz4.level', 'int', '9', intIn(1, 17), 'batches are re-compressed at the codec library\'s default level'),
  accepted('compression.zstd.level', 'compression.zstd.level', 'int', '3', intIn(-131072, 22), 'batches are re-compressed at the codec library\'s default level'),
  accepted('follower.replication.throttled.replicas', null, 'list', '', throttledReplicas, 'replication throttles are not built yet'),
  accepted('leader.replication.throttled.replicas', null, 'list', '', throttledReplicas, 'replication throttles are not built yet'),
  accepted('local.retention.bytes', 'log.local.retention.bytes', 'long', '-2', intAtLeast(-2), 'tiered storage is not built'),
  accepted('local.retention.ms', 'log.local.retention.ms', 'long', '-2', intAtLeast(-2), 'tiered storage is not built'),
  { name: 'message.downconversion.enable', brokerSynonym: 'log.message.downconversion.enable', type: 'boolean', default: fromBroker('log.message.downconversion.enable'), check: oneOf(['true', 'false']) },
  accepted('message.format.version', 'log.message.format.version', 'string', '3.0-IV1',
    (v) => (/^\d+\.\d+(\.\d+)?(-IV\d+)?$/.test(v) ? null : 'must be a Kafka version such as 3.0-IV1'), 'deprecated in Kafka 3.0 and ignored there too: batches are always stored as RecordBatch v2'),
  accepted('message.timestamp.after.max.ms', 'log.message.timestamp.after.max.ms', 'long', LONG_MAX, intAtLeast(0), 'record timestamps are not checked against the broker clock'),
  accepted('message.timestamp.before.max.ms', 'log.message.timestamp.before.max.ms', 'long', LONG_MAX, intAtLeast(0), 'record timestamps are not checked against the broker clock'),
  accepted('message.timestamp.difference.max.ms', 'log.message.timestamp.difference.max.ms', 'long', LONG_MAX, intAtLeast(0), 'record timestamps are not checked against the broker clock'),
  accepted('preallocate', 'log.preallocate', 'boolean', 'false', bool, 'segment files grow as they are written'),
  accepted('remote.log.copy.disable', null, 'boolean', 'false', bool, 'tiered storage is not built'),
  accepted('remote.log.delete.on.disable', null, 'boolean', 'false', bool, 'tiered storage is not built'),
  accepted('remote.storage.enable', null, 'boolean', 'false', (v) => (v === 'false' ? null : 'tiered storage is not supported'), 'tiered storage is not built'),
  accepted('segment.jitter.ms', 'log.roll.jitter.ms', 'long', '0', intAtLeast(0), 'segments roll at segment.ms exactly'),
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

export function hasPolicy(effective: Record<string, string>, policy: 'delete' | 'compact'): boolean {
  return (effective['cleanup.policy'] ?? 'delete').split(',').some((p) => p.trim() === policy);
}

/** Topic settings whose value Kafka reports as sensitive / read-only: none of these are. */
export const TOPIC_CONFIG_DOCS: Record<string, string> = {
  'cleanup.policy': 'A string that is either "delete" or "compact" or both: the retention policy of old log segments.',
  'compression.type': 'The final compression type of the topic: a codec, "uncompressed", or "producer" to keep what the producer sent.',
  'delete.retention.ms': 'How long delete tombstone markers are retained for log compacted topics.',
  'file.delete.delay.ms': 'The time to wait before deleting a file from the filesystem.',
  'flush.messages': 'Messages written between forced fsyncs of the log.',
  'flush.ms': 'Time between forced fsyncs of the log.',
  'index.interval.bytes': 'How frequently an entry is added to the offset index.',
  'max.compaction.lag.ms': 'The maximum time a message will remain ineligible for compaction in the log.',
  'max.message.bytes': 'The largest record batch size allowed by the topic.',
  'message.downconversion.enable': 'Whether Fetch v0-3 consumers, which cannot read record batches v2, are served messages down-converted to format v0/v1.',
  'message.timestamp.type': 'Whether the timestamp in the message is message create time or log append time.',
  'min.cleanable.dirty.ratio': 'The minimum ratio of dirty log to total log for a log to be eligible for cleaning.',
  'min.compaction.lag.ms': 'The minimum time a message will remain uncompacted in the log.',
  'min.insync.replicas': 'The minimum number of replicas that must acknowledge a write with acks=all.',
  'retention.bytes': 'The maximum size a partition can grow to before old log segments are discarded (-1: no limit).',
  'retention.ms': 'The maximum time a log is retained before old log segments are discarded (-1: no limit).',
  'segment.bytes': 'The segment file size for the log.',
  'segment.index.bytes': 'The size of the index that maps offsets to file positions.',
  'segment.ms': 'The period after which the log rolls a segment even if it is not full.',
  'unclean.leader.election.enable': 'Whether replicas not in the ISR may be elected leader as a last resort.',
  ...Object.fromEntries(TOPIC_CONFIGS.filter((d) => d.noEffect).map((d) => [d.name, `Accepted as in Kafka 3.9, without effect in Samsa: ${d.noEffect}.`])),
};
