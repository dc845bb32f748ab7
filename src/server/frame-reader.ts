/**
 * Memory for large frames, claimed before their bytes are read past the size prefix (see
 * RequestMemory). A refused claim makes the reader wait; a spare large-frame buffer is kept only
 * while its claim holds.
 */
export interface FrameBudget {
  /** Claims `size` bytes for the frame whose size prefix was just read (see `claimsMemory`); false: not now. */
  claim(size: number): boolean;
  claimSpare(bytes: number): boolean;
  releaseSpare(bytes: number): void;
}

const UNBOUNDED: FrameBudget = { claim: () => true, claimSpare: () => true, releaseSpare: () => {} };

/**
 * Whether a frame of `size` bytes is claimed from the budget: those that may get a buffer of their
 * own. Smaller ones are views of the connection's read pool, memory each connection has anyway
 * (at most maxInflightRequests of them are unanswered), so a few senders of huge frames holding
 * the whole budget cannot keep metadata, heartbeats or fetches out.
 */
export function claimsMemory(size: number): boolean {
  return size >= OWN_BUFFER_MIN;
}

/**
 * Cuts length-prefixed frames out of a connection's byte stream and decides where the bytes land.
 *
 * A socket that reads into memory it is given (net.Socket `onread`) asks `target()` where the
 * next read goes and reports with `filled(n)`: small frames accumulate in an append-only pool
 * and come out as views of it; a frame of OWN_BUFFER_MIN bytes or more moves, with the few bytes
 * already read, into a buffer of exactly its size, and the rest of it is read straight there. A
 * 1 MiB produce request is thus never copied in user space. A socket that hands over its own
 * chunks ('data') goes through `push`, which copies them into the same places.
 *
 * A large frame's size is claimed from the budget as soon as its prefix is read. When the claim is
 * refused the reader is `waiting`: the caller stops reading the socket (chunks pushed meanwhile
 * are kept as they are) and calls `resume()` once memory was released.
 */
export class FrameReader {
  private pool = Buffer.allocUnsafe(POOL_SIZE);
  /** Pool: first byte not yet handed out as part of a frame. */
  private start = 0;
  /** Pool: end of the bytes read. */
  private end = 0;
  /** A view of the current pool was handed out, so none of its bytes may be written again. */
  private lent = false;
  /** A large frame being read in place, and how much of it has arrived. */
  private own: Buffer | null = null;
  private ownFilled = 0;
  /**
   * A large frame's memory handed back by `recycle` for the next one: fresh multi-megabyte
   * allocations cost page faults and zeroing on every large produce request.
   */
  private spare: Buffer | null = null;
  /** Memory this reader allocated for large frames: only that may be recycled. */
  private readonly owned = new WeakSet<ArrayBufferLike>();

  /** The frame whose size prefix is at `start` in the pool has its claim (or needs none). */
  private claimed = false;
  private waitingFlag = false;
  /** Chunks pushed while waiting, not yet looked at. */
  private held: Buffer[] = [];

  constructor(private readonly maxFrameSize: number, private readonly budget: FrameBudget = UNBOUNDED) {}

  /** The next frame's claim was refused: nothing more is taken in until `resume()` succeeds. */
  get waiting(): boolean {
    return this.waitingFlag;
  }

  /** Bytes of the incomplete frame received so far, not counting a complete size prefix. */
  get bufferedBytes(): number {
    if (this.own) return this.ownFilled;
    const pending = this.end - this.start;
    return pending >= 4 ? pending - 4 : pending;
  }

  /** Where the next read should put its bytes; never empty, never past the frame being read in place. */
  target(): Buffer {
    return this.own ? this.own.subarray(this.ownFilled) : this.pool.subarray(this.end);
  }

  /**
   * A size prefix that was negative or over the limit: nothing after it is read. Frames completed
   * before it were still returned, since requests before a bad one are answered.
   */
  error: FrameError | null = null;

  /** Accounts for `n` bytes just read into `target()`; returns the frames they complete (see `error`). */
  filled(n: number): Buffer[] {
    const out: Buffer[] = [];
    if (n <= 0 || this.error) return out;
    if (this.own) {
      this.ownFilled += n;
      if (this.ownFilled === this.own.length) {
        out.push(this.own);
        this.own = null;
        this.ownFilled = 0;
      }
      return out;
    }
    this.end += n;
    this.cut(out);
    return out;
  }

  /** Copies a chunk from a socket that reads into its own memory; returns the frames it completes. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    if (this.waitingFlag) this.held.push(chunk);
    else this.copyIn(chunk, out);
    return out;
  }

  private copyIn(chunk: Buffer, out: Buffer[]): void {
    let off = 0;
    while (off < chunk.length && !this.error) {
      if (this.waitingFlag) {
        // Ahead of any chunk held before: this one arrived first.
        this.held.unshift(chunk.subarray(off));
        return;
      }
      const t = this.target();
      const k = Math.min(t.length, chunk.length - off);
      chunk.copy(t, 0, off, off + k);
      off += k;
      for (const f of this.filled(k)) out.push(f);
    }
  }

  /** Claims again for the frame that is waiting; returns the frames completed by what was held back. */
  resume(): Buffer[] {
    const out: Buffer[] = [];
    if (!this.waitingFlag || this.error) return out;
    this.cut(out);
    while (!this.waitingFlag && !this.error && this.held.length > 0) this.copyIn(this.held.shift()!, out);
    return out;
  }

  /**
   * Hands back a large frame nothing references any more (its request was handled synchronously
   * and kept no views of it), so the next large frame can be read into its memory.
   */
  recycle(frame: Buffer): void {
    if (!this.owned.has(frame.buffer) || frame.byteOffset !== 0 || frame.buffer.byteLength > MAX_RECYCLED) return;
    const bytes = frame.buffer.byteLength;
    if (this.spare && this.spare.length >= bytes) return;
    this.dropSpare();
    if (this.budget.claimSpare(bytes)) this.spare = Buffer.from(frame.buffer, 0, bytes);
  }

  /** Lets the spare large-frame buffer go (memory is short, or the connection closes). */
  dropSpare(): void {
    const s = this.spare;
    if (!s) return;
    this.spare = null;
    this.budget.releaseSpare(s.length);
  }

  private cut(out: Buffer[]): void {
    this.waitingFlag = false;
    for (;;) {
      const pending = this.end - this.start;
      if (pending < 4) break;
      const size = this.pool.readInt32BE(this.start);
      if (size < 0 || size > this.maxFrameSize) {
        this.error = new FrameError(size, this.maxFrameSize);
        return;
      }
      if (!this.claimed && claimsMemory(size)) {
        if (!this.budget.claim(size)) {
          this.waitingFlag = true;
          break;
        }
        this.claimed = true;
      }
      if (pending - 4 >= size) {
        out.push(this.pool.subarray(this.start + 4, this.start + 4 + size));
        this.lent = true;
        this.start += 4 + size;
        this.claimed = false;
        continue;
      }
      if (size >= OWN_BUFFER_MIN) {
        const frame = this.frameBuffer(size);
        this.pool.copy(frame, 0, this.start + 4, this.end);
        this.own = frame;
        this.ownFilled = pending - 4;
        this.start = this.end;
        this.claimed = false;
      }
      break;
    }
    this.makeRoom();
  }

  /**
   * Keeps room in the pool for the next read and for the whole of a small frame pending in it. A
   * large frame left there is one waiting for its claim: it keeps only the bytes already read.
   */
  private makeRoom(): void {
    const pending = this.end - this.start;
    if (pending === 0 && !this.lent) {
      this.start = this.end = 0;
      return;
    }
    let need = 4;
    if (pending >= 4) {
      const size = this.pool.readInt32BE(this.start);
      need = size >= OWN_BUFFER_MIN ? pending : 4 + size;
    }
    if (this.start + need <= this.pool.length && this.pool.length - this.end >= MIN_ROOM) return;
    if (!this.lent && need + MIN_ROOM <= this.pool.length) {
      this.pool.copyWithin(0, this.start, this.end);
    } else {
      const next = Buffer.allocUnsafe(Math.max(POOL_SIZE, need + MIN_ROOM));
      this.pool.copy(next, 0, this.start, this.end);
      this.pool = next;
      this.lent = false;
    }
    this.start = 0;
    this.end = pending;
  }

  private frameBuffer(size: number): Buffer {
    const s = this.spare;
    if (s && s.length >= size) {
      // The frame has a claim of its own; the spare's is no longer needed.
      this.spare = null;
      this.budget.releaseSpare(s.length);
      return s.subarray(0, size);
    }
    const f = Buffer.allocUnsafe(size);
    this.owned.add(f.buffer);
    return f;
  }
}

const POOL_SIZE = 64 * 1024;
/** Below this much room a fresh pool is started: many tiny reads cost more than an allocation. */
const MIN_ROOM = 4 * 1024;
/** Frames at least this large are read into a buffer of their own (never from Node's shared pool). */
const OWN_BUFFER_MIN = 16 * 1024;
/** Frames up to this size may be reused; a larger one is left to the garbage collector. */
const MAX_RECYCLED = 16 * 1024 * 1024;

export class FrameError extends Error {
  readonly code = 'SAMSA_FRAME_SIZE';
  constructor(readonly size: number, readonly max: number) {
    super(size < 0 ? `negative frame size ${size}` : `frame size ${size} exceeds socket.request.max.bytes ${max}`);
  }
}
