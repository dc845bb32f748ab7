// confluent-kafka (Python, librdkafka): acks=all produce with each codec, group-less consume
// back, offsets_for_times. The client side is test/interop/py/confluent_roundtrip.py.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess, runPython } from '../helpers/broker-process.js';
import { WireClient, createTopic, fetchPartition, listOffsets } from '../helpers/wire-client.js';
import { ATTRIBUTES } from '../../src/record/batch-header.js';

interface PyRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
  timestamp: number;
  error?: string;
}

const byPosition = (a: PyRecord, b: PyRecord) => a.partition - b.partition || a.offset - b.offset;
const CODEC_ID: Record<string, number> = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

describe('confluent-kafka (Python)', () => {
  let broker: BrokerProcess;
  let wire: WireClient;
  const py = async (...args: string[]) => JSON.parse(await runPython('confluent_roundtrip.py', [broker.bootstrap, ...args], { timeoutMs: 60_000 }));

  before(async () => {
    broker = await BrokerProcess.start();
    wire = await WireClient.connect(broker.bootstrap);
  });

  after(() => {
    wire?.close();
    broker?.cleanup();
  });

  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
    test(`acks=all with ${codec}: consumed back identical with assign()`, async () => {
      const topic = `confluent-${codec}`;
      const N = 600;
      assert.equal(await createTopic(wire, topic, 3), 0);
      const reports = (await py('produce', topic, codec, String(N))) as PyRecord[];
      assert.equal(reports.length, N);
      assert.deepEqual(reports.filter((r) => r.error), []);

      const consumed = (await py('consume', topic, '3', String(N))) as PyRecord[];
      assert.equal(consumed.length, N);
      // Per partition the consumer sees offsets in order, dense from 0.
      for (let p = 0; p < 3; p++) {
        const offs = consumed.filter((r) => r.partition === p).map((r) => r.offset);
        assert.deepEqual(offs, offs.map((_, i) => i), `partition ${p} offsets`);
      }
      assert.deepEqual([...consumed].sort(byPosition), [...reports].sort(byPosition));
      const ends = await listOffsets(wire, topic, [0, 1, 2]);
      assert.equal(ends.reduce((a, b) => a + b, 0), N);

      // Batches are stored as the producer sent them: compressed with its codec (librdkafka
      // sends a batch uncompressed when compressing would not make it smaller).
      const codecs = new Set<number>();
      for (let p = 0; p < 3; p++) {
        const data = await fetchPartition(wire, topic, p, 0, 1 << 20);
        assert.equal(data.errorCode, 0);
        assert.ok(Buffer.isBuffer(data.records), 'records come back as bytes');
        const buf = data.records as Buffer;
        for (let at = 0; at + 61 <= buf.length; at += 12 + buf.readInt32BE(at + 8)) codecs.add(buf.readInt16BE(at + ATTRIBUTES) & 7);
      }
      assert.ok(codecs.has(CODEC_ID[codec]!), `stored codecs ${[...codecs]}`);
      assert.ok([...codecs].every((c) => c === 0 || c === CODEC_ID[codec]), `stored codecs ${[...codecs]}`);
    });
  }

  test('offsets_for_times finds the first offset at or after each timestamp', async () => {
    const topic = 'confluent-times';
    const base = 1_600_000_000_000;
    assert.equal(await createTopic(wire, topic, 1), 0);
    const reports = (await py('produce_ts', topic, String(base), '50')) as PyRecord[];
    assert.deepEqual(reports.map((r) => r.offset), Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(reports.map((r) => r.timestamp), Array.from({ length: 50 }, (_, i) => base + i * 1000));
    const offsets = (await py('times', topic, String(base - 5), String(base + 20_000), String(base + 20_001), String(base + 49_000), String(base + 99_000))) as number[];
    // Past the last timestamp librdkafka reports the end (-1 from the broker becomes OFFSET_END = -1).
    assert.deepEqual(offsets, [0, 20, 21, 49, -1]);
  });
});
