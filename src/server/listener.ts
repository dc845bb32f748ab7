import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { systemClock, type Clock, type Timer } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { Connection, type ConnectionLimits, type Dispatch } from './connection.js';
import { RequestMemory } from './request-memory.js';
import type { SecuredListener } from './security/broker-security.js';
import { rfc2253Subject, userPrincipal, type SslPrincipalMapper } from './security/principal.js';
import { Session, type ListenerSecurity } from './security/session.js';

export interface ListenerOptions extends ConnectionLimits {
  host: string;
  port: number;
  /** connections.max.idle.ms */
  maxIdleMs: number;
  /** queued.max.request.bytes, shared by every connection; ≤ 0 or absent: unbounded. */
  queuedMaxRequestBytes?: number;
  /** The listener's name, protocol, TLS and SASL settings; absent: PLAINTEXT. */
  security?: SecuredListener;
  /** Maps a TLS client certificate's subject to a user name (ssl.principal.mapping.rules). */
  principalMapper?: SslPrincipalMapper;
  /** Request bytes in flight over every listener, shared; absent: this listener's own. */
  requestMemory?: RequestMemory;
}

const PLAINTEXT: ListenerSecurity = { name: 'PLAINTEXT', protocol: 'PLAINTEXT', sasl: null };

/** The TCP listener: accepts connections, closes idle ones, and drains them on shutdown. */
export class Listener {
  private readonly server: Server;
  /** TLS listeners: the server that runs each accepted connection's handshake. */
  private tlsServer: TlsServer | null = null;
  private readonly handshaking = new Set<Socket>();
  private readonly connections = new Set<Connection>();
  private nextId = 1;
  private idleTimer: Timer | null = null;
  private readonly clock: Clock;
  /** Request bytes being read or awaiting an answer, over all connections. */
  readonly requestMemory: RequestMemory;

  constructor(private readonly opts: ListenerOptions, dispatch: Dispatch, private readonly log: Logger) {
    this.clock = opts.clock ?? systemClock;
    const memory = (this.requestMemory = opts.requestMemory ?? new RequestMemory(opts.queuedMaxRequestBytes ?? -1));
    const security = opts.security?.security ?? PLAINTEXT;
    const tls = opts.security?.tls ?? null;
    const open = (socket: Socket, session: Session): void => {
      const conn = new Connection(this.nextId++, socket, dispatch, opts, memory, log, (c) => {
        this.connections.delete(c);
        opts.observer?.connectionClosed?.();
        log.debug({ conn: c.id, remote: c.remote }, 'client disconnected');
      }, session);
      this.connections.add(conn);
      opts.observer?.connectionOpened?.();
      log.debug({ conn: conn.id, remote: conn.remote }, 'client connected');
    };
    if (tls) {
      // TLS connections are served once the handshake is done, through the TLS socket (no
      // zero-copy, no direct reads). A client certificate that does not verify ends the handshake.
      const server = (this.tlsServer = createTlsServer({ ...tls.options, handshakeTimeout: Math.min(opts.maxIdleMs, 30_000) }));
      server.on('secureConnection', (socket: TLSSocket) => {
        this.handshaking.delete(socket);
        const session = new Session(security, socket.remoteAddress ?? '', () => this.clock.now());
        if (this.identify(socket, session, tls.clientAuth)) open(socket, session);
      });
      server.on('tlsClientError', (err, socket) => {
        this.handshaking.delete(socket);
        log.debug({ remote: socket.remoteAddress, err: err.message }, 'TLS handshake failed');
        socket.destroy();
      });
    }
    // Paused: a Connection may move the socket to one that reads into memory it chooses.
    this.server = createServer({ noDelay: true, pauseOnConnect: true }, (accepted) => {
      if (this.tlsServer) {
        this.handshaking.add(accepted);
        accepted.once('close', () => this.handshaking.delete(accepted));
        this.tlsServer.emit('connection', accepted);
        return;
      }
      open(accepted, new Session(security, accepted.remoteAddress ?? '', () => this.clock.now()));
    });
  }

  /**
   * A verified client certificate names the principal of an SSL connection (on SASL_SSL, SASL
   * does). False: the connection is refused.
   */
  private identify(socket: TLSSocket, session: Session, clientAuth: string): boolean {
    if (clientAuth === 'none') return true;
    const cert = socket.getPeerX509Certificate();
    if (!cert) return true;
    if (!socket.authorized) {
      // ssl.client.auth=requested: no certificate is fine, one that does not verify is not.
      this.log.info({ remote: socket.remoteAddress, err: String(socket.authorizationError) }, 'refusing a TLS client certificate that does not verify');
      socket.destroy();
      return false;
    }
    if (session.listener.sasl) return true;
    try {
      const subject = rfc2253Subject(cert);
      session.principal = userPrincipal(this.opts.principalMapper ? this.opts.principalMapper.map(subject) : subject);
      return true;
    } catch (err) {
      this.log.info({ remote: socket.remoteAddress, err: (err as Error).message }, 'refusing a TLS client: no principal for its certificate');
      socket.destroy();
      return false;
    }
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
    for (const s of this.handshaking) s.destroy();
    await Promise.all([...this.connections].map((c) => c.drain(drainMs)));
    for (const c of this.connections) c.close();
    await closed;
  }
}
