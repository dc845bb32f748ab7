// The producer state of one partition on its own: Kafka's sequence and epoch rules, the five
// retained batches, sequence wrap-around, expiration on simulated time (the manager alone, and a
// node's periodic check on a ManualClock), Kafka's snapshot format, and loading from snapshots
// plus the log after them (torn snapshots, snapshots past the log end, a clean start without any).
import { plaintextSession } from '../../src/server/security/session.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { SamsaNode } from '../../src/node/samsa-node.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { CreateTopics, DescribeProducers, Produce, decodeResponse, encodeRequest, type ApiSpec, type RequestOf, type ResponseOf } from '../../src/protocol/index.js';
import type { Part } from '../../src/protocol/writer.js';
import { buildBatch } from '../../src/record/builder.js';
import { crc32c } from '../../src/record/crc32c.js';
import { Log } from '../../src/storage/log.js';
import { realFs } from '../../src/storage/fs.js';
import { CorruptSnapshotError, decodeProducerSnapshot, encodeProducerSnapshot, listProducerSnapshots, writeProducerSnapshot, type ProducerSnapshotEntry } from '../../src/storage/producer-snapshot.js';
import { APPEND, ProducerStateManager, decrementSequence, incrementSequence } from '../../src/txn/producer-state-manager.js';
import { ManualClock } from '../../src/util/clock.js';

const DAY = 86_400_000;
const INT32_MAX = 0x7fffffff;

const manager = (expirationMs = DAY) => new ProducerStateManager({ topicPartition: 't-0', producerIdExpirationMs: expirationMs });
const meta = (firstSeq: number, count: number, firstOffset: number, timestamp = 1000) => ({ firstSeq, lastSeq: incrementSequence(firstSeq, count - 1), firstOffset, lastOffset: firstOffset + count - 1, timestamp });

describe('sequence checks', () => {
  test('a follower that truncates its log forgets the batches cut: their retry is appended again, not answered with the old offsets', () => {
    const m = manager();
    for (let i = 0; i < 4; i++) m.update(7, 0, meta(i * 10, 10, i * 10));
    m.update(8, 0, meta(0, 5, 40));
    m.truncateTo(20);
    // Producer 7's batches at offsets 20-39 are gone: the next sequence after its batch at 10-19 is 20.
    assert.equal(m.checkClientBatch(7, 0, 20, 29, 20), APPEND);
    const kept = m.checkClientBatch(7, 0, 10, 19, 20);
    assert.deepEqual(kept.kind === 'duplicate' && [kept.batch.firstOffset, kept.batch.lastOffset], [10, 19]);
    // Producer 8 wrote only above the cut: it is forgotten, so any sequence is its first.
    assert.equal(m.entry(8), undefined);
  });

  test('the next sequence is appended; a retry of one of the last five batches is a duplicate with its offsets', () => {
    const m = manager();
    assert.equal(m.checkClientBatch(7, 0, 0, 9, 0), APPEND);
    for (let i = 0; i < 7; i++) m.update(7, 0, meta(i * 10, 10, i * 10));
    assert.equal(m.checkClientBatch(7, 0, 70, 79, 70), APPEND);
    for (let i = 2; i < 7; i++) {
      const c = m.checkClientBatch(7, 0, i * 10, i * 10 + 9, 70);
      assert.equal(c.kind, 'duplicate');
      assert.deepEqual(c.kind === 'duplicate' && [c.batch.firstOffset, c.batch.lastOffset], [i * 10, i * 10 + 9]);
    }
    // Same first sequence, other length: not that batch, and not the next one either.
    const c = m.checkClientBatch(7, 0, 60, 61, 70);
    assert.equal(c.kind === 'refused' && c.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const older = m.checkClientBatch(7, 0, 10, 19, 70);
    assert.equal(older.kind === 'refused' && older.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'older than the five retained');
    const gap = m.checkClientBatch(7, 0, 71, 71, 70);
    assert.equal(gap.kind === 'refused' && gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  });

  test('epochs: older is INVALID_PRODUCER_EPOCH, newer must start at 0 and forgets the old batches', () => {
    const m = manager();
    m.update(1, 5, meta(0, 3, 0));
    const stale = m.checkClientBatch(1, 4, 3, 3, 3);
    assert.equal(stale.kind === 'refused' && stale.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    const notZero = m.checkClientBatch(1, 6, 3, 3, 3);
    assert.equal(notZero.kind === 'refused' && notZero.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(m.checkClientBatch(1, 6, 0, 0, 3), APPEND);
    m.update(1, 6, meta(0, 1, 3));
    assert.equal(m.entry(1)!.batches.length, 1);
    assert.equal(m.checkClientBatch(1, 5, 0, 2, 4).kind, 'refused', 'the old epoch\'s batch is no duplicate any more');
  });

  test('an unknown producer is accepted at any sequence (KIP-360)', () => {
    assert.equal(manager().checkClientBatch(3, 0, 12345, 12350, 0), APPEND);
  });

  test('sequences wrap from 2^31-1 to 0', () => {
    assert.equal(incrementSequence(INT32_MAX - 1, 3), 1);
    assert.equal(decrementSequence(1, 3), INT32_MAX - 1);
    const m = manager();
    m.update(2, 0, meta(INT32_MAX - 4, 5, 0));
    assert.equal(m.entry(2)!.lastSeq, INT32_MAX);
    assert.equal(m.checkClientBatch(2, 0, 0, 3, 5), APPEND);
    m.update(2, 0, meta(INT32_MAX - 1, 4, 5));
    assert.equal(m.checkClientBatch(2, 0, 2, 2, 9), APPEND);
    assert.equal(m.checkClientBatch(2, 0, INT32_MAX - 1, 1, 9).kind, 'duplicate');
  });

  test('a log start past a producer\'s batches forgets it; batches below it are dropped from the rest', () => {
    const m = manager();
    m.update(1, 0, meta(0, 5, 0));
    m.update(2, 0, meta(0, 5, 5));
    m.update(2, 0, meta(5, 5, 10));
    assert.equal(m.removeProducersBelow(10), 1);
    assert.equal(m.entry(1), undefined);
    assert.deepEqual(m.entry(2)!.batches.map((b) => b.firstOffset), [10]);
  });
});

describe('expiration on simulated time', () => {
  test('a producer is forgotten once producer.id.expiration.ms passed since its last batch\'s timestamp', () => {
    const clock = new ManualClock(1_000_000);
    const m = manager(60_000);
    m.update(1, 0, meta(0, 1, 0, clock.now()));
    m.update(2, 0, meta(0, 1, 1, clock.now() + 30_000));
    clock.advance(59_999);
    assert.equal(m.removeExpiredProducers(clock.now()), 0);
    clock.advance(1);
    assert.equal(m.removeExpiredProducers(clock.now()), 1);
    assert.equal(m.entry(1), undefined);
    clock.advance(30_000);
    assert.equal(m.removeExpiredProducers(clock.now()), 1);
    assert.equal(m.producerCount, 0);
  });

  test('KIP-890 verification guards: a marker of the producer drops its guard, so a verification begun before it no longer holds', () => {
    const m = manager(60_000);
    const guard = m.verificationGuard(7, 1000);
    assert.equal(m.verificationGuard(7, 1001), guard, 'verifications in flight together share the guard');
    assert.ok(m.holdsVerificationGuard(7, guard));
    m.update(7, 0, meta(0, 1, 0), true);
    m.completeTxn(7, 0, false, 0, 1, 1000);
    assert.ok(!m.holdsVerificationGuard(7, guard), 'a write verified before the abort marker, arriving after it, must be refused');
    const next = m.verificationGuard(7, 2000);
    assert.notEqual(next, guard);
    assert.ok(m.holdsVerificationGuard(7, next));
    assert.ok(m.holdsVerificationGuard(8, m.verificationGuard(8, 2000)), 'guards are per producer');
    m.removeExpiredProducers(2000 + 59_999);
    assert.ok(m.holdsVerificationGuard(7, next));
    m.removeExpiredProducers(2000 + 60_000);
    assert.ok(!m.holdsVerificationGuard(7, next), 'a guard never followed by a write or a marker expires');
  });

  describe('a node checks every producer.id.expiration.check.interval.ms', () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-expiry-'));
    const clock = new ManualClock(1_700_000_000_000);
    const conn = { id: 1, remote: '127.0.0.1:1', readsInPlace: false, isClosed: false, whenClosed() {}, session: plaintextSession(), muteFor() {} };
    let node: SamsaNode;
    let correlationId = 0;

    async function call<A extends ApiSpec>(spec: A, version: number, body: RequestOf<A>): Promise<ResponseOf<A>> {
      const frame = encodeRequest(spec, { apiKey: spec.key, apiVersion: version, correlationId: ++correlationId, clientId: 't' }, body).subarray(4);
      const parts = (await node.dispatcher.dispatch(frame, conn)) as Part[];
      return decodeResponse(spec, version, Buffer.concat(parts.map((p) => p as Buffer)).subarray(4)).body;
    }
    const produce = async (seq: number) => {
      const records = buildBatch([{ value: `v${seq}`, timestamp: clock.now() }], { producerId: 42, producerEpoch: 0, baseSequence: seq });
      const r = await call(Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 'exp', partitionData: [{ index: 0, records }] }] });
      return r.responses[0]!.partitionResponses[0]!;
    };
    const producers = async () => (await call(DescribeProducers, 0, { topics: [{ name: 'exp', partitionIndexes: [0] }] })).topics[0]!.partitions[0]!.activeProducers.map((p) => p.producerId);

    before(async () => {
      const settings = new Map([['log.dirs', dir], ['listeners', 'PLAINTEXT://127.0.0.1:0'], ['producer.id.expiration.ms', '60000'], ['producer.id.expiration.check.interval.ms', '10000']]);
      node = new SamsaNode(new BrokerConfig([['override', settings]]), { clock });
      const created = await call(CreateTopics, 7, { topics: [{ name: 'exp', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false });
      assert.equal(created.topics[0]!.errorCode, 0);
      node.replicas.startProducerExpiration();
    });
    after(async () => {
      await node.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('kept before the deadline, gone at the first check after it; its next batch is then accepted at any sequence', async () => {
      assert.equal((await produce(0)).errorCode, 0);
      assert.equal((await produce(5)).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      clock.advance(59_000);
      assert.deepEqual(await producers(), [42]);
      clock.advance(10_000);
      assert.deepEqual(await producers(), []);
      assert.equal((await produce(5)).errorCode, 0);
    });

    test('a log start moved past a producer\'s batches (as retention moves it) forgets it at the next check', async () => {
      assert.deepEqual(await producers(), [42]);
      const p = node.partition('exp', 0)!;
      p.log.deleteRecordsBefore(p.highWatermark);
      assert.deepEqual(await producers(), [42], 'until the check runs');
      clock.advance(10_000);
      assert.deepEqual(await producers(), []);
    });
  });
});

describe('snapshots in Kafka\'s format', () => {
  const entry: ProducerSnapshotEntry = { producerId: 2 ** 40 + 7, epoch: 3, lastSequence: 99, lastOffset: 1234, offsetDelta: 9, timestamp: 1_700_000_000_123, coordinatorEpoch: -1, currentTxnFirstOffset: -1 };

  test('version, CRC32C over the rest, int32 count, 46-byte entries; round trip', () => {
    const buf = encodeProducerSnapshot([entry, { ...entry, producerId: 5, epoch: 0 }]);
    assert.equal(buf.length, 2 + 4 + 4 + 2 * 46);
    assert.equal(buf.readInt16BE(0), 1);
    assert.equal(buf.readUInt32BE(2), crc32c(buf.subarray(6)));
    assert.equal(buf.readInt32BE(6), 2);
    assert.equal(buf.readBigInt64BE(10), BigInt(entry.producerId));
    assert.deepEqual(decodeProducerSnapshot(buf), [entry, { ...entry, producerId: 5, epoch: 0 }]);
    assert.deepEqual(decodeProducerSnapshot(encodeProducerSnapshot([])), []);
  });

  test('a flipped bit, a truncation or another version is CorruptSnapshotError', () => {
    const buf = encodeProducerSnapshot([entry]);
    const flipped = Buffer.from(buf);
    flipped[30]! ^= 1;
    assert.throws(() => decodeProducerSnapshot(flipped), CorruptSnapshotError);
    assert.throws(() => decodeProducerSnapshot(buf.subarray(0, buf.length - 1)), CorruptSnapshotError);
    const v2 = Buffer.from(buf);
    v2.writeInt16BE(2, 0);
    assert.throws(() => decodeProducerSnapshot(v2), CorruptSnapshotError);
  });
});

describe('loading from snapshots and the log', () => {
  let dir: string;
  const now = Date.now();
  const open = () => Log.open({ dir, topic: 't', partition: 0 });
  const opts = () => ({ topicPartition: 't-0', producerIdExpirationMs: DAY, snapshots: { fs: realFs, dir } });
  const append = (log: Log, pid: number, seq: number, count: number) =>
    log.append(buildBatch(Array.from({ length: count }, (_, i) => ({ value: `${seq + i}`, timestamp: now })), { producerId: pid, producerEpoch: 0, baseSequence: seq }));

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'samsa-pstate-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the newest snapshot plus the batch headers after it; a torn one falls back; one past the log end is deleted', () => {
    const log = open();
    const first = ProducerStateManager.load(log, opts(), now, false);
    assert.equal(first.producerCount, 0);
    append(log, 1, 0, 3);
    append(log, 2, 0, 2);
    // What a roll writes: the state of everything below the offset.
    const state = ProducerStateManager.load(log, opts(), now, false);
    assert.equal(listProducerSnapshots(realFs, dir).at(-1), 5, 'a load that walked the log leaves a snapshot at its end');
    append(log, 1, 3, 4);
    state.update(1, 0, meta(3, 4, 5, now));
    writeProducerSnapshot(realFs, dir, 50, state.snapshotEntries(), false);
    log.close();

    const reopened = open();
    const m = ProducerStateManager.load(reopened, opts(), now, false);
    assert.deepEqual(listProducerSnapshots(realFs, dir).includes(50), false, 'past the log end (9): written before a crash lost what it covered');
    // The snapshot at 5 holds each producer's last batch (Kafka's format); the log after it adds the rest.
    assert.deepEqual(m.entry(1)!.batches.map((b) => [b.firstSeq, b.lastSeq, b.firstOffset, b.lastOffset]), [[0, 2, 0, 2], [3, 6, 5, 8]]);
    assert.equal(m.checkClientBatch(1, 0, 3, 6, 9).kind, 'duplicate');
    assert.equal(m.checkClientBatch(2, 0, 0, 1, 9).kind, 'duplicate');

    const newest = listProducerSnapshots(realFs, dir).at(-1)!;
    writeFileSync(join(dir, `${String(newest).padStart(20, '0')}.snapshot`), 'garbage');
    const fallback = ProducerStateManager.load(reopened, opts(), now, false);
    assert.equal(fallback.checkClientBatch(1, 0, 3, 6, 9).kind, 'duplicate');
    assert.equal(fallback.checkClientBatch(1, 0, 7, 7, 9), APPEND);
    reopened.close();
  });

  test('a clean start without any snapshot starts empty at the log end instead of walking the log', () => {
    for (const n of readdirSync(dir)) if (n.endsWith('.snapshot')) rmSync(join(dir, n));
    const log = open();
    assert.equal(ProducerStateManager.load(log, opts(), now, true).producerCount, 0);
    assert.deepEqual(listProducerSnapshots(realFs, dir), [9]);
    log.close();
  });

  test('producers expired by the time of the load are not loaded, from a snapshot or from the log', () => {
    for (const n of readdirSync(dir)) if (n.endsWith('.snapshot')) rmSync(join(dir, n));
    const log = open();
    assert.equal(ProducerStateManager.load(log, opts(), now + DAY, false).producerCount, 0, 'walked');
    for (const n of readdirSync(dir)) if (n.endsWith('.snapshot')) rmSync(join(dir, n));
    assert.equal(ProducerStateManager.load(log, opts(), now, false).producerCount, 2);
    assert.equal(ProducerStateManager.load(log, opts(), now + DAY - 1, false).producerCount, 2, 'from the snapshot');
    assert.equal(ProducerStateManager.load(log, opts(), now + DAY, false).producerCount, 0, 'from the snapshot');
    log.close();
  });
});
