// Fetch: v0-17. Behaviour: many topics and partitions per request; v13+ name topics by id; a
// partition listed twice is INVALID_REQUEST, as Kafka refuses duplicates. From v4 records are
// sent as file regions of the segments (no parsing). v0-3 consumers cannot read RecordBatch v2:
// their records are down-converted to message format v0 (v0-1) or v1 (v2-3), bounded by the
// partition's byte limit (message.downconversion.enable; UNSUPPORTED_VERSION when off, as Kafka
// answers); before v3 that limit is hard (no KIP-74 first-message exception). A long poll
// (max.wait.ms / min.bytes) waits in the delayed-operation registry for committed bytes: it wakes
// when a high watermark moves, not on appends. isolation_level=1 (read_committed) reads up to the
// last stable offset, gets the aborted transactions overlapping what it is sent (from the
// segments' .txnindex), and its long poll waits for bytes below the last stable offset.
// Followers (replica id >= 0) read up to the log end, move the high watermark with their fetch
// offset, wait for appended bytes, and are told where their log diverged (KIP-320). Incremental
// fetch sessions (KIP-227) are declined as Kafka declines them when its cache is full: session
// id 0, so every fetch is a full one.
import type { TopicImage } from '../../cluster/metadata-image.js';
import { ErrorCode } from '../../protocol/errors.js';
import { Fetch } from '../../protocol/messages/index.js';
import type { RequestOf, ResponseOf } from '../../protocol/schema.js';
import type { RecordsData } from '../../protocol/writer.js';
import { downConvertBatches } from '../../record/legacy.js';
import { leaderEpochError } from '../epoch-check.js';
import { LeaderHints } from '../leader-hints.js';
import { defineHandler, type RequestContext } from '../handler.js';
import { NEW_LEADERSHIP_KEY } from '../delayed-operations.js';
import { AclOp, allowedCluster, allowedTopic } from '../authz.js';
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
  /** Consumer reads, flat: topic, bytes, offsets. */
  served: Array<string | number>;
}

/** Counts what a pass served, once it is the answer (a long poll's first pass is not). */
function answered(ctx: RequestContext, pass: FetchPass): FetchResponse {
  const s = pass.served;
  for (let i = 0; i < s.length; i += 3) ctx.metrics.fetched(s[i] as string, s[i + 1] as number, s[i + 2] as number);
  return pass.response;
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
  // What consumers are served, flat: topic, bytes, offsets (counted when this pass is the answer).
  const served: Array<string | number> = [];
  // A follower needs CLUSTER_ACTION, a consumer READ on each topic (Kafka answers both with TOPIC_AUTHORIZATION_FAILED).
  const followerDenied = isFollower && !allowedCluster(ctx, AclOp.CLUSTER_ACTION);
  const responses = req.topics.map((ft) => {
    const topic = resolveTopic(ctx, ft, version);
    const unknownCode = version >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    const name = topic?.name ?? (version >= 13 ? null : ft.topic);
    const denied = followerDenied || (!isFollower && name !== null && !allowedTopic(ctx, AclOp.READ, name));
    const partitions = ft.partitions.map((fp): PartitionData => {
      if (denied) {
        hasError = true;
        return partitionError(fp.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      }
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
      if (isFollower && version >= 12 && fp.lastFetchedEpoch >= 0) {
        // KIP-320: the follower's last epoch must end where ours does, else it truncates first.
        const mine = p.endOffsetForEpoch(fp.lastFetchedEpoch);
        if (mine.epoch !== fp.lastFetchedEpoch || mine.endOffset < fp.fetchOffset) {
          hasError = true;
          return { ...partitionError(fp.partition, ErrorCode.NONE, p), divergingEpoch: { epoch: mine.epoch, endOffset: mine.endOffset } };
        }
      }
      // A follower's fetch offset is its log end: everything below is replicated there.
      if (isFollower && fp.fetchOffset >= p.logStartOffset && fp.fetchOffset <= p.logEndOffset) p.updateFollowerFetch(replicaId, fp.fetchOffset);
      const upTo = isFollower ? p.logEndOffset : readCommitted ? p.lastStableOffset : p.highWatermark;
      let records: RecordsData | null = null;
      let aborted: PartitionData['abortedTransactions'] = readCommitted ? [] : null;
      if (fp.fetchOffset < p.logStartOffset || fp.fetchOffset > p.logEndOffset) {
        hasError = true;
        return partitionError(fp.partition, ErrorCode.OFFSET_OUT_OF_RANGE, p);
      }
      if (version < 4 && !isFollower) {
        const limit = Math.max(0, Math.min(fp.partitionMaxBytes, budget));
        const legacy = downConverted(p, fp.fetchOffset, limit, upTo, version, bytes === 0);
        if (typeof legacy === 'number') {
          hasError = true;
          return partitionError(fp.partition, legacy, p);
        }
        records = legacy;
        bytes += legacy.length;
        budget -= legacy.length;
        // A down-converted read is counted by its bytes; the records in it are not walked again.
        if (legacy.length > 0) served.push(p.topic, legacy.length, 0);
      } else if (fp.fetchOffset < upTo) {
        const limit = Math.max(0, Math.min(fp.partitionMaxBytes, budget));
        // The range was checked above, so the read cannot be out of range.
        const read = p.read(fp.fetchOffset, limit, bytes === 0, upTo);
        if (read.size > 0) {
          records = { size: read.size, regions: read.ranges };
          bytes += read.size;
          budget -= read.size;
          if (!isFollower) served.push(p.topic, read.size, read.nextOffset - fp.fetchOffset);
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
    response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: leaderHints(ctx, responses, hasError) },
    bytes,
    partitions: touched,
    hasError,
    served,
  };
}

/** Bound on what one compressed batch may decompress to while it is down-converted. */
const DOWN_CONVERSION_MAX_DECOMPRESSED = 64 * 1024 * 1024;
/** Reads past batches that convert to nothing (transaction markers) at most this often per partition. */
const DOWN_CONVERSION_MAX_READS = 8;

/**
 * Fetch v0-3: the partition's records from `offset` as a message set of format v0/v1, at most
 * `limit` bytes (the first message whole on v3 when `first`), or the error code to answer.
 * Memory: one read of at most `limit` bytes (or one batch) and its converted copy.
 */
function downConverted(p: Partition, offset: number, limit: number, upTo: number, version: number, first: boolean): Buffer | number {
  if (!p.settings.downConversion) return ErrorCode.UNSUPPORTED_VERSION;
  for (let i = 0; i < DOWN_CONVERSION_MAX_READS && offset < upTo && limit > 0; i++) {
    const src = p.readCopy(offset, limit, upTo);
    if (src.length === 0) break;
    const conv = downConvertBatches(src, {
      toMagic: version <= 1 ? 0 : 1,
      fetchOffset: offset,
      maxBytes: limit,
      minOneMessage: version >= 3 && first,
      maxDecompressedBytes: DOWN_CONVERSION_MAX_DECOMPRESSED,
    });
    if (!conv.ok) return ErrorCode[conv.kind];
    if (conv.records.length > 0 || conv.nextOffset <= offset) return conv.records;
    offset = conv.nextOffset;
  }
  return Buffer.alloc(0);
}

/** KIP-951: partitions answered NOT_LEADER_OR_FOLLOWER name their current leader; its address goes with the response. */
function leaderHints(ctx: RequestContext, responses: FetchResponse['responses'], hasError: boolean): FetchResponse['nodeEndpoints'] {
  if (!hasError) return [];
  let hints: LeaderHints | null = null;
  for (const t of responses) {
    for (const p of t.partitions) if (p.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER && t.topic) p.currentLeader = (hints ??= new LeaderHints(ctx.metadata.image)).leaderOf(t.topic, p.partitionIndex);
  }
  return hints?.nodeEndpoints() ?? [];
}

function topLevelError(errorCode: number): FetchResponse {
  return { throttleTimeMs: 0, errorCode, sessionId: 0, responses: [], nodeEndpoints: [] };
}

export const fetchHandler = defineHandler(
  Fetch,
  { min: 0, max: 17 },
  (ctx, req) => {
    const version = ctx.header.apiVersion;
    if (version >= 7 && req.sessionId !== 0) return topLevelError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    if (version >= 7 && req.sessionEpoch > 0) return topLevelError(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    if (hasDuplicates(req, version)) return topLevelError(ErrorCode.INVALID_REQUEST);
    const first = runFetch(ctx, req, version);
    if (first.bytes >= req.minBytes || req.maxWaitMs <= 0 || first.hasError || first.partitions.length === 0) return answered(ctx, first);
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
  // A follower waits for appended bytes (it replicates above the high watermark), a consumer for
  // committed ones (below the last stable offset with read_committed).
  const follower = (version >= 15 ? req.replicaState.replicaId : req.replicaId) >= 0;
  const readCommitted = req.isolationLevel === 1;
  const progress = (p: Partition): number => (follower ? p.appendedBytesTotal : readCommitted ? p.stableBytes : p.committedBytes);
  const start = first.partitions.map(progress);
  const leaderships = ctx.partitions.leadershipsTaken;
  return new Promise((resolve) => {
    const answer = () => resolve(answered(ctx, runFetch(ctx, req, version)));
    const done = ctx.delayed.tryCompleteElseWatch(
      {
        tryComplete: () => {
          if (follower && ctx.partitions.leadershipsTaken !== leaderships) {
            // This broker now leads more: the follower's next fetch may name partitions this one does not.
            answer();
            return true;
          }
          let gained = 0;
          for (let i = 0; i < first.partitions.length; i++) {
            const p = first.partitions[i]!;
            if (ctx.partitions.partition(p.topic, p.index) !== p || !p.isLeader) {
              answer();
              return true;
            }
            gained += progress(p) - start[i]!;
          }
          if (first.bytes + gained < req.minBytes) return false;
          answer();
          return true;
        },
        onExpire: answer,
      },
      follower ? [...first.partitions.map((p) => p.key), NEW_LEADERSHIP_KEY] : first.partitions.map((p) => p.key),
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
