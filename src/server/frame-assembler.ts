/**
 * Cuts length-prefixed frames out of a socket's chunks. A frame that lies inside one chunk is
 * returned as a view of it; only a frame spanning chunks is copied, once. The backlog is never
 * re-concatenated on every `data` event.
 */
export class FrameAssembler {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being assembled, or -1 until its 4-byte prefix is complete. */
  private need = -1;
  /**
   * A buffer for frames that span chunks, handed back by `recycle` once the previous such frame
   * is no longer referenced: fresh multi-megabyte allocations cost page faults and zeroing on
   * every large produce request.
   */
  private spare: Buffer | null = null;
  /** Memory this assembler allocated itself: only that may be recycled, never a socket's chunk. */
  private readonly owned = new WeakSet<ArrayBufferLike>();

  constructor(private readonly maxFrameSize: number) {}

  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Adds a chunk and returns every complete frame (bodies, without the size prefix). Throws FrameError on a bad size. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < 4) break;
        const size = this.readSize();
        if (size < 0 || size > this.maxFrameSize) throw new FrameError(size, this.maxFrameSize);
        this.need = size;
      }
      if (this.buffered < this.need) break;
      out.push(this.take(this.need));
      this.need = -1;
    }
    return out;
  }

  /**
   * Hands back a frame nothing references any more (its request was handled synchronously and
   * kept no views of it), so the next frame that spans chunks can be assembled in its memory.
   */
  recycle(frame: Buffer): void {
    if (!this.owned.has(frame.buffer) || frame.byteOffset !== 0 || frame.buffer.byteLength > MAX_RECYCLED) return;
    if (this.spare && this.spare.length >= frame.buffer.byteLength) return;
    this.spare = Buffer.from(frame.buffer, 0, frame.buffer.byteLength);
  }

  private readSize(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) {
      const size = first.readInt32BE(0);
      this.consume(4);
      return size;
    }
    return this.take(4).readInt32BE(0);
  }

  private consume(n: number): void {
    const first = this.chunks[0]!;
    if (n === first.length) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first!.length >= n) {
      const frame = first!.subarray(0, n);
      this.consume(n);
      return frame;
    }
    let frame: Buffer;
    if (this.spare && this.spare.length >= n) {
      frame = this.spare.subarray(0, n);
      this.spare = null;
    } else {
      frame = Buffer.allocUnsafe(n);
      if (n >= MIN_RECYCLED) this.owned.add(frame.buffer);
    }
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - filled);
      c.copy(frame, filled, 0, k);
      filled += k;
      this.consume(k);
    }
    return frame;
  }
}

/** Frames up to this size may be reused; a larger one is left to the garbage collector. */
const MAX_RECYCLED = 16 * 1024 * 1024;
const MIN_RECYCLED = 64 * 1024;

export class FrameError extends Error {
  readonly code = 'SAMSA_FRAME_SIZE';
  constructor(readonly size: number, readonly max: number) {
    super(size < 0 ? `negative frame size ${size}` : `frame size ${size} exceeds socket.request.max.bytes ${max}`);
  }
}
