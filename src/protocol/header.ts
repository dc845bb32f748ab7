import { skipTaggedFields } from './codec.js';
import { DecodeError } from './decode-error.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

export const API_VERSIONS_KEY = 18;

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/**
 * Reads the fixed part of a request header (v1 layout: key, version, correlation id, client id)
 * from a frame body (no size prefix). The client id is a classic nullable string even in header v2.
 * The caller, who knows whether the API version is flexible, then calls `finishRequestHeader`.
 */
export function readRequestHeader(r: Reader): RequestHeader {
  if (r.remaining < 8) throw new DecodeError('frame shorter than a request header');
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = r.nullableString();
  return { apiKey, apiVersion, correlationId, clientId };
}

/** Header v2 (flexible requests) ends with tagged fields. */
export function finishRequestHeader(r: Reader, flexible: boolean): void {
  if (flexible) skipTaggedFields(r);
}

export function writeRequestHeader(w: Writer, h: RequestHeader, flexible: boolean): void {
  w.int16(h.apiKey);
  w.int16(h.apiVersion);
  w.int32(h.correlationId);
  if (h.clientId === null) w.int16(-1);
  else w.string(h.clientId);
  if (flexible) w.uvarint(0);
}

/** Response header v1 carries tagged fields; ApiVersions always answers with v0 (KIP-511). */
export function responseHeaderFlexible(apiKey: number, flexible: boolean): boolean {
  return flexible && apiKey !== API_VERSIONS_KEY;
}

export function writeResponseHeader(w: Writer, correlationId: number, headerFlexible: boolean): void {
  w.int32(correlationId);
  if (headerFlexible) w.uvarint(0);
}

export function readResponseHeader(r: Reader, headerFlexible: boolean): number {
  const correlationId = r.int32();
  if (headerFlexible) skipTaggedFields(r);
  return correlationId;
}
