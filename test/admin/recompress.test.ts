// compression.type on a topic: a codec makes the broker store every batch in that codec whatever
// the producer sent (gzip or none here, from confluent-kafka and kafkajs); `producer` keeps the
// producer's. Checked on disk (the segment file's batch attributes) and over the wire (a raw
// Fetch), and confluent-kafka reads back exactly the records sent, keys and headers included.
// Changing compression.type takes effect for the next produce, without a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { runPython } from '../helpers/broker-process.js';
import { WireClient, createTopic, fetchPartition, splitBatches } from '../helpers/wire-client.js';

const CODEC = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

interface PyRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
}

/** Codec (attributes & 7) and [first, last] offsets of every batch of partition 0, read with raw Fetch requests. */
async function fetchedBatches(c: WireClient, topic: string): Promise<Array<{ codec: number; base: number; last: number }>> {
  const out: Array<{ codec: number; base: number; last: number }> = [];
  let next = 0;
  for (let i = 0; i < 1000; i++) {
    const d = await fetchPartition(c, topic, 0, next, 1 << 20);
    assert.equal(d.errorCode, 0);
    for (const b of splitBatches((d.records as Buffer | null) ?? Buffer.alloc(0))) {
      const base = Number(b.readBigInt64BE(0));
      const last = base + b.readInt32BE(23);
      if (last < next) continue;
      out.push({ codec: b.readInt16BE(21) & 7, base, last });
      next = last + 1;
    }
    if (next >= d.highWatermark) return out;
  }
  throw new Error('fetch did not reach the high watermark');
}

/** Codecs of the batches in the partition's segment files on disk. */
function diskCodecs(dataDir: string, topic: string): number[] {
  const dir = join(dataDir, `${topic}-0`);
  const codecs: number[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    for (const b of splitBatches(readFileSync(join(dir, f)))) codecs.push(b.readInt16BE(21) & 7);
  }
  return codecs;
}

const produceConfluent = async (bootstrap: string, topic: string, codec: string, n: number): Promise<PyRecord[]> =>
  JSON.parse(await runPython('confluent_roundtrip.py', [bootstrap, 'produce', topic, codec, String(n)], { timeoutMs: 40_000 }));
const consumeConfluent = async (bootstrap: string, topic: string, n: number): Promise<PyRecord[]> =>
  JSON.parse(await runPython('confluent_roundtrip.py', [bootstrap, 'consume', topic, '1', String(n)], { timeoutMs: 40_000 }));
const hex = (s: string | Buffer | null | undefined) => (s === null || s === undefined ? null : Buffer.from(s).toString('hex'));
const strip = (r: PyRecord) => ({ offset: r.offset, key: r.key, value: r.value, headers: r.headers });

describe('compression.type re-encodes produced batches', () => {
  let dir: string;
  let b: StartedBroker;
  let c: WireClient;
  let kafka: Kafka;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'samsa-recompress-'));
    b = await startBroker({ 'log.retention.check.interval.ms': '600000' }, { dataDir: dir });
    c = await WireClient.connect(b.bootstrap);
    kafka = new Kafka({ clientId: 'recompress', brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
  });
  after(async () => {
    c.close();
    await b.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a zstd topic stores gzip and uncompressed batches as zstd; confluent-kafka reads back identical records', { timeout: 60_000 }, async () => {
    const topic = 'to-zstd';
    assert.equal(await createTopic(c, topic, 1, { 'compression.type': 'zstd' }), 0);
    const sent: PyRecord[] = [...(await produceConfluent(b.bootstrap, topic, 'gzip', 40)), ...(await produceConfluent(b.bootstrap, topic, 'none', 40))];
    assert.ok(sent.every((r) => !('error' in r)), JSON.stringify(sent.find((r) => 'error' in r)));
    // kafkajs, gzip, with binary keys and several headers
    const producer = kafka.producer();
    await producer.connect();
    const kjs = Array.from({ length: 10 }, (_, i) => ({
      key: Buffer.from([0, i, 255, 0x6b]),
      value: Buffer.from(`kafkajs ${i} `.repeat(1 + i)),
      headers: { h1: `one-${i}`, 'h-bin': Buffer.from([i, 0, 1]) },
    }));
    const [meta] = await producer.send({ topic, compression: CompressionTypes.GZIP, acks: -1, messages: kjs });
    await producer.disconnect();
    const kjsBase = Number(meta!.baseOffset);
    for (let i = 0; i < kjs.length; i++) {
      sent.push({ partition: 0, offset: kjsBase + i, key: hex(kjs[i]!.key), value: hex(kjs[i]!.value), headers: [['h1', hex(`one-${i}`)], ['h-bin', hex(kjs[i]!.headers['h-bin'])]] });
    }
    sent.sort((x, y) => x.offset - y.offset);
    assert.deepEqual(sent.map((r) => r.offset), Array.from({ length: 90 }, (_, i) => i));

    const batches = await fetchedBatches(c, topic);
    assert.ok(batches.length > 0);
    assert.deepEqual([...new Set(batches.map((x) => x.codec))], [CODEC.zstd], 'every fetched batch is zstd');
    assert.equal(batches.at(-1)!.last, 89);
    const disk = diskCodecs(dir, topic);
    assert.equal(disk.length, batches.length);
    assert.deepEqual([...new Set(disk)], [CODEC.zstd], 'every stored batch is zstd');

    const got = await consumeConfluent(b.bootstrap, topic, 90);
    assert.deepEqual(got.map(strip), sent.map(strip));
    assert.ok(got.some((r) => r.key === null) && got.some((r) => r.headers.length === 2), 'null keys and headers were covered');
  });

  it('compression.type=producer keeps the producer codec; a live change to lz4 applies to the next batches', { timeout: 60_000 }, async () => {
    const topic = 'codec-switch';
    assert.equal(await createTopic(c, topic, 1, { 'compression.type': 'producer' }), 0);
    const first = await produceConfluent(b.bootstrap, topic, 'gzip', 20);
    // librdkafka sends a batch uncompressed when gzip would not shrink it (a lone small record
    // that left on its own), so 'as sent' means gzip or none, and nothing the broker would pick.
    let batches = await fetchedBatches(c, topic);
    const before = batches.map((x) => x.codec);
    assert.ok(before.includes(CODEC.gzip), 'producer: gzip batches stored as sent');
    assert.ok(before.every((x) => x === CODEC.gzip || x === CODEC.none), `producer: stored as sent (${before})`);

    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: topic, configEntries: [{ name: 'compression.type', value: 'lz4' }] }] });
    } finally {
      await admin.disconnect();
    }
    const second = await produceConfluent(b.bootstrap, topic, 'gzip', 20);
    batches = await fetchedBatches(c, topic);
    for (const [i, x] of batches.entries()) assert.equal(x.codec, x.base < 20 ? before[i] : CODEC.lz4, `batch at ${x.base}`);
    assert.ok(batches.some((x) => x.base >= 20));
    const got = await consumeConfluent(b.bootstrap, topic, 40);
    assert.deepEqual(got.map(strip), [...first, ...second].sort((x, y) => x.offset - y.offset).map(strip));
  });
});
