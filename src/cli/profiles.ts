// Profiles, as rpk has them: named sets of connection settings in one file, one of them current,
// so that `samsa topic list` reaches the right cluster without --brokers on every line; and the
// same settings one at a time with -X key=value.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import { CliError, collect, json, out, parseKeyValue, table } from './output.js';

/** The settings a profile or -X can hold, by rpk's names; what each means. */
export const PROFILE_KEYS: Record<string, string> = {
  brokers: 'comma-separated bootstrap brokers',
  timeout: 'how long to wait for a broker (500ms, 10s, 2m)',
  'sasl.mechanism': 'SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (as --sasl-mechanism)',
  user: 'SASL user name (as --user)',
  pass: 'SASL password (as --password)',
  'tls.enabled': 'true: TLS to the brokers (as --tls-enabled; implied by tls.ca, tls.cert, tls.key)',
  'tls.ca': 'PEM file of the CA certificates to trust (as --tls-truststore)',
  'tls.cert': 'PEM client certificate, for mutual TLS (as --tls-cert)',
  'tls.key': 'PEM key of the client certificate (as --tls-key)',
  'tls.insecure_skip_verify': 'true: accept any broker certificate for any host name (testing only)',
};

export type Settings = Record<string, string>;

export interface ProfileFile {
  current: string | null;
  profiles: Record<string, Settings>;
}

/** $SAMSA_PROFILES, else $XDG_CONFIG_HOME/samsa/profiles.json, else ~/.config/samsa/profiles.json. */
export function profilesPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SAMSA_PROFILES) return env.SAMSA_PROFILES;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'samsa', 'profiles.json');
}

export function readProfiles(path = profilesPath()): ProfileFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { current: null, profiles: {} };
    throw new CliError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const v = JSON.parse(text) as Partial<ProfileFile>;
    if (typeof v !== 'object' || v === null || typeof v.profiles !== 'object' || v.profiles === null) throw new Error('no "profiles" object');
    return { current: typeof v.current === 'string' ? v.current : null, profiles: v.profiles };
  } catch (e) {
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Written whole to a temporary file then renamed, readable by its owner only (it may hold a password). */
export function writeProfiles(file: ProfileFile, path = profilesPath()): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

/** -X key=value pairs, each key one of PROFILE_KEYS. */
export function parseSettings(list: string[] = []): Settings {
  const out: Settings = {};
  const unknown: string[] = [];
  for (const s of list) {
    const [k, v] = parseKeyValue(s, '-X setting');
    if (!(k in PROFILE_KEYS)) unknown.push(k);
    out[k] = v;
  }
  if (unknown.length) throw new CliError(`unknown -X setting${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${Object.keys(PROFILE_KEYS).join(', ')})`);
  return out;
}

/**
 * The settings a command runs with: --profile's profile (else the current one), under -X. Flags
 * and SAMSA_BROKERS are applied by the caller, above these.
 */
export function effectiveSettings(profileName: string | undefined, x: string[] = []): Settings {
  const given = parseSettings(x);
  const file = readProfiles();
  let base: Settings = {};
  if (profileName !== undefined) {
    const p = file.profiles[profileName];
    if (!p) throw new CliError(`no profile ${profileName} in ${profilesPath()}`);
    base = p;
  } else if (file.current && file.profiles[file.current]) base = file.profiles[file.current]!;
  return { ...base, ...given };
}

/** samsa profile create|use|list|delete. */
export function profileCommands(): Command {
  const profile = new Command('profile').description('named connection settings (brokers, timeout, TLS, SASL) in one file, one of them current');
  const fmt = (c: Command) => c.addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'));
  fmt(profile.command('create'))
    .description('create or replace a profile from -X settings; the first one made becomes current')
    .argument('<name>', 'profile name')
    .option('-X, --set <key=value>', `a setting, repeatable (${Object.keys(PROFILE_KEYS).join(', ')})`, collect, [])
    .option('--use', 'make it the current profile')
    .addHelpText('after', `\nThe file: $SAMSA_PROFILES, else ~/.config/samsa/profiles.json.\n\nExample:\n  samsa profile create staging -X brokers=10.0.0.5:9092,10.0.0.6:9092 -X timeout=5s --use\n`)
    .action((name: string, o: { set: string[]; use?: boolean; format: string }) => {
      const settings = parseSettings(o.set);
      if (settings.brokers === undefined) throw new CliError('a profile needs -X brokers=host:port[,host:port]');
      const file = readProfiles();
      const replaced = name in file.profiles;
      file.profiles[name] = settings;
      if (o.use || file.current === null || !(file.current in file.profiles)) file.current = name;
      writeProfiles(file);
      if (o.format === 'json') json({ profile: name, settings, current: file.current === name, replaced });
      else out(table(['PROFILE', 'STATUS', 'CURRENT'], [[name, replaced ? 'REPLACED' : 'CREATED', String(file.current === name)]]));
    });
  fmt(profile.command('use'))
    .description('make a profile the current one')
    .argument('<name>', 'profile name')
    .addHelpText('after', '\nExample:\n  samsa profile use staging\n')
    .action((name: string, o: { format: string }) => {
      const file = readProfiles();
      if (!(name in file.profiles)) throw new CliError(`no profile ${name} in ${profilesPath()}`);
      file.current = name;
      writeProfiles(file);
      if (o.format === 'json') json({ current: name });
      else out(`Current profile: ${name}\n`);
    });
  fmt(profile.command('list'))
    .alias('ls')
    .description('list profiles, the current one marked')
    .addHelpText('after', '\nExample:\n  samsa profile list\n')
    .action((o: { format: string }) => {
      const file = readProfiles();
      const rows = Object.entries(file.profiles).map(([name, s]) => ({ name, current: name === file.current, brokers: s.brokers ?? null, timeout: s.timeout ?? null }));
      if (o.format === 'json') json(rows);
      else out(table(['NAME', 'CURRENT', 'BROKERS', 'TIMEOUT'], rows.map((r) => [r.name, r.current ? '*' : '', r.brokers, r.timeout])));
    });
  fmt(profile.command('delete'))
    .alias('rm')
    .description('delete a profile')
    .argument('<name>', 'profile name')
    .addHelpText('after', '\nExample:\n  samsa profile delete staging\n')
    .action((name: string, o: { format: string }) => {
      const file = readProfiles();
      if (!(name in file.profiles)) throw new CliError(`no profile ${name} in ${profilesPath()}`);
      delete file.profiles[name];
      if (file.current === name) file.current = null;
      writeProfiles(file);
      if (o.format === 'json') json({ profile: name, deleted: true });
      else out(table(['PROFILE', 'STATUS'], [[name, 'DELETED']]));
    });
  return profile;
}
