// Fetch: v4-17. Behaviour: many topics and partitions per request; v13+ name topics by id; a
// partition listed twice is INVALID_REQUEST, as Kafka refuses duplicates. Records are sent as
// file regions of the segments (no parsing). A long poll (max.wait.ms / min.bytes) waits in the
// delayed-operation registry for committed bytes: it wakes when a high watermark moves, not on
// appends. isolation_level=1 (read_committed) reads up to the last stable offset, gets the aborted
// transactions overlapping what it is sent (from the segments' .txnindex), and its long poll waits
// for bytes below the last stable offset. Incremental fetch sessions (KIP-227) are declined as Kafka declines them when its
// cache is full: session id 0, so every fetch is a full one.
import type { TopicImage } from '../../cluster/metadata-image.js';
import { ErrorCode } from '../../protocol/errors.js';
import { Fetch } from '../../protocol/messages/index.js';
import type { RequestOf, ResponseOf } from '../../protocol/schema.js';
import type { RecordsData } from '../../protocol/writer.js';
import { leaderEpochError } from '../epoch-check.js';
import { defineHandler, type RequestContext } from '../handler.js';
import type { Partition } from '../partition.js';

type FetchRequest = RequestOf<typeof Fetch>;
type FetchResponse = ResponseOf<typeof Fetch>;
type PartitionData = FetchResponse['responses'][number]['partitions'][number];

const NO_EPOCH = { epoch: -1, endOffset: -1 };
const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };
const NO_SNAPSHOT = { endOffset: -1, epoch: -1 };
const NO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';
/** Kafka bounds a long poll by the request timeout; a client asking for longer waits this much. */
const MAX_WAIT_MS = 30_000;

function partitionError(index: number, errorCode: number, p?: Partition): PartitionData {
  return {
    partitionIndex: index,
    errorCode,
    highWatermark: p?.highWatermark ?? -1,
    lastStableOffset: p?.lastStableOffset ?? -1,
    logStartOffset: p?.logStartOffset ?? -1,
    divergingEpoch: NO_EPOCH,
    currentLeader: NO_LEADER,
    snapshotId: NO_SNAPSHOT,
    abortedTransactions: null,
    preferredReadReplica: -1,
    // Kafka sends empty records with a partition error; librdkafka rejects a null set.
    records: Buffer.alloc(0),
  };
}

interface FetchPass {
  response: FetchResponse;
  bytes: number;
  partitions: Partition[];
  hasError: boolean;
}

function resolveTopic(ctx: RequestContext, ft: FetchRequest['topics'][number], version: number): TopicImage | undefined {
  return version >= 13 ? ctx.metadata.image.topicById(ft.topicId) : ctx.metadata.image.topic(ft.topic);
}

/** Whether some partition is asked for twice (by name, or by id from v13). */
function hasDuplicates(req: FetchRequest, version: number): boolean {
  const seen = new Set<string>();
  for (const ft of req.topics) {
    const t = version >= 13 ? ft.topicId : ft.topic;
    for (const fp of ft.partitions) {
      const k = `${t}\u0000${fp.partition}`;
      if (seen.has(k)) return true;
      seen.add(k);
    }
  }
  return false;
}

function runFetch(ctx: RequestContext, req: FetchRequest, version: number): FetchPass {
  const replicaId = version >= 15 ? req.replicaState.replicaId : req.replicaId;
  const isFollower = replicaId >= 0;
  const readCommitted = req.isolationLevel === 1;
  let budget = Math.min(req.maxBytes, ctx.config.int('fetch.max.bytes'));
  let bytes = 0;
  let hasError = false;
  const touched: Partition[] = [];
  const responses = req.topics.map((ft) => {
    const topic = resolveTopic(ctx, ft, version);
    const unknownCode = version >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    const partitions = ft.partitions.map((fp): PartitionData => {
      const p = topic ? ctx.partitions.partition(topic.name, fp.partition) : undefined;
      if (!p || !p.isLeader) {
        hasError = true;
        const known = topic !== undefined && fp.partition >= 0 && fp.partition < topic.partitions.length;
        return partitionError(fp.partition, !topic ? unknownCode : known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      }
      touched.push(p);
      const epochErr = leaderEpochError(p, fp.currentLeaderEpoch);
      if (epochErr !== ErrorCode.NONE) {
        hasError = true;
        return partitionError(fp.partition, epochErr, p);
      }
      const upTo = isFollower ? p.logEndOffset : readCommitted ? p.lastStableOffset : p.highWatermark;
      let records: RecordsData | null = null;
      let aborted: PartitionData['abortedTransactions'] = readCommitted ? [] : null;
      if (fp.fetchOffset < p.logStartOffset || fp.fetchOffset > p.logEndOffset) {
        hasError = true;
        return partitionError(fp.partition, ErrorCode.OFFSET_OUT_OF_RANGE, p);
      }
      if (fp.fetchOffset < upTo) {
        const limit = Math.max(0, Math.min(fp.partitionMaxBytes, budget));
        // The range was checked above, so the read cannot be out of range.
        const read = p.read(fp.fetchOffset, limit, bytes === 0, upTo);
        if (read.size > 0) {
          records = { size: read.size, regions: read.ranges };
          bytes += read.size;
          budget -= read.size;
          if (readCommitted) aborted = p.log.collectAbortedTxns(fp.fetchOffset, read.nextOffset).map((a) => ({ producerId: a.producerId, firstOffset: a.firstOffset }));
        }
      }
      return {
        partitionIndex: fp.partition,
        errorCode: ErrorCode.NONE,
        highWatermark: p.highWatermark,
        lastStableOffset: p.lastStableOffset,
        logStartOffset: p.logStartOffset,
        divergingEpoch: NO_EPOCH,
        currentLeader: NO_LEADER,
        snapshotId: NO_SNAPSHOT,
        abortedTransactions: aborted,
        preferredReadReplica: -1,
        records: records ?? Buffer.alloc(0),
      };
    });
    return { topic: topic?.name ?? ft.topic, topicId: topic?.id ?? (version >= 13 ? ft.topicId : NO_ID), partitions };
  });
  return {
    response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: [] },
    bytes,
    partitions: touched,
    hasError,
  };
}

function topLevelError(errorCode: number): FetchResponse {
  return { throttleTimeMs: 0, errorCode, sessionId: 0, responses: [], nodeEndpoints: [] };
}

export const fetchHandler = defineHandler(
  Fetch,
  { min: 4, max: 17 },
  (ctx, req) => {
    const version = ctx.header.apiVersion;
    if (version >= 7 && req.sessionId !== 0) return topLevelError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    if (version >= 7 && req.sessionEpoch > 0) return topLevelError(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    if (hasDuplicates(req, version)) return topLevelError(ErrorCode.INVALID_REQUEST);
    const first = runFetch(ctx, req, version);
    if (first.bytes >= req.minBytes || req.maxWaitMs <= 0 || first.hasError || first.partitions.length === 0) return first.response;
    return waitForData(ctx, req, version, first);
  },
  (_ctx, _req, errorCode) => topLevelError(errorCode),
);

/**
 * Long poll (Kafka's DelayedFetch): completes when the partitions asked for gained enough
 * committed bytes since the first pass, when one of them stops being led here, or at
 * max.wait.ms; then the fetch runs again and answers what it finds.
 */
function waitForData(ctx: RequestContext, req: FetchRequest, version: number, first: FetchPass): Promise<FetchResponse | null> {
  // The first pass is answered again from scratch: the files its ranges hold are let go.
  releaseRegions(first.response);
  const readCommitted = req.isolationLevel === 1;
  const readable = (p: Partition): number => (readCommitted ? p.stableBytes : p.committedBytes);
  const start = first.partitions.map(readable);
  return new Promise((resolve) => {
    const answer = () => resolve(runFetch(ctx, req, version).response);
    const done = ctx.delayed.tryCompleteElseWatch(
      {
        tryComplete: () => {
          let gained = 0;
          for (let i = 0; i < first.partitions.length; i++) {
            const p = first.partitions[i]!;
            if (ctx.partitions.partition(p.topic, p.index) !== p || !p.isLeader) {
              answer();
              return true;
            }
            gained += readable(p) - start[i]!;
          }
          if (first.bytes + gained < req.minBytes) return false;
          answer();
          return true;
        },
        onExpire: answer,
      },
      first.partitions.map((p) => p.key),
      Math.min(req.maxWaitMs, MAX_WAIT_MS),
      ctx.conn,
    );
    if (!done && ctx.conn.isClosed) resolve(null);
  });
}

function releaseRegions(response: FetchResponse): void {
  for (const t of response.responses) {
    for (const p of t.partitions) {
      const r = p.records;
      if (r !== null && !Buffer.isBuffer(r)) for (const region of r.regions) region.release?.();
    }
  }
}
