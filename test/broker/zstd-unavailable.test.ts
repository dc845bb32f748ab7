// zstd-napi is an optional dependency: an install without a C toolchain (or without its
// prebuilt binary) has none. The broker then still stores and serves zstd batches as sent; where
// it would have to decode or encode zstd (a topic whose compression.type rewrites batches) it
// answers UNSUPPORTED_COMPRESSION_TYPE, or uses node:zlib's zstd where Node has one (22.15+).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { BrokerProcess } from '../helpers/broker-process.js';
import { Admin, Fetcher, KafkaClient, KafkaError, Producer } from '../../src/client/index.js';

const nodeHasZstd = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';

test('without zstd-napi, zstd batches are stored as sent, and a rewrite to or from zstd gets UNSUPPORTED_COMPRESSION_TYPE', { timeout: 60_000 }, async () => {
  const broker = await BrokerProcess.start({ env: { SAMSA_NATIVE_ZSTD: '0' } });
  const client = new KafkaClient({ brokers: broker.bootstrap, retries: 1 });
  try {
    const admin = new Admin(client);
    await admin.createTopics([
      { name: 'asis', partitions: 1 },
      { name: 'tolz4', partitions: 1, configs: { 'compression.type': 'lz4' } },
      { name: 'tozstd', partitions: 1, configs: { 'compression.type': 'zstd' } },
    ]);
    // This process has zstd-napi: the client compresses, the broker only stores.
    const zp = new Producer(client, { compression: 'zstd', lingerMs: 0 });
    const stored = await zp.send({ topic: 'asis', key: 'k', value: 'kept as sent' });
    assert.equal(stored.offset, 0);
    const f = new Fetcher(client, admin, { maxWaitMs: 100 });
    f.assign('asis', 0, 0);
    const got = await f.poll();
    assert.deepEqual(got.map((r) => r.value?.toString()), ['kept as sent']);

    const rewrite = async (topic: string, p: Producer) => {
      try {
        await p.send({ topic, key: 'k', value: 'needs a rewrite' });
        return 'ok';
      } catch (e) {
        assert.ok(e instanceof KafkaError, String(e));
        return e.code;
      }
    };
    const expected = nodeHasZstd ? 'ok' : 'UNSUPPORTED_COMPRESSION_TYPE';
    assert.equal(await rewrite('tolz4', zp), expected);
    assert.equal(await rewrite('tozstd', new Producer(client, { compression: 'gzip', lingerMs: 0 })), expected);
    // The broker is still there and still answers.
    assert.equal((await client.metadata([])).brokers.length, 1);
    assert.equal(broker.running, true);
  } finally {
    await client.close();
    await broker.stop();
    broker.cleanup();
  }
});
