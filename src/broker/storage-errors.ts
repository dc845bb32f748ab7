// The error boundary between storage and the wire: a failed write or read of one partition
// becomes KAFKA_STORAGE_ERROR for that partition alone, with a message that says why.

/** A one-line reason for a storage failure of topic-partition, naming the errno when there is one. */
export function storageErrorMessage(err: unknown, topic: string, partition: number): string {
  const e = err as NodeJS.ErrnoException;
  const what = e.code === 'ENOSPC' ? 'the disk is full' : e.code ? `${e.code}: ${e.message}` : String(e?.message ?? err);
  return `Cannot write ${topic}-${partition}: ${what}`;
}
