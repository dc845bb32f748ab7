/**
 * Storage errors carry a stable `code` so the broker can map them to Kafka error codes at the
 * handler boundary (OFFSET_OUT_OF_RANGE, CORRUPT_MESSAGE, KAFKA_STORAGE_ERROR, ...).
 */
export class StorageError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class OffsetOutOfRangeError extends StorageError {
  constructor(
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
  ) {
    super(
      'SAMSA_OFFSET_OUT_OF_RANGE',
      `offset ${offset} is outside [${logStartOffset}, ${logEndOffset}]`,
    );
  }
}

/** The bytes handed to append are not a sequence of well-formed RecordBatch v2. */
export class InvalidBatchError extends StorageError {
  constructor(message: string) {
    super('SAMSA_INVALID_BATCH', message);
  }
}

/** A follower append whose first offset is below the log end offset. */
export class UnexpectedAppendOffsetError extends StorageError {
  constructor(readonly firstOffset: number, readonly logEndOffset: number) {
    super('SAMSA_UNEXPECTED_APPEND_OFFSET', `first offset ${firstOffset} < log end offset ${logEndOffset}`);
  }
}

/** The log hit an I/O error it could not undo; it refuses further writes (Kafka takes the dir offline). */
export class LogOfflineError extends StorageError {
  constructor(dir: string, cause: unknown) {
    super('SAMSA_LOG_OFFLINE', `log ${dir} is offline after an I/O error`, { cause });
  }
}
