/**
 * KIP-890 part 1 across brokers (Kafka 3.6+'s AddPartitionsToTxnManager): a partition leader
 * asks the broker that coordinates a transactional id whether partitions are in the producer's
 * ongoing transaction, with AddPartitionsToTxn v4 and verify_only, before it accepts the
 * producer's first transactional batch on them. One connection per coordinator broker, opened
 * on first use; requests are pipelined on it.
 */
import type { PeerSecurity } from '../client/connection.js';
import { LazyConnection } from '../client/lazy-connection.js';
import type { MetadataImage } from '../cluster/metadata-image.js';
import { ErrorCode } from '../protocol/errors.js';
import { AddPartitionsToTxn } from '../protocol/messages/index.js';
import type { TopicPartitions } from '../txn/transaction-coordinator.js';

/** Per-partition answers, keyed by `topic\u0000partition`. */
export type VerificationAnswers = ReadonlyMap<string, number>;

export const verificationKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class TxnVerificationClient {
  private readonly conns = new Map<number, LazyConnection>();

  constructor(private readonly opts: { nodeId: number; image: () => MetadataImage; timeoutMs: () => number; peer?: PeerSecurity }) {}

  async verify(broker: number, transactionalId: string, producerId: number, producerEpoch: number, tps: readonly TopicPartitions[]): Promise<VerificationAnswers> {
    const answers = new Map<string, number>();
    const all = (code: number) => {
      for (const tp of tps) for (const p of tp.partitions) answers.set(verificationKey(tp.topic, p), code);
      return answers;
    };
    const info = this.opts.image().broker(broker);
    if (!info) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    let lazy = this.conns.get(broker);
    if (!lazy) {
      const timeout = this.opts.timeoutMs();
      this.conns.set(broker, (lazy = new LazyConnection((b) => ({ host: b.host, port: b.port, clientId: `samsa-txn-verification-${this.opts.nodeId}`, connectTimeoutMs: 5000, requestTimeoutMs: timeout, ...this.opts.peer }))));
    }
    try {
      const conn = await lazy.get(info);
      const version = conn.versionFor(AddPartitionsToTxn);
      if (version < 4) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      const res = await conn.sendAt(AddPartitionsToTxn, version, {
        transactions: [{ transactionalId, producerId, producerEpoch, verifyOnly: true, topics: tps.map((tp) => ({ name: tp.topic, partitions: [...tp.partitions] })) }],
        v3AndBelowTransactionalId: '',
        v3AndBelowProducerId: -1,
        v3AndBelowProducerEpoch: -1,
        v3AndBelowTopics: [],
      });
      if (res.errorCode !== ErrorCode.NONE) return all(res.errorCode);
      all(ErrorCode.UNKNOWN_SERVER_ERROR);
      for (const t of res.resultsByTransaction) {
        if (t.transactionalId !== transactionalId) continue;
        for (const topic of t.topicResults) for (const p of topic.resultsByPartition) answers.set(verificationKey(topic.name, p.partitionIndex), p.partitionErrorCode);
      }
      return answers;
    } catch {
      lazy.reset();
      return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  }

  close(): void {
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
  }
}
