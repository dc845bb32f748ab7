// Responses are written strictly in request order per connection, whatever order the handlers
// finish in: several requests are sent in one write without waiting for any response.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../../src/node/start-broker.js';
import { ApiVersions, Fetch, Metadata, Produce, type RequestOf } from '../../src/protocol/index.js';
import { buildBatch } from '../../src/record/builder.js';
import { WireClient, createTopic, produceBatch, readAll, splitBatches } from '../helpers/wire-client.js';

type Started = Awaited<ReturnType<typeof startBroker>>;

const fetchBody = (topic: string, fetchOffset: number, maxWaitMs: number): RequestOf<typeof Fetch> => ({
  clusterId: null,
  replicaId: -1,
  replicaState: { replicaId: -1, replicaEpoch: -1 },
  maxWaitMs,
  minBytes: 1,
  maxBytes: 1 << 20,
  isolationLevel: 0,
  sessionId: 0,
  sessionEpoch: -1,
  topics: [{ topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
  forgottenTopicsData: [],
  rackId: '',
});
const apiVersionsBody = { clientSoftwareName: 'samsa-test', clientSoftwareVersion: '1' };
const metadataBody: RequestOf<typeof Metadata> = { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };

describe('pipelined requests', () => {
  let b: Started;
  let admin: WireClient;

  before(async () => {
    b = await startBroker();
    admin = await WireClient.connect(b.bootstrap);
    for (const t of ['idle', 'woken', 'mixed']) assert.equal(await createTopic(admin, t, 1), 0);
  });

  after(async () => {
    admin?.close();
    await b?.stop();
  });

  test('a long-poll Fetch followed by ApiVersions: ApiVersions does not overtake the Fetch', async () => {
    const c = await WireClient.connect(b.bootstrap);
    const f = c.encode(Fetch, 12, fetchBody('idle', 0, 600));
    const a = c.encode(ApiVersions, 3, apiVersionsBody);
    const t0 = Date.now();
    let apiAt = 0;
    let fetchAt = 0;
    const pf = c.expect(Fetch, 12, f.correlationId, null).then((r) => ((fetchAt = Date.now() - t0), r));
    const pa = c.expect(ApiVersions, 3, a.correlationId, null).then((r) => ((apiAt = Date.now() - t0), r));
    c.writeRaw(Buffer.concat([f.frame, a.frame])); // one write: the broker has both before answering either
    const [fr, ar] = await Promise.all([pf, pa]);
    assert.equal(fr.responses[0]!.partitions[0]!.errorCode, 0);
    assert.equal(ar.errorCode, 0);
    assert.deepEqual(c.arrivals, [f.correlationId, a.correlationId]);
    assert.ok(fetchAt >= 500, `the fetch waited (${fetchAt} ms)`);
    assert.ok(apiAt >= fetchAt, `ApiVersions (${apiAt} ms) answered after the Fetch (${fetchAt} ms)`);
    c.close();
  });

  test('a long-poll Fetch woken by a produce on another connection, with requests queued behind it', async () => {
    const c = await WireClient.connect(b.bootstrap);
    const f = c.encode(Fetch, 12, fetchBody('woken', 0, 10_000));
    const a = c.encode(ApiVersions, 3, apiVersionsBody);
    const m = c.encode(Metadata, 12, metadataBody);
    const t0 = Date.now();
    const pf = c.expect(Fetch, 12, f.correlationId, null);
    const pa = c.expect(ApiVersions, 3, a.correlationId, null);
    const pm = c.expect(Metadata, 12, m.correlationId, null);
    c.writeRaw(Buffer.concat([f.frame, a.frame, m.frame]));
    // Nothing can be answered while the fetch waits.
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(c.arrivals, []);
    const r = await produceBatch(admin, 'woken', 0, buildBatch([{ key: 'k', value: 'wake up' }]));
    assert.equal(r.errorCode, 0);
    const fr = await pf;
    assert.ok(Date.now() - t0 < 5000, 'woken by the append, not by max.wait.ms');
    const batches = splitBatches(fr.responses[0]!.partitions[0]!.records as Buffer);
    assert.equal(batches.length, 1);
    await Promise.all([pa, pm]);
    assert.deepEqual(c.arrivals, [f.correlationId, a.correlationId, m.correlationId]);
    c.close();
  });

  test('60 mixed requests in one write (including acks=0 produces) are answered in request order', async () => {
    const c = await WireClient.connect(b.bootstrap);
    const frames: Buffer[] = [];
    const expected: number[] = [];
    const waits: Promise<unknown>[] = [];
    let produced = 0;
    for (let i = 0; i < 60; i++) {
      const kind = i % 5;
      if (kind === 0) {
        const x = c.encode(Fetch, 12, fetchBody('mixed', 0, 50 + (i % 3) * 40));
        frames.push(x.frame);
        expected.push(x.correlationId);
        waits.push(c.expect(Fetch, 12, x.correlationId, null));
      } else if (kind === 1 || kind === 3) {
        const acks = kind === 1 ? -1 : 0;
        const x = c.encode(Produce, 9, { transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: 'mixed', partitionData: [{ index: 0, records: buildBatch([{ value: `m${produced++}` }]) }] }] });
        frames.push(x.frame);
        if (acks !== 0) {
          expected.push(x.correlationId);
          waits.push(c.expect(Produce, 9, x.correlationId, null));
        }
      } else if (kind === 2) {
        const x = c.encode(ApiVersions, 3, apiVersionsBody);
        frames.push(x.frame);
        expected.push(x.correlationId);
        waits.push(c.expect(ApiVersions, 3, x.correlationId, null));
      } else {
        const x = c.encode(Metadata, 12, metadataBody);
        frames.push(x.frame);
        expected.push(x.correlationId);
        waits.push(c.expect(Metadata, 12, x.correlationId, null));
      }
    }
    c.writeRaw(Buffer.concat(frames));
    await Promise.all(waits);
    assert.deepEqual(c.arrivals, expected);
    // Every produce, acks=0 included, was appended in request order.
    const rs = await readAll(admin, 'mixed', 0);
    assert.deepEqual(rs.map((r) => r.value), Array.from({ length: produced }, (_, i) => `m${i}`));
    c.close();
  });
});
