import { isFlexible, requestCodec, responseCodec, supports } from './codec.js';
import { DecodeError } from './decode-error.js';
import { finishRequestHeader, readRequestHeader, readResponseHeader, responseHeaderFlexible, writeRequestHeader, writeResponseHeader, type RequestHeader } from './header.js';
import { Reader } from './reader.js';
import type { ApiSpec, RequestOf, ResponseOf } from './schema.js';
import { Writer, type Part } from './writer.js';

/** A whole request frame, size prefix included, as one buffer. */
export function encodeRequest<A extends ApiSpec>(spec: A, header: RequestHeader, body: RequestOf<A>): Buffer {
  const flexible = isFlexible(spec, header.apiVersion);
  const w = new Writer(512);
  const mark = w.reserveInt32();
  writeRequestHeader(w, header, flexible);
  requestCodec(spec, header.apiVersion).encode(w, body as object);
  w.patchInt32(mark, w.length - 4);
  return w.finish();
}

/**
 * Decodes a request body after its header. Bytes after the last field are ignored, as Kafka's
 * request readers ignore them: librdkafka 2.1+ sends three after an all-topics Metadata v9+,
 * 2.0 one after ListGroups v4 and three after OffsetFetch v7. A field running past the frame's
 * end is still refused.
 */
export function decodeRequestBody<A extends ApiSpec>(spec: A, version: number, r: Reader): RequestOf<A> {
  // Codecs are compiled and cached per version: never for versions a frame merely claims.
  if (!supports(spec, version)) throw new DecodeError(`${spec.name} v${version} is not supported`);
  return requestCodec(spec, version).decode(r) as RequestOf<A>;
}

/** Decodes a request frame body (without size prefix): header and body. */
export function decodeRequest<A extends ApiSpec>(spec: A, frame: Buffer): { header: RequestHeader; body: RequestOf<A> } {
  const r = new Reader(frame);
  const header = readRequestHeader(r);
  if (header.apiKey !== spec.key) throw new DecodeError(`API key ${header.apiKey} is not ${spec.name}`);
  if (!supports(spec, header.apiVersion)) throw new DecodeError(`${spec.name} v${header.apiVersion} is not supported`);
  finishRequestHeader(r, isFlexible(spec, header.apiVersion));
  return { header, body: decodeRequestBody(spec, header.apiVersion, r) };
}

/** A response frame, size prefix included, as parts (large records stay referenced, not copied). */
export function encodeResponseParts<A extends ApiSpec>(spec: A, version: number, correlationId: number, body: ResponseOf<A>): Part[] {
  const w = new Writer(256);
  const mark = w.reserveInt32();
  writeResponseHeader(w, correlationId, responseHeaderFlexible(spec.key, isFlexible(spec, version)));
  responseCodec(spec, version).encode(w, body as object);
  w.patchInt32(mark, w.length - 4);
  return w.finishParts();
}

export function encodeResponse<A extends ApiSpec>(spec: A, version: number, correlationId: number, body: ResponseOf<A>): Buffer {
  const parts = encodeResponseParts(spec, version, correlationId, body);
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts.map((p) => {
    if (!Buffer.isBuffer(p)) throw new Error('file regions need encodeResponseParts');
    return p;
  }));
}

/** Decodes a response frame body (without size prefix). */
export function decodeResponse<A extends ApiSpec>(spec: A, version: number, frame: Buffer): { correlationId: number; body: ResponseOf<A> } {
  if (!supports(spec, version)) throw new DecodeError(`${spec.name} v${version} is not supported`);
  const r = new Reader(frame);
  const correlationId = readResponseHeader(r, responseHeaderFlexible(spec.key, isFlexible(spec, version)));
  const body = responseCodec(spec, version).decode(r);
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} trailing bytes after ${spec.name} v${version} response`);
  return { correlationId, body: body as ResponseOf<A> };
}
