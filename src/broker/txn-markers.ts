/**
 * Transaction markers (Kafka's TransactionMarkerChannelManager and handleWriteTxnMarkersRequest).
 *
 * On the partition leader a marker is one control batch through the partition's append path
 * with origin 'coordinator', answered once the partition's ISR has it (acks=all); a marker on
 * __consumer_offsets also completes the transaction's offsets in the group coordinator. The
 * WriteTxnMarkers handler and the coordinator's own markers for partitions led here share it.
 *
 * The coordinator's side sends each marker to the partition's current leader: here, at once;
 * elsewhere, in one WriteTxnMarkers request per broker that carries every marker queued for it
 * meanwhile (one request in flight per broker). What fails with a retriable error (the leader
 * moved, the ISR is short, the broker is unreachable) goes back to the coordinator, which tries it
 * again with the metadata as it is then. Markers for deleted partitions, and those a newer
 * producer epoch or coordinator epoch fences, are dropped, as Kafka drops them.
 */
import type { PeerSecurity } from '../client/connection.js';
import { LazyConnection } from '../client/lazy-connection.js';
import type { MetadataImage } from '../cluster/metadata-image.js';
import type { GroupCoordinator } from '../group/coordinator.js';
import { ErrorCode } from '../protocol/errors.js';
import { WriteTxnMarkers } from '../protocol/messages/index.js';
import type { RequestOf } from '../protocol/schema.js';
import { ControlType, buildControlBatch } from '../record/builder.js';
import type { TopicPartitions, TxnMarkerPort } from '../txn/transaction-coordinator.js';
import { log as rootLog } from '../util/log.js';
import type { DelayedOperations } from './delayed-operations.js';
import type { PartitionsPort } from './handler.js';
import { OFFSETS_TOPIC, awaitReplicated } from './offsets-topic.js';

const logger = rootLog.child({ component: 'txn-markers' });

export interface MarkerTarget {
  partitions: PartitionsPort;
  groups: GroupCoordinator;
  image: MetadataImage;
  delayed: DelayedOperations;
}

export interface Marker {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
}

/**
 * Writes one marker on this broker and resolves with Kafka's code for the partition once the ISR
 * has it (at most `timeoutMs`). A partition of a known topic that is not hosted here is
 * NOT_LEADER_OR_FOLLOWER: the sender must look for its leader, not drop the marker.
 */
export function writeMarker(t: MarkerTarget, m: Marker, topic: string, index: number, timeoutMs: number): Promise<number> {
  const p = t.partitions.partition(topic, index);
  if (!p) {
    const known = index >= 0 && index < (t.image.topic(topic)?.partitions.length ?? 0);
    return Promise.resolve(known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
  const batch = buildControlBatch({ type: m.commit ? ControlType.COMMIT : ControlType.ABORT, producerId: m.producerId, producerEpoch: m.producerEpoch, coordinatorEpoch: m.coordinatorEpoch });
  const out = p.appendRecordsToLeader(batch, 'coordinator');
  if (!out.ok) return Promise.resolve(out.errorCode);
  if (topic === OFFSETS_TOPIC) t.groups.onTxnCompleted(m.producerId, index, m.commit);
  return awaitReplicated(t.partitions, t.delayed, p, out.result.lastOffset + 1, timeoutMs, null);
}

/** Codes after which a marker is not sent again (Kafka's TransactionMarkerRequestCompletionHandler). */
function dropped(code: number, image: MetadataImage, topic: string, index: number): boolean {
  // Retried while the metadata still has the partition: the leader may not know it yet.
  if (code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return image.topic(topic)?.partitions[index] === undefined;
  return code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.TRANSACTION_COORDINATOR_FENCED;
}

type WritableMarker = RequestOf<typeof WriteTxnMarkers>['markers'][number];

interface Queued {
  marker: WritableMarker;
  resolve: (failed: TopicPartitions[]) => void;
}

interface BrokerChannel {
  readonly conn: LazyConnection;
  queue: Queued[];
  busy: boolean;
}

export interface TxnMarkerSenderOptions {
  nodeId: number;
  image: () => MetadataImage;
  partitions: PartitionsPort;
  groups: () => GroupCoordinator;
  delayed: DelayedOperations;
  /** request.timeout.ms: how long a marker waits for its ISR. */
  timeoutMs: () => number;
  /** The inter-broker listener's TLS and SASL. */
  peer?: PeerSecurity;
}

/** The coordinator's marker port, for a single node (every partition led here) and a cluster. */
export class TxnMarkerSender implements TxnMarkerPort {
  private readonly channels = new Map<number, BrokerChannel>();
  private closed = false;

  constructor(private readonly opts: TxnMarkerSenderOptions) {}

  async writeMarkers(producerId: number, producerEpoch: number, commit: boolean, coordinatorEpoch: number, tps: readonly TopicPartitions[]): Promise<TopicPartitions[]> {
    const image = this.opts.image();
    const marker: Marker = { producerId, producerEpoch, commit, coordinatorEpoch };
    const target: MarkerTarget = { partitions: this.opts.partitions, groups: this.opts.groups(), image, delayed: this.opts.delayed };
    const local: Array<Promise<{ topic: string; index: number; code: number }>> = [];
    const remote = new Map<number, TopicPartitions[]>();
    const retry = new Map<string, number[]>();
    const again = (topic: string, index: number) => {
      const list = retry.get(topic);
      if (list) list.push(index);
      else retry.set(topic, [index]);
    };
    for (const tp of tps) {
      const topic = image.topic(tp.topic);
      for (const index of tp.partitions) {
        const state = topic?.partitions[index];
        if (topic && !state) {
          logger.warn({ topic: tp.topic, partition: index, producerId, producerEpoch }, 'transaction marker not written: the topic has no such partition');
          continue;
        }
        // A topic the metadata does not have is tried here, where its partition tells.
        const leader = state ? state.leader : this.opts.nodeId;
        if (leader < 0) again(tp.topic, index);
        else if (leader === this.opts.nodeId) local.push(writeMarker(target, marker, tp.topic, index, this.opts.timeoutMs()).then((code) => ({ topic: tp.topic, index, code })));
        else {
          let list = remote.get(leader);
          if (!list) remote.set(leader, (list = []));
          const last = list[list.length - 1];
          if (last && last.topic === tp.topic) last.partitions.push(index);
          else list.push({ topic: tp.topic, partitions: [index] });
        }
      }
    }
    const sent = [...remote].map(([broker, list]) => this.enqueue(broker, { producerId, producerEpoch, transactionResult: commit, coordinatorEpoch, topics: list.map((t) => ({ name: t.topic, partitionIndexes: t.partitions })) }));
    for (const r of await Promise.all(local)) {
      if (r.code === ErrorCode.NONE) continue;
      if (dropped(r.code, this.opts.image(), r.topic, r.index)) {
        logger.warn({ topic: r.topic, partition: r.index, producerId, producerEpoch, errorCode: r.code }, 'transaction marker not written');
        continue;
      }
      again(r.topic, r.index);
    }
    for (const failed of await Promise.all(sent)) for (const tp of failed) for (const p of tp.partitions) again(tp.topic, p);
    return [...retry].map(([topic, partitions]) => ({ topic, partitions }));
  }

  private enqueue(broker: number, marker: WritableMarker): Promise<TopicPartitions[]> {
    let ch = this.channels.get(broker);
    if (!ch) {
      const timeout = this.opts.timeoutMs();
      ch = { conn: new LazyConnection((b) => ({ host: b.host, port: b.port, clientId: `samsa-txn-markers-${this.opts.nodeId}`, connectTimeoutMs: 5000, requestTimeoutMs: timeout + 5000, ...this.opts.peer })), queue: [], busy: false };
      this.channels.set(broker, ch);
    }
    const channel = ch;
    return new Promise((resolve) => {
      channel.queue.push({ marker, resolve });
      // Markers queued in the same turn of the event loop travel together.
      if (!channel.busy) setImmediate(() => void this.flush(broker, channel));
    });
  }

  /** Sends everything queued for one broker as one request; repeats while more was queued meanwhile. */
  private async flush(broker: number, ch: BrokerChannel): Promise<void> {
    if (ch.busy || ch.queue.length === 0) return;
    ch.busy = true;
    const batch = ch.queue;
    ch.queue = [];
    const all = (q: Queued) => q.marker.topics.map((t) => ({ topic: t.name, partitions: [...t.partitionIndexes] }));
    try {
      const info = this.opts.image().broker(broker);
      if (!info || this.closed) throw new Error(`broker ${broker} is not in the metadata`);
      const conn = await ch.conn.get(info);
      const res = await conn.send(WriteTxnMarkers, { markers: batch.map((q) => q.marker) });
      const image = this.opts.image();
      for (const q of batch) {
        const result = res.markers.find((r) => r.producerId === q.marker.producerId);
        if (!result) {
          q.resolve(all(q));
          continue;
        }
        const failed: TopicPartitions[] = [];
        for (const t of q.marker.topics) {
          const answered = result.topics.find((x) => x.name === t.name);
          const bad = t.partitionIndexes.filter((index) => {
            const code = answered?.partitions.find((x) => x.partitionIndex === index)?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
            if (code === ErrorCode.NONE) return false;
            if (dropped(code, image, t.name, index)) {
              logger.warn({ broker, topic: t.name, partition: index, producerId: q.marker.producerId, errorCode: code }, 'transaction marker not written');
              return false;
            }
            return true;
          });
          if (bad.length > 0) failed.push({ topic: t.name, partitions: bad });
        }
        q.resolve(failed);
      }
    } catch (err) {
      ch.conn.reset();
      logger.info({ broker, markers: batch.length, err: (err as Error).message }, 'transaction markers not delivered; retrying');
      for (const q of batch) q.resolve(all(q));
    } finally {
      ch.busy = false;
    }
    if (ch.queue.length > 0) void this.flush(broker, ch);
  }

  close(): void {
    this.closed = true;
    for (const ch of this.channels.values()) ch.conn.close();
    this.channels.clear();
  }
}
