// Produce-path record work and max.message.bytes. A topic that makes the broker decode records
// (compacted: keys are checked; compression.type set: batches are re-compressed) decompresses a
// batch only as far as max.message.bytes allows, and refuses one that would go past it with
// MESSAGE_TOO_LARGE, as Kafka does for a batch over the limit; a rebuilt batch must fit too.
// Nothing of a refused batch is stored. A topic needing no record work stores batches as sent.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { buildBatch } from '../../src/record/builder.js';
import { WireClient, createTopic, fetchPartition, produceBatch, readAll, splitBatches } from '../helpers/wire-client.js';
import { bombBatch } from '../record/bombs.js';

const MESSAGE_TOO_LARGE = 10;
const MAX = 256 << 10;
const BOMB_VALUE = 4 << 20;

const bombs = (): Array<[string, string, Buffer]> => [
  ['gzip', 'gzip', bombBatch('gzip', BOMB_VALUE)],
  ['snappy', 'snappy', bombBatch('snappy', BOMB_VALUE)],
  ['lz4', 'lz4', bombBatch('lz4', BOMB_VALUE)],
  ['zstd with its content size', 'zstd', bombBatch('zstd', BOMB_VALUE, { declare: true })],
  ['zstd without content size', 'zstd', bombBatch('zstd', BOMB_VALUE, { declare: false })],
];

/** A one-record batch of exactly `size` bytes uncompressed (varint widths shift with the value length). */
function batchOfSize(size: number, fill: (n: number) => Buffer, compression: 'none' | 'gzip' = 'none'): Buffer {
  let n = size - 80;
  while (buildBatch([{ key: 'k', value: Buffer.alloc(n) }]).length < size) n++;
  assert.equal(buildBatch([{ key: 'k', value: Buffer.alloc(n) }]).length, size);
  return buildBatch([{ key: 'k', value: fill(n) }], { compression });
}

describe('produce: decompression bounded by max.message.bytes', () => {
  let b: StartedBroker;
  let c: WireClient;
  before(async () => {
    b = await startBroker({ 'log.cleaner.enable': 'false', 'log.retention.check.interval.ms': '600000' });
    c = await WireClient.connect(b.bootstrap);
  });
  after(async () => {
    c.close();
    await b.stop();
  });

  const topics: Array<[string, Record<string, string>]> = [
    ['compacted', { 'cleanup.policy': 'compact' }],
    ['to-lz4', { 'compression.type': 'lz4' }],
    ['to-uncompressed', { 'compression.type': 'uncompressed' }],
  ];
  for (const [topic, configs] of topics) {
    it(`${topic}: a bomb in every codec the broker has to decode is answered MESSAGE_TOO_LARGE and nothing is stored`, async () => {
      assert.equal(await createTopic(c, topic, 1, { ...configs, 'max.message.bytes': String(MAX) }), 0);
      // a batch already in the topic's codec needs no re-compression and is stored as sent
      for (const [codec, , batch] of bombs().filter(([, id]) => id !== configs['compression.type'])) {
        assert.ok(batch.length < MAX, `${codec}: the compressed batch itself fits`);
        const r = await produceBatch(c, topic, 0, batch);
        assert.equal(r.errorCode, MESSAGE_TOO_LARGE, `${codec}: ${r.errorMessage}`);
        assert.match(r.errorMessage ?? '', new RegExp(`exceeds the maximum configured size of ${MAX}`));
      }
      assert.equal(b.broker.partition(topic, 0)!.logEndOffset, 0);
      // the partition still takes a batch that fits, compressed or not
      const ok = await produceBatch(c, topic, 0, buildBatch([{ key: 'k', value: 'v'.repeat(1000) }], { compression: 'zstd' }));
      assert.equal(ok.errorCode, 0);
      assert.deepEqual((await readAll(c, topic, 0)).map((r) => r.value), ['v'.repeat(1000)]);
    });
  }

  it('a re-compressed batch that grows past max.message.bytes is refused, as Kafka re-checks sizes after re-compression', async () => {
    const topic = 'grows';
    assert.equal(await createTopic(c, topic, 1, { 'compression.type': 'gzip', 'max.message.bytes': '65536' }), 0);
    // random bytes do not compress: gzip's framing makes the rebuilt batch a little larger
    const batch = batchOfSize(65536, (n) => randomBytes(n));
    const r = await produceBatch(c, topic, 0, batch);
    assert.equal(r.errorCode, MESSAGE_TOO_LARGE, r.errorMessage ?? '');
    assert.match(r.errorMessage ?? '', /Message batch size is \d+ bytes in append to partition grows-0 which exceeds the maximum configured size of 65536/);
    assert.equal(b.broker.partition(topic, 0)!.logEndOffset, 0);
  });

  it('a compressed batch whose records fit is re-compressed and stored; one decompressing to exactly the bound fits', async () => {
    const topic = 'fits';
    assert.equal(await createTopic(c, topic, 1, { 'compression.type': 'uncompressed', 'max.message.bytes': String(MAX) }), 0);
    const exact = batchOfSize(MAX, (n) => Buffer.alloc(n, 'y'), 'gzip');
    const r = await produceBatch(c, topic, 0, exact);
    assert.equal(r.errorCode, 0, r.errorMessage ?? '');
    const over = batchOfSize(MAX + 1, (n) => Buffer.alloc(n, 'y'), 'gzip');
    assert.equal((await produceBatch(c, topic, 0, over)).errorCode, MESSAGE_TOO_LARGE);
    const stored = splitBatches((await fetchPartition(c, topic, 0, 0, 1 << 20)).records as Buffer);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.length, MAX, 'stored uncompressed at exactly max.message.bytes');
    assert.equal(stored[0]!.readInt16BE(21) & 7, 0);
  });

  it('a topic that needs no record work stores a bomb as sent, without decompressing it', async () => {
    const topic = 'as-sent';
    assert.equal(await createTopic(c, topic, 1, { 'max.message.bytes': String(MAX) }), 0);
    const batch = bombBatch('zstd', 64 << 20, { declare: true });
    assert.equal((await produceBatch(c, topic, 0, batch)).errorCode, 0);
    const stored = splitBatches((await fetchPartition(c, topic, 0, 0, 1 << 20)).records as Buffer);
    assert.equal(stored.length, 1);
    assert.ok(stored[0]!.subarray(16).equals(batch.subarray(16)), 'the same bytes past base offset, length and leader epoch');
  });
});
