// kafka-python speaking the protocol of Kafka 0.10 and 0.9 (api_version=(0, 10) / (0, 9)):
// message formats v1 / v0 on Produce v2 / v1, down-converted fetches (Fetch v2 / v1), ListOffsets
// v0, Metadata v0, a consumer group with OffsetCommit v2 / OffsetFetch v1. The client side is
// test/interop/py/legacy_kafka_python.py.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess, runPython } from '../helpers/broker-process.js';
import { WireClient, createTopic, listOffsets } from '../helpers/wire-client.js';

interface PyRecord {
  offset: number;
  key: string | null;
  value: string;
  timestamp?: number;
  timestampType?: number;
}

describe('kafka-python with old api_version', () => {
  let broker: BrokerProcess;
  let wire: WireClient;

  before(async () => {
    broker = await BrokerProcess.start();
    wire = await WireClient.connect(broker.bootstrap);
  });

  after(() => {
    wire?.close();
    broker?.cleanup();
  });

  for (const version of ['0.10', '0.9'] as const) {
    for (const codec of ['none', 'gzip'] as const) {
      test(`api_version ${version} (${codec}): produce, consume in a group, commit`, async () => {
        const topic = `legacy-kp-${version.replace('.', '')}-${codec}`;
        const N = 200;
        assert.equal(await createTopic(wire, topic, 1), 0);
        const out = JSON.parse(await runPython('legacy_kafka_python.py', [broker.bootstrap, topic, version, String(N), codec, `g-${topic}`], { timeoutMs: 120_000 })) as {
          produced: PyRecord[];
          consumed: PyRecord[];
          committed: number | null;
        };
        assert.equal(out.produced.length, N);
        assert.deepEqual(out.produced.map((r) => r.offset), out.produced.map((_, i) => i), 'offsets assigned in send order');
        assert.equal(out.consumed.length, N);
        assert.deepEqual(out.consumed.map((r) => r.offset), out.consumed.map((_, i) => i), 'consumed in offset order');
        assert.deepEqual(out.consumed.map(({ offset, key, value }) => ({ offset, key, value })), out.produced);
        if (version === '0.10') {
          // Message format v1 carries the producer's timestamps (CreateTime) both ways.
          assert.deepEqual(out.consumed.map((r) => r.timestamp), out.consumed.map((_, i) => 1_600_000_000_000 + i));
          assert.ok(out.consumed.every((r) => r.timestampType === 0));
        }
        assert.equal(out.committed, N);
        assert.deepEqual(await listOffsets(wire, topic, [0]), [N]);
      });
    }
  }
});
