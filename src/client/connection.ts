// One TCP connection to one broker: length-prefixed framing, correlation ids, pipelined requests
// (responses arrive in request order, as every Kafka broker guarantees per connection), request
// timeouts on one coarse timer, and ApiVersions negotiation on connect.
import net from 'node:net';
import { DecodeError } from '../protocol/decode-error.js';
import { decodeResponse, encodeRequest } from '../protocol/frame.js';
import { ApiVersions } from '../protocol/messages/index.js';
import { parseRange, type ApiSpec, type ResponseOf } from '../protocol/schema.js';
import { ErrorCode } from '../protocol/errors.js';
import { ClientError, withDefaults, type ReqBody } from './util.js';

export interface ConnectionOptions {
  host: string;
  port: number;
  clientId?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Highest version the client logic handles, per API key (caps negotiation). */
  maxVersions?: ReadonlyMap<number, number>;
}

interface Pending {
  correlationId: number;
  decode: (frame: Buffer) => unknown;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  deadline: number;
  api: string;
}

export type VersionTable = Map<number, { min: number; max: number }>;

const SOFTWARE_NAME = 'samsa-client';
const SOFTWARE_VERSION = '0.1.0';

export class Connection {
  private socket: net.Socket | null = null;
  private readonly pending: Pending[] = [];
  private nextCorrelationId = 1;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private timer: NodeJS.Timeout | null = null;
  private closedError: Error | null = null;
  /** The broker's supported ranges, from ApiVersions. */
  versions: VersionTable = new Map();
  readonly address: string;
  onClose: ((err: Error | null) => void) | null = null;

  constructor(readonly opts: ConnectionOptions) {
    this.address = `${opts.host}:${opts.port}`;
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  get inFlight(): number {
    return this.pending.length;
  }

  /**
   * Connects and negotiates API versions, both within connectTimeoutMs (as librdkafka's
   * socket.connection.setup.timeout.ms): an address that accepts but never answers is given up
   * on like one that never accepts, and neither is retried.
   */
  async connect(): Promise<void> {
    const { host, port } = this.opts;
    const timeout = this.opts.connectTimeoutMs ?? 10_000;
    const deadline = Date.now() + timeout;
    await new Promise<void>((resolve, reject) => {
      const s = net.connect({ host, port, noDelay: true });
      const t = setTimeout(() => {
        s.destroy();
        reject(new ClientError('CONNECT_TIMEOUT', `connection to ${this.address} timed out after ${timeout} ms`));
      }, timeout);
      s.once('connect', () => {
        clearTimeout(t);
        s.removeAllListeners('error');
        this.socket = s;
        s.on('data', (d: Buffer) => this.onData(d));
        s.on('error', (e) => this.fail(new ClientError('NETWORK', `connection to ${this.address}: ${e.message}`)));
        s.on('close', () => this.fail(new ClientError('NETWORK', `connection to ${this.address} closed`)));
        resolve();
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(t);
        const why = e.code === 'ECONNREFUSED' ? 'connection refused' : e.message;
        reject(new ClientError('NETWORK', `cannot connect to broker ${this.address}: ${why}`));
      });
    });
    this.timer = setInterval(() => this.checkTimeouts(), 100);
    this.timer.unref();
    try {
      await this.negotiate(deadline);
    } catch (e) {
      this.close();
      if (e instanceof ClientError && e.code === 'REQUEST_TIMEOUT') {
        throw new ClientError('CONNECT_TIMEOUT', `broker ${this.address} accepted the connection but did not answer ApiVersions within ${timeout} ms`);
      }
      throw e;
    }
  }

  private async negotiate(deadline: number): Promise<void> {
    const ours = parseRange(ApiVersions.versions);
    let version = ours.max;
    for (let attempt = 0; attempt < 2; attempt++) {
      const timeoutMs = Math.max(1, deadline - Date.now());
      const res = await this.sendAt(ApiVersions, version, { clientSoftwareName: SOFTWARE_NAME, clientSoftwareVersion: SOFTWARE_VERSION }, { timeoutMs });
      if (res.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
        // The broker answered in v0 with its own range (KIP-511): retry at the highest it knows.
        const theirs = res.apiKeys.find((k) => k.apiKey === ApiVersions.key);
        version = Math.min(ours.max, theirs ? theirs.maxVersion : 0);
        continue;
      }
      if (res.errorCode !== 0) throw new ClientError('API_VERSIONS', `ApiVersions failed on ${this.address}: error ${res.errorCode}`);
      this.versions = new Map(res.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
      return;
    }
    throw new ClientError('API_VERSIONS', `no common ApiVersions version with ${this.address}`);
  }

  /** The highest version both sides support, or -1. */
  versionFor(spec: ApiSpec): number {
    const theirs = this.versions.get(spec.key);
    if (!theirs) return -1;
    const ours = parseRange(spec.versions);
    const cap = this.opts.maxVersions?.get(spec.key) ?? ours.max;
    const max = Math.min(ours.max, theirs.max, cap);
    const min = Math.max(ours.min, theirs.min);
    return max >= min ? max : -1;
  }

  /** Sends at the negotiated version; rejects with UNSUPPORTED_VERSION when there is none. */
  send<A extends ApiSpec>(spec: A, body: ReqBody<A>, opts: { timeoutMs?: number; noResponse?: boolean } = {}): Promise<ResponseOf<A>> {
    const v = this.versionFor(spec);
    if (v < 0) {
      return Promise.reject(new ClientError('UNSUPPORTED_VERSION', `broker ${this.address} does not support ${spec.name} (API key ${spec.key})`));
    }
    return this.sendAt(spec, v, body, opts);
  }

  sendAt<A extends ApiSpec>(spec: A, version: number, body: ReqBody<A>, opts: { timeoutMs?: number; noResponse?: boolean } = {}): Promise<ResponseOf<A>> {
    if (this.closedError || !this.socket) return Promise.reject(this.closedError ?? new ClientError('NETWORK', `not connected to ${this.address}`));
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    const frame = encodeRequest(spec, { apiKey: spec.key, apiVersion: version, correlationId, clientId: this.opts.clientId ?? 'samsa' }, withDefaults(spec.request, version, body as object) as never);
    if (opts.noResponse) {
      this.socket.write(frame);
      return Promise.resolve(undefined as unknown as ResponseOf<A>);
    }
    return new Promise<ResponseOf<A>>((resolve, reject) => {
      this.pending.push({
        correlationId,
        decode: (f) => decodeResponse(spec, version, f),
        resolve: resolve as (v: unknown) => void,
        reject,
        deadline: Date.now() + (opts.timeoutMs ?? this.opts.requestTimeoutMs ?? 30_000),
        api: spec.name,
      });
      this.socket!.write(frame);
    });
  }

  /** Resolves when the socket's write buffer has drained (back-pressure for bulk producers). */
  drained(): Promise<void> {
    const s = this.socket;
    if (!s || !s.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        s.off('drain', done);
        s.off('close', done);
        resolve();
      };
      s.on('drain', done);
      s.on('close', done);
    });
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    while (this.buffered >= 4) {
      const size = this.peekInt32();
      if (size < 0 || size > 1 << 30) {
        this.fail(new ClientError('PROTOCOL', `bad frame size ${size} from ${this.address}`));
        return;
      }
      if (this.buffered < 4 + size) return;
      const frame = this.take(4 + size).subarray(4);
      this.onFrame(frame);
      if (this.closedError) return;
    }
  }

  private peekInt32(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    return this.take(4, true).readInt32BE(0);
  }

  /** Takes n bytes from the chunk list: a view when one chunk holds them, a copy otherwise. */
  private take(n: number, peek = false): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (peek) return first;
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    let i = 0;
    while (got < n) {
      const c = this.chunks[i]!;
      const k = Math.min(c.length, n - got);
      c.copy(out, got, 0, k);
      got += k;
      if (!peek) {
        if (k === c.length) {
          this.chunks.shift();
          continue;
        }
        this.chunks[0] = c.subarray(k);
      } else i++;
    }
    if (!peek) this.buffered -= n;
    return out;
  }

  private onFrame(frame: Buffer): void {
    const p = this.pending.shift();
    if (!p) {
      this.fail(new ClientError('PROTOCOL', `unexpected response from ${this.address}`));
      return;
    }
    const cid = frame.length >= 4 ? frame.readInt32BE(0) : -1;
    if (cid !== p.correlationId) {
      p.reject(new ClientError('PROTOCOL', `correlation id ${cid} does not match ${p.correlationId} (${p.api}) from ${this.address}`));
      this.fail(new ClientError('PROTOCOL', `out-of-order response from ${this.address}`));
      return;
    }
    let res: unknown;
    try {
      res = (p.decode(frame) as { body: unknown }).body;
    } catch (e) {
      const msg = e instanceof DecodeError || e instanceof Error ? e.message : String(e);
      p.reject(new ClientError('PROTOCOL', `cannot decode ${p.api} response from ${this.address}: ${msg}`));
      return;
    }
    p.resolve(res);
  }

  private checkTimeouts(): void {
    const head = this.pending[0];
    if (head && Date.now() > head.deadline) {
      this.fail(new ClientError('REQUEST_TIMEOUT', `${head.api} request to ${this.address} timed out`));
    }
  }

  private fail(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    if (this.timer) clearInterval(this.timer);
    this.socket?.destroy();
    for (const p of this.pending.splice(0)) p.reject(err);
    this.onClose?.(err);
  }

  close(): void {
    this.fail(new ClientError('CLOSED', `connection to ${this.address} closed by the client`));
  }
}
