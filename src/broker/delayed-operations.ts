/**
 * Kafka's purgatory: requests that wait for something to happen on partitions — a fetch long
 * poll for enough committed bytes, an acks=all produce for the high watermark to pass its
 * records, DeleteRecords for the log start to move. An operation watches partition keys; when a
 * partition's high watermark or log start moves, its watchers are asked to complete. Each one
 * completes once: when it can, at its deadline, or never (its connection closed). Deadlines sit
 * on coarse timer ticks, so a thousand waiting fetches need a handful of timers, not a thousand.
 */
import type { Clock, Timer } from '../util/clock.js';

/** The connection an operation answers on: a closed one drops its waiting operations. */
export interface ClosableConnection {
  readonly isClosed: boolean;
  whenClosed(listener: () => void): void;
}

export interface DelayedOperation {
  /** Completes the operation if it can complete now; true when it did. */
  tryComplete(): boolean;
  /** Completes the operation because its time is up. */
  onExpire(): void;
}

/** The granularity of longer deadlines: such an operation expires at most this much late. */
export const TICK_MS = 10;
/**
 * Waits shorter than this are timed to the millisecond: clients that poll with a short
 * max.wait.ms (librdkafka's fetch.wait.max.ms=5, say) would otherwise wait up to three times as
 * long at every empty fetch. Longer ones share coarse ticks, at most a few percent late.
 */
const FINE_BELOW_MS = 200;

interface Watched {
  readonly op: DelayedOperation;
  readonly keys: readonly string[];
  readonly bucket: number;
  done: boolean;
}

export class DelayedOperations {
  private readonly watchers = new Map<string, Set<Watched>>();
  private readonly buckets = new Map<number, { timer: Timer; ops: Set<Watched> }>();
  private readonly dropped = new WeakSet<ClosableConnection>();
  private readonly byConnection = new WeakMap<ClosableConnection, Set<Watched>>();

  constructor(private readonly clock: Clock) {}

  /**
   * Completes `op` now if it can; otherwise keeps it until a watched key is checked and it can,
   * or until timeoutMs passes. Returns true if it completed at once.
   */
  tryCompleteElseWatch(op: DelayedOperation, keys: readonly string[], timeoutMs: number, conn?: ClosableConnection): boolean {
    if (op.tryComplete()) return true;
    if (conn?.isClosed) return false;
    const tick = timeoutMs < FINE_BELOW_MS ? 1 : TICK_MS;
    // The bucket is the due time in ms, rounded up to the tick.
    const bucket = Math.ceil((this.clock.now() + Math.max(0, timeoutMs)) / tick) * tick;
    const w: Watched = { op, keys, bucket, done: false };
    for (const k of keys) {
      let set = this.watchers.get(k);
      if (!set) this.watchers.set(k, (set = new Set()));
      set.add(w);
    }
    let b = this.buckets.get(bucket);
    if (!b) {
      const ops = new Set<Watched>();
      const timer = this.clock.schedule(bucket - this.clock.now(), () => this.expireBucket(bucket));
      this.buckets.set(bucket, (b = { timer, ops }));
    }
    b.ops.add(w);
    if (conn) this.trackConnection(conn, w);
    return false;
  }

  /** A key's state moved (high watermark, log start, partition gone): its watchers try again. */
  checkAndComplete(key: string): number {
    const set = this.watchers.get(key);
    if (!set) return 0;
    let completed = 0;
    for (const w of [...set]) {
      if (w.done) continue;
      if (w.op.tryComplete()) {
        this.finish(w);
        completed++;
      }
    }
    return completed;
  }

  /** Operations waiting now (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.ops.size;
    return n;
  }

  /** Expires everything at once (shutdown): every waiting request is answered. */
  expireAll(): void {
    for (const bucket of [...this.buckets.keys()]) this.expireBucket(bucket);
  }

  private trackConnection(conn: ClosableConnection, w: Watched): void {
    let set = this.byConnection.get(conn);
    if (!set) {
      this.byConnection.set(conn, (set = new Set()));
      const ops = set;
      if (!this.dropped.has(conn)) {
        this.dropped.add(conn);
        conn.whenClosed(() => {
          for (const x of ops) this.finish(x);
          ops.clear();
        });
      }
    }
    set.add(w);
  }

  private expireBucket(bucket: number): void {
    const b = this.buckets.get(bucket);
    if (!b) return;
    this.buckets.delete(bucket);
    b.timer.cancel();
    for (const w of b.ops) {
      if (w.done) continue;
      this.finish(w);
      w.op.onExpire();
    }
  }

  private finish(w: Watched): void {
    if (w.done) return;
    w.done = true;
    for (const k of w.keys) {
      const set = this.watchers.get(k);
      if (!set) continue;
      set.delete(w);
      if (set.size === 0) this.watchers.delete(k);
    }
    const b = this.buckets.get(w.bucket);
    if (b?.ops.delete(w) && b.ops.size === 0) {
      b.timer.cancel();
      this.buckets.delete(w.bucket);
    }
  }
}

/** The key follower fetches wait on besides their partitions: woken when this broker becomes a leader. */
export const NEW_LEADERSHIP_KEY = '\u0000new-leadership';
