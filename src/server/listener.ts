import { createServer, type Server } from 'node:net';
import { systemClock, type Clock, type Timer } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { Connection, type ConnectionLimits, type Dispatch } from './connection.js';
import { RequestMemory } from './request-memory.js';

export interface ListenerOptions extends ConnectionLimits {
  host: string;
  port: number;
  /** connections.max.idle.ms */
  maxIdleMs: number;
  /** queued.max.request.bytes, shared by every connection; ≤ 0 or absent: unbounded. */
  queuedMaxRequestBytes?: number;
}

/** The TCP listener: accepts connections, closes idle ones, and drains them on shutdown. */
export class Listener {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private nextId = 1;
  private idleTimer: Timer | null = null;
  private readonly clock: Clock;
  /** Request bytes being read or awaiting an answer, over all connections. */
  readonly requestMemory: RequestMemory;

  constructor(private readonly opts: ListenerOptions, dispatch: Dispatch, private readonly log: Logger) {
    this.clock = opts.clock ?? systemClock;
    const memory = (this.requestMemory = new RequestMemory(opts.queuedMaxRequestBytes ?? -1));
    // Paused: a Connection may move the socket to one that reads into memory it chooses.
    this.server = createServer({ noDelay: true, pauseOnConnect: true }, (socket) => {
      const conn = new Connection(this.nextId++, socket, dispatch, opts, memory, log, (c) => {
        this.connections.delete(c);
        opts.observer?.connectionClosed?.();
        log.debug({ conn: c.id, remote: c.remote }, 'client disconnected');
      });
      this.connections.add(conn);
      opts.observer?.connectionOpened?.();
      log.debug({ conn: conn.id, remote: conn.remote }, 'client connected');
    });
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        // An accept that fails (out of descriptors: EMFILE) drops that connection, not the broker.
        this.server.on('error', (err) => this.log.warn({ err }, 'accepting a connection failed'));
        const addr = this.server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : this.opts.port);
      });
      // One coarse sweep for idle connections instead of a timer per connection.
      const sweepMs = Math.min(1000, Math.max(10, Math.floor(this.opts.maxIdleMs / 4)));
      const sweep = (): void => {
        this.closeIdle();
        this.idleTimer = this.clock.schedule(sweepMs, sweep);
      };
      this.idleTimer = this.clock.schedule(sweepMs, sweep);
    });
  }

  private closeIdle(): void {
    const now = this.clock.now();
    const cutoff = now - this.opts.maxIdleMs;
    for (const c of this.connections) {
      if (c.idle && c.lastActive < cutoff) {
        this.log.debug({ conn: c.id }, 'closing idle connection');
        c.close();
      } else if (c.sendStalled(now)) {
        this.log.info({ conn: c.id, remote: c.remote }, 'closing a connection that has not read its responses');
        c.close();
      }
    }
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops accepting, answers what is in flight (bounded), then closes every connection. */
  async close(drainMs = 5000): Promise<void> {
    this.idleTimer?.cancel();
    this.idleTimer = null;
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    await Promise.all([...this.connections].map((c) => c.drain(drainMs)));
    for (const c of this.connections) c.close();
    await closed;
  }
}
