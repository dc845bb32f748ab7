// The Go clients Debian packages, built offline from their packaged sources
// (test/helpers/go-program.ts): sarama 1.22 with config.Version 2.2.0 (record batches, Fetch v10,
// OffsetCommit v6) and 0.10.2 (message format v1 on Produce v2, down-converted Fetch v3,
// ListOffsets v1, OffsetCommit v2), and kafka-go 0.2.1 (Produce v2, Fetch v1, its own group
// client). Each produces, consumes in a consumer group and commits; the programs are
// test/interop/go/*.go.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess, runOk } from '../helpers/broker-process.js';
import { goAvailable, goProgram } from '../helpers/go-program.js';
import { WireClient, createTopic, listOffsets } from '../helpers/wire-client.js';

interface GoRecord {
  offset: number;
  key: string | null;
  value: string;
  timestamp?: number;
}

const hex = (s: string) => Buffer.from(s).toString('hex');

describe('Go clients from Debian', () => {
  let broker: BrokerProcess;
  let wire: WireClient;

  before(async () => {
    assert.ok(goAvailable('github.com/Shopify/sarama', 'github.com/segmentio/kafka-go'), 'golang-go, golang-github-shopify-sarama-dev and golang-github-segmentio-kafka-go-dev are needed (scripts/test-deps.sh installs them)');
    broker = await BrokerProcess.start();
    wire = await WireClient.connect(broker.bootstrap);
  });

  after(() => {
    wire?.close();
    broker?.cleanup();
  });

  for (const version of ['2.2.0', '0.10.2.0'] as const) {
    test(`sarama 1.22, config.Version ${version}: produce, consume in a group, commit`, async () => {
      const bin = await goProgram('sarama_legacy');
      const topic = `sarama-${version.replaceAll('.', '')}`;
      const N = 150;
      assert.equal(await createTopic(wire, topic, 1), 0);
      const out = JSON.parse(await runOk(bin, [broker.bootstrap, topic, version, String(N), `g-${topic}`], { timeoutMs: 120_000 })) as {
        produced: GoRecord[];
        consumed: GoRecord[];
        committed: number;
      };
      assert.deepEqual(out.produced.map((r) => r.offset), Array.from({ length: N }, (_, i) => i), 'offsets assigned in send order');
      assert.deepEqual(out.produced.slice(0, 2).map((r) => r.key), [hex('sarama-0'), hex('sarama-1')]);
      assert.equal(out.produced[6]!.key, null);
      assert.deepEqual(out.consumed, out.produced, 'consumed: the same records, in offset order');
      assert.equal(out.committed, N);
      assert.deepEqual(await listOffsets(wire, topic, [0]), [N]);
    });
  }

  test('kafka-go 0.2.1: produce, consume in a group', async () => {
    const bin = await goProgram('kafka_go_legacy');
    const topic = 'kafka-go-legacy';
    const N = 120;
    assert.equal(await createTopic(wire, topic, 1), 0);
    const out = JSON.parse(await runOk(bin, [broker.bootstrap, topic, String(N), 'g-kafka-go'], { timeoutMs: 120_000 })) as { consumed: GoRecord[] };
    assert.deepEqual(
      out.consumed,
      Array.from({ length: N }, (_, i) => ({ offset: i, key: i % 7 === 6 ? null : hex(`kg-${i}`), value: hex(`kafka-go ${i}`), timestamp: 1_600_000_000_000 + i })),
    );
    assert.deepEqual(await listOffsets(wire, topic, [0]), [N]);
  });
});
