// Kafka's listener model: `listeners` names each endpoint, listener.security.protocol.map gives
// each name its security protocol, `advertised.listeners` what clients are told per name, and
// inter.broker.listener.name (or security.inter.broker.protocol) the one brokers use.
import { parseListener, type BrokerConfig } from '../../config/broker-config.js';
import { ConfigError } from '../../config/parse.js';

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
const PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
/** Kafka's SecurityProtocol ids, as UpdateMetadata carries them. */
export const SECURITY_PROTOCOL_ID: Record<SecurityProtocol, number> = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 };

export interface ListenerSpec {
  readonly name: string;
  readonly protocol: SecurityProtocol;
  readonly host: string;
  readonly port: number;
  /** What clients connecting here are told (advertised.listeners for this name, else the listener). */
  readonly advertisedHost: string;
  readonly advertisedPort: number;
}

export const usesTls = (p: SecurityProtocol): boolean => p === 'SSL' || p === 'SASL_SSL';
export const usesSasl = (p: SecurityProtocol): boolean => p === 'SASL_PLAINTEXT' || p === 'SASL_SSL';

export function protocolMap(config: BrokerConfig): Map<string, SecurityProtocol> {
  const out = new Map<string, SecurityProtocol>();
  for (const entry of config.get('listener.security.protocol.map') as string[]) {
    const [name, proto] = entry.split(':').map((s) => s.trim());
    if (!name || !proto || !(PROTOCOLS as readonly string[]).includes(proto.toUpperCase())) {
      throw new ConfigError(`invalid listener.security.protocol.map entry "${entry}": expected NAME:PROTOCOL with PROTOCOL one of ${PROTOCOLS.join(', ')}`);
    }
    out.set(name.toUpperCase(), proto.toUpperCase() as SecurityProtocol);
  }
  return out;
}

/** Every listener of the broker, in `listeners` order. */
export function listenerSpecs(config: BrokerConfig): ListenerSpec[] {
  const map = protocolMap(config);
  const advertised = new Map<string, { host: string; port: number }>();
  const adv = config.get('advertised.listeners') as string[] | null;
  for (const a of adv ?? []) {
    const l = parseListener(a);
    advertised.set(l.name.toUpperCase(), { host: l.host, port: l.port });
  }
  const seen = new Set<string>();
  const specs = config.listeners.map((s): ListenerSpec => {
    const l = parseListener(s);
    const name = l.name.toUpperCase();
    if (seen.has(name)) throw new ConfigError(`listeners names ${name} twice: each listener needs its own name`);
    seen.add(name);
    const protocol = map.get(name);
    if (!protocol) throw new ConfigError(`listener ${name} has no security protocol: add ${name}:<PROTOCOL> to listener.security.protocol.map`);
    const a = advertised.get(name) ?? { host: l.host, port: l.port };
    return { name, protocol, host: l.host, port: l.port, advertisedHost: a.host, advertisedPort: a.port };
  });
  for (const name of advertised.keys()) {
    if (!seen.has(name)) throw new ConfigError(`advertised.listeners names ${name}, which listeners does not`);
  }
  return specs;
}

/** The listener brokers and the controller address each other on. */
export function interBrokerListener(config: BrokerConfig, specs: readonly ListenerSpec[]): ListenerSpec {
  const named = config.get('inter.broker.listener.name') as string | null;
  if (named) {
    const l = specs.find((s) => s.name === named.toUpperCase());
    if (!l) throw new ConfigError(`inter.broker.listener.name ${named} is not one of the listeners`);
    return l;
  }
  const proto = config.str('security.inter.broker.protocol');
  const byProto = config.source('security.inter.broker.protocol') === 'default' ? undefined : specs.find((s) => s.protocol === proto);
  if (config.source('security.inter.broker.protocol') !== 'default' && !byProto) throw new ConfigError(`security.inter.broker.protocol ${proto}: no listener uses it`);
  return byProto ?? specs.find((s) => s.protocol === 'PLAINTEXT') ?? specs[0]!;
}
