/**
 * One connection to a peer that moves (a partition's leader, the controller), opened on first
 * use, reused while it stays open and the peer stays the same, and opened again after a failure.
 * Once closed it opens nothing more: a connect still under way when its owner stops is closed
 * as it completes, so no socket outlives the owner and keeps the process alive.
 */
import { Connection, type ConnectionOptions } from './connection.js';
import { ClientError } from './util.js';

export interface Peer {
  host: string;
  port: number;
}

export class LazyConnection {
  private conn: Connection | null = null;
  private target = '';
  private closed = false;

  constructor(private readonly options: (peer: Peer) => ConnectionOptions) {}

  /** A connected connection to `peer`; the one held is dropped when it is closed or goes elsewhere. */
  async get(peer: Peer): Promise<Connection> {
    if (this.closed) throw new ClientError('NETWORK', 'the connection was closed by its owner', false);
    const target = `${peer.host}:${peer.port}`;
    if (this.conn && !this.conn.closed && this.target === target) return this.conn;
    this.conn?.close();
    const c = new Connection(this.options(peer));
    this.conn = c;
    this.target = target;
    try {
      await c.connect();
    } catch (err) {
      if (this.conn === c) this.conn = null;
      c.close();
      throw err;
    }
    if (this.closed || this.conn !== c) {
      c.close();
      throw new ClientError('NETWORK', 'the connection was closed by its owner', false);
    }
    return c;
  }

  /** Drops the connection held (after a failed request); the next get opens another. */
  reset(): void {
    this.conn?.close();
    this.conn = null;
  }

  /** Drops the connection and refuses every later get. */
  close(): void {
    this.closed = true;
    this.reset();
  }
}
