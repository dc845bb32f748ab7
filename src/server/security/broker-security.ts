// The broker's security, composed once from its settings and its security store: each
// listener's TLS and SASL settings, the ACL authorizer (when authorizer.class.name names
// Kafka's) and the client quotas. The store's changes (local, or another broker's in ZooKeeper)
// reload the ACLs, credentials and quotas in force.
import type { BrokerConfig } from '../../config/broker-config.js';
import { ConfigError } from '../../config/parse.js';
import { sanitizeEntityName, type SecurityStore } from '../../cluster/security-store.js';
import type { Logger } from '../../util/log.js';
import { AclAuthorizer, type Requester } from './authorizer.js';
import { parseJaasConfig, plainUsers } from './jaas.js';
import { listenerSpecs, usesSasl, usesTls, type ListenerSpec } from './listeners.js';
import { SslPrincipalMapper } from './principal.js';
import { ClientQuotaManager } from './quotas.js';
import { credentialFromString, type ScramCredential, type ScramMechanism } from './scram.js';
import { SUPPORTED_SASL_MECHANISMS, type ListenerSecurity, type SaslMechanism, type SaslSettings } from './session.js';
import { tlsSettings, type TlsSettings } from './tls.js';

export const KAFKA_AUTHORIZERS = ['kafka.security.authorizer.AclAuthorizer', 'kafka.security.auth.SimpleAclAuthorizer', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'];

export interface SecuredListener {
  readonly spec: ListenerSpec;
  readonly security: ListenerSecurity;
  readonly tls: TlsSettings | null;
}

export class BrokerSecurity {
  readonly listeners: SecuredListener[];
  readonly authorizer: AclAuthorizer | null;
  readonly quotas: ClientQuotaManager;
  readonly principalMapper: SslPrincipalMapper;
  private scram = new Map<string, ScramCredential>();

  constructor(config: BrokerConfig, readonly store: SecurityStore, now: () => number, log: Logger) {
    const authorizerClass = config.str('authorizer.class.name').trim();
    if (authorizerClass !== '' && !KAFKA_AUTHORIZERS.includes(authorizerClass)) {
      throw new ConfigError(`authorizer.class.name ${authorizerClass} is not available: use ${KAFKA_AUTHORIZERS[0]} or ${KAFKA_AUTHORIZERS[2]}`);
    }
    const superUsers = ((config.get('super.users') as string | null) ?? '').split(';').map((s) => s.trim()).filter(Boolean);
    this.authorizer = authorizerClass === '' ? null : new AclAuthorizer({ superUsers, allowEveryoneIfNoAclFound: config.bool('allow.everyone.if.no.acl.found') }, store.acls());
    try {
      this.principalMapper = new SslPrincipalMapper(config.str('ssl.principal.mapping.rules'));
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
    this.quotas = new ClientQuotaManager({ samples: config.int('quota.window.num'), sampleWindowMs: config.int('quota.window.size.seconds') * 1000, now });
    this.listeners = listenerSpecs(config).map((spec) => ({
      spec,
      security: { name: spec.name, protocol: spec.protocol, sasl: usesSasl(spec.protocol) ? this.saslSettings(config, spec.name, log) : null },
      tls: usesTls(spec.protocol) ? tlsSettings(config, spec.name) : null,
    }));
    this.reload();
    store.onChange(() => this.reload());
  }

  private saslSettings(config: BrokerConfig, listener: string, log: Logger): SaslSettings {
    const named = (config.listenerValue(listener, 'sasl.enabled.mechanisms') as string[]).map((m) => m.trim().toUpperCase());
    const unavailable = named.filter((m) => !(SUPPORTED_SASL_MECHANISMS as readonly string[]).includes(m));
    const mechanisms = named.filter((m): m is SaslMechanism => (SUPPORTED_SASL_MECHANISMS as readonly string[]).includes(m));
    if (unavailable.length) log.warn({ listener, mechanisms: unavailable }, `SASL mechanisms ${unavailable.join(', ')} are not available and not offered`);
    if (mechanisms.length === 0) throw new ConfigError(`listener ${listener} uses SASL: set sasl.enabled.mechanisms (or listener.name.${listener.toLowerCase()}.sasl.enabled.mechanisms) to PLAIN, SCRAM-SHA-256 and/or SCRAM-SHA-512`);
    let users = new Map<string, string>();
    if (mechanisms.includes('PLAIN')) {
      const jaas = config.listenerValue(listener, 'plain.sasl.jaas.config') as string | null;
      if (!jaas) throw new ConfigError(`listener ${listener} offers PLAIN: set listener.name.${listener.toLowerCase()}.plain.sasl.jaas.config (PlainLoginModule with user_<name>="<password>" entries)`);
      try {
        users = plainUsers(parseJaasConfig(jaas));
      } catch (err) {
        throw new ConfigError(`listener.name.${listener.toLowerCase()}.plain.sasl.jaas.config: ${(err as Error).message}`);
      }
    }
    return {
      mechanisms,
      plainUsers: users,
      scramCredential: (m: ScramMechanism, user: string) => this.scram.get(`${m}\u0000${user}`),
      reauthMs: config.listenerValue(listener, 'connections.max.reauth.ms') as number,
      maxReceiveSize: config.listenerValue(listener, 'sasl.server.max.receive.size') as number,
    };
  }

  private reload(): void {
    const scram = new Map<string, ScramCredential>();
    const configs = this.store.entityConfigs();
    for (const [path, values] of configs) {
      const m = /^users\/([^/]+)$/.exec(path);
      if (!m) continue;
      for (const mech of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
        const c = values[mech] ? credentialFromString(values[mech]) : null;
        if (c) scram.set(`${mech}\u0000${decodeURIComponent(m[1]!.replace(/\+/g, '%20'))}`, c);
      }
    }
    this.scram = scram;
    this.authorizer?.load(this.store.acls());
    this.quotas.load(configs);
  }

  /** Whether the requester may perform the operation (always, without an authorizer). */
  authorize(who: Requester, operation: number, resourceType: number, name: string): boolean {
    return this.authorizer === null || this.authorizer.authorize(who, operation, resourceType, name);
  }

  authorizeByResourceType(who: Requester, operation: number, resourceType: number): boolean {
    return this.authorizer === null || this.authorizer.authorizeByResourceType(who, operation, resourceType);
  }

  /** The entity path of a user's configs. */
  static userPath(user: string): string {
    return `users/${sanitizeEntityName(user)}`;
  }
}
