// Fetcher: assigned partitions with positions, one Fetch per leader per poll (long poll with
// maxWaitMs/minBytes), records decoded from RecordBatch v2 (compressed batches included), control
// batches skipped, OFFSET_OUT_OF_RANGE resolved by the reset policy.
import { Fetch } from '../protocol/messages/index.js';
import { ATTRIBUTES, LOG_OVERHEAD, MAGIC, TIMESTAMP_TYPE_MASK, batchLastOffset, batchMaxTimestamp, batchSize } from '../record/batch-header.js';
import { isControlBatch, iterateRecords } from '../record/records.js';
import type { Admin } from './admin.js';
import type { KafkaClient } from './client.js';
import { ClientError, KafkaError, sleep } from './util.js';

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  /** 0 CreateTime, 1 LogAppendTime. */
  timestampType: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
}

export interface FetcherOptions {
  maxWaitMs?: number;
  minBytes?: number;
  maxBytes?: number;
  partitionMaxBytes?: number;
  /** 0 read_uncommitted, 1 read_committed. */
  isolationLevel?: 0 | 1;
  /** What OFFSET_OUT_OF_RANGE resets to (auto.offset.reset). */
  autoOffsetReset?: 'earliest' | 'latest' | 'none';
}

interface Position {
  topic: string;
  partition: number;
  offset: number;
  highWatermark: number;
}

const tp = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** Splits a Fetch records section into records at or after `from`; returns the next fetch offset. */
export function decodeRecords(topic: string, partition: number, data: Buffer, from: number, out: ConsumedRecord[]): number {
  let next = from;
  let at = 0;
  while (at + LOG_OVERHEAD + 5 <= data.length) {
    const size = batchSize(data, at);
    if (at + size > data.length) break; // a partial batch at the end of a fetch response
    const magic = data.readInt8(at + MAGIC);
    if (magic !== 2) throw new ClientError('UNSUPPORTED_FORMAT', `record format v${magic} in ${topic}/${partition} is not supported`);
    const last = batchLastOffset(data, at);
    if (last >= next && !isControlBatch(data, at)) {
      const logAppend = (data.readInt16BE(at + ATTRIBUTES) & TIMESTAMP_TYPE_MASK) !== 0;
      const maxTs = logAppend ? batchMaxTimestamp(data, at) : 0;
      for (const r of iterateRecords(data, at)) {
        if (r.offset < next) continue;
        out.push({
          topic,
          partition,
          offset: r.offset,
          timestamp: logAppend ? maxTs : r.timestamp,
          timestampType: logAppend ? 1 : 0,
          key: r.key,
          value: r.value,
          headers: r.headers,
        });
      }
    }
    if (last + 1 > next) next = last + 1;
    at += size;
  }
  return next;
}

export class Fetcher {
  private readonly positions = new Map<string, Position>();

  constructor(
    readonly client: KafkaClient,
    readonly admin: Admin,
    readonly opts: FetcherOptions = {},
  ) {}

  assign(topic: string, partition: number, offset: number): void {
    this.positions.set(tp(topic, partition), { topic, partition, offset, highWatermark: -1 });
  }

  unassign(topic: string, partition: number): void {
    this.positions.delete(tp(topic, partition));
  }

  clear(): void {
    this.positions.clear();
  }

  assignment(): { topic: string; partition: number; offset: number; highWatermark: number }[] {
    return [...this.positions.values()].map((p) => ({ ...p }));
  }

  position(topic: string, partition: number): number | undefined {
    return this.positions.get(tp(topic, partition))?.offset;
  }

  seek(topic: string, partition: number, offset: number): void {
    const p = this.positions.get(tp(topic, partition));
    if (p) p.offset = offset;
    else this.assign(topic, partition, offset);
  }

  /** True when every assigned partition's position reached its last known high watermark. */
  caughtUp(): boolean {
    for (const p of this.positions.values()) if (p.highWatermark < 0 || p.offset < p.highWatermark) return false;
    return true;
  }

  /** One fetch round to every leader, in parallel; returns the records it brought. */
  async poll(): Promise<ConsumedRecord[]> {
    if (this.positions.size === 0) {
      await sleep(this.opts.maxWaitMs ?? 500);
      return [];
    }
    const byLeader = new Map<number, Position[]>();
    for (const p of this.positions.values()) {
      let leader: number;
      try {
        leader = await this.client.leaderOf(p.topic, p.partition);
      } catch (e) {
        if (e instanceof ClientError && e.retriable) continue;
        throw e;
      }
      const list = byLeader.get(leader) ?? [];
      list.push(p);
      byLeader.set(leader, list);
    }
    if (byLeader.size === 0) {
      await sleep(200);
      await this.client.metadata(null).catch(() => undefined);
      return [];
    }
    const results = await Promise.all([...byLeader].map(([leader, ps]) => this.fetchFrom(leader, ps)));
    return results.flat();
  }

  private async fetchFrom(leader: number, ps: Position[]): Promise<ConsumedRecord[]> {
    const topics = new Map<string, Position[]>();
    for (const p of ps) {
      const l = topics.get(p.topic) ?? [];
      l.push(p);
      topics.set(p.topic, l);
    }
    const partMax = this.opts.partitionMaxBytes ?? 1024 * 1024;
    let res;
    try {
      const conn = await this.client.broker(leader);
      res = await conn.send(
        Fetch,
        {
          replicaId: -1,
          maxWaitMs: this.opts.maxWaitMs ?? 500,
          minBytes: this.opts.minBytes ?? 1,
          maxBytes: this.opts.maxBytes ?? 50 * 1024 * 1024,
          isolationLevel: this.opts.isolationLevel ?? 0,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [...topics].map(([topic, list]) => ({
            topic,
            partitions: list.map((p) => ({ partition: p.partition, fetchOffset: p.offset, partitionMaxBytes: partMax, currentLeaderEpoch: -1, logStartOffset: -1 })),
          })),
          forgottenTopicsData: [],
          rackId: '',
        },
        { timeoutMs: (this.opts.maxWaitMs ?? 500) + 30_000 },
      );
    } catch (e) {
      if (e instanceof ClientError && e.retriable) {
        await sleep(this.client.retryBackoffMs);
        await this.client.metadata(null).catch(() => undefined);
        return [];
      }
      throw e;
    }
    if (res.errorCode !== 0) throw new KafkaError(res.errorCode, 'fetch');
    const out: ConsumedRecord[] = [];
    let refresh = false;
    for (const t of res.responses) {
      for (const p of t.partitions) {
        const pos = this.positions.get(tp(t.topic, p.partitionIndex));
        if (!pos) continue;
        if (p.errorCode === 1) {
          // OFFSET_OUT_OF_RANGE
          const policy = this.opts.autoOffsetReset ?? 'earliest';
          if (policy === 'none') throw new KafkaError(1, `fetch ${t.topic}/${p.partitionIndex} at offset ${pos.offset}`);
          const offs = await this.admin.listOffsets(t.topic, [p.partitionIndex], policy === 'earliest' ? -2 : -1);
          pos.offset = offs.get(p.partitionIndex) ?? 0;
          continue;
        }
        if (p.errorCode !== 0) {
          const err = new KafkaError(p.errorCode, `fetch ${t.topic}/${p.partitionIndex}`);
          if (!err.retriable) throw err;
          refresh = true;
          continue;
        }
        pos.highWatermark = p.highWatermark;
        const data = p.records;
        if (data && Buffer.isBuffer(data) && data.length > 0) {
          pos.offset = decodeRecords(t.topic, p.partitionIndex, data, pos.offset, out);
        }
      }
    }
    if (refresh) await this.client.metadata(null).catch(() => undefined);
    return out;
  }
}
