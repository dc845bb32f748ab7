// kafka-python: produce (acks=all, plain and gzip) and read back with an assigned consumer.
// The client side is test/interop/py/kafka_python_roundtrip.py.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess, runPython } from '../helpers/broker-process.js';
import { WireClient, createTopic, listOffsets } from '../helpers/wire-client.js';

interface PyRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string;
  headers: Array<[string, string]>;
}

const byPosition = (a: PyRecord, b: PyRecord) => a.partition - b.partition || a.offset - b.offset;

describe('kafka-python', () => {
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

  for (const codec of [null, 'gzip'] as const) {
    test(`produce${codec ? ` (${codec})` : ''} and read back identical, in order`, async () => {
      const topic = `kafka-python-${codec ?? 'plain'}`;
      const N = 300;
      assert.equal(await createTopic(wire, topic, 2), 0);
      const out = JSON.parse(await runPython('kafka_python_roundtrip.py', [broker.bootstrap, topic, '2', String(N), ...(codec ? [codec] : [])], { timeoutMs: 90_000 })) as {
        produced: PyRecord[];
        consumed: PyRecord[];
      };
      assert.equal(out.produced.length, N);
      // Explicit round-robin partitions: offsets are i / 2 in each partition, in send order.
      out.produced.forEach((r, i) => {
        assert.equal(r.partition, i % 2);
        assert.equal(r.offset, Math.floor(i / 2));
      });
      assert.equal(out.consumed.length, N);
      for (const p of [0, 1]) {
        const offs = out.consumed.filter((r) => r.partition === p).map((r) => r.offset);
        assert.deepEqual(offs, offs.map((_, i) => i), `partition ${p} consumed in offset order`);
      }
      assert.deepEqual([...out.consumed].sort(byPosition), [...out.produced].sort(byPosition));
      assert.deepEqual(await listOffsets(wire, topic, [0, 1]), [N / 2, N / 2]);
    });
  }
});
