import { randomBytes } from 'node:crypto';
import { BROKER_CONFIGS, BROKER_CONFIG_BY_NAME, type ConfigValue } from './definitions.js';
import { dynamicBrokerConfig } from './dynamic.js';
import { ignoredSetting } from './ignored.js';
import { ConfigError, parseValue, readPropertiesFile, settingsFromEnv } from './parse.js';

/** Where a value came from: the static layers (lowest first), then the two dynamic ones. */
export type ConfigSource = 'default' | 'file' | 'env' | 'flag' | 'override' | 'dynamic-default' | 'dynamic-broker';

/** A dynamic layer: the configs of /config/brokers/<default> or /config/brokers/<id>, as stored. */
export type DynamicLayer = 'default' | 'broker';

/**
 * The broker's effective settings, with where each came from (DescribeConfigs reports it).
 * Kafka's layering: this broker's dynamic value over the cluster-wide dynamic default over the
 * static value (file, environment, flags) over the built-in default. The dynamic layers change
 * while the broker runs (applyDynamic); everything that reads a setting when it acts sees the
 * new value.
 */
export class BrokerConfig {
  private readonly values = new Map<string, ConfigValue>();
  private readonly sources = new Map<string, ConfigSource>();
  private readonly dynamicValues = new Map<string, { value: ConfigValue; source: ConfigSource }>();
  private dynamicLayers: Record<DynamicLayer, Readonly<Record<string, string>>> = { default: {}, broker: {} };
  /** Kafka settings given that mean nothing in Samsa (src/config/ignored.ts), for the start's one warning. */
  readonly ignored: readonly { name: string; source: ConfigSource; why: string }[];
  /** listener.name.<listener>.<setting> values, by lower-case listener name, as Kafka prefixes them. */
  private readonly perListener = new Map<string, Map<string, ConfigValue>>();

  /**
   * Every unknown name and every bad value of every layer is reported in one error, so that a
   * server.properties written for Kafka is fixed in one edit, not one start per line.
   */
  constructor(layers: ReadonlyArray<[ConfigSource, ReadonlyMap<string, string | ConfigValue>]> = [], unknownEnv: readonly string[] = []) {
    for (const def of BROKER_CONFIGS) {
      this.values.set(def.name, def.default);
      this.sources.set(def.name, 'default');
    }
    const unknown: string[] = unknownEnv.map((v) => `${v} (env)`);
    const invalid: string[] = [];
    const ignored = new Map<string, { name: string; source: ConfigSource; why: string }>();
    for (const [source, settings] of layers) {
      for (const [name, raw] of settings) {
        const prefixed = LISTENER_PREFIX.exec(name);
        if (prefixed) {
          const problem = this.setListenerValue(prefixed[1]!.toLowerCase(), prefixed[2]!, raw, source);
          if (problem) invalid.push(problem);
          continue;
        }
        const def = BROKER_CONFIG_BY_NAME.get(name);
        if (!def) {
          const why = ignoredSetting(name);
          if (why !== undefined) ignored.set(name, { name, source, why });
          else unknown.push(`${name} (${source})`);
          continue;
        }
        try {
          const value = typeof raw === 'string' ? parseValue(def, raw, source) : raw;
          this.values.set(name, value);
          this.sources.set(name, source);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          invalid.push(e.message);
        }
      }
    }
    const problems = [...(unknown.length ? [`unknown setting${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`] : []), ...invalid];
    if (problems.length) throw new ConfigError(problems.join('; '));
    this.ignored = [...ignored.values()];
    this.validate();
  }

  private setListenerValue(listener: string, setting: string, raw: string | ConfigValue, source: ConfigSource): string | null {
    const full = `listener.name.${listener}.${setting}`;
    let value: ConfigValue;
    if (JAAS_SETTING.test(setting)) {
      value = typeof raw === 'string' ? raw.trim() : raw;
    } else {
      const def = BROKER_CONFIG_BY_NAME.get(setting);
      if (!def || !LISTENER_SETTINGS.some((p) => setting.startsWith(p))) return `unknown setting ${full} (${source}): only ssl.*, sasl.* and connections.max.reauth.ms settings and <mechanism>.sasl.jaas.config take a listener prefix`;
      try {
        value = typeof raw === 'string' ? parseValue(def, raw, source) : raw;
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return e.message.replace(setting, full);
      }
    }
    let m = this.perListener.get(listener);
    if (!m) this.perListener.set(listener, (m = new Map()));
    m.set(setting, value);
    return null;
  }

  /**
   * A setting as a listener sees it: listener.name.<listener>.<name> when set, else <name>
   * (Kafka's ListenerName.configPrefix). `<mechanism>.sasl.jaas.config` exists only prefixed.
   */
  listenerValue(listener: string, name: string): ConfigValue {
    const own = this.perListener.get(listener.toLowerCase());
    if (own?.has(name)) return own.get(name)!;
    if (JAAS_SETTING.test(name)) return null;
    return this.get(name);
  }

  /** Layers lowest first: config file, then environment, then command-line flags. */
  static load(opts: { file?: string; env?: NodeJS.ProcessEnv; flags?: ReadonlyMap<string, string> }): BrokerConfig {
    const layers: Array<[ConfigSource, ReadonlyMap<string, string>]> = [];
    const unknownEnv: string[] = [];
    if (opts.file) layers.push(['file', readPropertiesFile(opts.file)]);
    if (opts.env) layers.push(['env', settingsFromEnv(opts.env, unknownEnv)]);
    if (opts.flags) layers.push(['flag', opts.flags]);
    return new BrokerConfig(layers, unknownEnv);
  }

  private validate(): void {
    for (const l of this.listeners) parseListener(l);
    parseAdminListener(this.get('admin.listeners') as string[]);
    const queued = this.int('queued.max.request.bytes');
    if (this.source('queued.max.request.bytes') !== 'default' && queued > 0 && queued < this.int('socket.request.max.bytes')) {
      throw new ConfigError('queued.max.request.bytes must be larger or equal to socket.request.max.bytes');
    }
  }

  /**
   * Replaces both dynamic layers. A value that does not parse (written to ZooKeeper by another
   * tool) or a name that cannot change at runtime is left out; the problems are returned.
   */
  applyDynamic(perBroker: Readonly<Record<string, string>>, clusterDefault: Readonly<Record<string, string>>): string[] {
    const problems: string[] = [];
    this.dynamicValues.clear();
    const layers: Array<[Readonly<Record<string, string>>, ConfigSource]> = [[clusterDefault, 'dynamic-default'], [perBroker, 'dynamic-broker']];
    for (const [configs, source] of layers) {
      for (const [name, raw] of Object.entries(configs)) {
        const def = dynamicBrokerConfig(name);
        if (!def) {
          problems.push(`${name} (${source}) cannot be updated dynamically`);
          continue;
        }
        try {
          const value = parseValue(def, raw, source);
          if (BROKER_CONFIG_BY_NAME.has(name)) this.dynamicValues.set(name, { value, source });
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          problems.push(e.message);
        }
      }
    }
    this.dynamicLayers = { default: { ...clusterDefault }, broker: { ...perBroker } };
    return problems;
  }

  /** One dynamic layer as stored (also the names accepted without effect). */
  dynamicConfigs(layer: DynamicLayer): Readonly<Record<string, string>> {
    return this.dynamicLayers[layer];
  }

  get(name: string): ConfigValue {
    if (!this.values.has(name)) throw new ConfigError(`unknown setting ${name}`);
    const dynamic = this.dynamicValues.get(name);
    return dynamic ? dynamic.value : this.values.get(name)!;
  }
  source(name: string): ConfigSource {
    return this.dynamicValues.get(name)?.source ?? this.sources.get(name) ?? 'default';
  }
  /** The value of the static layers (file, environment, flags) or the default, whatever is dynamic. */
  staticValue(name: string): ConfigValue {
    if (!this.values.has(name)) throw new ConfigError(`unknown setting ${name}`);
    return this.values.get(name)!;
  }
  staticSource(name: string): ConfigSource {
    return this.sources.get(name) ?? 'default';
  }
  int(name: string): number {
    return this.get(name) as number;
  }
  bool(name: string): boolean {
    return this.get(name) as boolean;
  }
  str(name: string): string {
    return this.get(name) as string;
  }

  get nodeId(): number {
    const b = this.get('broker.id');
    return this.source('node.id') === 'default' && typeof b === 'number' ? b : this.int('node.id');
  }
  get listeners(): string[] {
    return this.get('listeners') as string[];
  }
  get advertisedListeners(): string[] {
    return (this.get('advertised.listeners') as string[] | null) ?? this.listeners;
  }
  get dataDir(): string {
    const dirs = this.get('log.dirs') as string[] | null;
    return dirs && dirs.length > 0 ? dirs[0]! : this.str('log.dir');
  }
  /** log.retention.ms over .minutes over .hours, as Kafka resolves them. */
  get retentionMs(): number {
    const ms = this.get('log.retention.ms') as number | null;
    if (ms !== null) return ms;
    const min = this.get('log.retention.minutes') as number | null;
    if (min !== null) return min * 60_000;
    return this.int('log.retention.hours') * 3_600_000;
  }
  /**
   * queued.max.request.bytes; its default grows with socket.request.max.bytes, so that raising
   * only the frame limit (valid in Kafka, whose default is unbounded) still starts.
   */
  get queuedMaxRequestBytes(): number {
    const q = this.int('queued.max.request.bytes');
    return q > 0 && this.source('queued.max.request.bytes') === 'default' ? Math.max(q, this.int('socket.request.max.bytes')) : q;
  }
  get segmentMs(): number {
    const ms = this.get('log.roll.ms') as number | null;
    return ms ?? this.int('log.roll.hours') * 3_600_000;
  }
}

/** admin.listeners' first address, or null when it is empty (no HTTP listener). */
export function parseAdminListener(list: readonly string[]): { host: string; port: number } | null {
  const s = list.find((x) => x.trim() !== '');
  if (s === undefined) return null;
  const m = /^http:\/\/(\[[^\]]*\]|[^:/]*):(\d+)\/?$/.exec(s.trim());
  if (!m) throw new ConfigError(`invalid admin listener "${s}": expected http://host:port`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  return { host: host === '' ? '0.0.0.0' : host, port: Number(m[2]) };
}

/** listener.name.<listener>.<setting>. */
const LISTENER_PREFIX = /^listener\.name\.([A-Za-z0-9_-]+)\.(.+)$/;
/** <mechanism>.sasl.jaas.config, e.g. plain.sasl.jaas.config, scram-sha-256.sasl.jaas.config. */
const JAAS_SETTING = /^[a-z0-9-]+\.sasl\.jaas\.config$/;
/** Settings a listener may override. */
const LISTENER_SETTINGS = ['ssl.', 'sasl.', 'connections.max.reauth.ms'];

export interface ListenerAddress {
  name: string;
  host: string;
  port: number;
}

export function parseListener(s: string): ListenerAddress {
  const m = /^([A-Za-z_][A-Za-z0-9_]*):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(s);
  if (!m) throw new ConfigError(`invalid listener "${s}": expected NAME://host:port`);
  const host = m[2]!.replace(/^\[|\]$/g, '');
  return { name: m[1]!, host: host === '' ? '0.0.0.0' : host, port: Number(m[3]) };
}

/** A new cluster id in Kafka's form: 16 random bytes, base64url. */
export function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}
