/**
 * Zig-zag varints as used inside RecordBatch v2 records (protobuf encoding). Reads go through a
 * caller-owned cursor so the hot path allocates nothing per field.
 */

export interface Cursor {
  pos: number;
}

/** Any malformed record bytes; the records iterator raises it too. */
export class RecordFormatError extends Error {}

export class VarintError extends RecordFormatError {}

/** Reads a zig-zag varint of at most 5 bytes (int32 range). */
export function readVarint(buf: Buffer, c: Cursor): number {
  let pos = c.pos;
  let raw = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new VarintError('varint runs past the end of the buffer');
    const b = buf[pos++]!;
    raw |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
    if (shift > 28) throw new VarintError('varint longer than 5 bytes');
  }
  c.pos = pos;
  return (raw >>> 1) ^ -(raw & 1);
}

/**
 * Reads a zig-zag varlong (up to 10 bytes). Values are JS numbers, exact while |value| < 2^52 (the
 * zig-zag form must stay below 2^53): about 142,000 years of milliseconds, so every real
 * timestamp delta.
 */
export function readVarlong(buf: Buffer, c: Cursor): number {
  let pos = c.pos;
  // Most deltas fit in 4 bytes (28 bits): stay on int32 arithmetic for those.
  let raw = 0;
  let shift = 0;
  let b: number;
  do {
    if (pos >= buf.length) throw new VarintError('varlong runs past the end of the buffer');
    b = buf[pos++]!;
    if (shift < 28) raw |= (b & 0x7f) << shift;
    else raw += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (shift > 70) throw new VarintError('varlong longer than 10 bytes');
  } while (b & 0x80);
  c.pos = pos;
  if (shift <= 28) return (raw >>> 1) ^ -(raw & 1);
  return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
}

export function sizeOfVarint(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}

function zigzag64(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

export function sizeOfVarlong(value: number): number {
  let v = zigzag64(value);
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Writes a zig-zag varint at pos and returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

export function writeVarlong(buf: Buffer, pos: number, value: number): number {
  let v = zigzag64(value);
  while (v >= 0x80) {
    buf[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}
