import type { ControllerResult } from '../cluster/controller.js';
import type { MetadataImage } from '../cluster/metadata-image.js';
import type { CoordinatorLog } from '../group/coordinator-log.js';
import { ErrorCode } from '../protocol/errors.js';
import { batchLastOffset, batchSize } from '../record/batch-header.js';
import { buildBatch } from '../record/builder.js';
import { iterateRecords } from '../record/records.js';
import type { PartitionsPort } from './handler.js';

export const OFFSETS_TOPIC = '__consumer_offsets';
const LOAD_CHUNK = 1024 * 1024;

/** A coordinator record that could not be stored; `tooLarge` when it exceeds the topic's max.message.bytes. */
export class CoordinatorAppendError extends Error {
  constructor(readonly errorCode: number, message: string) {
    super(message);
  }
  get tooLarge(): boolean {
    return this.errorCode === ErrorCode.MESSAGE_TOO_LARGE || this.errorCode === ErrorCode.RECORD_LIST_TOO_LARGE;
  }
}

/** __consumer_offsets as the group coordinator sees it: created through the controller on first use, compacted. */
export class OffsetsTopic implements CoordinatorLog {
  readonly partitionCount: number;
  private creating: Promise<void> | null = null;

  constructor(
    private readonly partitions: PartitionsPort,
    private readonly image: () => MetadataImage,
    private readonly create: (partitionCount: number) => Promise<ControllerResult>,
    defaultPartitionCount: number,
  ) {
    this.partitionCount = image().topic(OFFSETS_TOPIC)?.partitions.length ?? defaultPartitionCount;
  }

  get exists(): boolean {
    return this.image().topic(OFFSETS_TOPIC) !== undefined;
  }

  ensure(): Promise<void> {
    if (this.exists) return Promise.resolve();
    this.creating ??= this.create(this.partitionCount).then(
      (out) => {
        this.creating = null;
        if (out.errorCode !== ErrorCode.NONE && out.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) throw new Error(`cannot create ${OFFSETS_TOPIC}: ${out.message}`);
      },
      (err: unknown) => {
        this.creating = null;
        throw err;
      },
    );
    return this.creating;
  }

  append(partition: number, records: Array<{ key: Buffer; value: Buffer | null }>): void {
    const p = this.partitions.partition(OFFSETS_TOPIC, partition);
    if (!p) throw new CoordinatorAppendError(ErrorCode.NOT_COORDINATOR, `${OFFSETS_TOPIC}-${partition} is not hosted here`);
    const out = p.appendRecordsToLeader(buildBatch(records.map((r) => ({ key: r.key, value: r.value }))), 'coordinator');
    if (!out.ok) throw new CoordinatorAppendError(out.errorCode, `append to ${OFFSETS_TOPIC}-${partition} failed: ${out.message}`);
  }

  *readAll(partition: number): Iterable<{ key: Buffer | null; value: Buffer | null }> {
    const p = this.partitions.partition(OFFSETS_TOPIC, partition);
    if (!p) return;
    let offset = p.logStartOffset;
    const end = p.logEndOffset;
    while (offset < end) {
      const buf = p.log.readBuffer(offset, LOAD_CHUNK, end, true);
      if (buf.length === 0) break;
      let at = 0;
      let last = offset - 1;
      while (at + 12 <= buf.length) {
        const size = batchSize(buf, at);
        if (at + size > buf.length) break;
        for (const r of iterateRecords(buf, at)) {
          if (r.offset >= offset) yield { key: r.key, value: r.value };
        }
        last = batchLastOffset(buf, at);
        at += size;
      }
      if (last < offset) break;
      offset = last + 1;
    }
  }
}
