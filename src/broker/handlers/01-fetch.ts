// Fetch: v4-17. Behaviour: many topics and partitions per request; v13+ name topics by id.
// Records are sent as file regions of the segments (no parsing). max.wait.ms/min.bytes long poll
// is woken by appends. Incremental fetch sessions (KIP-227) are declined as Kafka declines them
// when its cache is full: session id 0, so every fetch is a full one.
import type { TopicRecord } from '../../cluster/metadata-store.js';
import { ErrorCode } from '../../protocol/errors.js';
import { Fetch } from '../../protocol/messages/index.js';
import type { RequestOf, ResponseOf } from '../../protocol/schema.js';
import type { RecordsData } from '../../protocol/writer.js';
import type { Broker } from '../broker.js';
import { leaderEpochError } from '../epoch-check.js';
import { defineHandler } from '../handler.js';
import type { AppendListener, Partition } from '../partition.js';

type FetchRequest = RequestOf<typeof Fetch>;
type FetchResponse = ResponseOf<typeof Fetch>;
type PartitionData = FetchResponse['responses'][number]['partitions'][number];

const NO_EPOCH = { epoch: -1, endOffset: -1 };
const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };
const NO_SNAPSHOT = { endOffset: -1, epoch: -1 };
const NO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

function partitionError(index: number, errorCode: number, p?: Partition): PartitionData {
  return {
    partitionIndex: index,
    errorCode,
    highWatermark: p?.highWatermark ?? -1,
    lastStableOffset: p?.highWatermark ?? -1,
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

function runFetch(broker: Broker, req: FetchRequest, version: number): FetchPass {
  const replicaId = version >= 15 ? req.replicaState.replicaId : req.replicaId;
  const isFollower = replicaId >= 0;
  const readCommitted = req.isolationLevel === 1;
  let budget = Math.min(req.maxBytes, broker.config.int('fetch.max.bytes'));
  let bytes = 0;
  let hasError = false;
  const touched: Partition[] = [];
  const responses = req.topics.map((ft) => {
    let topic: TopicRecord | undefined;
    let unknownCode: number = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    if (version >= 13) {
      topic = broker.topicById(ft.topicId);
      unknownCode = ErrorCode.UNKNOWN_TOPIC_ID;
    } else {
      topic = broker.topic(ft.topic);
    }
    const partitions = ft.partitions.map((fp): PartitionData => {
      const p = topic ? broker.partition(topic.name, fp.partition) : undefined;
      if (!p) {
        hasError = true;
        return partitionError(fp.partition, topic ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : unknownCode);
      }
      touched.push(p);
      const epochErr = leaderEpochError(p, fp.currentLeaderEpoch);
      if (epochErr !== ErrorCode.NONE) {
        hasError = true;
        return partitionError(fp.partition, epochErr, p);
      }
      const upTo = isFollower ? p.logEndOffset : p.highWatermark;
      let records: RecordsData | null = null;
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
        }
      }
      return {
        partitionIndex: fp.partition,
        errorCode: ErrorCode.NONE,
        highWatermark: p.highWatermark,
        lastStableOffset: p.highWatermark,
        logStartOffset: p.logStartOffset,
        divergingEpoch: NO_EPOCH,
        currentLeader: NO_LEADER,
        snapshotId: NO_SNAPSHOT,
        abortedTransactions: readCommitted ? [] : null,
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

function sessionError(errorCode: number): FetchResponse {
  return { throttleTimeMs: 0, errorCode, sessionId: 0, responses: [], nodeEndpoints: [] };
}

export const fetchHandler = defineHandler(Fetch, { min: 4, max: 17 }, (ctx, req) => {
  const version = ctx.header.apiVersion;
  if (version >= 7 && req.sessionId !== 0) return sessionError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  if (version >= 7 && req.sessionEpoch > 0) return sessionError(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
  const first = runFetch(ctx.broker, req, version);
  if (first.bytes >= req.minBytes || req.maxWaitMs <= 0 || first.hasError || first.partitions.length === 0) return first.response;
  return waitForData(ctx.broker, req, version, first);
});

/** Long poll: answers when enough bytes were appended to the partitions asked for, or at max.wait.ms. */
function waitForData(broker: Broker, req: FetchRequest, version: number, first: FetchPass): Promise<FetchResponse> {
  return new Promise((resolve) => {
    let appended = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const p of first.partitions) p.removeListener(listener);
      resolve(runFetch(broker, req, version).response);
    };
    const listener: AppendListener = {
      onAppend(_p, size) {
        appended += size;
        if (first.bytes + appended >= req.minBytes) finish();
      },
    };
    for (const p of first.partitions) p.addListener(listener);
    const timer = setTimeout(finish, Math.min(req.maxWaitMs, 30_000));
  });
}
