// Shared by DescribeConfigs / AlterConfigs / IncrementalAlterConfigs: Kafka's resource types,
// config sources and types, and how this broker's topic and broker settings are described.
import type { BrokerConfig } from '../config/broker-config.js';
import { BROKER_CONFIGS, BROKER_CONFIG_BY_NAME, type ConfigDef, type ConfigType, type ConfigValue } from '../config/definitions.js';
import { DYNAMIC_WITHOUT_EFFECT, brokerConfigSynonyms, dynamicBrokerConfig } from '../config/dynamic.js';
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

export function configValueString(v: ConfigValue | undefined): string | null {
  return v === null || v === undefined ? null : configString(v);
}

type Synonym = DescribedConfig['synonyms'][number];

/**
 * Kafka's ConfigHelper.configSynonyms: every synonym of `name` that has a value, layer by layer —
 * this broker's dynamic value, the cluster-wide dynamic default, the static setting, the
 * built-in default — with the synonyms that take precedence over `name` itself dropped (describing
 * log.retention.hours does not list log.retention.ms).
 */
function brokerSynonyms(config: BrokerConfig, name: string, perBroker: boolean): Synonym[] {
  const names = brokerConfigSynonyms(name);
  const out: Synonym[] = [];
  const dynamicLayers: Array<[Readonly<Record<string, string>>, number]> = [
    [perBroker ? config.dynamicConfigs('broker') : {}, ConfigSource.DYNAMIC_BROKER_CONFIG],
    [config.dynamicConfigs('default'), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
  ];
  for (const [layer, source] of dynamicLayers) {
    for (const n of names) if (layer[n] !== undefined) out.push({ name: n, value: layer[n]!, source });
  }
  for (const n of names) {
    if (BROKER_CONFIG_BY_NAME.has(n) && config.staticSource(n) !== 'default') out.push({ name: n, value: configValueString(config.staticValue(n)), source: ConfigSource.STATIC_BROKER_CONFIG });
  }
  for (const n of names) {
    const def = BROKER_CONFIG_BY_NAME.get(n) ?? DYNAMIC_WITHOUT_EFFECT.get(n);
    if (def && def.default !== null) out.push({ name: n, value: configValueString(def.default), source: ConfigSource.DEFAULT_CONFIG });
  }
  const own = out.findIndex((s) => s.name === name);
  return own < 0 ? [] : out.slice(own);
}

/** Every topic config with its effective value and where it comes from (Kafka's order of precedence). */
export function describeTopicConfigs(config: BrokerConfig, t: TopicImage, synonyms: boolean, docs: boolean): DescribedConfig[] {
  return TOPIC_CONFIGS.map((def) => {
    const own = t.configs[def.name];
    const value = own ?? def.default(config);
    const syn: Synonym[] = [];
    if (own !== undefined) syn.push({ name: def.name, value: own, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    if (def.brokerSynonym !== null) {
      if (BROKER_CONFIG_BY_NAME.has(def.brokerSynonym) || DYNAMIC_WITHOUT_EFFECT.has(def.brokerSynonym)) syn.push(...brokerSynonyms(config, def.brokerSynonym, true));
      // A broker default Samsa has no setting for (log.message.format.version): Kafka's built-in value.
      else syn.push({ name: def.brokerSynonym, value: def.default(config), source: ConfigSource.DEFAULT_CONFIG });
    }
    const source = syn[0]?.source ?? ConfigSource.DEFAULT_CONFIG;
    return {
      name: def.name,
      value,
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

/**
 * A broker resource as Kafka describes it. This broker (`perBroker`): every setting, with its
 * layers; the cluster-wide default (resource name ''): only the dynamic defaults that are set,
 * without per-broker values in the synonyms. Read-only unless the setting is dynamic.
 */
export function describeBrokerConfigs(config: BrokerConfig, synonyms: boolean, docs: boolean, perBroker = true): DescribedConfig[] {
  const entry = (def: ConfigDef, shown: string | null): DescribedConfig => {
    // Kafka never reports a password's value.
    const sensitive = def.type === 'password';
    const value = sensitive ? null : shown;
    const syn = brokerSynonyms(config, def.name, perBroker).map((x) => (sensitive ? { ...x, value: null } : x));
    const source = syn[0]?.source ?? ConfigSource.DEFAULT_CONFIG;
    return {
      name: def.name,
      value,
      readOnly: dynamicBrokerConfig(def.name) === undefined,
      isDefault: source === ConfigSource.DEFAULT_CONFIG,
      configSource: source,
      isSensitive: sensitive,
      synonyms: synonyms ? syn : [],
      configType: CONFIG_TYPE[def.type],
      documentation: docs ? def.doc : null,
    };
  };
  const defaults = config.dynamicConfigs('default');
  if (!perBroker) {
    return Object.entries(defaults).flatMap(([name, value]) => {
      const def = dynamicBrokerConfig(name);
      return def ? [entry(def, value)] : [];
    });
  }
  const own = config.dynamicConfigs('broker');
  // Settings accepted without effect are listed once a dynamic layer sets them.
  const noEffect = [...DYNAMIC_WITHOUT_EFFECT.values()].filter((d) => own[d.name] !== undefined || defaults[d.name] !== undefined);
  return [
    ...BROKER_CONFIGS.map((def) => entry(def, configValueString(config.get(def.name)))),
    ...noEffect.map((def) => entry(def, own[def.name] ?? defaults[def.name] ?? null)),
  ];
}

/** Null when `name` names this broker (or is empty: the cluster-wide default), else Kafka's message. */
export function brokerResourceProblem(nodeId: number, name: string): string | null {
  if (name === '' || name === String(nodeId)) return null;
  return `Unexpected broker id, expected ${nodeId} or empty string, but received ${name}`;
}
