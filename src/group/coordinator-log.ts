/** A record of an internal topic as a coordinator reads it back, with what its batch says. */
export interface StoredRecord {
  key: Buffer | null;
  value: Buffer | null;
  /** The batch's producer id (-1, or absent, for the coordinator's own records). */
  producerId?: number;
  isTransactional?: boolean;
  /** A transaction marker: `key` is the control record key (version, type). */
  isControl?: boolean;
}

/** A transactional write: the records belong to this producer's ongoing transaction. */
export interface TxnWrite {
  producerId: number;
  producerEpoch: number;
}

/** What a coordinator needs from the broker: the partitions of its internal topic. */
export interface CoordinatorLog {
  readonly partitionCount: number;
  /** Appends records (key, value-or-tombstone) to one partition, as one batch (transactional with `txn`). */
  append(partition: number, records: Array<{ key: Buffer; value: Buffer | null }>, txn?: TxnWrite): void;
  /** Every record of one partition, oldest first, for rebuilding state on load. */
  readAll(partition: number): Iterable<StoredRecord>;
  /** The leader epoch of the partition here (a transaction coordinator's epoch); -1 when not hosted. */
  leaderEpoch?(partition: number): number;
}

export interface CoordinatorSettings {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  initialRebalanceDelayMs: number;
  maxGroupSize: number;
  offsetsRetentionMs: number;
  offsetMetadataMaxBytes: number;
}
