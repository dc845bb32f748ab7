/** What the coordinator needs from the broker: the __consumer_offsets partitions. */
export interface CoordinatorLog {
  readonly partitionCount: number;
  /** Appends records (key, value-or-tombstone) to one partition of __consumer_offsets. */
  append(partition: number, records: Array<{ key: Buffer; value: Buffer | null }>): void;
  /** Every record of one partition, oldest first, for rebuilding state on load. */
  readAll(partition: number): Iterable<{ key: Buffer | null; value: Buffer | null }>;
}

export interface CoordinatorSettings {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  initialRebalanceDelayMs: number;
  maxGroupSize: number;
  offsetsRetentionMs: number;
  offsetMetadataMaxBytes: number;
}
