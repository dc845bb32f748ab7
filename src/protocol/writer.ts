/** A byte range of a file, sent to the socket without passing through the JS heap where possible. */
export interface FileRegion {
  readonly fd: number;
  readonly position: number;
  readonly length: number;
  /** Lets go of the file once the bytes were sent or will never be: the fd stays open until then. */
  release?(): void;
}

/** Records a response carries: bytes in memory, or file regions (fetch served from segments). */
export type RecordsData = Buffer | { readonly size: number; readonly regions: readonly FileRegion[] };

export type Part = Buffer | FileRegion;

const TWO_32 = 0x1_0000_0000;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
/** Large byte payloads are referenced, not copied, above this size. */
const EXTERNAL_THRESHOLD = 4096;

/**
 * Append-style writer into one growable buffer. Large record payloads and file regions are kept
 * as separate parts so a response can go out with writev/sendfile without copying them.
 */
export class Writer {
  buf: Buffer;
  pos = 0;
  private parts: Part[] = [];
  /** Bytes already moved into `parts`. */
  private flushedBytes = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Total bytes written so far, parts included. */
  get length(): number {
    return this.flushedBytes + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  bool(v: boolean): void {
    this.int8(v ? 1 : 0);
  }
  int8(v: number): void {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
  }
  int16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }
  uint16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }
  int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }
  uint32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }
  int64(v: number): void {
    this.ensure(8);
    if (Number.isSafeInteger(v)) {
      const hi = Math.floor(v / TWO_32);
      this.buf.writeInt32BE(hi, this.pos);
      this.buf.writeUInt32BE(v - hi * TWO_32, this.pos + 4);
    } else {
      let b = BigInt(Math.trunc(Number.isFinite(v) ? v : v > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE));
      if (b > INT64_MAX) b = INT64_MAX;
      if (b < INT64_MIN) b = INT64_MIN;
      this.buf.writeBigInt64BE(b, this.pos);
    }
    this.pos += 8;
  }
  float64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }
  uvarint(v: number): void {
    this.ensure(5);
    let x = v >>> 0;
    while (x >= 0x80) {
      this.buf[this.pos++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.pos++] = x;
  }
  varint(v: number): void {
    this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }
  uvarlong(v: number): void {
    this.ensure(10);
    let x = v;
    while (x >= 0x80) {
      this.buf[this.pos++] = (x % 128) | 0x80;
      x = Math.floor(x / 128);
    }
    this.buf[this.pos++] = x;
  }
  varlong(v: number): void {
    this.uvarlong(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  uuid(v: string): void {
    this.ensure(16);
    const n = this.buf.write(v, this.pos, 16, 'base64url');
    if (n < 16) this.buf.fill(0, this.pos + n, this.pos + 16);
    this.pos += 16;
  }
  raw(b: Buffer): void {
    if (b.length >= EXTERNAL_THRESHOLD) {
      this.flushPart();
      this.parts.push(b);
      this.flushedBytes += b.length;
      return;
    }
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }
  region(r: FileRegion): void {
    this.flushPart();
    this.parts.push(r);
    this.flushedBytes += r.length;
  }
  records(r: RecordsData): void {
    if (Buffer.isBuffer(r)) this.raw(r);
    else for (const region of r.regions) this.region(region);
  }

  string(v: string): void {
    const len = Buffer.byteLength(v);
    this.int16(len);
    this.utf8(v, len);
  }
  compactString(v: string): void {
    const len = Buffer.byteLength(v);
    this.uvarint(len + 1);
    this.utf8(v, len);
  }
  private utf8(v: string, len: number): void {
    this.ensure(len);
    this.buf.write(v, this.pos, len, 'utf8');
    this.pos += len;
  }

  /** Reserves 4 bytes for an int32 filled in later with `patchInt32`. */
  reserveInt32(): number {
    this.ensure(4);
    const at = this.pos;
    this.pos += 4;
    return this.flushedBytes + at;
  }

  /** Back-fills a reserved int32. Only valid while the reservation is still in the current chunk. */
  patchInt32(mark: number, v: number): void {
    const at = mark - this.flushedBytes;
    if (at >= 0) {
      this.buf.writeInt32BE(v, at);
      return;
    }
    for (let i = 0, base = 0; i < this.parts.length; i++) {
      const p = this.parts[i]!;
      const len = Buffer.isBuffer(p) ? p.length : p.length;
      if (mark < base + len && Buffer.isBuffer(p)) {
        p.writeInt32BE(v, mark - base);
        return;
      }
      base += len;
    }
    throw new Error('patch target is not in a writable part');
  }

  private flushPart(): void {
    if (this.pos === 0) return;
    // The current chunk is handed over; a fresh one continues after it.
    this.parts.push(this.buf.subarray(0, this.pos));
    this.flushedBytes += this.pos;
    this.buf = Buffer.allocUnsafe(Math.max(256, this.buf.length - this.pos));
    this.pos = 0;
  }

  /** All written bytes as parts (buffers and file regions), in order. */
  finishParts(): Part[] {
    this.flushPart();
    const out = this.parts;
    this.parts = [];
    this.flushedBytes = 0;
    return out;
  }

  /** All written bytes as one buffer; file regions are not allowed here. */
  finish(): Buffer {
    if (this.parts.length === 0) return this.buf.subarray(0, this.pos);
    const parts = this.finishParts();
    const bufs: Buffer[] = [];
    for (const p of parts) {
      if (!Buffer.isBuffer(p)) throw new Error('finish() cannot flatten file regions; use finishParts()');
      bufs.push(p);
    }
    return Buffer.concat(bufs);
  }
}
