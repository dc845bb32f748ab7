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
    const frame = Buffer.allocUnsafe(n);
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

export class FrameError extends Error {
  readonly code = 'SAMSA_FRAME_SIZE';
  constructor(readonly size: number, readonly max: number) {
    super(size < 0 ? `negative frame size ${size}` : `frame size ${size} exceeds socket.request.max.bytes ${max}`);
  }
}
