import { isFlexible } from '../protocol/codec.js';
import { DecodeError } from '../protocol/decode-error.js';
import { decodeRequestBody, encodeResponseParts } from '../protocol/frame.js';
import { API_VERSIONS_KEY, finishRequestHeader, readRequestHeader } from '../protocol/header.js';
import { ApiVersions } from '../protocol/messages/index.js';
import { Reader } from '../protocol/reader.js';
import type { Part } from '../protocol/writer.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ConnectionInfo, Dispatch } from '../server/connection.js';
import type { Broker } from './broker.js';
import type { Handler, RequestContext } from './handler.js';

/** Test hook: sees every decoded request of one API key; may replace or delay its response. */
export type RequestHook = (ctx: RequestContext, request: unknown, next: () => Promise<unknown>) => Promise<unknown>;

export class Dispatcher {
  private readonly handlers = new Map<number, Handler>();
  readonly hooks = new Map<number, RequestHook>();

  constructor(private readonly broker: Broker, handlers: readonly Handler[]) {
    for (const h of handlers) {
      if (this.handlers.has(h.api.key)) throw new Error(`two handlers for API key ${h.api.key}`);
      this.handlers.set(h.api.key, h);
    }
  }

  /** The advertised version ranges, straight from the registered handlers. */
  apiVersions(): Array<{ apiKey: number; minVersion: number; maxVersion: number }> {
    return [...this.handlers.values()]
      .sort((a, b) => a.api.key - b.api.key)
      .map((h) => ({ apiKey: h.api.key, minVersion: h.minVersion, maxVersion: h.maxVersion }));
  }

  readonly dispatch: Dispatch = (frame: Buffer, conn: ConnectionInfo) => {
    const r = new Reader(frame);
    const header = readRequestHeader(r);
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
    const ctx: RequestContext = { header, conn, broker: this.broker };
    const encode = (resp: unknown): Part[] | null =>
      resp === null ? null : encodeResponseParts(h.api, version, header.correlationId, resp as never);
    const hook = this.hooks.get(header.apiKey);
    if (hook) return hook(ctx, body, async () => h.handle(ctx, body)).then(encode);
    const result = h.handle(ctx, body);
    return result instanceof Promise ? result.then(encode) : encode(result);
  };
}
