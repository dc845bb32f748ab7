// Open files with thousands of partitions, each broker held to a lower `ulimit -n` than this
// machine's 20,000 so the partition counts stay small enough for npm test. Every segment of
// every partition kept its .log, .index and .timeindex open: a data directory with more than a
// third of the limit in partitions could not start again (EMFILE while loading), and topics
// auto-created through Metadata took descriptors until creating one failed (answered
// UNKNOWN_TOPIC_OR_PARTITION, nothing logged) and, at 7,000 topics under 20,000, new connections
// were refused. Both rows here failed before segment files were opened lazily and bounded.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiVersions, CreateTopics, Metadata, Produce } from '../../src/protocol/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { buildBatch } from '../../src/record/builder.js';
import { BrokerProcess } from '../helpers/broker-process.js';
import { WireClient, fetchPartition, listOffsets, produceBatch, readAll } from '../helpers/wire-client.js';

const NO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** Descriptors the process holds now (/proc/<pid>/fd). */
const openFds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

async function createTopics(c: WireClient, topics: number, partitions: number, prefix: string): Promise<void> {
  const r = await c.request(CreateTopics, 7, {
    topics: Array.from({ length: topics }, (_, i) => ({ name: `${prefix}${i}`, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] })),
    timeoutMs: 60_000,
    validateOnly: false,
  }, 120_000);
  for (const t of r.topics) assert.equal(t.errorCode, 0, `${t.name}: ${t.errorMessage}`);
}

/** One Produce request with a batch for each partition; returns the error codes. */
async function produceEach(c: WireClient, topic: string, partitions: number, value: (p: number) => string): Promise<number[]> {
  const r = await c.request(Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30_000,
    topicData: [{ name: topic, partitionData: Array.from({ length: partitions }, (_, index) => ({ index, records: buildBatch([{ value: value(index) }]) })) }],
  }, 60_000);
  return r.responses[0]!.partitionResponses.map((p) => p.errorCode);
}

/** Connects `n` clients and checks that each is answered. */
async function connectMany(bootstrap: string, n: number): Promise<void> {
  const clients: WireClient[] = [];
  try {
    for (let i = 0; i < n; i++) clients.push(await WireClient.connect(bootstrap));
    const answers = await Promise.all(clients.map((c) => c.request(ApiVersions, 3, { clientSoftwareName: 'fds', clientSoftwareVersion: '1' })));
    for (const a of answers) assert.equal(a.errorCode, 0);
  } finally {
    for (const c of clients) c.close();
  }
}

describe('file descriptors with thousands of partitions', { timeout: 180_000 }, () => {
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const f of cleanups) f();
  });

  test('3,000 partitions of one segment each start under ulimit -n 4096, after a clean stop and after kill -9, and are served', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'samsa-fds-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // Created under this machine's limit, as a broker that grew there would have been.
    const creator = await BrokerProcess.start({ dataDir });
    cleanups.push(() => creator.cleanup());
    const c = await WireClient.connect(creator.bootstrap);
    await createTopics(c, 3, 1000, 'big');
    for (let t = 0; t < 3; t++) assert.deepEqual(new Set(await produceEach(c, `big${t}`, 1000, (p) => `v${t}-${p}`)), new Set([0]));
    c.close();
    await creator.stop(30_000);

    const broker = await BrokerProcess.start({ dataDir, openFileLimit: 4096, readyTimeoutMs: 90_000 });
    cleanups.push(() => broker.cleanup());
    const fds = openFds(broker.pid!);
    t.diagnostic(`started in ${broker.startupMs} ms holding ${fds} descriptors`);
    assert.ok(fds < 3600, `${fds} descriptors open after start`);
    const check = async () => {
      const k = await WireClient.connect(broker.bootstrap);
      try {
        for (const [t, p] of [[0, 0], [1, 500], [2, 999]] as const) {
          assert.deepEqual((await readAll(k, `big${t}`, p)).map((r) => r.value), [`v${t}-${p}`]);
          assert.equal((await produceBatch(k, `big${t}`, p, buildBatch([{ value: 'more' }]))).errorCode, 0);
        }
        assert.deepEqual(await listOffsets(k, 'big1', [0, 1, 2, 998, 999]), [1, 1, 1, 1, 1]);
      } finally {
        k.close();
      }
      await connectMany(broker.bootstrap, 100);
    };
    await check();
    await broker.kill('SIGKILL');
    // An unclean start scans every active segment: still within the limit.
    await broker.restart();
    t.diagnostic(`started after kill -9 in ${broker.startupMs} ms holding ${openFds(broker.pid!)} descriptors`);
    const k = await WireClient.connect(broker.bootstrap);
    const p500 = await fetchPartition(k, 'big1', 500, 0);
    assert.equal(p500.errorCode, 0);
    assert.equal(p500.highWatermark, 2);
    k.close();
    await connectMany(broker.bootstrap, 100);
    assert.ok(!broker.log.includes('EMFILE'), 'no EMFILE in the broker log');
  });

  test('auto-creating topics through Metadata under ulimit -n 1024 stops with POLICY_VIOLATION; existing partitions (rolls included) and new connections are still served', async (t) => {
    // Small segments: writing to an existing partition then opens new segment files.
    const broker = await BrokerProcess.start({ openFileLimit: 1024, settings: { 'log.segment.bytes': '1024' } });
    cleanups.push(() => broker.cleanup());
    const c = await WireClient.connect(broker.bootstrap);
    const codes = new Map<number, number>();
    for (let first = 0; first < 1200; first += 100) {
      const r = await c.request(Metadata, 12, {
        topics: Array.from({ length: 100 }, (_, i) => ({ topicId: NO_ID, name: `auto${first + i}` })),
        allowAutoTopicCreation: true,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      }, 60_000);
      for (const t of r.topics) codes.set(t.errorCode, (codes.get(t.errorCode) ?? 0) + 1);
    }
    assert.deepEqual([...codes.keys()].sort((a, b) => a - b), [ErrorCode.NONE, ErrorCode.POLICY_VIOLATION], JSON.stringify([...codes]));
    const created = codes.get(ErrorCode.NONE)!;
    t.diagnostic(`${created} topics created, ${openFds(broker.pid!)} descriptors open`);
    assert.ok(created >= 400, `${created} topics created`);
    // Existing partitions, the first and the last created, are written (three segments each) and read.
    for (const name of ['auto0', `auto${created - 1}`]) {
      const values = [1, 2, 3].map((i) => `${name}-${i}-${'x'.repeat(600)}`);
      for (const value of values) assert.equal((await produceBatch(c, name, 0, buildBatch([{ value }]))).errorCode, 0);
      assert.deepEqual((await readAll(c, name, 0)).map((r) => r.value), values);
    }
    await connectMany(broker.bootstrap, 100);
    assert.ok(openFds(broker.pid!) < 1024);
    assert.ok(!broker.log.includes('EMFILE'), 'no EMFILE in the broker log');
    c.close();
  });
});
