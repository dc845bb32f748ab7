/**
 * Which broker settings can change while the broker runs, as Kafka's DynamicBrokerConfig decides
 * (AllDynamicConfigs: the log settings that are topic defaults, the cleaner's, the producer state
 * ones, thread pools...), and what a dynamic value is checked against. Kafka allows every one of
 * them per broker and as the cluster-wide default except the listener and security settings,
 * which Samsa does not define.
 */
import { BROKER_CONFIG_BY_NAME, type ConfigDef } from './definitions.js';

const LONG_MAX = 9223372036854775807;

/**
 * Kafka's dynamic settings that Samsa accepts and stores without effect (so that kafka-configs
 * scripts keep working): thread pools and cleaner buffers have no meaning here (src/config/ignored.ts),
 * and the others are the broker defaults of topic configs accepted without effect (topic-configs.ts).
 */
const WITHOUT_EFFECT: readonly ConfigDef[] = [
  { name: 'num.network.threads', type: 'int', default: 3, doc: 'Without effect: one event loop serves every connection', min: 1 },
  { name: 'num.io.threads', type: 'int', default: 8, doc: 'Without effect: one event loop handles every request', min: 1 },
  { name: 'background.threads', type: 'int', default: 10, doc: 'Without effect: background tasks run on the event loop', min: 1 },
  { name: 'num.recovery.threads.per.data.dir', type: 'int', default: 1, doc: 'Without effect: recovery runs on the event loop', min: 1 },
  { name: 'num.replica.fetchers', type: 'int', default: 1, doc: 'Without effect: one fetcher per leader broker', min: 1 },
  { name: 'log.cleaner.threads', type: 'int', default: 1, doc: 'Without effect: the log cleaner is one task on the event loop', min: 0 },
  { name: 'log.cleaner.dedupe.buffer.size', type: 'long', default: 134217728, doc: 'Without effect: the cleaner sizes its own offset map' },
  { name: 'log.cleaner.io.buffer.size', type: 'int', default: 524288, doc: 'Without effect: the cleaner sizes its own buffers', min: 0 },
  { name: 'log.cleaner.io.buffer.load.factor', type: 'double', default: 0.9, doc: 'Without effect: the cleaner sizes its own offset map' },
  { name: 'log.cleaner.io.max.bytes.per.second', type: 'double', default: '1.7976931348623157E308', doc: 'Without effect: the cleaner is not throttled' },
  { name: 'log.preallocate', type: 'boolean', default: false, doc: 'Without effect: segment files grow as they are written' },
  { name: 'log.roll.jitter.ms', type: 'long', default: null, doc: 'Without effect: segments roll at segment.ms exactly' },
  { name: 'compression.gzip.level', type: 'int', default: -1, doc: 'Without effect: batches are re-compressed at the codec library\'s default level' },
  { name: 'compression.lz4.level', type: 'int', default: 9, doc: 'Without effect: batches are re-compressed at the codec library\'s default level' },
  { name: 'compression.zstd.level', type: 'int', default: 3, doc: 'Without effect: batches are re-compressed at the codec library\'s default level' },
  { name: 'log.message.timestamp.before.max.ms', type: 'long', default: LONG_MAX, doc: 'Without effect: record timestamps are not checked against the broker clock', min: 0 },
  { name: 'log.message.timestamp.after.max.ms', type: 'long', default: LONG_MAX, doc: 'Without effect: record timestamps are not checked against the broker clock', min: 0 },
  { name: 'log.message.timestamp.difference.max.ms', type: 'long', default: LONG_MAX, doc: 'Without effect: record timestamps are not checked against the broker clock', min: 0 },
  { name: 'log.local.retention.ms', type: 'long', default: -2, doc: 'Without effect: tiered storage is not built', min: -2 },
  { name: 'log.local.retention.bytes', type: 'long', default: -2, doc: 'Without effect: tiered storage is not built', min: -2 },
];

export const DYNAMIC_WITHOUT_EFFECT: ReadonlyMap<string, ConfigDef> = new Map(WITHOUT_EFFECT.map((d) => [d.name, d]));

/** The definition a dynamic value of `name` is parsed with, or undefined when `name` cannot change at runtime. */
export function dynamicBrokerConfig(name: string): ConfigDef | undefined {
  const def = BROKER_CONFIG_BY_NAME.get(name);
  if (def) return def.dynamic ? def : undefined;
  return DYNAMIC_WITHOUT_EFFECT.get(name);
}

/** ZooKeeper's and the metadata file's name of the cluster-wide default entity (/config/brokers/<default>). */
export const DEFAULT_BROKER_ENTITY = '<default>';

/** The entity of a BROKER resource name: '' is the cluster-wide default. */
export const brokerEntity = (resourceName: string): string => (resourceName === '' ? DEFAULT_BROKER_ENTITY : resourceName);

/**
 * Kafka's broker synonyms (DynamicBrokerConfig.brokerConfigSynonyms): the names one setting is
 * resolved from, highest first, as DescribeConfigs lists them.
 */
export function brokerConfigSynonyms(name: string): readonly string[] {
  switch (name) {
    case 'log.roll.ms':
    case 'log.roll.hours':
      return ['log.roll.ms', 'log.roll.hours'];
    case 'log.flush.interval.ms':
      return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
    case 'log.retention.ms':
    case 'log.retention.minutes':
    case 'log.retention.hours':
      return ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'];
    default:
      return [name];
  }
}
