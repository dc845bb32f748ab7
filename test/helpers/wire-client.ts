/**
 * A raw Kafka-protocol connection for tests, built on the project's own protocol layer
 * (encodeRequest / decodeResponse and the definitions in src/protocol/messages) over a plain
 * net.Socket. It can send well-formed requests, pipeline several without waiting, or write
 * arbitrary bytes, and it records the order in which responses arrive.
 *
 *   const c = await WireClient.connect(bootstrap);
 *   const r = await c.request(ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
 *   c.writeRaw(randomBytes(100)); await c.waitClosed();
 *   c.close();
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { CreateTopics, Fetch, ListOffsets, Produce, decodeResponse, encodeRequest, type ApiSpec, type RequestOf, type ResponseOf } from '../../src/protocol/index.js';
import { FrameReader } from '../../src/server/frame-reader.js';
import { readRecords } from '../../src/record/records.js';

interface Pending {
  spec: ApiSpec;
  version: number;
  resolve: (body: unknown) => void;
  reject: (err: Error) => void;
}

export class WireClient {
  private readonly frames = new FrameReader(1 << 30);
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private closedFlag = false;
  private readonly closedPromise: Promise<void>;
  /** Correlation ids of the responses in the order they arrived. */
  readonly arrivals: number[] = [];

  private constructor(readonly socket: Socket, readonly clientId: string) {
    this.closedPromise = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.frames.push(chunk)) this.onFrame(f);
      if (this.frames.error) {
        this.failAll(this.frames.error);
        socket.destroy();
      }
    });
    socket.once('close', () => {
      this.closedFlag = true;
      this.failAll(new Error('connection closed'));
    });
  }

  /** Connects (bounded by timeoutMs) to "host:port". */
  static connect(bootstrap: string, opts: { clientId?: string; timeoutMs?: number; tls?: ConnectionOptions } = {}): Promise<WireClient> {
    const i = bootstrap.lastIndexOf(':');
    const host = bootstrap.slice(0, i);
    const port = Number(bootstrap.slice(i + 1));
    return new Promise((resolve, reject) => {
      const s = opts.tls ? tlsConnect({ host, port, ...opts.tls }) : connect({ host, port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`connect to ${bootstrap} timed out`));
      }, opts.timeoutMs ?? 5000);
      s.once(opts.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        s.setNoDelay(true);
        resolve(new WireClient(s, opts.clientId ?? 'samsa-test'));
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    this.arrivals.push(correlationId);
    const p = this.pending.get(correlationId);
    if (!p) return;
    this.pending.delete(correlationId);
    try {
      p.resolve(decodeResponse(p.spec, p.version, frame).body);
    } catch (err) {
      p.reject(err as Error);
    }
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Encodes a request frame (size prefix included) with the next correlation id, without sending it. */
  encode<A extends ApiSpec>(spec: A, version: number, body: RequestOf<A>): { frame: Buffer; correlationId: number } {
    const correlationId = this.nextCorrelationId++;
    const frame = encodeRequest(spec, { apiKey: spec.key, apiVersion: version, correlationId, clientId: this.clientId }, body);
    return { frame, correlationId };
  }

  /**
   * Sends a request and resolves with the decoded response body. Several calls without awaiting
   * pipeline the requests on the connection. Rejects if the connection closes first or after timeoutMs.
   */
  request<A extends ApiSpec>(spec: A, version: number, body: RequestOf<A>, timeoutMs = 10_000): Promise<ResponseOf<A>> {
    const { frame, correlationId } = this.encode(spec, version, body);
    return this.expect(spec, version, correlationId, frame, timeoutMs);
  }

  /** Sends an already-encoded frame whose response (for correlationId) is decoded with spec/version. */
  expect<A extends ApiSpec>(spec: A, version: number, correlationId: number, frame: Buffer | null, timeoutMs = 10_000): Promise<ResponseOf<A>> {
    if (this.closedFlag) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new Error(`no response to ${spec.name} v${version} (correlation id ${correlationId}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(correlationId, {
        spec,
        version,
        resolve: (b) => {
          clearTimeout(timer);
          resolve(b as ResponseOf<A>);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      if (frame) this.socket.write(frame);
    });
  }

  /** Writes arbitrary bytes. */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Resolves true when the peer closes the connection within timeoutMs, false otherwise. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    if (this.closedFlag) return true;
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    });
    const res = await Promise.race([this.closedPromise.then(() => true), t]);
    clearTimeout(timer);
    return res;
  }

  close(): void {
    this.socket.destroy();
  }
}

// ---- Conveniences built on WireClient (one request each; they throw on protocol errors) ----


/** Creates a topic (CreateTopics v7); returns the error code (0 = created). */
export async function createTopic(c: WireClient, name: string, numPartitions: number, configs: Record<string, string> = {}): Promise<number> {
  const r = await c.request(CreateTopics, 7, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })) }],
    timeoutMs: 10_000,
    validateOnly: false,
  });
  return r.topics[0]!.errorCode;
}

/** ListOffsets v7 for every given partition: timestamp -1 = latest (end offset), -2 = earliest. */
export async function listOffsets(c: WireClient, topic: string, partitions: readonly number[], timestamp = -1): Promise<number[]> {
  const r = await c.request(ListOffsets, 7, {
    replicaId: -1,
    isolationLevel: 0,
    timeoutMs: 10_000,
    topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 })) }],
  });
  const byIndex = new Map(r.topics[0]!.partitions.map((p) => [p.partitionIndex, p]));
  return partitions.map((p) => {
    const x = byIndex.get(p)!;
    if (x.errorCode !== 0) throw new Error(`ListOffsets ${topic}/${p}: error ${x.errorCode}`);
    return x.offset;
  });
}

/** Produces one batch (already built) with acks=-1 (Produce v9); returns the partition response. */
export async function produceBatch(c: WireClient, topic: string, partition: number, batch: Buffer, acks = -1) {
  const r = await c.request(Produce, 9, {
    transactionalId: null,
    acks,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
  });
  return r.responses[0]!.partitionResponses[0]!;
}

/** Fetch v11 (topic by name) of one partition from an offset, no waiting; returns the partition data. */
export async function fetchPartition(c: WireClient, topic: string, partition: number, fetchOffset: number, maxBytes = 1 << 20, maxWaitMs = 0, minBytes = 0) {
  const r = await c.request(Fetch, 11, {
    clusterId: null,
    replicaId: -1,
    replicaState: { replicaId: -1, replicaEpoch: -1 },
    maxWaitMs,
    minBytes,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: maxBytes, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
    forgottenTopicsData: [],
    rackId: '',
  }, Math.max(10_000, maxWaitMs + 10_000));
  return r.responses[0]!.partitions[0]!;
}

export interface ReadRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
  /** The batch's producer id and epoch (-1 for a producer without idempotence). */
  producerId: number;
  producerEpoch: number;
}

/** Splits a fetched records buffer into whole batches (a partial trailing batch is dropped). */
export function splitBatches(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at + 12 <= buf.length) {
    const size = 12 + buf.readInt32BE(at + 8);
    if (at + size > buf.length) break;
    out.push(buf.subarray(at, at + size));
    at += size;
  }
  return out;
}

/**
 * Reads a partition from `from` up to its high watermark with repeated Fetch requests and
 * returns every record (keys, values, header values as utf8), bounded by timeoutMs.
 */
export async function readAll(c: WireClient, topic: string, partition: number, from = 0, timeoutMs = 30_000): Promise<ReadRecord[]> {
  const deadline = Date.now() + timeoutMs;
  const out: ReadRecord[] = [];
  let next = from;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`readAll ${topic}/${partition} timed out at offset ${next}`);
    const d = await fetchPartition(c, topic, partition, next, 4 << 20);
    if (d.errorCode !== 0) throw new Error(`fetch ${topic}/${partition}@${next}: error ${d.errorCode}`);
    const buf = d.records === null ? Buffer.alloc(0) : (d.records as Buffer);
    for (const batch of splitBatches(buf)) {
      const producerId = Number(batch.readBigInt64BE(43));
      const producerEpoch = batch.readInt16BE(51);
      for (const r of readRecords(batch)) {
        if (r.offset < next) continue;
        out.push({
          producerId,
          producerEpoch,
          offset: r.offset,
          timestamp: r.timestamp,
          key: r.key?.toString('utf8') ?? null,
          value: r.value?.toString('utf8') ?? null,
          headers: r.headers.map((h) => [h.key, h.value?.toString('utf8') ?? null]),
        });
        next = r.offset + 1;
      }
    }
    if (next >= d.highWatermark) return out;
  }
}
