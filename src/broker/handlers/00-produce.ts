// Produce: v0-11 advertised; v0-2 are answered with UNSUPPORTED_VERSION (librdkafka turns
// compression off when the advertised minimum is 3). Behaviour: batches are validated by header
// and CRC only and stored as received; acks=0 gets no response; acks=-1 waits for the ISR (this
// broker alone on a single node). v8+: records refused one by one (keyless records on a compacted
// topic) are named in record_errors (KIP-467).
import { ErrorCode } from '../../protocol/errors.js';
import { Produce } from '../../protocol/messages/index.js';
import type { ResponseOf } from '../../protocol/schema.js';
import { defineHandler } from '../handler.js';
import { INTERNAL_TOPICS } from '../topic-names.js';

type PartitionResponse = ResponseOf<typeof Produce>['responses'][number]['partitionResponses'][number];

const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };

function partitionError(index: number, errorCode: number, errorMessage: string | null = null, recordErrors: PartitionResponse['recordErrors'] = []): PartitionResponse {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors, errorMessage, currentLeader: NO_LEADER };
}

export const produceHandler = defineHandler(Produce, { min: 0, max: 11 }, (ctx, req) => {
  const { broker } = ctx;
  const version = ctx.header.apiVersion;
  const autoCreate = broker.config.bool('auto.create.topics.enable');
  const badAcks = req.acks !== 0 && req.acks !== 1 && req.acks !== -1;
  const responses = req.topicData.map((td) => {
    let topic = broker.topic(td.name);
    if (!topic && autoCreate && version >= 3) {
      const out = broker.autoCreate(td.name);
      if (out.errorCode === ErrorCode.NONE) topic = out.topic;
    }
    return {
      name: td.name,
      partitionResponses: td.partitionData.map((pd): PartitionResponse => {
        if (version < 3) return partitionError(pd.index, ErrorCode.UNSUPPORTED_VERSION, 'Produce v0-2 (message format v0/v1) is not supported');
        if (badAcks) return partitionError(pd.index, ErrorCode.INVALID_REQUIRED_ACKS);
        if (!topic) return partitionError(pd.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (INTERNAL_TOPICS.has(td.name)) return partitionError(pd.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${td.name}`);
        const p = broker.partition(td.name, pd.index);
        if (!p) return partitionError(pd.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (pd.records === null || !Buffer.isBuffer(pd.records)) return partitionError(pd.index, ErrorCode.INVALID_RECORD, 'no records');
        const out = p.appendAsLeader(pd.records);
        if (!out.ok) return partitionError(pd.index, out.errorCode, out.message, out.recordErrors);
        return {
          index: pd.index,
          errorCode: ErrorCode.NONE,
          baseOffset: out.result.baseOffset,
          logAppendTimeMs: out.result.logAppendTime,
          logStartOffset: p.logStartOffset,
          recordErrors: [],
          errorMessage: null,
          currentLeader: NO_LEADER,
        };
      }),
    };
  });
  if (req.acks === 0) {
    // Kafka closes the connection when an acks=0 produce fails: the producer gets no response,
    // so the closed connection is how it learns to refresh metadata and retry.
    const failed = responses.flatMap((t) => t.partitionResponses.filter((p) => p.errorCode !== ErrorCode.NONE).map((p) => `${t.name}-${p.index}: ${p.errorCode}`));
    if (failed.length > 0) throw new Error(`acks=0 produce failed (${failed.join(', ')})`);
    return null;
  }
  return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
});
