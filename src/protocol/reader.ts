import { DecodeError } from './decode-error.js';

const TWO_32 = 0x1_0000_0000;

/**
 * Most elements an array (classic or compact; Kafka's maps are arrays on the wire) may claim, as
 * Kafka 4.4's readers bound them. The bytes-left check alone still let a 95 MB DescribeConfigs of
 * one-byte empty keys build a 95-million-element array: a 14 s freeze and 1.5 GiB of heap.
 */
export const MAX_ARRAY_ELEMENTS = 1_000_000;

/**
 * Elements of all arrays of one frame together: nested arrays (95 resources of a million empty
 * keys each) would otherwise pass the per-array bound and still build ~900 MiB of arrays. Four
 * times the per-array bound admits any real request (a Fetch of 10,000 partitions is 10,000).
 */
export const MAX_FRAME_ELEMENTS = 4 * MAX_ARRAY_ELEMENTS;

/**
 * Reads Kafka protocol primitives from one frame. Every length is checked against the bytes
 * left before anything is allocated, so a hostile length can never cause a large allocation.
 * `bytes` and `records` come back as views into the frame, not copies.
 */
export class Reader {
  pos: number;
  readonly end: number;
  /** Array elements this frame has claimed so far (MAX_FRAME_ELEMENTS). */
  private elements = 0;

  constructor(readonly buf: Buffer, start = 0, end = buf.length) {
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): number {
    const at = this.pos;
    if (n < 0 || at + n > this.end) {
      throw new DecodeError(`need ${n} bytes at ${at}, frame has ${this.end - at} left`);
    }
    this.pos = at + n;
    return at;
  }

  bool(): boolean {
    return this.buf[this.need(1)] !== 0;
  }
  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  /** int64 as a JS number: exact within ±2^53, saturating beyond (documented in docs/compatibility.md). */
  int64(): number {
    const at = this.need(8);
    return this.buf.readInt32BE(at) * TWO_32 + this.buf.readUInt32BE(at + 4);
  }
  float64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }

  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new DecodeError('truncated varint');
      const b = this.buf[this.pos++]!;
      if (shift === 28) {
        if (b > 0x0f) throw new DecodeError('varint longer than 32 bits');
        return (result | (b << 28)) >>> 0;
      }
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  }
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }
  uvarlong(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new DecodeError('truncated varlong');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    throw new DecodeError('varlong longer than 64 bits');
  }
  varlong(): number {
    const u = this.uvarlong();
    // zig-zag on numbers: odd values are negative.
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  uuid(): string {
    const at = this.need(16);
    return this.buf.toString('base64url', at, at + 16);
  }

  private str(len: number): string {
    const at = this.need(len);
    return this.buf.toString('utf8', at, at + len);
  }
  string(): string {
    const len = this.int16();
    if (len < 0) throw new DecodeError('null string in a non-nullable field');
    return this.str(len);
  }
  nullableString(): string | null {
    const len = this.int16();
    if (len === -1) return null;
    if (len < -1) throw new DecodeError(`invalid string length ${len}`);
    return this.str(len);
  }
  compactString(): string {
    const len = this.uvarint() - 1;
    if (len < 0) throw new DecodeError('null string in a non-nullable field');
    return this.str(len);
  }
  compactNullableString(): string | null {
    const len = this.uvarint() - 1;
    return len === -1 ? null : this.str(len);
  }

  private view(len: number): Buffer {
    const at = this.need(len);
    return this.buf.subarray(at, at + len);
  }
  bytes(): Buffer {
    const len = this.int32();
    if (len < 0) throw new DecodeError('null bytes in a non-nullable field');
    return this.view(len);
  }
  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len === -1) return null;
    if (len < -1) throw new DecodeError(`invalid bytes length ${len}`);
    return this.view(len);
  }
  compactBytes(): Buffer {
    const len = this.uvarint() - 1;
    if (len < 0) throw new DecodeError('null bytes in a non-nullable field');
    return this.view(len);
  }
  compactNullableBytes(): Buffer | null {
    const len = this.uvarint() - 1;
    return len === -1 ? null : this.view(len);
  }

  /** Array length (classic int32; -1 is null). Each element needs at least `minElementSize` bytes. */
  arrayLength(minElementSize: number): number {
    const n = this.int32();
    if (n < -1) throw new DecodeError(`invalid array length ${n}`);
    return this.checkArrayLength(n, minElementSize);
  }
  compactArrayLength(minElementSize: number): number {
    return this.checkArrayLength(this.uvarint() - 1, minElementSize);
  }
  private checkArrayLength(n: number, minElementSize: number): number {
    if (n > 0) {
      if (n > MAX_ARRAY_ELEMENTS) throw new DecodeError(`array of ${n} elements exceeds the limit of ${MAX_ARRAY_ELEMENTS}`);
      if (n * minElementSize > this.remaining) throw new DecodeError(`array of ${n} exceeds the frame`);
      this.elements += n;
      if (this.elements > MAX_FRAME_ELEMENTS) throw new DecodeError(`arrays of ${this.elements} elements in one frame exceed the limit of ${MAX_FRAME_ELEMENTS}`);
    }
    return n;
  }

  skip(n: number): void {
    this.need(n);
  }
}
