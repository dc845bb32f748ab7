// Client quotas as Kafka's ClientQuotaManager applies them: producer_byte_rate,
// consumer_byte_rate and request_percentage per (user, client id) entity, resolved most specific
// first (user+client, user+default client, user, default user+client, default user+default
// client, default user, client, default client). Rates are measured over quota.window.num samples
// of quota.window.size.seconds (without Kafka's initial allowance of a whole window); a request over its quota is answered at once with
// throttle_time_ms and its connection is muted for that long (KIP-219).
import { DEFAULT_ENTITY, sanitizeEntityName } from '../../cluster/security-store.js';

export type QuotaKind = 'producer_byte_rate' | 'consumer_byte_rate' | 'request_percentage';
export const QUOTA_KEYS: readonly string[] = ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage', 'controller_mutation_rate', 'connection_creation_rate'];

/** Samples of a rate (Kafka's SampledStat behind Rate). */
class SampledRate {
  private readonly starts: number[];
  private readonly values: number[];
  private current = 0;

  constructor(private readonly samples: number, private readonly windowMs: number, now: number) {
    this.starts = new Array(samples).fill(now);
    this.values = new Array(samples).fill(0);
  }

  record(value: number, now: number): void {
    if (now - this.starts[this.current]! >= this.windowMs) {
      this.current = (this.current + 1) % this.samples;
      this.starts[this.current] = now;
      this.values[this.current] = 0;
    }
    this.values[this.current]! += value;
  }

  /** Per second, over the samples still in the window (Kafka's Rate.measure with its window rule). */
  measure(now: number): { rate: number; windowMs: number } {
    let total = 0;
    let oldest = now;
    const span = this.samples * this.windowMs;
    for (let i = 0; i < this.samples; i++) {
      if (now - this.starts[i]! >= span) {
        this.values[i] = 0;
        this.starts[i] = now;
      }
      total += this.values[i]!;
      oldest = Math.min(oldest, this.starts[i]!);
    }
    // Kafka counts a window of at least samples-1 full samples, which lets a new client send
    // that many seconds' worth at once; here the window is at least one sample long, so a
    // flooding client is held to its rate from its first second (docs/compatibility.md).
    const elapsed = Math.max(now - oldest, this.windowMs);
    return { rate: (total * 1000) / Math.max(1, elapsed), windowMs: elapsed };
  }
}

export interface QuotaOptions {
  samples: number;
  sampleWindowMs: number;
  now: () => number;
}

/** The entity-config paths consulted for a user and client id, most specific first. */
export function quotaPaths(user: string, clientId: string): string[] {
  const u = sanitizeEntityName(user);
  const c = sanitizeEntityName(clientId);
  const D = DEFAULT_ENTITY;
  return [`users/${u}/clients/${c}`, `users/${u}/clients/${D}`, `users/${u}`, `users/${D}/clients/${c}`, `users/${D}/clients/${D}`, `users/${D}`, `clients/${c}`, `clients/${D}`];
}

export class ClientQuotaManager {
  /** One rate per quota kind and entity path that holds the quota in force. */
  private readonly rates = new Map<string, SampledRate>();
  private configs: ReadonlyMap<string, Readonly<Record<string, string>>> = new Map();
  private anyQuota = false;

  constructor(private readonly opts: QuotaOptions) {}

  /** The entity configs changed. */
  load(configs: ReadonlyMap<string, Readonly<Record<string, string>>>): void {
    this.configs = configs;
    this.anyQuota = [...configs.values()].some((c) => ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage'].some((k) => k in c));
    this.rates.clear();
  }

  /** Some quota is configured (nothing is recorded otherwise). */
  get active(): boolean {
    return this.anyQuota;
  }

  /** The quota in force for the entity and the path it is set on, or null (unlimited). */
  quotaFor(kind: QuotaKind, user: string, clientId: string): { bound: number; path: string } | null {
    for (const path of quotaPaths(user, clientId)) {
      const v = this.configs.get(path)?.[kind];
      if (v !== undefined) return { bound: Number(v), path };
    }
    return null;
  }

  /**
   * Records `value` (bytes, or ms of request time) and returns how long the client is throttled,
   * 0 when within its quota. Clients sharing a default quota share its rate, as in Kafka.
   */
  record(kind: QuotaKind, user: string, clientId: string, value: number): number {
    if (!this.anyQuota) return 0;
    const q = this.quotaFor(kind, user, clientId);
    if (!q) return 0;
    const now = this.opts.now();
    // A default quota is each user's (client id's) own, not shared: its rate is kept per name.
    const key = `${kind}\u0000${q.path.replace(`users/${DEFAULT_ENTITY}`, `users/${sanitizeEntityName(user)}`).replace(`clients/${DEFAULT_ENTITY}`, `clients/${sanitizeEntityName(clientId)}`)}`;
    let rate = this.rates.get(key);
    if (!rate) this.rates.set(key, (rate = new SampledRate(this.opts.samples, this.opts.sampleWindowMs, now)));
    rate.record(value, now);
    // request_percentage: of one second of the event loop per second.
    const bound = kind === 'request_percentage' ? q.bound * 10 : q.bound;
    if (bound <= 0) return this.maxThrottleMs;
    const { rate: observed, windowMs } = rate.measure(now);
    if (observed <= bound) return 0;
    return Math.min(this.maxThrottleMs, Math.round(((observed - bound) / bound) * windowMs));
  }

  get maxThrottleMs(): number {
    return this.opts.samples * this.opts.sampleWindowMs;
  }
}
