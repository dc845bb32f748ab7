// Restarts of a broker process between produce and consume: SIGTERM (graceful) and SIGKILL
// (crash), and SIGKILL while produces are in flight. Every acknowledged record must survive, in
// order, and new produces continue at the next offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../helpers/broker-process.js';
import { WireClient, createTopic, listOffsets, produceBatch, readAll, type ReadRecord } from '../helpers/wire-client.js';
import { buildBatch } from '../../src/record/builder.js';

const TOPIC = 'durable';
const PARTS = 2;

function records(from: number, n: number) {
  return Array.from({ length: n }, (_, j) => {
    const i = from + j;
    return { key: `k${i}`, value: `value ${i} ${'#'.repeat(i % 40)}`, headers: [{ key: 'i', value: String(i) }] };
  });
}

const view = (rs: ReadRecord[]) => rs.map((r) => [r.offset, r.key, r.value, r.headers[0]?.[1] ?? null]);
const expected = (from: number, n: number, offsetBase = from) =>
  records(from, n).map((r, j) => [offsetBase + j, r.key, r.value, r.headers[0]!.value]);

async function produceAcked(c: WireClient, batches: number, perBatch: number): Promise<void> {
  for (let b = 0; b < batches; b++) {
    for (let p = 0; p < PARTS; p++) {
      const r = await produceBatch(c, TOPIC, p, buildBatch(records(b * perBatch, perBatch)), -1);
      assert.equal(r.errorCode, 0);
      assert.equal(r.baseOffset, b * perBatch);
    }
  }
}

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  test(`${signal} between produce and consume keeps every acknowledged record; produces continue at the next offset`, async () => {
    const broker = await BrokerProcess.start({ settings: { 'log.segment.bytes': String(64 * 1024) } });
    try {
      let c = await WireClient.connect(broker.bootstrap);
      assert.equal(await createTopic(c, TOPIC, PARTS), 0);
      const BATCHES = 40;
      const PER = 50;
      await produceAcked(c, BATCHES, PER);
      c.close();

      const exit = await broker.kill(signal);
      if (signal === 'SIGTERM') assert.deepEqual(exit, { code: 0, signal: null }, 'graceful stop exits 0');
      else assert.equal(exit.signal, 'SIGKILL');
      const port = broker.port;
      await broker.restart();
      assert.equal(broker.port, port, 'restart reuses the port');

      c = await WireClient.connect(broker.bootstrap);
      const total = BATCHES * PER;
      assert.deepEqual(await listOffsets(c, TOPIC, [0, 1]), [total, total]);
      for (let p = 0; p < PARTS; p++) assert.deepEqual(view(await readAll(c, TOPIC, p)), expected(0, total));

      // New produces continue at the next offset, and are readable after them.
      const r = await produceBatch(c, TOPIC, 0, buildBatch(records(total, 10)), -1);
      assert.equal(r.errorCode, 0);
      assert.equal(r.baseOffset, total);
      assert.deepEqual(view(await readAll(c, TOPIC, 0, total - 5)), expected(total - 5, 15));
      c.close();
    } finally {
      broker.cleanup();
    }
  });
}

test('SIGKILL while produces are in flight: every acknowledged record survives, the log ends on a whole batch', async () => {
  const broker = await BrokerProcess.start({ settings: { 'log.segment.bytes': String(256 * 1024) } });
  try {
    let c = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(c, TOPIC, 1), 0);
    const PER = 20;
    let acked = 0; // records acknowledged, in order (one connection: responses come in request order)
    let sent = 0;
    let stop = false;
    const inflight = new Set<Promise<void>>();
    const pump = (async () => {
      while (!stop) {
        const p = produceBatch(c, TOPIC, 0, buildBatch(records(sent, PER)), 1).then(
          (r) => {
            if (r.errorCode === 0) {
              assert.equal(r.baseOffset, acked);
              acked += PER;
            }
          },
          () => {
            stop = true; // the connection is gone
          },
        );
        sent += PER;
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
        if (inflight.size >= 8) await Promise.race(inflight);
        await new Promise((r) => setImmediate(r)); // let I/O and timers run between sends
      }
    })();
    // Kill once a good number of produces have been acknowledged, with more in flight.
    const deadline = Date.now() + 15_000;
    while (acked < 2000 && Date.now() < deadline) await Promise.race([...inflight, new Promise((r) => setTimeout(r, 5))]);
    await broker.kill('SIGKILL');
    stop = true;
    await pump;
    await Promise.allSettled([...inflight]);
    c.close();
    assert.ok(acked >= 2000, `only ${acked} records acknowledged before the kill`);

    await broker.restart();
    c = await WireClient.connect(broker.bootstrap);
    const [end] = await listOffsets(c, TOPIC, [0]);
    assert.ok(end! >= acked, `end offset ${end} below the ${acked} acknowledged records`);
    assert.ok(end! <= sent);
    assert.equal(end! % PER, 0, 'recovery truncates to the last complete batch');
    assert.deepEqual(view(await readAll(c, TOPIC, 0)), expected(0, end!));
    const r = await produceBatch(c, TOPIC, 0, buildBatch(records(end!, 5)), -1);
    assert.equal(r.baseOffset, end);
    c.close();
  } finally {
    broker.cleanup();
  }
});
