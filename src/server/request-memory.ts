/** A connection's side of the budget: it gives back the spare frame memory it keeps when asked. */
export interface SpareHolder {
  dropSpare(): void;
}

/**
 * The broker-wide budget of request bytes being read or waiting for their answer (Kafka's
 * `queued.max.request.bytes`), claimed before a frame's buffer is allocated: a connection whose
 * next frame does not fit stops reading until memory is released, instead of allocating. Without
 * it, 25 connections each sending 90 MiB of a 100 MiB frame had the broker OOM-killed under 2 GiB.
 * Frames small enough to be read into a connection's pool are not claimed (see claimsMemory).
 *
 * A claim always succeeds when nothing else is claimed, so a frame larger than the bound can
 * never wait forever for memory that no one holds.
 *
 * Large frames' buffers that connections keep for their next frame (FrameReader's spare) are
 * charged too, since they hold memory just the same; when a claim would not fit they are given
 * back first, so an idle connection's spare never keeps a request out.
 */
export class RequestMemory {
  private used = 0;
  private highest = 0;
  private readonly waiters = new Set<() => void>();
  private wakeScheduled = false;
  private readonly spares = new Set<SpareHolder>();

  /** `limit` ≤ 0: unbounded (Kafka's -1); claims are still counted. */
  constructor(readonly limit: number) {}

  /** Bytes claimed now (frames being read, requests not yet answered, spares). */
  get inUse(): number {
    return this.used;
  }

  /** The most ever claimed at once. */
  get peak(): number {
    return this.highest;
  }

  private fits(n: number): boolean {
    return this.limit <= 0 || this.used === 0 || this.used + n <= this.limit;
  }

  private take(n: number): void {
    this.used += n;
    if (this.used > this.highest) this.highest = this.used;
  }

  /** Claims `n` bytes for a frame about to be read; false: it does not fit now (see `waitForRelease`). */
  tryClaim(n: number): boolean {
    if (!this.fits(n)) {
      if (this.spares.size === 0) return false;
      for (const h of [...this.spares]) h.dropSpare();
      if (!this.fits(n)) return false;
    }
    this.take(n);
    return true;
  }

  release(n: number): void {
    if (n <= 0) return;
    this.used -= n;
    if (this.waiters.size > 0 && !this.wakeScheduled) {
      // Not from inside release: the releasing connection may be in the middle of its own bookkeeping.
      this.wakeScheduled = true;
      setImmediate(() => this.wake());
    }
  }

  /** Calls `wake` once after memory is next released; the waiter then claims again (and may wait again). */
  waitForRelease(wake: () => void): void {
    this.waiters.add(wake);
  }

  cancelWait(wake: () => void): void {
    this.waiters.delete(wake);
  }

  /** Connections waiting for memory. */
  get waiting(): number {
    return this.waiters.size;
  }

  private wake(): void {
    this.wakeScheduled = false;
    // Oldest first, so a waiting connection is not overtaken forever by later ones.
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }

  /** Charges a spare buffer of `n` bytes if it fits without waiting; false: the holder lets it go. */
  tryHoldSpare(holder: SpareHolder, n: number): boolean {
    if (this.limit > 0 && this.used + n > this.limit) return false;
    this.take(n);
    this.spares.add(holder);
    return true;
  }

  /** A holder's spare of `n` bytes was used for a frame or let go (a holder keeps at most one). */
  releaseSpare(holder: SpareHolder, n: number): void {
    this.spares.delete(holder);
    this.release(n);
  }
}
