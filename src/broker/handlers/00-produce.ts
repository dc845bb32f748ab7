// Produce: v0-11. Behaviour: v0-2 carry message sets of format v0/v1 (the producers of Kafka
// 0.8-0.10), up-converted to one RecordBatch v2 before the append (record/legacy.ts); v0-2 requests
// carrying v2 batches are appended as they are, as Kafka accepts them. Transactional batches are
// checked against the transaction coordinator before they open a transaction on a partition
// (KIP-890 part 1: INVALID_TXN_STATE when the partition is not in the producer's transaction; when
// another broker coordinates the transactional id it is asked with AddPartitionsToTxn v4
// verify_only first, and a coordinator that cannot answer makes the partition
// NOT_ENOUGH_REPLICAS, retriable for every producer, as Kafka maps it; a marker of the producer
// written while the answer was on its way makes the write INVALID_TXN_STATE, as Kafka's
// verification guard does). Each partition's records go
// through the partition's one append path (validated once, one batch, no control batch); acks=0
// gets no response; acks=-1 waits in the delayed-operation registry until the high watermark
// passes the records, at most timeoutMs (REQUEST_TIMED_OUT after). v8+: records refused one by
// one (keyless records on a compacted topic) are named in record_errors (KIP-467). Unknown
// topics are created when auto.create.topics.enable.
import type { TopicImage } from '../../cluster/metadata-image.js';
import { INTERNAL_TOPICS } from '../../cluster/topic-names.js';
import { ErrorCode } from '../../protocol/errors.js';
import { Produce } from '../../protocol/messages/index.js';
import { isLegacyMessageSet, upConvertMessageSet } from '../../record/legacy.js';
import { maxRecordsSectionBytes } from '../../record/records.js';
import type { RequestOf, ResponseOf } from '../../protocol/schema.js';
import { autoCreateTopics } from '../auto-create.js';
import { CloseConnection } from '../dispatcher.js';
import { LeaderHints } from '../leader-hints.js';
import { defineHandler, type RequestContext } from '../handler.js';
import { AclOp, allowedTopic, allowedTxnId, mayCreateTopic } from '../authz.js';
import type { Partition, TxnVerifier } from '../partition.js';
import { ATTRIBUTES, HEADER_SIZE, MAGIC, PRODUCER_EPOCH, PRODUCER_ID, TRANSACTIONAL_FLAG, readInt64 } from '../../record/batch-header.js';
import type { TopicPartitions } from '../../txn/transaction-coordinator.js';
import { verificationKey } from '../txn-verification.js';

type ProduceRequest = RequestOf<typeof Produce>;
type ProduceResponse = ResponseOf<typeof Produce>;
type PartitionResponse = ProduceResponse['responses'][number]['partitionResponses'][number];

const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };
const NO_VERIFICATION: TxnVerifier = { verifyPartition: () => true };

function partitionError(index: number, errorCode: number, errorMessage: string | null = null, recordErrors: PartitionResponse['recordErrors'] = []): PartitionResponse {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors, errorMessage, currentLeader: NO_LEADER };
}

/** A partition appended to, waiting (acks=-1) for the high watermark to reach `requiredOffset`. */
interface Appended {
  p: Partition;
  requiredOffset: number;
  /** The leadership the records were appended under: after one as follower, they may have been truncated. */
  leadership: number;
  response: PartitionResponse;
}

interface Verification {
  producerId: number;
  producerEpoch: number;
  partitions: TopicPartitions[];
  /** The same partitions, for their verification guards. */
  targets: Array<{ p: Partition; key: string }>;
}

/**
 * The partitions where this request's transactional batch would open its producer's transaction
 * (led here, no transaction of that producer ongoing), with the producer; null when none.
 */
function needingVerification(ctx: RequestContext, req: ProduceRequest, topics: ReadonlyMap<string, TopicImage>): Verification | null {
  let out: Verification | null = null;
  for (const td of req.topicData) {
    if (!topics.has(td.name)) continue;
    for (const pd of td.partitionData) {
      const records = pd.records;
      if (!Buffer.isBuffer(records) || records.length < HEADER_SIZE || records.readInt8(MAGIC) !== 2) continue;
      if ((records.readInt16BE(ATTRIBUTES) & TRANSACTIONAL_FLAG) === 0) continue;
      const p = ctx.partitions.partition(td.name, pd.index);
      if (!p || !p.isLeader) continue;
      const producerId = readInt64(records, PRODUCER_ID);
      if (p.producerState.hasOngoingTxn(producerId)) continue;
      out ??= { producerId, producerEpoch: records.readInt16BE(PRODUCER_EPOCH), partitions: [], targets: [] };
      out.targets.push({ p, key: verificationKey(td.name, pd.index) });
      const last = out.partitions[out.partitions.length - 1];
      if (last && last.topic === td.name) last.partitions.push(pd.index);
      else out.partitions.push({ topic: td.name, partitions: [pd.index] });
    }
  }
  return out;
}

function appendAll(ctx: RequestContext, req: ProduceRequest, topics: ReadonlyMap<string, TopicImage>, denied: ReadonlySet<string>, txnDenied: boolean, remote: ReadonlyMap<string, number> | null): { responses: ProduceResponse['responses']; appended: Appended[] } {
  const version = ctx.header.apiVersion;
  const badAcks = req.acks !== 0 && req.acks !== 1 && req.acks !== -1;
  const appended: Appended[] = [];
  // KIP-890 part 1: a transactional batch that would open its producer's transaction on a
  // partition is checked against the transaction coordinator first.
  // transaction.partition.verification.enable=false accepts it, as Kafka does then.
  // One options object per request, not per partition.
  const verifier: TxnVerifier = remote ? { verifyPartition: (_id, _pid, _epoch, topic, partition) => remote.get(verificationKey(topic, partition)) === ErrorCode.NONE } : ctx.txn.coordinator;
  const appendOpts = req.transactionalId === null
    ? { requiredAcks: req.acks }
    : { transactionalId: req.transactionalId, verifier: ctx.config.bool('transaction.partition.verification.enable') ? verifier : NO_VERIFICATION, requiredAcks: req.acks };
  // Records appended by the partition answered last (0 for a failure or an idempotent retry).
  let appendedRecords = 0;
  const responses = req.topicData.map((td) => {
    const topic = topics.get(td.name);
    return {
      name: td.name,
      partitionResponses: td.partitionData.map((pd): PartitionResponse => {
        appendedRecords = 0;
        const r = appendPartition(td, topic, pd);
        // The coordinator could not answer (moved, loading, unreachable): the producer retries.
        if (r.errorCode === ErrorCode.INVALID_TXN_STATE && remote) {
          const answer = remote.get(verificationKey(td.name, pd.index));
          if (answer !== undefined && answer !== ErrorCode.NONE && answer !== ErrorCode.INVALID_TXN_STATE) Object.assign(r, partitionError(pd.index, ErrorCode.NOT_ENOUGH_REPLICAS, `the transaction coordinator could not verify the partition (error ${answer})`));
        }
        if (r.errorCode === ErrorCode.NONE) ctx.metrics.produced(td.name, Buffer.isBuffer(pd.records) ? pd.records.length : 0, appendedRecords);
        // Per topic only for topics that exist: a client naming random topics must not grow the counters.
        else ctx.metrics.produceFailed(topic ? td.name : null, r.errorCode, r.errorMessage);
        return r;
      }),
    };
  });
  return { responses, appended };

  function appendPartition(td: ProduceRequest['topicData'][number], topic: TopicImage | undefined, pd: ProduceRequest['topicData'][number]['partitionData'][number]): PartitionResponse {
    if (txnDenied) return partitionError(pd.index, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    if (denied.has(td.name)) return partitionError(pd.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    if (badAcks) return partitionError(pd.index, ErrorCode.INVALID_REQUIRED_ACKS);
    if (!topic) return partitionError(pd.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    if (INTERNAL_TOPICS.has(td.name)) return partitionError(pd.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${td.name}`);
    const p = ctx.partitions.partition(td.name, pd.index);
    if (!p) return partitionError(pd.index, pd.index < topic.partitions.length ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    if (pd.records === null || !Buffer.isBuffer(pd.records)) return partitionError(pd.index, ErrorCode.INVALID_RECORD, 'no records');
    let records = pd.records;
    if (version < 3 && isLegacyMessageSet(records)) {
      const up = upConvertMessageSet(records, { maxDecompressedBytes: maxRecordsSectionBytes(p.settings.maxMessageBytes) });
      if (!up.ok) return partitionError(pd.index, ErrorCode[up.kind], up.message);
      records = up.batch;
    }
    const out = p.appendRecordsToLeader(records, 'client', appendOpts);
    if (!out.ok) return partitionError(pd.index, out.errorCode, out.message, out.recordErrors);
    if (!out.duplicate) appendedRecords = out.facts.recordCount;
    const response: PartitionResponse = {
      index: pd.index,
      errorCode: ErrorCode.NONE,
      baseOffset: out.result.baseOffset,
      logAppendTimeMs: out.result.logAppendTime,
      logStartOffset: p.logStartOffset,
      recordErrors: [],
      errorMessage: null,
      currentLeader: NO_LEADER,
    };
    appended.push({ p, requiredOffset: out.result.lastOffset + 1, leadership: p.leadership, response });
    return response;
  }
}

/** acks=-1: answers once every appended partition's high watermark passed its records, or at timeoutMs. */
function awaitReplication(ctx: RequestContext, req: ProduceRequest, appended: Appended[], response: ProduceResponse): ProduceResponse | Promise<ProduceResponse | null> {
  // Still the leadership of the append: a follower's high watermark, or that of a later
  // leadership of this broker, may cover offsets whose records were replaced after a truncation.
  const current = (a: Appended) => ctx.partitions.partition(a.p.topic, a.p.index) === a.p && a.p.isLeader && a.p.leadership === a.leadership;
  const satisfied = (a: Appended) => current(a) && a.p.replicationOutcome(a.requiredOffset) !== null;
  const answerSatisfied = () => {
    for (const a of appended) {
      const outcome = satisfied(a) ? a.p.replicationOutcome(a.requiredOffset)! : ErrorCode.NONE;
      if (outcome !== ErrorCode.NONE) Object.assign(a.response, partitionError(a.response.index, outcome));
    }
  };
  if (appended.every(satisfied)) {
    answerSatisfied();
    return response;
  }
  return new Promise((resolve) => {
    const settle = (expired: boolean) => {
      answerSatisfied();
      for (const a of appended) {
        if (satisfied(a)) continue;
        const gone = !current(a);
        Object.assign(a.response, partitionError(a.response.index, gone ? ErrorCode.NOT_LEADER_OR_FOLLOWER : expired ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.NONE));
      }
      resolve(response);
    };
    const done = ctx.delayed.tryCompleteElseWatch(
      {
        tryComplete: () => {
          if (!appended.every((a) => satisfied(a) || !current(a))) return false;
          settle(false);
          return true;
        },
        onExpire: () => settle(true),
      },
      appended.map((a) => a.p.key),
      req.timeoutMs,
      ctx.conn,
    );
    if (!done && ctx.conn.isClosed) resolve(null);
  });
}

function produce(ctx: RequestContext, req: ProduceRequest, topics: ReadonlyMap<string, TopicImage>, denied: ReadonlySet<string>, txnDenied: boolean): ProduceResponse | null | Promise<ProduceResponse | null> {
  if (req.transactionalId !== null && !txnDenied && ctx.config.bool('transaction.partition.verification.enable')) {
    const need = needingVerification(ctx, req, topics);
    const asked = need && ctx.txn.verifyElsewhere(req.transactionalId, need.producerId, need.producerEpoch, need.partitions);
    // An asynchronous answer keeps the request frame's memory, so the records stay valid meanwhile.
    if (asked) {
      // Taken in the same turn as the question, so no marker can come between.
      const now = ctx.clock.now();
      const guards = need.targets.map((t) => ({ ...t, guard: t.p.producerState.verificationGuard(need.producerId, now) }));
      return asked.then((remote) => {
        // A marker of the producer written here while the coordinator answered ended the
        // transaction that answer was about: the write is refused as unverified.
        const current = new Map(remote);
        for (const g of guards) if (!g.p.producerState.holdsVerificationGuard(need.producerId, g.guard)) current.set(g.key, ErrorCode.INVALID_TXN_STATE);
        return produceVerified(ctx, req, topics, denied, txnDenied, current);
      });
    }
  }
  return produceVerified(ctx, req, topics, denied, txnDenied, null);
}

function produceVerified(ctx: RequestContext, req: ProduceRequest, topics: ReadonlyMap<string, TopicImage>, denied: ReadonlySet<string>, txnDenied: boolean, remote: ReadonlyMap<string, number> | null): ProduceResponse | null | Promise<ProduceResponse | null> {
  const { responses, appended } = appendAll(ctx, req, topics, denied, txnDenied, remote);
  if (req.acks === 0) {
    // Kafka closes the connection when an acks=0 produce fails: the producer gets no response,
    // so the closed connection is how it learns to refresh metadata and retry.
    const failed = responses.flatMap((t) => t.partitionResponses.filter((p) => p.errorCode !== ErrorCode.NONE).map((p) => `${t.name}-${p.index}: ${p.errorCode}`));
    if (failed.length > 0) throw new CloseConnection(`acks=0 produce failed (${failed.join(', ')})`);
    return null;
  }
  // Nothing is allocated for the hints unless a partition is led elsewhere.
  let hints: LeaderHints | null = null;
  for (const t of responses) {
    for (const p of t.partitionResponses) if (p.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER) p.currentLeader = (hints ??= new LeaderHints(ctx.metadata.image)).leaderOf(t.name, p.index);
  }
  const response: ProduceResponse = { responses, throttleTimeMs: 0, nodeEndpoints: hints?.nodeEndpoints() ?? [] };
  return req.acks === -1 ? awaitReplication(ctx, req, appended, response) : response;
}

export const produceHandler = defineHandler(
  Produce,
  { min: 0, max: 11 },
  (ctx, req) => {
    const image = ctx.metadata.image;
    const topics = new Map<string, TopicImage>();
    const missing: string[] = [];
    // Kafka's checks: WRITE on the transactional id, then WRITE on each topic.
    const txnDenied = req.transactionalId !== null && !allowedTxnId(ctx, AclOp.WRITE, req.transactionalId);
    const denied = new Set(req.topicData.map((td) => td.name).filter((n) => !allowedTopic(ctx, AclOp.WRITE, n)));
    for (const td of req.topicData) {
      const t = image.topic(td.name);
      if (t) topics.set(td.name, t);
      else if (!missing.includes(td.name) && !denied.has(td.name) && !txnDenied && mayCreateTopic(ctx, td.name)) missing.push(td.name);
    }
    if (missing.length === 0 || !ctx.config.bool('auto.create.topics.enable')) return produce(ctx, req, topics, denied, txnDenied);
    // An asynchronous answer keeps the request frame's memory (it is recycled only after a
    // synchronous one), so the records stay valid while topics are created.
    return autoCreateTopics(ctx, missing).then((created) => {
      for (const [name, t] of created) topics.set(name, t);
      return produce(ctx, req, topics, denied, txnDenied);
    });
  },
  (_ctx, req, errorCode) => {
    if (req.acks === 0) throw new CloseConnection('acks=0 produce failed');
    return {
      responses: req.topicData.map((td) => ({ name: td.name, partitionResponses: td.partitionData.map((pd) => partitionError(pd.index, errorCode)) })),
      throttleTimeMs: 0,
      nodeEndpoints: [],
    };
  },
);
