// A broker process restarted on damaged or hostile segment files: an old segment that lost
// its last 100 bytes (recovery deleted every later segment and reused their offsets), garbage
// appended to the active segment after a clean shutdown (the log end offset became 4.7e18 and
// every produce failed), and batches claiming 2^31-1 records each (the offset index overflowed
// after the bytes were written, and after kill -9 the broker could not start).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CRC, LAST_OFFSET_DELTA, RECORD_COUNT, computeBatchCrc } from '../../src/record/batch-header.js';
import { buildBatch } from '../../src/record/builder.js';
import { BrokerProcess } from '../helpers/broker-process.js';
import { WireClient, createTopic, listOffsets, produceBatch, readAll } from '../helpers/wire-client.js';

const value = (i: number): string => `record ${i} ${'.'.repeat(i % 30)}`;

/** Produces `n` records from offset `from` in batches of `per`, each acknowledged at the expected offset. */
async function produce(c: WireClient, topic: string, from: number, n: number, per = 10): Promise<void> {
  for (let i = from; i < from + n; i += per) {
    const r = await produceBatch(c, topic, 0, buildBatch(Array.from({ length: per }, (_, j) => ({ value: value(i + j) }))));
    assert.equal(r.errorCode, 0);
    assert.equal(r.baseOffset, i);
  }
}

const segments = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.log')).sort();

test('an old segment short by 100 bytes: after the restart only its torn batch is gone, later segments stay, offsets are not reused', { timeout: 60_000 }, async () => {
  const broker = await BrokerProcess.start({ settings: { 'log.segment.bytes': String(16 * 1024) } });
  try {
    let c = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(c, 'damaged', 1), 0);
    await produce(c, 'damaged', 0, 3000);
    c.close();
    await broker.stop();
    const dir = join(broker.dataDir, 'damaged-0');
    const segs = segments(dir);
    assert.ok(segs.length >= 5, `${segs.length} segments`);
    const damaged = join(dir, segs[1]!);
    truncateSync(damaged, statSync(damaged).size - 100);

    await broker.restart();
    c = await WireClient.connect(broker.bootstrap);
    assert.deepEqual(await listOffsets(c, 'damaged', [0]), [3000], 'the log end offset stays after the last segment');
    assert.deepEqual(segments(dir), segs, 'every segment kept');
    const recs = await readAll(c, 'damaged', 0, 0, 20_000);
    const missing = 3000 - recs.length;
    assert.equal(missing, 10, 'only the torn batch is lost');
    for (const r of recs) assert.equal(r.value, value(r.offset));
    const r = await produceBatch(c, 'damaged', 0, buildBatch([{ value: 'after' }]));
    assert.equal(r.baseOffset, 3000, 'new records never get an offset already handed out');
    assert.match(broker.log, /truncated invalid bytes at the end of a segment/, 'the repair is logged');
    c.close();
  } finally {
    broker.cleanup();
  }
});

test('300 bytes of garbage after a clean shutdown: the restart cuts them, the log end offset stays, produces go on', { timeout: 60_000 }, async () => {
  const broker = await BrokerProcess.start();
  try {
    let c = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(c, 'garbage', 1), 0);
    await produce(c, 'garbage', 0, 100);
    c.close();
    await broker.stop();
    const dir = join(broker.dataDir, 'garbage-0');
    appendFileSync(join(dir, segments(dir).at(-1)!), Buffer.alloc(300, 0x41));

    await broker.restart();
    c = await WireClient.connect(broker.bootstrap);
    assert.deepEqual(await listOffsets(c, 'garbage', [0]), [100]);
    await produce(c, 'garbage', 100, 20);
    const recs = await readAll(c, 'garbage', 0, 0, 10_000);
    assert.equal(recs.length, 120);
    for (const r of recs) assert.equal(r.value, value(r.offset));
    c.close();
  } finally {
    broker.cleanup();
  }
});

/** A real batch (5 KB value, so the offset index gets entries) whose header claims 2^31-1 records. */
function claimingMaxRecords(): Buffer {
  const b = buildBatch([{ value: 'v'.repeat(5000) }]);
  b.writeInt32BE(0x7fff_fffe, LAST_OFFSET_DELTA);
  b.writeInt32BE(0x7fff_ffff, RECORD_COUNT);
  b.writeUInt32BE(computeBatchCrc(b), CRC);
  return b;
}

test('batches claiming 2^31-1 records each never overflow the offset index: nothing half-written, and kill -9 then a restart works', { timeout: 60_000 }, async () => {
  const broker = await BrokerProcess.start();
  try {
    let c = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(c, 'claims', 1), 0);
    await produce(c, 'claims', 0, 10, 1);
    // one request holding three of them: refused (by the broker or by storage), not half-stored
    const all = Buffer.concat([claimingMaxRecords(), claimingMaxRecords(), claimingMaxRecords()]);
    const out = await produceBatch(c, 'claims', 0, all).catch(() => null);
    assert.ok(out === null || out.errorCode !== 0, 'not acknowledged');
    if (c.closed) c = await WireClient.connect(broker.bootstrap);
    assert.deepEqual(await listOffsets(c, 'claims', [0]), [10], 'nothing of it stored');
    // one per request: whatever is acknowledged must survive a crash and a restart
    let end = 10;
    for (let i = 0; i < 3; i++) {
      const r = await produceBatch(c, 'claims', 0, claimingMaxRecords()).catch(() => null);
      if (c.closed) c = await WireClient.connect(broker.bootstrap);
      if (r && r.errorCode === 0) {
        assert.equal(r.baseOffset, end);
        end += 0x7fff_ffff;
      }
    }
    assert.deepEqual(await listOffsets(c, 'claims', [0]), [end]);
    c.close();

    await broker.kill('SIGKILL');
    await broker.restart();
    c = await WireClient.connect(broker.bootstrap);
    assert.deepEqual(await listOffsets(c, 'claims', [0]), [end], 'every acknowledged offset survives');
    const r = await produceBatch(c, 'claims', 0, buildBatch([{ value: 'after' }]));
    assert.equal(r.errorCode, 0);
    assert.equal(r.baseOffset, end);
    c.close();
  } finally {
    broker.cleanup();
  }
});
