// TLS listener settings as Kafka names them (ssl.keystore.*, ssl.truststore.*, ssl.client.auth),
// turned into Node's SecureContextOptions. PEM and PKCS12 stores are read; JKS is Java's own.
import { readFileSync } from 'node:fs';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { BrokerConfig } from '../../config/broker-config.js';
import { ConfigError } from '../../config/parse.js';

export type ClientAuth = 'required' | 'requested' | 'none';

export interface TlsSettings {
  readonly options: TlsOptions;
  readonly clientAuth: ClientAuth;
}

const PROTOCOL_ORDER = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

export function tlsSettings(config: BrokerConfig, listener: string): TlsSettings {
  const get = (name: string) => config.listenerValue(listener, name);
  const where = (name: string) => `${name} (listener ${listener})`;
  const read = (name: string): Buffer => {
    const path = get(name) as string;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(`cannot read ${where(name)} ${path}: ${(err as Error).message}`);
    }
  };
  const ctx: SecureContextOptions = {};
  const keyPassword = (get('ssl.key.password') ?? get('ssl.keystore.password')) as string | null;
  const inlineKey = get('ssl.keystore.key') as string | null;
  const inlineChain = get('ssl.keystore.certificate.chain') as string | null;
  if (inlineKey || inlineChain) {
    if (!inlineKey || !inlineChain) throw new ConfigError(`${where('ssl.keystore.key')} and ssl.keystore.certificate.chain go together`);
    ctx.key = inlineKey;
    ctx.cert = inlineChain;
    if (keyPassword) ctx.passphrase = keyPassword;
  } else if (get('ssl.keystore.location')) {
    const data = read('ssl.keystore.location');
    const type = storeType(get('ssl.keystore.type') as string, config.source('ssl.keystore.type') === 'default', data, where('ssl.keystore.type'));
    if (type === 'PKCS12') {
      ctx.pfx = data;
      const pw = get('ssl.keystore.password') as string | null;
      if (pw) ctx.passphrase = pw;
    } else {
      const text = data.toString('utf8');
      ctx.key = text;
      ctx.cert = text;
      if (keyPassword) ctx.passphrase = keyPassword;
    }
  } else {
    throw new ConfigError(`listener ${listener} uses TLS: set ssl.keystore.location (or ssl.keystore.key and ssl.keystore.certificate.chain), or listener.name.${listener.toLowerCase()}.ssl.keystore.location`);
  }
  const inlineTrust = get('ssl.truststore.certificates') as string | null;
  if (inlineTrust) ctx.ca = inlineTrust;
  else if (get('ssl.truststore.location')) {
    const data = read('ssl.truststore.location');
    const type = storeType(get('ssl.truststore.type') as string, config.source('ssl.truststore.type') === 'default', data, where('ssl.truststore.type'));
    if (type === 'PKCS12') throw new ConfigError(`${where('ssl.truststore.type')}: a PKCS12 truststore is not read here; give the CA certificates as PEM`);
    ctx.ca = data.toString('utf8');
  }
  const protocols = (get('ssl.enabled.protocols') as string[]).filter((p) => (PROTOCOL_ORDER as readonly string[]).includes(p));
  if (protocols.length === 0) throw new ConfigError(`${where('ssl.enabled.protocols')} names no TLS version Samsa knows (TLSv1.2, TLSv1.3)`);
  const sorted = [...protocols].sort((a, b) => PROTOCOL_ORDER.indexOf(a as never) - PROTOCOL_ORDER.indexOf(b as never));
  ctx.minVersion = sorted[0] as SecureContextOptions['minVersion'];
  ctx.maxVersion = sorted[sorted.length - 1] as SecureContextOptions['maxVersion'];
  const ciphers = get('ssl.cipher.suites') as string[];
  if (ciphers.length > 0) ctx.ciphers = ciphers.join(':');
  const clientAuth = get('ssl.client.auth') as ClientAuth;
  if (clientAuth !== 'none' && !ctx.ca && !ctx.pfx) throw new ConfigError(`${where('ssl.client.auth')}=${clientAuth} needs ssl.truststore.location or ssl.truststore.certificates`);
  // "requested": a certificate is asked for, and one that does not verify is refused as with
  // "required"; no certificate at all is accepted (Java's wantClientAuth).
  return { options: { ...ctx, requestCert: clientAuth !== 'none', rejectUnauthorized: clientAuth === 'required' }, clientAuth };
}

function storeType(type: string, defaulted: boolean, data: Buffer, where: string): 'PEM' | 'PKCS12' {
  const t = type.toUpperCase();
  if (t === 'PEM' || t === 'PKCS12') return t;
  // Left at Kafka's default (JKS): the file says what it is.
  if (defaulted) return data.subarray(0, 64).toString('latin1').includes('-----BEGIN') ? 'PEM' : 'PKCS12';
  throw new ConfigError(`${where}=${type} is not readable here: use PEM or PKCS12`);
}
