import type { RequestHeader } from '../protocol/header.js';
import type { ApiSpec, RequestOf, ResponseOf } from '../protocol/schema.js';
import type { ConnectionInfo } from '../server/connection.js';
import type { Broker } from './broker.js';

export interface RequestContext {
  readonly header: RequestHeader;
  readonly conn: ConnectionInfo;
  readonly broker: Broker;
}

/** A response, nothing (acks=0), or either later. */
export type HandlerResult<A extends ApiSpec> = ResponseOf<A> | null | Promise<ResponseOf<A> | null>;

/**
 * One API's request handler and the versions it serves; ApiVersions is built from these.
 * Buffers in a decoded request are views of the request frame, whose memory is reused once a
 * synchronous handler returns: a handler copies (Buffer.from) any bytes it keeps beyond that.
 */
export interface Handler {
  readonly api: ApiSpec;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(ctx: RequestContext, request: unknown): unknown;
}

export function defineHandler<A extends ApiSpec>(
  api: A,
  versions: { min: number; max: number },
  handle: (ctx: RequestContext, request: RequestOf<A>) => HandlerResult<A>,
): Handler {
  return {
    api,
    minVersion: versions.min,
    maxVersion: versions.max,
    handle: (ctx, request) => handle(ctx, request as RequestOf<A>),
  };
}
