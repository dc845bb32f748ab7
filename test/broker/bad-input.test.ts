// Bad input against one broker process: each case gets Kafka's error code or a closed
// connection; another connection keeps being served; no log is altered; the broker survives.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../helpers/broker-process.js';
import { WireClient, createTopic, fetchPartition, listOffsets, produceBatch, readAll, type ReadRecord } from '../helpers/wire-client.js';
import { ApiVersions, CreateTopics, Metadata, Produce, encodeRequest } from '../../src/protocol/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { buildBatch } from '../../src/record/builder.js';
import { RECORDS } from '../../src/record/batch-header.js';

const TOPIC = 'victim';
const MAX_MESSAGE = 16 * 1024;

/** Deterministic PRNG (xorshift32) so that "random" inputs are reproducible. */
function prng(seed: number): (n: number) => Buffer {
  let x = seed >>> 0 || 1;
  return (n) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      b[i] = x & 0xff;
    }
    return b;
  };
}

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

describe('bad input', () => {
  let broker: BrokerProcess;
  /** Opened before the tests and used after each one: it must keep being served. */
  let other: WireClient;
  let baseline: { ends: number[]; data: ReadRecord[][]; topics: string[] };

  const apiVersions = (c: WireClient, version = 3) =>
    c.request(ApiVersions, version, { clientSoftwareName: 'samsa-test', clientSoftwareVersion: '1' });
  const metadata = (c: WireClient, topics: string[] | null, allowAutoTopicCreation = false) =>
    c.request(Metadata, 12, {
      topics: topics === null ? null : topics.map((name) => ({ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name })),
      allowAutoTopicCreation,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });

  async function snapshot(c: WireClient) {
    const ends = await listOffsets(c, TOPIC, [0, 1]);
    const data = [await readAll(c, TOPIC, 0), await readAll(c, TOPIC, 1)];
    const topics = (await metadata(c, null)).topics.map((t) => t.name!).sort();
    return { ends, data, topics };
  }

  /** Fresh connection for one case. */
  const connect = () => WireClient.connect(broker.bootstrap);

  before(async () => {
    broker = await BrokerProcess.start({ settings: { 'message.max.bytes': String(MAX_MESSAGE) } });
    other = await connect();
    assert.equal(await createTopic(other, TOPIC, 2), 0);
    for (let p = 0; p < 2; p++) {
      for (let b = 0; b < 3; b++) {
        const r = await produceBatch(other, TOPIC, p, buildBatch(Array.from({ length: 5 }, (_, i) => ({ key: `k${b * 5 + i}`, value: `p${p} v${b * 5 + i}` }))));
        assert.equal(r.errorCode, 0);
      }
    }
    baseline = await snapshot(other);
    assert.deepEqual(baseline.ends, [15, 15]);
  });

  afterEach(async () => {
    assert.ok(broker.running, 'the broker is still running');
    // The long-lived connection is still served, and nothing changed.
    assert.equal((await apiVersions(other)).errorCode, 0);
    assert.deepEqual(await snapshot(other), baseline);
  });

  after(() => {
    other?.close();
    broker?.cleanup();
  });

  test('random bytes close the connection', async () => {
    const rand = prng(0x5a45a);
    // Unframed noise, with a first int32 that is not a plausible size.
    const c = await connect();
    c.writeRaw(Buffer.concat([Buffer.from([0xc3, 0x11, 0x22, 0x33]), rand(4096)]));
    assert.equal(await c.waitClosed(), true);
    // Well-sized frames of noise: the header or body cannot decode.
    for (let i = 0; i < 10; i++) {
      const c2 = await connect();
      const body = rand(50 + i * 37);
      c2.writeRaw(Buffer.concat([int32(body.length), body]));
      assert.equal(await c2.waitClosed(), true, `noise frame ${i}`);
    }
  });

  test('a negative frame size closes the connection', async () => {
    const c = await connect();
    c.writeRaw(Buffer.concat([int32(-2), Buffer.alloc(16)]));
    assert.equal(await c.waitClosed(), true);
  });

  test('a huge frame size (over socket.request.max.bytes) closes the connection', async () => {
    for (const size of [0x7fffffff, 100 * 1024 * 1024 + 1]) {
      const c = await connect();
      c.writeRaw(Buffer.concat([int32(size), Buffer.alloc(64)]));
      assert.equal(await c.waitClosed(), true, `size ${size}`);
    }
  });

  test('a truncated frame: a cut-short request closes the connection, and so does a half-sent frame at EOF', async () => {
    const { frame } = other.encode(Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: buildBatch([{ value: 'never stored' }]) }] }],
    });
    // A complete frame whose request stops 20 bytes early.
    const c = await connect();
    const cut = frame.subarray(4, frame.length - 20);
    c.writeRaw(Buffer.concat([int32(cut.length), cut]));
    assert.equal(await c.waitClosed(), true);
    // Half a frame, then the client closes its side.
    const c2 = await connect();
    c2.socket.end(frame.subarray(0, Math.floor(frame.length / 2)));
    assert.equal(await c2.waitClosed(), true);
  });

  test('an unknown API key closes the connection', async () => {
    const c = await connect();
    // A Metadata request relabelled with key 999.
    const { frame } = c.encode(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    frame.writeInt16BE(999, 4);
    c.writeRaw(frame);
    assert.equal(await c.waitClosed(), true);
  });

  test('an unsupported version: ApiVersions answers v0 with UNSUPPORTED_VERSION (KIP-511), other APIs close', async () => {
    const c = await connect();
    const { frame, correlationId } = c.encode(ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
    frame.writeInt16BE(99, 6);
    const r = await c.expect(ApiVersions, 0, correlationId, frame);
    assert.equal(r.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    const produce = r.apiKeys.find((k) => k.apiKey === 0);
    assert.ok(produce && produce.maxVersion >= 9, 'the ranges are included');
    // The connection stays usable after KIP-511's answer.
    assert.equal((await apiVersions(c)).errorCode, 0);
    c.close();

    const c2 = await connect();
    const m = c2.encode(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    m.frame.writeInt16BE(99, 6);
    c2.writeRaw(m.frame);
    assert.equal(await c2.waitClosed(), true);
  });

  test('a batch with a bad CRC gets CORRUPT_MESSAGE', async () => {
    const c = await connect();
    const batch = buildBatch([{ key: 'k', value: 'tampered with after the CRC was computed' }]);
    batch[RECORDS + 10]! ^= 0xff;
    const r = await produceBatch(c, TOPIC, 0, batch);
    assert.equal(r.errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.equal(r.baseOffset, -1);
    c.close();
  });

  test('an acks=0 produce of a bad batch closes the connection (there is no response to carry the error)', async () => {
    const c = await connect();
    const batch = buildBatch([{ key: 'k', value: 'bad crc, nobody is listening' }]);
    batch[RECORDS + 5]! ^= 0xff;
    const { frame } = c.encode(Produce, 9, { transactionalId: null, acks: 0, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: batch }] }] });
    c.writeRaw(frame);
    assert.equal(await c.waitClosed(), true);
  });

  test('a record larger than message.max.bytes gets MESSAGE_TOO_LARGE', async () => {
    const c = await connect();
    const r = await produceBatch(c, TOPIC, 1, buildBatch([{ key: 'big', value: Buffer.alloc(MAX_MESSAGE + 1, 0x61) }]));
    assert.equal(r.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
    c.close();
  });

  test('an invalid topic name gets INVALID_TOPIC_EXCEPTION and creates nothing', async () => {
    const c = await connect();
    const names = ['bad name!', 'a/b', '..', 'x'.repeat(250), ''];
    const created = await c.request(CreateTopics, 7, {
      topics: names.map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })),
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.deepEqual(created.topics.map((t) => [t.name, t.errorCode]), names.map((n) => [n, ErrorCode.INVALID_TOPIC_EXCEPTION]));
    // Metadata with auto-creation allowed does not create it either.
    const md = await metadata(c, ['bad*name'], true);
    assert.deepEqual(md.topics.map((t) => [t.name, t.errorCode]), [['bad*name', ErrorCode.INVALID_TOPIC_EXCEPTION]]);
    c.close();
  });

  test('a fetch at an offset out of range gets OFFSET_OUT_OF_RANGE', async () => {
    const c = await connect();
    for (const offset of [16, 1_000_000, -5]) {
      const d = await fetchPartition(c, TOPIC, 0, offset);
      assert.equal(d.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset}`);
      assert.equal(d.highWatermark, 15);
    }
    // The end offset itself is in range (nothing to return yet).
    const atEnd = await fetchPartition(c, TOPIC, 0, 15);
    assert.equal(atEnd.errorCode, 0);
    c.close();
  });
});
