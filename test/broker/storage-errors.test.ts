// The error boundary at the storage layer: a write that fails with EIO or ENOSPC answers that
// partition KAFKA_STORAGE_ERROR, the other partitions of the same request are appended and
// answered, the connection stays open, nothing of the failed write is stored (a retry cannot
// duplicate it), and writes resume once the fault is gone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Produce } from '../../src/protocol/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { buildBatch } from '../../src/record/builder.js';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { FaultyFileSystem } from '../helpers/faulty-fs.js';
import { WireClient, createTopic, readAll } from '../helpers/wire-client.js';

const batch = (values: string[]) => buildBatch(values.map((v) => ({ key: 'k', value: v })));

describe('storage errors', () => {
  const fs = new FaultyFileSystem();
  let b: StartedBroker;
  let c: WireClient;
  before(async () => {
    b = await startBroker({}, { fs });
    c = await WireClient.connect(b.bootstrap);
    assert.equal(await createTopic(c, 'faulty', 2), 0);
  });
  after(async () => {
    c?.close();
    await b?.stop();
  });

  const produceBoth = (v0: string, v1: string) =>
    c.request(Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 10_000,
      topicData: [{ name: 'faulty', partitionData: [{ index: 0, records: batch([v0]) }, { index: 1, records: batch([v1]) }] }],
    });

  for (const code of ['ENOSPC', 'EIO'] as const) {
    test(`${code} on one partition: it answers KAFKA_STORAGE_ERROR, the other is appended, the connection stays open`, async () => {
      const ok = await produceBoth(`${code}-before-0`, `${code}-before-1`);
      assert.deepEqual(ok.responses[0]!.partitionResponses.map((p) => p.errorCode), [0, 0]);
      fs.failWrites('faulty-1/', code);
      const failed = await produceBoth(`${code}-during-0`, `${code}-during-1`);
      const [p0, p1] = failed.responses[0]!.partitionResponses;
      assert.equal(p0!.errorCode, ErrorCode.NONE);
      assert.equal(p1!.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
      assert.match(p1!.errorMessage ?? '', code === 'ENOSPC' ? /disk is full/ : /EIO/);
      assert.ok(fs.failures > 0);
      assert.equal(c.closed, false);
      fs.clear();
      const after = await produceBoth(`${code}-after-0`, `${code}-after-1`);
      assert.deepEqual(after.responses[0]!.partitionResponses.map((p) => p.errorCode), [0, 0]);
    });
  }

  test('each partition holds exactly what was acknowledged, in order', async () => {
    const v = async (p: number) => (await readAll(c, 'faulty', p)).map((r) => r.value);
    assert.deepEqual(await v(0), ['ENOSPC-before-0', 'ENOSPC-during-0', 'ENOSPC-after-0', 'EIO-before-0', 'EIO-during-0', 'EIO-after-0']);
    assert.deepEqual(await v(1), ['ENOSPC-before-1', 'ENOSPC-after-1', 'EIO-before-1', 'EIO-after-1']);
    const offsets = (await readAll(c, 'faulty', 1)).map((r) => r.offset);
    assert.deepEqual(offsets, [0, 1, 2, 3], 'a failed write took no offsets');
  });
});
