/**
 * Splits a ZooKeeper byte stream into packets (int32 length, then that many bytes). Chunks are
 * kept as a list: a packet inside one chunk comes back as a view of it, and only a packet that
 * spans chunks is copied, so a burst of small replies is never concatenated as a whole.
 */
export class FrameSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** @param maxFrameBytes a length prefix above this is a protocol error (`next` throws). */
  constructor(private readonly maxFrameBytes: number) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next whole packet's payload (without its length prefix), or null until one has arrived. */
  next(): Buffer | null {
    if (this.buffered < 4) return null;
    const len = this.peekLength();
    if (len < 0 || len > this.maxFrameBytes) throw new FrameTooLargeError(len, this.maxFrameBytes);
    if (this.buffered < 4 + len) return null;
    this.consume(4);
    return this.consume(len);
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    const head = Buffer.allocUnsafe(4);
    let filled = 0;
    for (const c of this.chunks) {
      const n = Math.min(4 - filled, c.length);
      c.copy(head, filled, 0, n);
      filled += n;
      if (filled === 4) break;
    }
    return head.readInt32BE(0);
  }

  private consume(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const take = Math.min(n - filled, c.length);
      c.copy(out, filled, 0, take);
      filled += take;
      if (take === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(take);
    }
    return out;
  }
}

export class FrameTooLargeError extends Error {
  readonly code = 'ZK_FRAME_TOO_LARGE';
  constructor(length: number, max: number) {
    super(`packet length ${length} is outside 0..${max}`);
    this.name = 'FrameTooLargeError';
  }
}
