/**
 * A TCP proxy in front of a broker that can lose the broker's responses: while `dropping`, what
 * the broker sends is discarded and what clients send still arrives. A broker advertising the
 * proxy's address then carries every client connection through it, so a test can make the broker
 * store requests whose answers never reach the producer — what a crash between the write and the
 * response, or a network cut, does — and then kill it. The producer must retry those requests,
 * and only the broker's duplicate detection keeps them from being stored twice.
 *
 * Frames are not decoded; only their size prefixes and headers are read, to count the Produce
 * responses that were lost (`droppedProduceResponses`).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

const PRODUCE = 0;

/** Calls `onHeader` with the first `headerSize` bytes of each size-prefixed frame of a byte stream. */
class FrameHeaders {
  private head = Buffer.alloc(0);
  private skip = 0;

  constructor(private readonly headerSize: number, private readonly onHeader: (header: Buffer) => void) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      const take = chunk.subarray(at, at + this.headerSize - this.head.length);
      this.head = Buffer.concat([this.head, take]);
      at += take.length;
      if (this.head.length === this.headerSize) {
        this.onHeader(this.head);
        this.skip = 4 + this.head.readInt32BE(0) - this.headerSize;
        this.head = Buffer.alloc(0);
      }
    }
  }
}

export class ResponseDroppingProxy {
  /** Broker-to-client bytes are discarded while set. */
  dropping = false;
  /** Produce requests the broker answered while dropping: handled, and their producer never heard back. */
  droppedProduceResponses = 0;
  private readonly pairs = new Set<[Socket, Socket]>();

  private constructor(private readonly server: Server, readonly port: number, private readonly targetPort: () => number) {}

  /** Listens on an ephemeral port of 127.0.0.1 and forwards to 127.0.0.1:targetPort(). */
  static start(targetPort: () => number): Promise<ResponseDroppingProxy> {
    return new Promise((resolve, reject) => {
      let proxy: ResponseDroppingProxy | null = null;
      const server = createServer((client) => proxy?.pipe(client));
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const addr = server.address();
        proxy = new ResponseDroppingProxy(server, typeof addr === 'object' && addr ? addr.port : 0, targetPort);
        resolve(proxy);
      });
    });
  }

  private pipe(client: Socket): void {
    const upstream = connect({ host: '127.0.0.1', port: this.targetPort() });
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    const produces = new Set<number>();
    // Request header: size, api key, api version, correlation id; response header: size, correlation id.
    const requests = new FrameHeaders(12, (h) => {
      if (h.readInt16BE(4) === PRODUCE) produces.add(h.readInt32BE(8));
    });
    const responses = new FrameHeaders(8, (h) => {
      const correlationId = h.readInt32BE(4);
      if (produces.delete(correlationId) && this.dropping) this.droppedProduceResponses++;
    });
    client.on('data', (d: Buffer) => {
      requests.push(d);
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      responses.push(d);
      if (!this.dropping) client.write(d);
    });
  }

  /** Cuts every proxied connection (clients see their broker connection drop). */
  closeAll(): void {
    for (const [a, b] of [...this.pairs]) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  close(): Promise<void> {
    this.closeAll();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
