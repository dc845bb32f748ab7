// Topic deletion from the data directory's side: a topic name long enough that the old
// `<dir>.<ms>-delete` name passed 255 bytes (ENAMETOOLONG: no answer, the directory stayed, and
// re-creating the name served the deleted records), and a broker killed while deleting a topic
// with many partitions (the surviving directories came back as the re-created topic's data).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { startBroker } from '../../src/node/start-broker.js';
import { DeleteTopics, Produce } from '../../src/protocol/index.js';
import { buildBatch } from '../../src/record/builder.js';
import { BrokerProcess, waitFor } from '../helpers/broker-process.js';
import { WireClient, createTopic, listOffsets, produceBatch, readAll } from '../helpers/wire-client.js';

async function deleteTopic(c: WireClient, name: string): Promise<number> {
  const r = await c.request(DeleteTopics, 4, { topics: [], topicNames: [name], timeoutMs: 10_000 }, 10_000);
  return r.responses[0]!.errorCode;
}

test('topics named with 233 to 249 characters are deleted, leave nothing on disk, and come back empty when re-created', async () => {
  const b = await startBroker();
  const c = await WireClient.connect(b.bootstrap);
  try {
    for (const len of [233, 241, 249]) {
      const name = `long${len}-${'n'.repeat(len - 8)}`;
      assert.equal(name.length, len);
      assert.equal(await createTopic(c, name, 2), 0);
      for (let i = 0; i < 3; i++) assert.equal((await produceBatch(c, name, 1, buildBatch([{ value: `old ${i}` }]))).errorCode, 0);
      assert.equal(await deleteTopic(c, name), 0, 'deletion answered');
      await waitFor(() => readdirSync(b.broker.config.dataDir).every((n) => !n.startsWith(name.slice(0, 200))), { what: 'the directories to go' });
      assert.equal(await createTopic(c, name, 2), 0);
      assert.deepEqual(await listOffsets(c, name, [0, 1]), [0, 0], 're-created empty');
      assert.equal((await produceBatch(c, name, 1, buildBatch([{ value: 'new' }]))).errorCode, 0);
      assert.deepEqual((await readAll(c, name, 1, 0, 10_000)).map((r) => r.value), ['new']);
    }
  } finally {
    c.close();
    await b.stop();
  }
});

test('kill -9 while a many-partition topic is being deleted: after the restart nothing of it is left, and the re-created topic starts empty', { timeout: 120_000 }, async () => {
  const PARTS = 400;
  const broker = await BrokerProcess.start({ readyTimeoutMs: 30_000 });
  try {
    let c = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(c, 'wide', PARTS), 0);
    const r = await c.request(Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 10_000,
      topicData: [{ name: 'wide', partitionData: Array.from({ length: PARTS }, (_, index) => ({ index, records: buildBatch([{ value: `old ${index}` }]) })) }],
    }, 30_000);
    assert.ok(r.responses[0]!.partitionResponses.every((p) => p.errorCode === 0));
    assert.equal(await createTopic(c, 'bystander', 1), 0);
    assert.equal((await produceBatch(c, 'bystander', 0, buildBatch([{ value: 'stays' }]))).errorCode, 0);

    const liveDirs = (): number => readdirSync(broker.dataDir).filter((n) => /^wide-\d+$/.test(n)).length;
    void c.request(DeleteTopics, 4, { topics: [], topicNames: ['wide'], timeoutMs: 30_000 }, 30_000).catch(() => {});
    // kill as soon as the deletion has visibly started on disk
    await waitFor(() => liveDirs() < PARTS, { timeoutMs: 30_000, intervalMs: 1, what: 'the deletion to start' });
    await broker.kill('SIGKILL');
    c.close();

    await broker.restart();
    assert.deepEqual(readdirSync(broker.dataDir).filter((n) => n.startsWith('wide')), [], 'no directory of the deleted topic survives the start');
    c = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(c, 'wide', PARTS), 0, 'the name can be created again');
    const ends = await listOffsets(c, 'wide', Array.from({ length: PARTS }, (_, i) => i));
    assert.deepEqual(ends.filter((e) => e !== 0), [], 'every partition of the re-created topic is empty');
    assert.deepEqual((await readAll(c, 'bystander', 0, 0, 10_000)).map((x) => x.value), ['stays']);
    c.close();
  } finally {
    broker.cleanup();
  }
});
