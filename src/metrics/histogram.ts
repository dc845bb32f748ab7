/**
 * A fixed-bucket histogram kept in a typed array: `observe` is a short scan and three additions,
 * no allocation, so it can sit on the request path. Rendered as a Prometheus histogram
 * (cumulative `_bucket` counts with `le`, `_sum`, `_count`).
 */
export class FixedHistogram {
  /** Per-bucket counts (not cumulative); the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    this.counts[i]!++;
    this.sum += v;
    this.count++;
  }
}

/** Request phases in seconds: 0.1 ms to 30 s (Kafka's request metrics span the same range). */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
