// How a broker of a cluster connects to its peers (replica fetchers, the controller's channel,
// AlterPartition, controlled shutdown, transaction markers and KIP-890 verifications): with the
// inter-broker listener's own security protocol, as Kafka's inter-broker clients do. TLS takes
// the listener's keystore (the client certificate a listener with ssl.client.auth asks for) and
// truststore; SASL takes sasl.mechanism.inter.broker.protocol and the username and password of
// that mechanism's JAAS config on the listener.
import type { PeerSecurity, TlsOptions } from '../client/connection.js';
import { isSaslMechanism, type SaslOptions } from '../client/sasl-client.js';
import type { BrokerConfig } from '../config/broker-config.js';
import { ConfigError } from '../config/parse.js';
import { parseJaasConfig } from '../server/security/jaas.js';
import { usesSasl, usesTls, type ListenerSpec } from '../server/security/listeners.js';
import { tlsSettings } from '../server/security/tls.js';

export function interBrokerPeerSecurity(config: BrokerConfig, listener: ListenerSpec): PeerSecurity {
  return {
    tls: usesTls(listener.protocol) ? peerTls(config, listener.name) : null,
    sasl: usesSasl(listener.protocol) ? peerSasl(config, listener.name) : null,
  };
}

function peerTls(config: BrokerConfig, listener: string): TlsOptions {
  const o = tlsSettings(config, listener).options;
  const pem = (v: unknown): string | Buffer | undefined => (typeof v === 'string' || Buffer.isBuffer(v) ? v : undefined);
  const out: TlsOptions = { checkHostname: String(config.listenerValue(listener, 'ssl.endpoint.identification.algorithm') ?? '').trim() !== '' };
  const ca = pem(o.ca);
  const cert = pem(o.cert);
  const key = pem(o.key);
  if (ca !== undefined) out.ca = ca;
  if (cert !== undefined) out.cert = cert;
  if (key !== undefined) out.key = key;
  if (Buffer.isBuffer(o.pfx)) out.pfx = o.pfx;
  if (typeof o.passphrase === 'string') out.passphrase = o.passphrase;
  return out;
}

function peerSasl(config: BrokerConfig, listener: string): SaslOptions {
  const mechanism = config.str('sasl.mechanism.inter.broker.protocol').trim().toUpperCase();
  if (!isSaslMechanism(mechanism)) {
    throw new ConfigError(`the inter-broker listener ${listener} uses SASL: set sasl.mechanism.inter.broker.protocol to PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (${mechanism} is not available)`);
  }
  const enabled = (config.listenerValue(listener, 'sasl.enabled.mechanisms') as string[]).map((m) => m.trim().toUpperCase());
  if (!enabled.includes(mechanism)) throw new ConfigError(`sasl.mechanism.inter.broker.protocol ${mechanism} is not in the sasl.enabled.mechanisms of the inter-broker listener ${listener}`);
  const setting = `listener.name.${listener.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config`;
  const jaas = config.listenerValue(listener, `${mechanism.toLowerCase()}.sasl.jaas.config`) as string | null;
  let username: string | undefined;
  let password: string | undefined;
  try {
    for (const e of jaas ? parseJaasConfig(jaas) : []) {
      username ??= e.options.get('username');
      password ??= e.options.get('password');
    }
  } catch (err) {
    throw new ConfigError(`${setting}: ${(err as Error).message}`);
  }
  if (username === undefined || password === undefined) {
    throw new ConfigError(`the inter-broker listener ${listener} uses SASL ${mechanism}: give the broker's own username="..." and password="..." in ${setting}`);
  }
  return { mechanism, username, password };
}
