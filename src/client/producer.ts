// Producer: records are accumulated per partition into batches that close on batch.size or
// linger.ms, then drained per leader into Produce requests (at most maxInFlight per connection).
// Retriable failures (leader moved, network) refresh metadata and resend the same built batch.
import { Produce } from '../protocol/messages/index.js';
import { buildBatch, type RecordInput } from '../record/builder.js';
import type { CompressionName } from '../record/compression.js';
import type { KafkaClient } from './client.js';
import { partitionForKey, StickyPartitioner } from './partitioner.js';
import { ClientError, KafkaError } from './util.js';

export interface ProducerOptions {
  /** 0, 1 or -1 (all). Default -1, as Kafka's producer since 3.0. */
  acks?: 0 | 1 | -1;
  lingerMs?: number;
  /** Bytes of record payload per batch before it closes (Kafka's batch.size, default 16384). */
  batchSize?: number;
  compression?: CompressionName;
  /** Produce requests outstanding per broker connection (max.in.flight.requests.per.connection). */
  maxInFlight?: number;
  /** Upper bound of bytes waiting in the producer (buffer.memory); waitForSpace() blocks above it. */
  bufferMemory?: number;
  requestTimeoutMs?: number;
  retries?: number;
  /** Upper bound of one Produce request's record bytes. */
  maxRequestSize?: number;
}

export interface ProducerRecord {
  topic: string;
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: { key: string; value: Buffer | string | null }[];
  partition?: number;
  timestamp?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1 with acks=0. */
  offset: number;
}

export type DeliveryCallback = (err: Error | null, partition: number, offset: number) => void;

interface Batch {
  topic: string;
  partition: number;
  records: RecordInput[];
  callbacks: DeliveryCallback[];
  bytes: number;
  created: number;
  built: Buffer | null;
  attempts: number;
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;
const sizeOf = (v: Buffer | string | null | undefined): number => (v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);

export class Producer {
  readonly acks: 0 | 1 | -1;
  private readonly lingerMs: number;
  private readonly batchSize: number;
  private readonly maxInFlight: number;
  private readonly bufferMemory: number;
  private readonly maxRequestSize: number;
  private readonly open = new Map<string, Batch>();
  /** Closed batches waiting for their leader, in creation order. */
  private ready: Batch[] = [];
  private lingerTimer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Map<number, number>();
  private readonly sticky = new StickyPartitioner();
  private buffered = 0;
  private outstanding = 0;
  private spaceWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private draining = false;
  private drainAgain = false;
  private closed = false;

  constructor(readonly client: KafkaClient, readonly opts: ProducerOptions = {}) {
    this.acks = opts.acks ?? -1;
    this.lingerMs = opts.lingerMs ?? 5;
    this.batchSize = opts.batchSize ?? 16384;
    this.maxInFlight = opts.maxInFlight ?? 5;
    this.bufferMemory = opts.bufferMemory ?? 32 * 1024 * 1024;
    this.maxRequestSize = opts.maxRequestSize ?? 1024 * 1024;
  }

  /** Bytes accepted but not yet acknowledged. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Sends one record; resolves when the broker acknowledged it (per acks). */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    return new Promise((resolve, reject) => {
      this.sendCb(record, (err, partition, offset) => (err ? reject(err) : resolve({ topic: record.topic, partition, offset }))).catch(reject);
    });
  }

  /** Sends records and resolves when all were acknowledged. */
  sendAll(records: ProducerRecord[]): Promise<RecordMetadata[]> {
    return Promise.all(records.map((r) => this.send(r)));
  }

  /** Callback form, cheaper than one promise per record (the perf tool uses it). */
  async sendCb(record: ProducerRecord, cb: DeliveryCallback): Promise<void> {
    if (this.closed) throw new ClientError('CLOSED', 'producer is closed');
    const partition = await this.partitionFor(record);
    this.append(record, partition, cb);
  }

  /** Synchronous append when the topic's partition count is already known (hot path). */
  tryAppendSync(record: ProducerRecord, cb: DeliveryCallback, numPartitions: number): void {
    const partition = this.pick(record, numPartitions);
    this.append(record, partition, cb);
  }

  private async partitionFor(record: ProducerRecord): Promise<number> {
    const t = await this.client.topic(record.topic);
    if (record.partition !== undefined && record.partition >= 0) {
      if (record.partition >= t.partitions.length) throw new KafkaError(3, `partition ${record.topic}/${record.partition}`);
      return record.partition;
    }
    return this.pick(record, t.partitions.length);
  }

  private pick(record: ProducerRecord, n: number): number {
    if (record.partition !== undefined && record.partition >= 0) return record.partition;
    if (record.key != null) {
      const k = typeof record.key === 'string' ? Buffer.from(record.key) : record.key;
      return partitionForKey(k, n);
    }
    return this.sticky.partition(record.topic, n);
  }

  private append(record: ProducerRecord, partition: number, cb: DeliveryCallback): void {
    const k = key(record.topic, partition);
    let b = this.open.get(k);
    let size = sizeOf(record.key) + sizeOf(record.value) + 8;
    if (record.headers) for (const h of record.headers) size += h.key.length + sizeOf(h.value);
    if (b && b.bytes + size > this.batchSize && b.records.length > 0) {
      this.closeBatch(k, b);
      b = undefined;
    }
    if (!b) {
      b = { topic: record.topic, partition, records: [], callbacks: [], bytes: 0, created: Date.now(), built: null, attempts: 0 };
      this.open.set(k, b);
    }
    b.records.push({ key: record.key ?? null, value: record.value, headers: record.headers, timestamp: record.timestamp });
    b.callbacks.push(cb);
    b.bytes += size;
    this.buffered += size;
    this.outstanding++;
    if (b.bytes >= this.batchSize) this.closeBatch(k, b);
    else if (this.lingerMs <= 0) this.scheduleDrain(true);
    else if (!this.lingerTimer) {
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = null;
        this.closeAll();
      }, this.lingerMs);
    }
  }

  private closeBatch(k: string, b: Batch): void {
    this.open.delete(k);
    if (b.records.length === 0) return;
    this.ready.push(b);
    if (b.records[0]?.key == null) {
      this.sticky.next(b.topic, this.client.cachedPartitionCount(b.topic));
    }
    this.scheduleDrain(false);
  }

  private closeAll(): void {
    for (const [k, b] of [...this.open]) this.closeBatch(k, b);
  }

  private scheduleDrain(closeOpen: boolean): void {
    if (closeOpen) {
      queueMicrotask(() => {
        this.closeAll();
      });
      return;
    }
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = true;
    setImmediate(() => {
      this.draining = false;
      void this.drain();
      if (this.drainAgain) {
        this.drainAgain = false;
        this.scheduleDrain(false);
      }
    });
  }

  /** Groups ready batches by leader and sends as many requests as in-flight limits allow. */
  private async drain(): Promise<void> {
    if (this.ready.length === 0) return;
    const byLeader = new Map<number, Batch[]>();
    const pending = this.ready;
    this.ready = [];
    for (const b of pending) {
      let leader: number;
      try {
        leader = await this.client.leaderOf(b.topic, b.partition, b.attempts > 0);
      } catch (e) {
        this.failOrRetry(b, e as Error);
        continue;
      }
      const list = byLeader.get(leader) ?? [];
      list.push(b);
      byLeader.set(leader, list);
    }
    for (const [leader, batches] of byLeader) {
      while (batches.length > 0) {
        if ((this.inFlight.get(leader) ?? 0) >= this.maxInFlight) {
          this.ready.push(...batches);
          break;
        }
        // One request: at most one batch per partition, up to maxRequestSize.
        const take: Batch[] = [];
        const seen = new Set<string>();
        let bytes = 0;
        for (let i = 0; i < batches.length; ) {
          const b = batches[i]!;
          const k = key(b.topic, b.partition);
          if (seen.has(k) || (take.length > 0 && bytes + b.bytes > this.maxRequestSize)) {
            i++;
            continue;
          }
          seen.add(k);
          bytes += b.bytes;
          take.push(b);
          batches.splice(i, 1);
        }
        this.sendRequest(leader, take);
      }
    }
  }

  private sendRequest(leader: number, batches: Batch[]): void {
    this.inFlight.set(leader, (this.inFlight.get(leader) ?? 0) + 1);
    const topics = new Map<string, { index: number; records: Buffer }[]>();
    for (const b of batches) {
      b.built ??= buildBatch(b.records, { compression: this.opts.compression ?? 'none' });
      const list = topics.get(b.topic) ?? [];
      list.push({ index: b.partition, records: b.built });
      topics.set(b.topic, list);
    }
    const body = {
      transactionalId: null,
      acks: this.acks,
      timeoutMs: this.opts.requestTimeoutMs ?? 30_000,
      topicData: [...topics].map(([name, partitionData]) => ({ name, partitionData })),
    };
    const done = () => {
      this.inFlight.set(leader, (this.inFlight.get(leader) ?? 1) - 1);
      if (this.ready.length > 0) this.scheduleDrain(false);
    };
    this.client
      .broker(leader)
      .then((conn) => conn.send(Produce, body, { noResponse: this.acks === 0, timeoutMs: (this.opts.requestTimeoutMs ?? 30_000) + 5000 }))
      .then(
        (res) => {
          done();
          if (this.acks === 0 || !res) {
            for (const b of batches) this.complete(b, null, -1);
            return;
          }
          const results = new Map<string, { errorCode: number; baseOffset: number; errorMessage: string | null }>();
          for (const t of res.responses) for (const p of t.partitionResponses) results.set(key(t.name, p.index), p);
          for (const b of batches) {
            const r = results.get(key(b.topic, b.partition));
            if (!r) this.failOrRetry(b, new ClientError('PROTOCOL', `no produce result for ${b.topic}/${b.partition}`));
            else if (r.errorCode !== 0) this.failOrRetry(b, new KafkaError(r.errorCode, `produce to ${b.topic}/${b.partition}`, r.errorMessage));
            else this.complete(b, null, r.baseOffset);
          }
        },
        (err: Error) => {
          done();
          for (const b of batches) this.failOrRetry(b, err);
        },
      );
  }

  private failOrRetry(b: Batch, err: Error): void {
    const retriable = err instanceof ClientError && err.retriable;
    if (retriable && b.attempts < (this.opts.retries ?? 5) && !this.closed) {
      b.attempts++;
      setTimeout(() => {
        this.ready.push(b);
        this.scheduleDrain(false);
      }, Math.min(100 * 2 ** (b.attempts - 1), 1000));
      return;
    }
    this.complete(b, err, -1);
  }

  private complete(b: Batch, err: Error | null, baseOffset: number): void {
    for (let i = 0; i < b.callbacks.length; i++) b.callbacks[i]!(err, b.partition, err || baseOffset < 0 ? -1 : baseOffset + i);
    this.buffered -= b.bytes;
    this.outstanding -= b.records.length;
    if (this.buffered < this.bufferMemory && this.spaceWaiters.length > 0) for (const w of this.spaceWaiters.splice(0)) w();
    if (this.outstanding === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves when buffered bytes are below bufferMemory. */
  waitForSpace(): Promise<void> {
    if (this.buffered < this.bufferMemory) return Promise.resolve();
    return new Promise((r) => this.spaceWaiters.push(r));
  }

  /** Sends everything buffered now and resolves when all was acknowledged (or failed). */
  flush(): Promise<void> {
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = null;
    }
    this.closeAll();
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }
}
