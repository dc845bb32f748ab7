/**
 * A fake ZooKeeper server speaking just enough jute for the client's timing and failure rules:
 * it decodes the ConnectRequest and every request header, keeps what it received, and answers
 * only what the test tells it to (pings optionally on its own). The client under test runs on a
 * ManualClock, so a test decides exactly when its timers fire.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { FrameSplitter } from '../../src/cluster/zookeeper/frames.js';
import { JuteReader, JuteWriter } from '../../src/cluster/zookeeper/jute.js';

export interface FakeConnectRequest {
  protocolVersion: number;
  lastZxidSeen: bigint;
  timeoutMs: number;
  sessionId: bigint;
  passwd: Buffer;
  readOnly: boolean;
}

export interface FakeRequest {
  xid: number;
  opcode: number;
  /** The request record after the header. */
  body: Buffer;
}

export class FakeZkConnection {
  connectRequest: FakeConnectRequest | null = null;
  readonly requests: FakeRequest[] = [];
  closed = false;
  pingsAnswered = 0;
  private readonly splitter = new FrameSplitter(1 << 20);

  constructor(
    readonly socket: Socket,
    private readonly server: FakeZkServer,
  ) {
    socket.on('data', (c: Buffer) => this.onData(c));
    socket.on('error', () => {});
    socket.on('close', () => (this.closed = true));
  }

  private onData(chunk: Buffer): void {
    this.splitter.push(chunk);
    for (let f = this.splitter.next(); f; f = this.splitter.next()) {
      const r = new JuteReader(f);
      if (!this.connectRequest) {
        this.connectRequest = {
          protocolVersion: r.int(),
          lastZxidSeen: r.long(),
          timeoutMs: r.int(),
          sessionId: r.long(),
          passwd: Buffer.from(r.buffer() ?? Buffer.alloc(0)),
          readOnly: r.remaining > 0 ? r.boolean() : false,
        };
        this.server.onConnectRequest(this);
        continue;
      }
      const xid = r.int();
      const opcode = r.int();
      const req = { xid, opcode, body: Buffer.from(f.subarray(8)) };
      this.requests.push(req);
      if (opcode === 11 && this.server.answerPings) {
        this.reply(-2, 0, undefined, -1n);
        this.pingsAnswered++;
      }
      if (opcode === -11 && this.server.answerClose) {
        this.reply(xid);
        this.socket.end();
      }
    }
  }

  /** ConnectResponse; timeoutMs 0 is how a server says the session is expired. */
  acceptSession(sessionId: bigint, timeoutMs: number, passwd: Buffer): void {
    const w = new JuteWriter().frame().int(0).int(timeoutMs).long(sessionId).buffer(passwd).boolean(false);
    this.socket.write(w.finish());
  }

  expireSession(): void {
    this.acceptSession(0n, 0, Buffer.alloc(16));
  }

  /** A reply: header (xid, zxid, err) and the record written by `body`. */
  reply(xid: number, err = 0, body?: (w: JuteWriter) => void, zxid = 1n): void {
    const w = new JuteWriter().frame().int(xid).long(zxid).int(err);
    body?.(w);
    this.socket.write(w.finish());
  }

  /** A watch event (xid -1). */
  notify(type: number, path: string): void {
    this.reply(-1, 0, (w) => w.int(type).int(3).ustring(path), -1n);
  }

  requestsOf(opcode: number): FakeRequest[] {
    return this.requests.filter((r) => r.opcode === opcode);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export class FakeZkServer {
  readonly connections: FakeZkConnection[] = [];
  answerPings = true;
  /** Answer CloseSession and close the connection, as a server does. */
  answerClose = true;
  /** What to do with a ConnectRequest; by default a session is granted with the timeout asked for. */
  onConnect: (c: FakeZkConnection) => void = (c) => this.grant(c);
  sessionId = 0x1_2345_6789_abcden;
  passwd = Buffer.from('0123456789abcdef');
  /** The negotiated timeout granted by `grant`; 0 means the one asked for. */
  timeoutMs = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<FakeZkServer> {
    let fake: FakeZkServer | null = null;
    const server = createServer((s) => fake?.connections.push(new FakeZkConnection(s, fake)));
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const a = server.address();
        resolve(typeof a === 'object' && a ? a.port : 0);
      });
    });
    fake = new FakeZkServer(server, port);
    return fake;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get last(): FakeZkConnection {
    const c = this.connections[this.connections.length - 1];
    if (!c) throw new Error('no connection yet');
    return c;
  }

  grant(c: FakeZkConnection): void {
    c.acceptSession(this.sessionId, this.timeoutMs || c.connectRequest!.timeoutMs, this.passwd);
  }

  onConnectRequest(c: FakeZkConnection): void {
    this.onConnect(c);
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
