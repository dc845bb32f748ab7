/**
 * Jute, ZooKeeper's serialization (zookeeper-jute): big-endian `int` (int32) and `long` (int64),
 * `boolean` as one byte, `buffer` and `ustring` as an int32 length then the bytes (-1 for null),
 * `vector` as an int32 count then the elements (-1 for null). Records are their fields in order,
 * with no tags and no framing of their own; every packet on the wire is an int32 length prefix
 * followed by one or more records.
 *
 * `long` is a bigint: session ids carry the server id in their top byte (so they pass 2^53 on any
 * server id but 0), and zxids and session ids are compared and echoed back exactly.
 */

/**
 * Most elements a vector in a reply may claim: above any ZooKeeper server's jute.maxbuffer of
 * one-byte children, so a corrupt count fails the frame instead of building a huge array.
 */
const MAX_VECTOR = 4_000_000;

/**
 * Reads jute fields from one frame. Sticky: once a read runs past the end (or meets a negative
 * length other than -1) the reader is marked bad and returns zero values from then on, so a
 * decoder is a straight sequence of reads and the caller checks `ok` once at the end.
 */
export class JuteReader {
  private pos: number;
  private bad = false;

  constructor(
    private readonly buf: Buffer,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /** False once any read ran past the end of the frame or met an impossible length. */
  get ok(): boolean {
    return !this.bad;
  }

  get remaining(): number {
    return this.bad ? 0 : this.end - this.pos;
  }

  /** Marks the frame bad from outside: a decoder that met a value it cannot go on from. */
  invalidate(): void {
    this.bad = true;
  }

  private take(n: number): number {
    if (this.bad || n < 0 || this.pos + n > this.end) {
      this.bad = true;
      return -1;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  int(): number {
    const at = this.take(4);
    return at < 0 ? 0 : this.buf.readInt32BE(at);
  }

  long(): bigint {
    const at = this.take(8);
    return at < 0 ? 0n : this.buf.readBigInt64BE(at);
  }

  boolean(): boolean {
    const at = this.take(1);
    return at < 0 ? false : this.buf[at] !== 0;
  }

  /** A view into the frame (not a copy); null for length -1. */
  buffer(): Buffer | null {
    const len = this.int();
    if (len === -1 || this.bad) return null;
    const at = this.take(len);
    return at < 0 ? null : this.buf.subarray(at, at + len);
  }

  ustring(): string | null {
    const b = this.buffer();
    return b === null ? null : b.toString('utf8');
  }

  /** A vector of `read()`; null for count -1. A count the remaining bytes cannot hold marks the reader bad. */
  vector<T>(read: (r: JuteReader) => T): T[] | null {
    const n = this.int();
    if (n === -1 || this.bad) return null;
    // Every jute element takes at least one byte, so a count above the bytes left is corrupt.
    if (n < 0 || n > MAX_VECTOR || n > this.end - this.pos) {
      this.bad = true;
      return null;
    }
    const out: T[] = [];
    for (let i = 0; i < n && !this.bad; i++) out.push(read(this));
    return this.bad ? null : out;
  }
}

/**
 * Appends jute fields to one growable buffer. `frame()` reserves the packet's length prefix and
 * `finish()` back-fills it, so a request is encoded in one pass and written with one write.
 */
export class JuteWriter {
  private buf: Buffer;
  private pos = 0;
  private frameStart = -1;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.pos;
  }

  private room(n: number): number {
    if (this.pos + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** Reserves the int32 length prefix of a packet; `finish()` fills it in. */
  frame(): this {
    this.frameStart = this.room(4);
    return this;
  }

  // Each write takes its position first: room() may replace this.buf, and `this.buf.f(room())` would write into the old one.
  int(v: number): this {
    const at = this.room(4);
    this.buf.writeInt32BE(v, at);
    return this;
  }

  long(v: bigint): this {
    const at = this.room(8);
    this.buf.writeBigInt64BE(v, at);
    return this;
  }

  boolean(v: boolean): this {
    const at = this.room(1);
    this.buf[at] = v ? 1 : 0;
    return this;
  }

  buffer(v: Buffer | null): this {
    if (v === null) return this.int(-1);
    this.int(v.length);
    const at = this.room(v.length);
    v.copy(this.buf, at);
    return this;
  }

  ustring(v: string | null): this {
    if (v === null) return this.int(-1);
    const len = Buffer.byteLength(v, 'utf8');
    this.int(len);
    const at = this.room(len);
    this.buf.write(v, at, len, 'utf8');
    return this;
  }

  vector<T>(items: readonly T[] | null, write: (w: JuteWriter, item: T) => void): this {
    if (items === null) return this.int(-1);
    this.int(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  /** The encoded bytes (a copy-free view of the writer's buffer), with the frame length filled in if `frame()` was called. */
  finish(): Buffer {
    if (this.frameStart >= 0) this.buf.writeInt32BE(this.pos - this.frameStart - 4, this.frameStart);
    return this.buf.subarray(0, this.pos);
  }
}
