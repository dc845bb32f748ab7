/**
 * A TCP proxy on 127.0.0.1 for fault tests: forwards each accepted connection to the target.
 * `drop()` resets the connections it carries (a network blip: the server stays up and so does
 * the session); `setMode('refuse')` closes every new connection at once (the server looks down)
 * and `setMode('blackhole')` accepts and never forwards (it looks hung); `setMode('forward')`
 * heals.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'forward' | 'refuse' | 'blackhole';

export class TcpProxy {
  private mode: ProxyMode = 'forward';
  private readonly pairs = new Set<[Socket, Socket | null]>();
  /** Connections accepted so far. */
  accepted = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly targetPort: number,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    let proxy: TcpProxy | null = null;
    const server = createServer((client) => proxy?.accept(client, targetHost));
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const a = server.address();
        resolve(typeof a === 'object' && a ? a.port : 0);
      });
    });
    proxy = new TcpProxy(server, port, targetPort);
    return proxy;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private accept(client: Socket, targetHost: string): void {
    this.accepted++;
    client.on('error', () => {});
    if (this.mode === 'refuse') {
      client.destroy();
      return;
    }
    if (this.mode === 'blackhole') {
      const pair: [Socket, Socket | null] = [client, null];
      this.pairs.add(pair);
      client.on('close', () => this.pairs.delete(pair));
      client.resume();
      return;
    }
    const upstream = connect({ host: targetHost, port: this.targetPort });
    upstream.on('error', () => {});
    const pair: [Socket, Socket | null] = [client, upstream];
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Resets every connection now carried; new ones are handled by the current mode. */
  drop(): void {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b?.destroy();
    }
    this.pairs.clear();
  }

  setMode(mode: ProxyMode): void {
    this.mode = mode;
  }

  /** Connections open through the proxy now. */
  get open(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
