// Fetch long polls on simulated time, through the dispatcher of a node that listens on nothing:
// a waiting fetch is answered when the high watermark moves past new records (not before its
// deadline otherwise), and at max.wait.ms with what there is; an acks=all produce answers at once
// on a single node. Nothing here sleeps: time moves only when the test says so.
import { plaintextSession } from '../../src/server/security/session.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { SamsaNode } from '../../src/node/samsa-node.js';
import { CreateTopics, Fetch, Produce, decodeResponse, encodeRequest, type ApiSpec, type RequestOf, type ResponseOf } from '../../src/protocol/index.js';
import type { Part } from '../../src/protocol/writer.js';
import { buildBatch } from '../../src/record/builder.js';
import { readRecords } from '../../src/record/records.js';
import { ManualClock } from '../../src/util/clock.js';
import { splitBatches } from '../helpers/wire-client.js';

const conn = { id: 1, remote: '127.0.0.1:1', readsInPlace: false, isClosed: false, whenClosed() {}, session: plaintextSession(), muteFor() {} };

/** The bytes of a response's parts, file regions read from their files. */
function flatten(parts: Part[]): Buffer {
  return Buffer.concat(parts.map((p) => {
    if (Buffer.isBuffer(p)) return p;
    const b = Buffer.alloc(p.length);
    readSync(p.fd, b, 0, p.length, p.position);
    return b;
  }));
}

describe('long poll on simulated time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-longpoll-'));
  const clock = new ManualClock(1_700_000_000_000);
  let node: SamsaNode;
  let correlationId = 0;

  async function call<A extends ApiSpec>(spec: A, version: number, body: RequestOf<A>): Promise<{ settled: () => boolean; response: Promise<ResponseOf<A>> }> {
    const frame = encodeRequest(spec, { apiKey: spec.key, apiVersion: version, correlationId: ++correlationId, clientId: 't' }, body).subarray(4);
    let done = false;
    const response = Promise.resolve(node.dispatcher.dispatch(frame, conn)).then((parts) => {
      done = true;
      return decodeResponse(spec, version, flatten(parts!).subarray(4)).body;
    });
    await new Promise((r) => setImmediate(r));
    return { settled: () => done, response };
  }

  const fetch = (offset: number, maxWaitMs: number) => call(Fetch, 11, {
    clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs, minBytes: 1, maxBytes: 1 << 20,
    isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: 'lp', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
    forgottenTopicsData: [], rackId: '',
  });
  const values = (r: ResponseOf<typeof Fetch>) => {
    const recs = r.responses[0]!.partitions[0]!.records as Buffer;
    return splitBatches(recs).flatMap((b) => readRecords(b).map((x) => x.value!.toString()));
  };

  before(async () => {
    node = new SamsaNode(new BrokerConfig([['override', new Map([['log.dirs', dir], ['listeners', 'PLAINTEXT://127.0.0.1:0']])]]), { clock });
    const created = await (await call(CreateTopics, 7, { topics: [{ name: 'lp', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false })).response;
    assert.equal(created.topics[0]!.errorCode, 0);
  });
  after(async () => {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a waiting fetch wakes when the high watermark passes new records, before its deadline', async () => {
    const f = await fetch(0, 5000);
    clock.advance(4000);
    await new Promise((r) => setImmediate(r));
    assert.equal(f.settled(), false, 'nothing to read yet: still waiting');
    const p = await (await call(Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 'lp', partitionData: [{ index: 0, records: buildBatch([{ key: 'k', value: 'hello' }]) }] }] })).response;
    assert.equal(p.responses[0]!.partitionResponses[0]!.errorCode, 0, 'acks=all answers at once on a single node');
    const r = await f.response;
    assert.deepEqual(values(r), ['hello']);
    assert.equal(r.responses[0]!.partitions[0]!.highWatermark, 1);
  });

  test('with nothing new it answers at max.wait.ms, not earlier, with no records', async () => {
    const f = await fetch(1, 3000);
    clock.advance(2999);
    await new Promise((r) => setImmediate(r));
    assert.equal(f.settled(), false);
    clock.advance(20);
    const r = await f.response;
    assert.deepEqual(values(r), []);
    assert.equal(r.responses[0]!.partitions[0]!.errorCode, 0);
    assert.equal(node.delayed.size, 0);
  });
});
