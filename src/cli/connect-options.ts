// TLS and SASL for every command that talks to brokers, by rpk's flag names, over the same
// settings in profiles and -X (rpk's keys: tls.enabled, tls.ca, tls.cert, tls.key,
// tls.insecure_skip_verify, sasl.mechanism, user, pass). A flag wins over -X, -X over the profile.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { TlsOptions } from '../client/connection.js';
import { isSaslMechanism, SASL_MECHANISMS, type SaslOptions } from '../client/sasl-client.js';
import { ClientError } from '../client/util.js';
import { CliError } from './output.js';
import type { Settings } from './profiles.js';

export interface SecurityFlags {
  user?: string;
  password?: string;
  saslMechanism?: string;
  tlsEnabled?: boolean;
  tlsTruststore?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export function withSecurityFlags(cmd: Command): Command {
  return cmd
    .option('--user <name>', 'SASL user name (-X user)')
    .option('--password <password>', 'SASL password (-X pass)')
    .option('--sasl-mechanism <mechanism>', `SASL mechanism: ${SASL_MECHANISMS.join(', ')} (-X sasl.mechanism)`)
    .option('--tls-enabled', 'connect with TLS (-X tls.enabled=true; implied by the other --tls flags)')
    .option('--tls-truststore <file>', 'PEM file of the CA certificates that signed the brokers\' (-X tls.ca; default: the system\'s)')
    .option('--tls-cert <file>', 'PEM client certificate, for brokers that require one (mutual TLS; -X tls.cert)')
    .option('--tls-key <file>', 'PEM key of --tls-cert (-X tls.key)');
}

function bool(v: string | undefined, key: string): boolean | undefined {
  if (v === undefined || v === '') return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new CliError(`bad ${key} "${v}": expected true or false`);
}

function pem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new CliError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The TLS and SASL options a command connects with (null: plaintext, no SASL). */
export function securityOptions(o: SecurityFlags, s: Settings): { tls: TlsOptions | null; sasl: SaslOptions | null } {
  const ca = o.tlsTruststore ?? s['tls.ca'];
  const cert = o.tlsCert ?? s['tls.cert'];
  const key = o.tlsKey ?? s['tls.key'];
  const skipVerify = bool(s['tls.insecure_skip_verify'], 'tls.insecure_skip_verify') ?? false;
  const enabled = o.tlsEnabled === true || bool(s['tls.enabled'], 'tls.enabled') === true || !!ca || !!cert || !!key || skipVerify;
  if (!!cert !== !!key) throw new CliError('a TLS client certificate needs its key: give both --tls-cert and --tls-key');
  const tls: TlsOptions | null = enabled
    ? {
        ...(ca ? { ca: pem(ca, 'the TLS truststore') } : {}),
        ...(cert ? { cert: pem(cert, 'the TLS certificate') } : {}),
        ...(key ? { key: pem(key, 'the TLS key') } : {}),
        ...(skipVerify ? { verify: false } : {}),
      }
    : null;

  const user = o.user ?? s.user;
  const password = o.password ?? s.pass;
  const mechanism = o.saslMechanism ?? s['sasl.mechanism'];
  let sasl: SaslOptions | null = null;
  if (user || password || mechanism) {
    if (!mechanism) throw new CliError('SASL needs a mechanism: give --sasl-mechanism PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512');
    const m = mechanism.toUpperCase();
    if (!isSaslMechanism(m)) throw new CliError(`unknown SASL mechanism "${mechanism}" (known: ${SASL_MECHANISMS.join(', ')})`);
    if (!user) throw new CliError('SASL needs a user: give --user');
    if (password === undefined) throw new CliError('SASL needs a password: give --password');
    sasl = { mechanism: m, username: user, password };
  }
  return { tls, sasl };
}

/** The client's connection errors with the flag that fixes them, on one line. */
export function explainConnectError(e: unknown): unknown {
  if (!(e instanceof ClientError)) return e;
  if (e.code === 'TLS_EXPECTED') return new CliError(e.message.replace('(enable TLS)', '(connect with --tls-enabled and --tls-truststore)'));
  if (e.code === 'TLS_HANDSHAKE' && /not signed by a trusted CA/.test(e.message)) return new CliError(e.message.replace('give the CA with a truststore', 'give the CA with --tls-truststore'));
  if (e.code === 'TLS_HANDSHAKE' && /certificate required|handshake failure/.test(e.message)) return new CliError(`${e.message}: the listener requires a client certificate (--tls-cert and --tls-key)`);
  if (e.message.includes('the listener probably requires SASL')) return new CliError(e.message.replace('(give a SASL mechanism, user and password)', '(give --user, --password and --sasl-mechanism)'));
  if (e.code === 'ILLEGAL_SASL_STATE') return new CliError(e.message.replace('connect without a SASL mechanism, user and password', 'leave out --user, --password and --sasl-mechanism'));
  return e;
}
