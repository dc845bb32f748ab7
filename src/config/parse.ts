import { readFileSync } from 'node:fs';
import { BROKER_CONFIG_BY_NAME, type ConfigDef, type ConfigValue } from './definitions.js';
import { IGNORED_SETTING_NAMES } from './ignored.js';

/** A setting that cannot be used; the message names it. */
export class ConfigError extends Error {
  readonly code = 'SAMSA_CONFIG';
}

export function parseValue(def: ConfigDef, raw: string, source: string): ConfigValue {
  const s = raw.trim();
  const bad = (why: string) => new ConfigError(`invalid value "${raw}" for ${def.name} (${source}): ${why}`);
  switch (def.type) {
    case 'int':
    case 'long': {
      if (!/^-?\d+$/.test(s)) throw bad('expected an integer');
      const n = Number(s);
      if (def.type === 'int' && (n > 2147483647 || n < -2147483648)) throw bad('out of the int range');
      if (def.min !== undefined && n < def.min) throw bad(`must be at least ${def.min}`);
      return n;
    }
    case 'double': {
      const n = Number(s);
      if (s === '' || !Number.isFinite(n)) throw bad('expected a number');
      return n;
    }
    case 'boolean':
      if (s !== 'true' && s !== 'false') throw bad('expected true or false');
      return s === 'true';
    case 'list':
      return s === '' ? [] : s.split(',').map((x) => x.trim());
    case 'password':
      return s;
    case 'string':
      if (def.oneOf && !def.oneOf.includes(s)) throw bad(`expected one of ${def.oneOf.join(', ')}`);
      return s;
  }
}

/** Reads a server.properties-style file: `key=value` lines, `#`/`!` comments. */
export function readPropertiesFile(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  const out = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#') || t.startsWith('!')) return;
    const eq = t.search(/[=:]/);
    if (eq <= 0) throw new ConfigError(`${path}:${i + 1}: expected key=value, got "${t}"`);
    out.set(t.slice(0, eq).trim(), t.slice(eq + 1).trim());
  });
  return out;
}

/** Environment variables that are not broker settings. */
// SAMSA_SENDFILE, SAMSA_SENDFILE_MIN, SAMSA_NATIVE_CRC, SAMSA_DIRECT_READ, SAMSA_NATIVE_LOCK and SAMSA_NATIVE_ZSTD: switches for the native parts (not broker settings).
const RESERVED_ENV = new Set(['SAMSA_LOG_LEVEL', 'SAMSA_LOG_FORMAT', 'SAMSA_BROKERS', 'SAMSA_CONFIG', 'SAMSA_SENDFILE', 'SAMSA_SENDFILE_MIN', 'SAMSA_NATIVE_CRC', 'SAMSA_DIRECT_READ', 'SAMSA_NATIVE_LOCK', 'SAMSA_NATIVE_ZSTD']);

/**
 * SAMSA_LOG_RETENTION_HOURS → log.retention.hours, for every known setting and every Kafka
 * setting Samsa ignores. Variables that name neither go into `unknown` when it is given (the
 * caller reports them with the other layers' mistakes), else they throw.
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv, unknown?: string[]): Map<string, string> {
  const byEnvName = new Map<string, string>();
  for (const name of [...BROKER_CONFIG_BY_NAME.keys(), ...IGNORED_SETTING_NAMES]) byEnvName.set('SAMSA_' + name.toUpperCase().replace(/[.-]/g, '_'), name);
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith('SAMSA_') || RESERVED_ENV.has(k) || v === undefined) continue;
    const name = byEnvName.get(k);
    if (name) out.set(name, v);
    else if (unknown) unknown.push(k);
    else throw new ConfigError(`unknown setting in environment variable ${k}`);
  }
  return out;
}
