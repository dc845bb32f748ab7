import { defaultStruct, isFlexible } from '../protocol/codec.js';
import { DecodeError } from '../protocol/decode-error.js';
import { decodeRequestBody, encodeResponseParts } from '../protocol/frame.js';
import { API_VERSIONS_KEY, finishRequestHeader, readRequestHeader, type RequestHeader } from '../protocol/header.js';
import { ApiVersions } from '../protocol/messages/index.js';
import { Reader } from '../protocol/reader.js';
import type { Part } from '../protocol/writer.js';
import { ErrorCode } from '../protocol/errors.js';
import type { Logger } from '../util/log.js';
import type { ClientConnection, Handler, RequestContext } from './handler.js';
import { principalName } from '../server/security/principal.js';
import { SASL_AUTHENTICATE_KEY, SASL_HANDSHAKE_KEY } from '../server/security/session.js';

const PRODUCE_KEY = 0;
const FETCH_KEY = 1;

/** Everything of a RequestContext but the request's own header and connection. */
export type RequestPorts = Omit<RequestContext, 'header' | 'conn' | 'apiVersions'>;

/**
 * Thrown by a handler when Kafka answers by closing the connection (a failed acks=0 produce:
 * the producer gets no response and learns from the close).
 */
export class CloseConnection extends Error {}

/**
 * Decodes each request frame, hands it to the handler of its API key and encodes the answer.
 * The error boundary of the broker: a malformed frame closes the connection (the caller closes
 * on a throw); a handler that fails answers its request with UNKNOWN_SERVER_ERROR.
 */
export class Dispatcher {
  private readonly handlers = new Map<number, Handler>();
  private readonly versions: Array<{ apiKey: number; minVersion: number; maxVersion: number }>;

  constructor(handlers: readonly Handler[], private readonly ports: RequestPorts, private readonly log: Logger) {
    for (const h of handlers) {
      if (this.handlers.has(h.api.key)) throw new Error(`two handlers for API key ${h.api.key}`);
      this.handlers.set(h.api.key, h);
    }
    this.versions = [...this.handlers.values()]
      .sort((a, b) => a.api.key - b.api.key)
      .map((h) => ({ apiKey: h.api.key, minVersion: h.minVersion, maxVersion: h.maxVersion }));
  }

  /** The name of an API key (its handler's), for metrics labels. */
  apiName(apiKey: number): string {
    return this.handlers.get(apiKey)?.api.name ?? `ApiKey${apiKey}`;
  }

  /** The advertised version ranges, straight from the registered handlers. */
  apiVersions(): Array<{ apiKey: number; minVersion: number; maxVersion: number }> {
    return this.versions;
  }

  readonly dispatch = (frame: Buffer, conn: ClientConnection): Part[] | null | Promise<Part[] | null> => {
    const session = conn.session;
    if (session.expectsRawToken) {
      // After SaslHandshake v0: a bare SASL token, answered with a bare token.
      const token = session.rawToken(Buffer.from(frame));
      if (!token) throw new CloseConnection('SASL authentication failed');
      const size = Buffer.alloc(4);
      size.writeInt32BE(token.length);
      return [size, token];
    }
    const r = new Reader(frame);
    const header = readRequestHeader(r);
    // Kafka closes a connection whose request is not one the SASL state allows (before
    // authentication: ApiVersions and the SASL requests only; after the session expired: none).
    if (!session.mayServe(header.apiKey)) throw new CloseConnection(`API key ${header.apiKey} before SASL authentication completed (or after the session expired)`);
    const h = this.handlers.get(header.apiKey);
    if (!h) throw new DecodeError(`unknown API key ${header.apiKey}`);
    const version = header.apiVersion;
    if (version < h.minVersion || version > h.maxVersion) {
      // KIP-511: an ApiVersions version we do not know is answered in v0 with our ranges.
      if (header.apiKey === API_VERSIONS_KEY) {
        return encodeResponseParts(ApiVersions, 0, header.correlationId, {
          errorCode: ErrorCode.UNSUPPORTED_VERSION,
          apiKeys: this.apiVersions(),
          throttleTimeMs: 0,
          supportedFeatures: [],
          finalizedFeaturesEpoch: -1,
          finalizedFeatures: [],
          zkMigrationReady: false,
        });
      }
      throw new DecodeError(`unsupported version ${version} of API key ${header.apiKey}`);
    }
    finishRequestHeader(r, isFlexible(h.api, version));
    const body = decodeRequestBody(h.api, version, r);
    const ctx: RequestContext = { ...this.ports, header, conn, apiVersions: () => this.versions };
    const metrics = this.ports.metrics;
    const started = performance.now();
    const encode = (resp: unknown): Part[] | null => {
      if (resp === null) return this.throttled(ctx, frame.length, started, resp, () => []);
      // The top-level error code, where the response has one (partition-level errors are counted by their handlers).
      const code = (resp as { errorCode?: unknown }).errorCode;
      if (typeof code === 'number' && code !== 0) metrics.requestError(header.apiKey, code);
      return this.throttled(ctx, frame.length, started, resp, (r) => encodeResponseParts(h.api, version, header.correlationId, r as never));
    };
    const encodeFailed = (err: unknown): Part[] | null => {
      const resp = this.failed(h, ctx, body, err);
      metrics.requestError(header.apiKey, ErrorCode.UNKNOWN_SERVER_ERROR);
      return resp === null ? null : this.throttled(ctx, frame.length, started, resp, (r) => encodeResponseParts(h.api, version, header.correlationId, r as never));
    };
    let result: unknown;
    try {
      result = h.handle(ctx, body);
    } catch (err) {
      return encodeFailed(err);
    }
    return result instanceof Promise ? result.then(encode, encodeFailed) : encode(result);
  };

  /**
   * Client quotas (KIP-219): produce bytes, fetch response bytes and request time are recorded
   * against the client's quota; a client over it gets throttle_time_ms in this response and its
   * connection is muted for that long.
   */
  private throttled(ctx: RequestContext, requestBytes: number, started: number, resp: unknown, encode: (resp: unknown) => Part[]): Part[] | null {
    const quotas = ctx.security.quotas;
    const key = ctx.header.apiKey;
    if (!quotas.active || key === API_VERSIONS_KEY || key === SASL_HANDSHAKE_KEY || key === SASL_AUTHENTICATE_KEY) return resp === null ? null : encode(resp);
    const session = ctx.conn.session;
    const user = principalName(session.principal) ?? session.principal;
    const clientId = ctx.header.clientId ?? '';
    let throttleMs = quotas.record('request_percentage', user, clientId, performance.now() - started);
    if (key === PRODUCE_KEY) throttleMs = Math.max(throttleMs, quotas.record('producer_byte_rate', user, clientId, requestBytes));
    if (resp === null) {
      ctx.conn.muteFor(throttleMs);
      return null;
    }
    const withField = resp !== null && typeof resp === 'object' && 'throttleTimeMs' in resp;
    if (key === FETCH_KEY) {
      const parts = encode(resp);
      const bytes = parts.reduce((n, p) => n + p.length, 0);
      throttleMs = Math.max(throttleMs, quotas.record('consumer_byte_rate', user, clientId, bytes));
      // Fetch v1+: throttle_time_ms is the first field after the response header.
      if (throttleMs > 0 && ctx.header.apiVersion >= 1 && Buffer.isBuffer(parts[0])) {
        const at = 8 + (ctx.header.apiVersion >= 12 ? 1 : 0);
        const first = parts[0];
        if (first.length >= at + 4) first.writeInt32BE(Math.max(first.readInt32BE(at), throttleMs), at);
      }
      ctx.conn.muteFor(throttleMs);
      return parts;
    }
    if (throttleMs > 0 && withField) {
      const r = resp as { throttleTimeMs: number };
      r.throttleTimeMs = Math.max(r.throttleTimeMs, throttleMs);
    }
    ctx.conn.muteFor(throttleMs);
    return encode(resp);
  }

  /** The response to a request whose handler threw; rethrows what must close the connection. */
  private failed(h: Handler, ctx: RequestContext, body: unknown, err: unknown): unknown {
    if (err instanceof CloseConnection || err instanceof DecodeError) throw err;
    this.log.error({ err, api: h.api.name, version: ctx.header.apiVersion, client: ctx.header.clientId }, 'request failed');
    if (h.errorResponse) return h.errorResponse(ctx, body, ErrorCode.UNKNOWN_SERVER_ERROR);
    return genericErrorResponse(h, ctx.header);
  }
}

/** Kafka's default error response: every field at its default, the top-level error code set. */
function genericErrorResponse(h: Handler, _header: RequestHeader): Record<string, unknown> {
  const resp = defaultStruct(h.api.response);
  if ('errorCode' in resp) resp['errorCode'] = ErrorCode.UNKNOWN_SERVER_ERROR;
  return resp;
}
