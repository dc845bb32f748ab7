// Idempotent produce over the raw protocol, against a broker process: InitProducerId, the sequence
// checks of each partition (duplicates answered with their original offsets and stored once, gaps
// and old epochs refused), DescribeProducers, and the producer state surviving SIGKILL, clean
// restarts and an unreadable snapshot.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteRecords, DescribeProducers, InitProducerId } from '../../src/protocol/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { buildBatch } from '../../src/record/builder.js';
import { BrokerProcess } from '../helpers/broker-process.js';
import { WireClient, createTopic, listOffsets, produceBatch, readAll } from '../helpers/wire-client.js';

// Recent: a producer whose last batch is older than producer.id.expiration.ms (a day) is forgotten.
const TS = Date.now() - 60_000;

async function initProducerId(c: WireClient, version = 4, body: Partial<{ transactionalId: string | null; producerId: number; producerEpoch: number }> = {}) {
  return c.request(InitProducerId, version, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1, ...body });
}

/** A batch of `count` records "<seq>".."<seq+count-1>" from producer `pid` at `epoch`, starting at sequence `seq`. */
function batch(pid: number, epoch: number, seq: number, count: number): Buffer {
  return buildBatch(Array.from({ length: count }, (_, i) => ({ value: String(seq + i), timestamp: TS + seq + i })), { producerId: pid, producerEpoch: epoch, baseSequence: seq });
}

async function describeProducers(c: WireClient, topic: string, partitions: number[]) {
  const r = await c.request(DescribeProducers, 0, { topics: [{ name: topic, partitionIndexes: partitions }] });
  return r.topics[0]!.partitions;
}

const values = async (c: WireClient, topic: string) => (await readAll(c, topic, 0)).map((r) => r.value);

describe('idempotent produce', () => {
  let broker: BrokerProcess;
  let c: WireClient;

  before(async () => {
    broker = await BrokerProcess.start();
    c = await WireClient.connect(broker.bootstrap);
  });

  after(() => {
    c?.close();
    broker?.cleanup();
  });

  test('InitProducerId v0-5: a new producer id at epoch 0 every time without a transactional id', async () => {
    const ids: number[] = [];
    for (let v = 0; v <= 5; v++) {
      const r = await initProducerId(c, v);
      assert.equal(r.errorCode, ErrorCode.NONE, `v${v}`);
      assert.equal(r.producerEpoch, 0);
      ids.push(r.producerId);
    }
    // v3+ naming the current id and epoch still gets a new id, as Kafka answers a null transactional id.
    const named = await initProducerId(c, 4, { producerId: ids[5]!, producerEpoch: 0 });
    assert.equal(named.errorCode, ErrorCode.NONE);
    ids.push(named.producerId);
    assert.equal(new Set(ids).size, ids.length, `ids repeat: ${ids}`);
    // A transactional id keeps its producer id, and each InitProducerId bumps its epoch.
    const txn = await initProducerId(c, 4, { transactionalId: 'txn-1' });
    assert.deepEqual({ errorCode: txn.errorCode, producerEpoch: txn.producerEpoch }, { errorCode: ErrorCode.NONE, producerEpoch: 0 });
    assert.ok(!ids.includes(txn.producerId));
    assert.deepEqual(await initProducerId(c, 4, { transactionalId: 'txn-1' }), { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: 1 });
    assert.equal((await initProducerId(c, 4, { transactionalId: '' })).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal((await initProducerId(c, 3, { producerId: 7 })).errorCode, ErrorCode.INVALID_REQUEST);
  });

  test('the same batch sent twice is stored once and both answers carry its offset', async () => {
    assert.equal(await createTopic(c, 'dup', 1), 0);
    const { producerId } = await initProducerId(c);
    const first = await produceBatch(c, 'dup', 0, batch(producerId, 0, 0, 5));
    const again = await produceBatch(c, 'dup', 0, batch(producerId, 0, 0, 5));
    assert.equal(first.errorCode, ErrorCode.NONE);
    assert.equal(again.errorCode, ErrorCode.NONE);
    assert.equal(first.baseOffset, 0);
    assert.equal(again.baseOffset, 0);
    // Kafka answers a duplicate with the stored batch's timestamp as its log append time.
    assert.equal(first.logAppendTimeMs, -1);
    assert.equal(again.logAppendTimeMs, TS + 4);
    assert.equal((await produceBatch(c, 'dup', 0, batch(producerId, 0, 5, 3))).baseOffset, 5);
    assert.equal((await produceBatch(c, 'dup', 0, batch(producerId, 0, 0, 5))).baseOffset, 0, 'still one of the last five');
    assert.deepEqual(await listOffsets(c, 'dup', [0]), [8]);
    assert.deepEqual(await values(c, 'dup'), ['0', '1', '2', '3', '4', '5', '6', '7']);
  });

  test('each of the last five batches is recognised; an older retry and a gap are OUT_OF_ORDER_SEQUENCE_NUMBER, nothing stored', async () => {
    assert.equal(await createTopic(c, 'window', 1), 0);
    const { producerId } = await initProducerId(c);
    for (let i = 0; i < 7; i++) assert.equal((await produceBatch(c, 'window', 0, batch(producerId, 0, i * 2, 2))).baseOffset, i * 2);
    for (let i = 2; i < 7; i++) {
      const r = await produceBatch(c, 'window', 0, batch(producerId, 0, i * 2, 2));
      assert.deepEqual([r.errorCode, r.baseOffset], [ErrorCode.NONE, i * 2], `batch ${i}`);
    }
    const tooOld = await produceBatch(c, 'window', 0, batch(producerId, 0, 2, 2));
    assert.equal(tooOld.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const gap = await produceBatch(c, 'window', 0, batch(producerId, 0, 15, 1));
    assert.equal(gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.match(gap.errorMessage ?? '', /15 \(incoming seq\. number\), 13 \(current end sequence number\)/);
    assert.deepEqual(await listOffsets(c, 'window', [0]), [14]);
    assert.equal((await produceBatch(c, 'window', 0, batch(producerId, 0, 14, 1))).baseOffset, 14);
  });

  test('an older epoch is INVALID_PRODUCER_EPOCH; a newer one starts again at sequence 0', async () => {
    assert.equal(await createTopic(c, 'epochs', 1), 0);
    const { producerId } = await initProducerId(c);
    assert.equal((await produceBatch(c, 'epochs', 0, batch(producerId, 3, 0, 2))).errorCode, ErrorCode.NONE);
    assert.equal((await produceBatch(c, 'epochs', 0, batch(producerId, 2, 2, 1))).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal((await produceBatch(c, 'epochs', 0, batch(producerId, 4, 2, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'a new epoch starts at 0');
    assert.equal((await produceBatch(c, 'epochs', 0, batch(producerId, 4, 0, 1))).baseOffset, 2);
    assert.equal((await produceBatch(c, 'epochs', 0, batch(producerId, 3, 2, 1))).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.deepEqual(await listOffsets(c, 'epochs', [0]), [3]);
  });

  test('a producer the partition has no state for is accepted at any sequence (KIP-360); a batch without a sequence is INVALID_RECORD', async () => {
    assert.equal(await createTopic(c, 'unknown-pid', 1), 0);
    assert.equal((await produceBatch(c, 'unknown-pid', 0, batch(999_999, 0, 41, 2))).baseOffset, 0);
    assert.equal((await produceBatch(c, 'unknown-pid', 0, batch(999_999, 0, 43, 1))).baseOffset, 2);
    const noSeq = buildBatch([{ value: 'x' }], { producerId: 999_998, producerEpoch: 0, baseSequence: -1 });
    assert.equal((await produceBatch(c, 'unknown-pid', 0, noSeq)).errorCode, ErrorCode.INVALID_RECORD);
    // Without a producer id nothing is checked.
    assert.equal((await produceBatch(c, 'unknown-pid', 0, buildBatch([{ value: 'plain' }]))).baseOffset, 3);
    assert.equal((await produceBatch(c, 'unknown-pid', 0, buildBatch([{ value: 'plain' }]))).baseOffset, 4);
  });

  test('DescribeProducers lists each producer with its epoch, last sequence and last timestamp', async () => {
    assert.equal(await createTopic(c, 'described', 2), 0);
    const a = (await initProducerId(c)).producerId;
    const b = (await initProducerId(c)).producerId;
    await produceBatch(c, 'described', 0, batch(a, 0, 0, 3));
    await produceBatch(c, 'described', 0, batch(b, 1, 0, 1));
    await produceBatch(c, 'described', 1, batch(a, 0, 0, 2));
    const [p0, p1, p9] = await describeProducers(c, 'described', [0, 1, 9]);
    assert.deepEqual([p0!.errorCode, p1!.errorCode, p9!.errorCode], [0, 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    const row = (producerId: number, producerEpoch: number, lastSequence: number, lastTimestamp: number) => ({ producerId, producerEpoch, lastSequence, lastTimestamp, coordinatorEpoch: -1, currentTxnStartOffset: -1 });
    assert.deepEqual([...p0!.activeProducers].sort((x, y) => x.producerId - y.producerId), [row(a, 0, 2, TS + 2), row(b, 1, 0, TS)]);
    assert.deepEqual(p1!.activeProducers, [row(a, 0, 1, TS + 1)]);
    const [missing] = await describeProducers(c, 'no-such-topic', [0]);
    assert.equal(missing!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const [invalid] = await describeProducers(c, 'bad name!', [0]);
    assert.equal(invalid!.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  });

  test('DeleteRecords past a producer\'s batches forgets it; its next batch is accepted wherever its sequence is', async () => {
    assert.equal(await createTopic(c, 'deleted', 1), 0);
    const { producerId } = await initProducerId(c);
    await produceBatch(c, 'deleted', 0, batch(producerId, 0, 0, 4));
    const other = (await initProducerId(c)).producerId;
    await produceBatch(c, 'deleted', 0, batch(other, 0, 0, 1));
    const del = await c.request(DeleteRecords, 2, { topics: [{ name: 'deleted', partitions: [{ partitionIndex: 0, offset: 4 }] }], timeoutMs: 10_000 });
    assert.equal(del.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
    const [p] = await describeProducers(c, 'deleted', [0]);
    assert.deepEqual(p!.activeProducers.map((x) => x.producerId), [other]);
    assert.equal((await produceBatch(c, 'deleted', 0, batch(producerId, 0, 10, 1))).baseOffset, 5);
  });
});

describe('idempotent producer state across restarts', () => {
  let broker: BrokerProcess;
  let c: WireClient;
  let pid = -1;
  const sent: Buffer[] = [];

  before(async () => {
    broker = await BrokerProcess.start();
    c = await WireClient.connect(broker.bootstrap);
  });

  after(() => {
    c?.close();
    broker?.cleanup();
  });

  async function restart(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    c.close();
    await broker.kill(signal);
    await broker.restart();
    c = await WireClient.connect(broker.bootstrap);
  }

  test('after SIGKILL, retries of the last five batches are still duplicates and the sequence goes on', async () => {
    assert.equal(await createTopic(c, 'crash', 1), 0);
    pid = (await initProducerId(c)).producerId;
    for (let i = 0; i < 8; i++) {
      sent.push(batch(pid, 0, i * 3, 3));
      assert.equal((await produceBatch(c, 'crash', 0, sent[i]!)).baseOffset, i * 3);
    }
    await restart('SIGKILL');
    for (let i = 3; i < 8; i++) {
      const r = await produceBatch(c, 'crash', 0, sent[i]!);
      assert.deepEqual([r.errorCode, r.baseOffset], [ErrorCode.NONE, i * 3], `retry of batch ${i} after the crash`);
    }
    assert.equal((await produceBatch(c, 'crash', 0, batch(pid, 0, 25, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal((await produceBatch(c, 'crash', 0, batch(pid, 0, 24, 1))).baseOffset, 24);
    assert.equal((await values(c, 'crash')).length, 25);
  });

  test('InitProducerId after SIGKILL never hands out an id given before', async () => {
    const next = (await initProducerId(c)).producerId;
    assert.ok(next > pid && next >= 1000, `${next} after ${pid}: a fresh block`);
  });

  test('with rolled segments: the newest snapshot plus the log after it; clean restarts keep the state too', async () => {
    assert.equal(await createTopic(c, 'rolled', 1, { 'segment.bytes': '600' }), 0);
    const p = (await initProducerId(c)).producerId;
    const batches = Array.from({ length: 12 }, (_, i) => batch(p, 0, i * 4, 4));
    for (let i = 0; i < batches.length; i++) assert.equal((await produceBatch(c, 'rolled', 0, batches[i]!)).baseOffset, i * 4);
    const dir = join(broker.dataDir, 'rolled-0');
    const snapshots = () => readdirSync(dir).filter((n) => n.endsWith('.snapshot'));
    assert.ok(snapshots().length > 0, 'segment rolls wrote snapshots');
    await restart('SIGKILL');
    for (let i = 7; i < 12; i++) assert.equal((await produceBatch(c, 'rolled', 0, batches[i]!)).baseOffset, i * 4, `retry of batch ${i}`);
    await restart('SIGTERM');
    assert.ok(snapshots().includes('00000000000000000048.snapshot'), `a snapshot at the log end: ${snapshots()}`);
    // Kafka's snapshot keeps each producer's last batch: that retry is still recognised.
    assert.equal((await produceBatch(c, 'rolled', 0, batches[11]!)).baseOffset, 44);
    assert.equal((await produceBatch(c, 'rolled', 0, batch(p, 0, 49, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal((await produceBatch(c, 'rolled', 0, batch(p, 0, 48, 2))).baseOffset, 48);
  });

  test('an unreadable newest snapshot is skipped: an older one and the log give the same state', async () => {
    assert.equal(await createTopic(c, 'torn', 1), 0);
    const p = (await initProducerId(c)).producerId;
    const batches = Array.from({ length: 4 }, (_, i) => batch(p, 0, i * 2, 2));
    for (const b of batches) await produceBatch(c, 'torn', 0, b);
    c.close();
    await broker.stop();
    const dir = join(broker.dataDir, 'torn-0');
    const newest = readdirSync(dir).filter((n) => n.endsWith('.snapshot')).sort().at(-1)!;
    assert.equal(newest, '00000000000000000008.snapshot');
    writeFileSync(join(dir, newest), Buffer.from('torn by a crash'));
    await broker.restart();
    c = await WireClient.connect(broker.bootstrap);
    for (let i = 0; i < 4; i++) assert.equal((await produceBatch(c, 'torn', 0, batches[i]!)).baseOffset, i * 2, `retry of batch ${i}`);
    assert.equal((await produceBatch(c, 'torn', 0, batch(p, 0, 8, 1))).baseOffset, 8);
  });
});
