import type { CoordinatorLog } from '../group/coordinator-log.js';
import { batchLastOffset, batchSize } from '../record/batch-header.js';
import { buildBatch } from '../record/builder.js';
import { iterateRecords } from '../record/records.js';
import type { Broker } from './broker.js';

export const OFFSETS_TOPIC = '__consumer_offsets';
const LOAD_CHUNK = 1024 * 1024;

/** __consumer_offsets as the group coordinator sees it: created on first use, compacted. */
export class OffsetsTopic implements CoordinatorLog {
  readonly partitionCount: number;

  constructor(private readonly broker: Broker) {
    const existing = broker.topic(OFFSETS_TOPIC);
    this.partitionCount = existing ? existing.partitions.length : broker.config.int('offsets.topic.num.partitions');
  }

  get exists(): boolean {
    return this.broker.topic(OFFSETS_TOPIC) !== undefined;
  }

  ensure(): void {
    if (this.exists) return;
    const out = this.broker.createTopic({
      name: OFFSETS_TOPIC,
      numPartitions: this.partitionCount,
      replicationFactor: -1,
      configs: { 'cleanup.policy': 'compact', 'segment.bytes': String(this.broker.config.int('offsets.topic.segment.bytes')), 'compression.type': 'producer' },
      internal: true,
    });
    if (out.errorCode !== 0) throw new Error(`cannot create ${OFFSETS_TOPIC}: ${out.message}`);
  }

  append(partition: number, records: Array<{ key: Buffer; value: Buffer | null }>): void {
    this.ensure();
    const p = this.broker.partition(OFFSETS_TOPIC, partition);
    if (!p) throw new Error(`${OFFSETS_TOPIC}-${partition} is not hosted here`);
    const out = p.appendAsLeader(buildBatch(records.map((r) => ({ key: r.key, value: r.value }))));
    if (!out.ok) throw new Error(`append to ${OFFSETS_TOPIC}-${partition} failed: ${out.message}`);
  }

  *readAll(partition: number): Iterable<{ key: Buffer | null; value: Buffer | null }> {
    const p = this.broker.partition(OFFSETS_TOPIC, partition);
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
