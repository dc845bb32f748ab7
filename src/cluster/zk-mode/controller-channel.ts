/**
 * The controller's connections to the brokers (Kafka's ControllerChannelManager): one queue per
 * live broker, requests sent in order and each resent on a new connection until the broker
 * answers or leaves the cluster, so a broker never applies a newer state before an older one.
 */
import type { PeerSecurity } from '../../client/connection.js';
import { LazyConnection } from '../../client/lazy-connection.js';
import type { ApiSpec, ResponseOf } from '../../protocol/schema.js';
import type { ReqBody } from '../../client/util.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import type { BrokerInfo } from '../metadata-image.js';

interface Queued {
  spec: ApiSpec;
  body: (version: number) => object;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

const RETRY_BACKOFF_MS = 100;

class BrokerQueue {
  private readonly conn = new LazyConnection((b) => ({ host: b.host, port: b.port, clientId: 'samsa-controller', connectTimeoutMs: this.timeoutMs, requestTimeoutMs: this.timeoutMs, ...this.peer }));
  private readonly queue: Queued[] = [];
  private running = false;
  stopped = false;

  constructor(
    readonly broker: BrokerInfo,
    /** The registration this queue speaks to: a broker registered anew gets a new queue. */
    readonly epoch: number,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** controller.socket.timeout.ms: a broker that does not answer within it gets the request again on a new connection. */
    private readonly timeoutMs: number,
    private readonly peer: PeerSecurity | undefined,
  ) {}

  enqueue(q: Queued): void {
    this.queue.push(q);
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    while (!this.stopped && this.queue.length > 0) {
      const q = this.queue[0]!;
      try {
        const conn = await this.conn.get(this.broker);
        const version = conn.versionFor(q.spec);
        if (version < 0) throw new Error(`broker ${this.broker.id} does not serve ${q.spec.name}`);
        const res = await conn.sendAt(q.spec, version, q.body(version) as ReqBody<ApiSpec>, { timeoutMs: this.timeoutMs });
        this.queue.shift();
        q.resolve(res);
      } catch (err) {
        this.conn.reset();
        if (this.stopped) break;
        this.log.debug({ err, broker: this.broker.id, api: q.spec.name }, 'controller request failed; retrying');
        await new Promise<void>((r) => this.clock.schedule(RETRY_BACKOFF_MS, r));
      }
    }
    this.running = false;
    if (this.stopped) this.failAll();
  }

  stop(): void {
    this.stopped = true;
    this.conn.close();
    if (!this.running) this.failAll();
  }

  private failAll(): void {
    for (const q of this.queue.splice(0)) q.reject(new Error(`broker ${this.broker.id} left the cluster`));
  }
}

export class ControllerChannel {
  private readonly queues = new Map<number, BrokerQueue>();

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
    /** controller.socket.timeout.ms */
    private readonly timeoutMs: number,
    /** The inter-broker listener's TLS and SASL. */
    private readonly peer?: PeerSecurity,
  ) {}

  /**
   * Brokers join and leave as the controller sees them; a changed address or a new registration
   * is a new queue (what was queued for the old one is of no use to it, and its connection may
   * hang until the timeout).
   */
  setBrokers(brokers: ReadonlyArray<{ info: BrokerInfo; epoch: number }>): void {
    for (const [id, q] of this.queues) {
      const now = brokers.find((b) => b.info.id === id);
      if (!now || now.info.host !== q.broker.host || now.info.port !== q.broker.port || now.epoch !== q.epoch) {
        q.stop();
        this.queues.delete(id);
      }
    }
    for (const b of brokers) if (!this.queues.has(b.info.id)) this.queues.set(b.info.id, new BrokerQueue(b.info, b.epoch, this.clock, this.log, this.timeoutMs, this.peer));
  }

  /** Sends to one broker, at the highest version both serve; `body` may depend on that version. */
  send<A extends ApiSpec>(brokerId: number, spec: A, body: (version: number) => ReqBody<A>): Promise<ResponseOf<A>> {
    const q = this.queues.get(brokerId);
    if (!q) return Promise.reject(new Error(`broker ${brokerId} is not live`));
    return new Promise((resolve, reject) => q.enqueue({ spec, body: body as (v: number) => object, resolve: resolve as (v: unknown) => void, reject }));
  }

  close(): void {
    for (const q of this.queues.values()) q.stop();
    this.queues.clear();
  }
}
