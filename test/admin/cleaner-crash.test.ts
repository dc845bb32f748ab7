// A SIGKILL during log cleaning loses nothing. A broker process holds a compacted topic with
// small segments (many inactive segments, so the cleaner always has work), a short cleaner
// backoff and a large delete.retention.ms; a producer keeps writing many values for a few keys
// while the test watches the partition directory and kill -9s the broker the moment a
// `.cleaned` or `.swap` file appears (or at a random moment when it sees none in time). After
// every restart a reader from offset 0 must see: offsets strictly increasing; every record
// exactly as it was produced at that offset (or one of the unacknowledged records in flight at
// the kill); for every key its latest value, which is what was last acknowledged for it (or a
// later in-flight one).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startBroker } from '../../src/node/start-broker.js';
import { buildBatch, type RecordInput } from '../../src/record/builder.js';
import { BrokerProcess, waitFor } from '../helpers/broker-process.js';
import { WireClient, createTopic, fetchPartition, listOffsets, produceBatch, readAll, type ReadRecord } from '../helpers/wire-client.js';

const TOPIC = 'crash-compact';
const KEYS = 12;
const ROUNDS = Number(process.env.CLEANER_CRASH_ROUNDS ?? 8);

const cleanerFiles = (dir: string): string[] => {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.cleaned') || n.endsWith('.swap'));
  } catch {
    return [];
  }
};

describe('log cleaner crash safety', () => {
  let broker: BrokerProcess | undefined;
  after(() => broker?.cleanup());

  it('kill -9 while the cleaner works: after each restart nothing acknowledged is lost, nothing invented', { timeout: 80_000 }, async () => {
    broker = await BrokerProcess.start({
      settings: { 'log.cleaner.backoff.ms': '5', 'log.retention.check.interval.ms': '600000' },
    });
    let c = await WireClient.connect(broker.bootstrap);
    assert.equal(
      await createTopic(c, TOPIC, 1, {
        'cleanup.policy': 'compact',
        'segment.bytes': '1500',
        'min.cleanable.dirty.ratio': '0.01',
        'min.compaction.lag.ms': '0',
        'delete.retention.ms': '86400000',
        'file.delete.delay.ms': '0',
      }),
      0,
    );
    const partDir = join(broker.dataDir, `${TOPIC}-0`);

    /** Acknowledged records by offset. */
    const acked = new Map<number, { key: string; value: string }>();
    /** Everything ever sent (acknowledged or not): value → key. Values are unique. */
    const sent = new Map<string, string>();
    /** Per key, the value the log must show last: the last acknowledged one, or a later in-flight one seen after a restart. */
    const latest = new Map<string, { value: string; seq: number }>();
    /** In flight at the last kill, per key, with their sequence numbers. */
    let maybe = new Map<string, { value: string; seq: number }[]>();
    let seq = 0;
    let killedWithFilesVisible = 0;
    let leftBehind = 0;
  let swapsLeft = 0;
    let acksTotal = 0;

    const seqOf = (value: string) => Number(/^v(\d+)-/.exec(value)![1]);

    for (let round = 0; round < ROUNDS; round++) {
      let stop = false;
      let inFlight: RecordInput[] = [];
      const producer = (async () => {
        let n = 0;
        while (!stop) {
          const recs: RecordInput[] = [];
          const size = 1 + (n % 5);
          for (let i = 0; i < size; i++) {
            const key = `key-${(seq * 7 + i) % KEYS}`;
            const value = `v${seq}-${key}-${'x'.repeat(40 + (seq % 30))}`;
            seq++;
            sent.set(value, key);
            recs.push({ key, value, headers: [{ key: 'seq', value: String(seq) }] });
          }
          inFlight = recs;
          const batch = buildBatch(recs, { compression: n % 3 === 0 ? 'gzip' : 'none' });
          let r;
          try {
            r = await produceBatch(c, TOPIC, 0, batch);
          } catch {
            return; // the broker was killed with this batch in flight
          }
          assert.equal(r.errorCode, 0, `produce error ${r.errorCode}`);
          recs.forEach((rec, i) => {
            const value = rec.value as string;
            acked.set(Number(r.baseOffset) + i, { key: rec.key as string, value });
            latest.set(rec.key as string, { value, seq: seqOf(value) });
          });
          acksTotal += recs.length;
          inFlight = [];
          n++;
        }
      })();

      // Kill as soon as cleaner files appear (after some data has built up this round), or at a random moment.
      const started = Date.now();
      const minRun = 150;
      const giveUpAt = started + minRun + 300 + Math.floor(Math.random() * 700);
      let sawFiles = false;
      for (;;) {
        const now = Date.now();
        if (now >= giveUpAt) break;
        if (now - started >= minRun && cleanerFiles(partDir).length > 0) {
          sawFiles = true;
          break;
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      await broker.kill('SIGKILL');
      if (sawFiles) killedWithFilesVisible++;
      const left = cleanerFiles(partDir);
      if (left.length > 0) leftBehind++;
      if (left.some((n) => n.endsWith('.swap'))) swapsLeft++;
      stop = true;
      await producer;
      c.close();
      maybe = new Map();
      for (const rec of inFlight) {
        const key = rec.key as string;
        const value = rec.value as string;
        const list = maybe.get(key) ?? [];
        list.push({ value, seq: seqOf(value) });
        maybe.set(key, list);
      }

      await broker.restart();
      c = await WireClient.connect(broker.bootstrap);
      const recs: ReadRecord[] = await waitFor(() => readAll(c, TOPIC, 0, 0, 20_000), { timeoutMs: 20_000, what: 'read after restart' });
      const where = `round ${round}`;

      // offsets strictly increasing
      for (let i = 1; i < recs.length; i++) assert.ok(recs[i]!.offset > recs[i - 1]!.offset, `${where}: offsets not increasing at ${recs[i]!.offset}`);
      // nothing that was never produced; acknowledged offsets hold exactly what was acknowledged
      for (const r of recs) {
        assert.ok(r.key !== null && r.value !== null, `${where}: unexpected null key/value at ${r.offset}`);
        const a = acked.get(r.offset);
        if (a) {
          assert.deepEqual({ key: r.key, value: r.value }, a, `${where}: offset ${r.offset} changed`);
        } else {
          assert.equal(sent.get(r.value!), r.key, `${where}: record at ${r.offset} was never produced: ${r.key}=${r.value}`);
          const inflight = maybe.get(r.key!)?.some((m) => m.value === r.value) ?? false;
          assert.ok(inflight, `${where}: unacknowledged record at ${r.offset} that was not in flight at the kill`);
          acked.set(r.offset, { key: r.key!, value: r.value! });
        }
      }
      // the latest value per key is what was last produced (acknowledged, or a later in-flight one)
      const lastSeen = new Map<string, string>();
      for (const r of recs) lastSeen.set(r.key!, r.value!);
      for (const [key, want] of latest) {
        const got = lastSeen.get(key);
        assert.ok(got !== undefined, `${where}: key ${key} lost (latest acknowledged ${want.value})`);
        if (got !== want.value) {
          const later = maybe.get(key)?.find((m) => m.value === got && m.seq > want.seq);
          assert.ok(later, `${where}: key ${key} shows ${got}, last produced ${want.value}`);
        }
      }
      for (const [key, value] of lastSeen) latest.set(key, { value, seq: seqOf(value) });
      // and every acknowledged record not superseded by a later one of its key is still there
      const present = new Set(recs.map((r) => r.offset));
      const lastAckedOffset = new Map<string, number>();
      for (const [off, a] of acked) if ((lastAckedOffset.get(a.key) ?? -1) < off) lastAckedOffset.set(a.key, off);
      for (const [key, off] of lastAckedOffset) assert.ok(present.has(off), `${where}: latest record of ${key} at ${off} missing`);
    }

    // compaction really ran across the rounds
    const finalRecs = await readAll(c, TOPIC, 0, 0);
    c.close();
    assert.ok(finalRecs.length < acksTotal / 2, `cleaner removed superseded records (${finalRecs.length} of ${acksTotal} left)`);
    assert.ok(killedWithFilesVisible + leftBehind > 0, 'at least one kill landed while cleaner files existed');
    // diagnostics for the run
    console.log(`cleaner-crash: ${ROUNDS} kills, ${killedWithFilesVisible} with .cleaned/.swap visible, ${leftBehind} left them behind (${swapsLeft} a .swap); ${acksTotal} acked, ${finalRecs.length} remain`);
    await broker.stop();
  });

  // Found by the test above: when every record of the log's first segment was superseded, the
  // cleaner dropped that segment, and the next start took the following segment's base offset as
  // the log start, so a fetch from 0 (or a committed offset there) became OFFSET_OUT_OF_RANGE.
  it('compaction never moves the log start offset, across a restart', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-cleaner-lso-'));
    const settings = { 'log.cleaner.enable': 'false', 'log.retention.check.interval.ms': '600000' };
    try {
      let b = await startBroker(settings, { dataDir: dir });
      let c = await WireClient.connect(b.bootstrap);
      try {
        assert.equal(await createTopic(c, 'lso-compact', 1, { 'cleanup.policy': 'compact', 'segment.bytes': '600', 'min.cleanable.dirty.ratio': '0.01', 'delete.retention.ms': '86400000', 'file.delete.delay.ms': '0' }), 0);
        for (let i = 0; i < 30; i++) assert.equal((await produceBatch(c, 'lso-compact', 0, buildBatch([{ key: i < 25 ? 'a' : `b${i}`, value: `v${i}-${'y'.repeat(100)}` }]))).errorCode, 0);
        const log = b.broker.partition('lso-compact', 0)!.log;
        assert.ok(log.numberOfSegments > 5);
        const stats = await b.broker.runCleaner();
        assert.ok(stats && stats.recordsOut < stats.recordsIn, 'the cleaner removed records');
        assert.equal(log.segmentBaseOffsets()[0], 0, 'the first segment keeps base offset 0');
      } finally {
        c.close();
        await b.stop();
      }
      b = await startBroker(settings, { dataDir: dir });
      c = await WireClient.connect(b.bootstrap);
      try {
        assert.deepEqual(await listOffsets(c, 'lso-compact', [0], -2), [0], 'log start offset still 0 after restart');
        assert.equal((await fetchPartition(c, 'lso-compact', 0, 0)).errorCode, 0);
        const recs = await readAll(c, 'lso-compact', 0, 0);
        const last = new Map(recs.map((r) => [r.key!, r.value]));
        assert.deepEqual([...last.keys()].sort(), ['a', 'b25', 'b26', 'b27', 'b28', 'b29']);
        assert.equal(last.get('a'), `v24-${'y'.repeat(100)}`);
        assert.ok(recs.length < 30);
      } finally {
        c.close();
        await b.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
