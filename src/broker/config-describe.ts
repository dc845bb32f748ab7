// Shared by DescribeConfigs / AlterConfigs / IncrementalAlterConfigs: Kafka's resource types,
// config sources and types, and how this broker's topic and broker settings are described.
import { BrokerConfig } from '../config/broker-config.js';
import { BROKER_CONFIGS, type ConfigType, type ConfigValue } from '../config/definitions.js';
import type { TopicImage } from '../cluster/metadata-image.js';
import { TOPIC_CONFIGS, TOPIC_CONFIG_DOCS, configString } from '../config/topic-configs.js';

export const ResourceType = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, BROKER: 4, CLUSTER: 4, BROKER_LOGGER: 8 } as const;

export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const;

const CONFIG_TYPE: Record<ConfigType, number> = { boolean: 1, string: 2, int: 3, long: 5, double: 6, list: 7, password: 9 };

export interface DescribedConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: number }[];
  configType: number;
  documentation: string | null;
}

let defaults: BrokerConfig | null = null;
const defaultBrokerConfig = (): BrokerConfig => (defaults ??= new BrokerConfig());

export function configValueString(v: ConfigValue | undefined): string | null {
  return v === null || v === undefined ? null : configString(v);
}

/** Every topic config with its effective value and where it comes from (Kafka's order of precedence). */
export function describeTopicConfigs(config: BrokerConfig, t: TopicImage, synonyms: boolean, docs: boolean): DescribedConfig[] {
  return TOPIC_CONFIGS.map((def) => {
    const syn: DescribedConfig['synonyms'] = [];
    const own = t.configs[def.name];
    if (own !== undefined) syn.push({ name: def.name, value: own, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    const brokerSet = def.brokerSynonym !== null && config.source(def.brokerSynonym) !== 'default';
    if (brokerSet) syn.push({ name: def.brokerSynonym!, value: def.default(config), source: ConfigSource.STATIC_BROKER_CONFIG });
    syn.push({ name: def.brokerSynonym ?? def.name, value: def.default(defaultBrokerConfig()), source: ConfigSource.DEFAULT_CONFIG });
    const source = own !== undefined ? ConfigSource.DYNAMIC_TOPIC_CONFIG : brokerSet ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
    return {
      name: def.name,
      value: own ?? def.default(config),
      readOnly: false,
      isDefault: source === ConfigSource.DEFAULT_CONFIG,
      configSource: source,
      isSensitive: false,
      synonyms: synonyms ? syn : [],
      configType: CONFIG_TYPE[def.type],
      documentation: docs ? (TOPIC_CONFIG_DOCS[def.name] ?? null) : null,
    };
  });
}

/** The broker's own settings: static (file, environment, flags) or defaults; none is dynamic here. */
export function describeBrokerConfigs(config: BrokerConfig, synonyms: boolean, docs: boolean): DescribedConfig[] {
  return BROKER_CONFIGS.map((def) => {
    const source = config.source(def.name) === 'default' ? ConfigSource.DEFAULT_CONFIG : ConfigSource.STATIC_BROKER_CONFIG;
    // Kafka never reports a password's value.
    const sensitive = def.type === 'password';
    const value = sensitive ? null : configValueString(config.get(def.name));
    const syn: DescribedConfig['synonyms'] = [];
    if (source === ConfigSource.STATIC_BROKER_CONFIG) syn.push({ name: def.name, value, source });
    syn.push({ name: def.name, value: sensitive ? null : configValueString(def.default), source: ConfigSource.DEFAULT_CONFIG });
    return {
      name: def.name,
      value,
      readOnly: true,
      isDefault: source === ConfigSource.DEFAULT_CONFIG,
      configSource: source,
      isSensitive: sensitive,
      synonyms: synonyms ? syn : [],
      configType: CONFIG_TYPE[def.type],
      documentation: docs ? def.doc : null,
    };
  });
}

/** Null when `name` names this broker (or is empty: the cluster-wide default), else Kafka's message. */
export function brokerResourceProblem(nodeId: number, name: string): string | null {
  if (name === '' || name === String(nodeId)) return null;
  return `Unexpected broker id, expected ${nodeId} or empty string, but received ${name}`;
}
