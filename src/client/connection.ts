// One TCP connection to one broker: length-prefixed framing, correlation ids, pipelined requests
// (responses arrive in request order, as every Kafka broker guarantees per connection), request
// timeouts on one coarse timer, and ApiVersions negotiation on connect; optionally over TLS and
// authenticated with SASL (sasl-client.ts) before the connection is handed out.
import net from 'node:net';
import tls from 'node:tls';
import { DecodeError } from '../protocol/decode-error.js';
import { decodeResponse, encodeRequest } from '../protocol/frame.js';
import { ApiVersions } from '../protocol/messages/index.js';
import { parseRange, type ApiSpec, type ResponseOf } from '../protocol/schema.js';
import { ErrorCode } from '../protocol/errors.js';
import { authenticate, type SaslOptions } from './sasl-client.js';
import { ClientError, withDefaults, type ReqBody } from './util.js';

/** TLS to the broker. The broker's certificate and host name are verified unless told otherwise. */
export interface TlsOptions {
  /** PEM CA certificates to trust (default: Node's bundled roots). */
  ca?: string | Buffer;
  /** PEM client certificate and key, for listeners with ssl.client.auth=required (mutual TLS). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Or a PKCS12 client keystore; `passphrase` unlocks it or the PEM key. */
  pfx?: Buffer;
  passphrase?: string;
  /** false: the certificate chain is verified, the host name is not (Kafka's empty ssl.endpoint.identification.algorithm). */
  checkHostname?: boolean;
  /** SNI and the name the certificate must carry (default: the broker's host). */
  servername?: string;
  /** false: accept any certificate for any name (rpk's tls.insecure_skip_verify). */
  verify?: boolean;
}

/** How a broker reaches its peers: the inter-broker listener's TLS and SASL (null: plaintext, no SASL). */
export interface PeerSecurity {
  tls: TlsOptions | null;
  sasl: SaslOptions | null;
}

export interface ConnectionOptions {
  host: string;
  port: number;
  clientId?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Highest version the client logic handles, per API key (caps negotiation). */
  maxVersions?: ReadonlyMap<number, number>;
  /** Connect with TLS (null or absent: plaintext). */
  tls?: TlsOptions | null;
  /** Authenticate with SASL after ApiVersions (null or absent: no SASL). */
  sasl?: SaslOptions | null;
  /** The clock of SASL session expiry (KIP-368); Date.now by default. */
  now?: () => number;
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
  /** When the SASL session the broker granted ends (Infinity: it does not). */
  private sessionEndsAt = Infinity;
  private sessionRefreshAt = Infinity;
  /** Responses since ApiVersions and SASL completed. */
  private answeredAfterHandshake = 0;
  private handshakeDone = false;
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
   * The broker's session lifetime (connections.max.reauth.ms) is nearly over: this client does
   * not re-authenticate (KIP-368), so a connection past this point should be replaced by a new one.
   */
  get expiring(): boolean {
    return this.now() >= this.sessionRefreshAt;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
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
    const secure = this.opts.tls ?? null;
    await new Promise<void>((resolve, reject) => {
      const s = secure ? tls.connect(this.tlsConnectOptions(secure)) : net.connect({ host, port, noDelay: true });
      const t = setTimeout(() => {
        s.destroy();
        const what = secure ? 'TLS handshake with' : 'connection to';
        reject(new ClientError('CONNECT_TIMEOUT', `${what} ${this.address} timed out after ${timeout} ms`));
      }, timeout);
      s.once(secure ? 'secureConnect' : 'connect', () => {
        clearTimeout(t);
        s.removeAllListeners('error');
        if (secure) s.setNoDelay(true);
        this.socket = s;
        s.on('data', (d: Buffer) => this.onData(d));
        s.on('error', (e) => this.fail(new ClientError('NETWORK', `connection to ${this.address}: ${tlsAlert(e) ?? e.message}`)));
        s.on('close', () => this.fail(new ClientError('NETWORK', `connection to ${this.address} closed${this.closeHint()}`)));
        resolve();
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(t);
        if (secure && e.code !== 'ECONNREFUSED' && e.code !== 'EHOSTUNREACH' && e.code !== 'ENOTFOUND') {
          reject(new ClientError('TLS_HANDSHAKE', `TLS handshake with ${this.address} failed: ${tlsFailure(e)}`, false));
          return;
        }
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
      throw this.explainHandshakeFailure(e, timeout, 'ApiVersions');
    }
    const sasl = this.opts.sasl;
    if (!sasl) {
      this.handshakeDone = true;
      return;
    }
    try {
      const lifetime = await authenticate(this, sasl, () => Math.max(1, deadline - Date.now()));
      if (lifetime > 0) {
        const at = this.now();
        this.sessionEndsAt = at + lifetime;
        // As Kafka's clients, which re-authenticate between 85% and 95% of the lifetime.
        this.sessionRefreshAt = at + Math.floor(lifetime * 0.85);
      }
      this.handshakeDone = true;
    } catch (e) {
      this.close();
      throw this.explainHandshakeFailure(e, timeout, 'SASL authentication');
    }
  }

  /**
   * A SASL listener closes the connection on the first request that is not ApiVersions or SASL
   * (Kafka's IllegalSaslStateException): a close right there, without SASL, is most likely that.
   */
  private closeHint(): string {
    if (this.opts.sasl || this.versions.size === 0 || this.answeredAfterHandshake > 0 || this.pending.length === 0) return '';
    return ' on the first request after ApiVersions: the listener probably requires SASL (give a SASL mechanism, user and password)';
  }

  private tlsConnectOptions(o: TlsOptions): tls.ConnectionOptions {
    const { host, port } = this.opts;
    const servername = o.servername ?? (net.isIP(host) ? undefined : host);
    return {
      host,
      port,
      ...(servername !== undefined ? { servername } : {}),
      ...(o.ca !== undefined ? { ca: o.ca } : {}),
      ...(o.cert !== undefined ? { cert: o.cert } : {}),
      ...(o.key !== undefined ? { key: o.key } : {}),
      ...(o.pfx !== undefined ? { pfx: o.pfx } : {}),
      ...(o.passphrase !== undefined ? { passphrase: o.passphrase } : {}),
      ...(o.checkHostname === false ? { checkServerIdentity: () => undefined } : {}),
      // Node checks the certificate against servername when given, else against host (IP SANs for an address).
      rejectUnauthorized: o.verify !== false,
    };
  }

  /**
   * A broker that hangs up or answers garbage right after connect is most often a listener of
   * another security protocol: say so instead of "connection closed" or a bad frame size.
   */
  private explainHandshakeFailure(e: unknown, timeout: number, step: string): unknown {
    if (!(e instanceof ClientError)) return e;
    const tlsOn = !!this.opts.tls;
    // A TLS listener hangs up on plaintext at once (below), so a silent broker is just that.
    if (e.code === 'REQUEST_TIMEOUT' || e.code === 'CONNECT_TIMEOUT') {
      return new ClientError('CONNECT_TIMEOUT', `broker ${this.address} accepted the connection but did not answer ${step} within ${timeout} ms`);
    }
    if (e.code === 'TLS_EXPECTED') return e;
    if ((e.code === 'NETWORK' || e.code === 'PROTOCOL') && !tlsOn && step === 'ApiVersions') {
      return new ClientError('TLS_EXPECTED', `broker ${this.address} closed the connection before answering ApiVersions: it is probably a TLS listener (enable TLS)`, false);
    }
    if (e.code === 'NETWORK' && tlsOn && /alert|certificate|handshake/i.test(e.message)) {
      return new ClientError('TLS_HANDSHAKE', `TLS with ${this.address} failed: ${e.message.replace(/^connection to [^:]+:\d+: /, '')}`, false);
    }
    return e;
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
    if (this.now() >= this.sessionEndsAt) {
      // The broker would close the connection on this request (KIP-368): a retriable failure
      // makes the caller's retry open a new, freshly authenticated connection.
      this.fail(new ClientError('NETWORK', `the SASL session with ${this.address} expired (connections.max.reauth.ms); reconnecting`));
      return Promise.reject(this.closedError!);
    }
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
      if (!this.opts.tls && this.versions.size === 0 && looksLikeTls(this.chunks[0]!)) {
        this.fail(new ClientError('TLS_EXPECTED', `broker ${this.address} answered with TLS: it is a TLS listener (enable TLS)`, false));
        return;
      }
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
    if (this.handshakeDone) this.answeredAfterHandshake++;
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

/** A TLS record header (alert 0x15 or handshake 0x16, version 3.x) where a Kafka frame was expected. */
function looksLikeTls(b: Buffer): boolean {
  return b.length >= 2 && (b[0] === 0x15 || b[0] === 0x16) && b[1] === 0x03;
}

/** OpenSSL's reason for an alert the broker sent (a missing or refused client certificate). */
function tlsAlert(e: NodeJS.ErrnoException): string | null {
  if (typeof e.code === 'string' && e.code.startsWith('ERR_SSL_')) return `the broker refused the TLS session (${e.code.replace(/^ERR_SSL_/, '').toLowerCase().replace(/_/g, ' ')})`;
  return null;
}

function tlsFailure(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return `the broker's certificate is not signed by a trusted CA (${e.message}; give the CA with a truststore)`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the broker's certificate is not for this host (${e.message})`;
    case 'CERT_HAS_EXPIRED':
      return `the broker's certificate has expired`;
    case 'ECONNRESET':
      return 'the broker closed the connection during the handshake (a plaintext listener?)';
  }
  return tlsAlert(e) ?? e.message;
}
