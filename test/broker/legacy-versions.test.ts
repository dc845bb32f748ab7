// The oldest versions of each API, as Kafka 3.9 serves them: advertised from v0, with each
// version's own semantics (Produce v0-2 message sets up-converted, Fetch v0-3 down-converted,
// ListOffsets v0's offset lists, OffsetCommit v0/v1 and OffsetFetch v0, Metadata v0).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../helpers/broker-process.js';
import { WireClient, createTopic, readAll } from '../helpers/wire-client.js';
import { ApiVersions, Fetch, ListOffsets, Metadata, OffsetCommit, OffsetFetch, Produce } from '../../src/protocol/messages/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { writeInt64 } from '../../src/record/batch-header.js';
import { crc32 } from '../../src/record/legacy.js';
import { compress, decompress } from '../../src/record/compression.js';

/** A v0/v1 message (offset, size, crc, magic, attributes, [timestamp], key, value). */
function message(magic: 0 | 1, offset: number, key: string | null, value: Buffer | string | null, timestamp = -1, attributes = 0): Buffer {
  const k = key === null ? null : Buffer.from(key);
  const v = value === null ? null : Buffer.from(value);
  const size = (magic === 0 ? 14 : 22) + (k?.length ?? 0) + (v?.length ?? 0);
  const b = Buffer.alloc(12 + size);
  writeInt64(b, 0, offset);
  b.writeInt32BE(size, 8);
  b[16] = magic;
  b[17] = attributes;
  let pos = 18;
  if (magic === 1) {
    writeInt64(b, pos, timestamp);
    pos += 8;
  }
  for (const f of [k, v]) {
    b.writeInt32BE(f === null ? -1 : f.length, pos);
    pos += 4;
    if (f !== null) pos += f.copy(b, pos);
  }
  b.writeUInt32BE(crc32(b.subarray(16)), 12);
  return b;
}

/** The messages of a v0/v1 message set (whole ones), wrappers opened. */
interface Message { offset: number; magic: number; attributes: number; timestamp: number; key: string | null; value: string | null; wrapper?: number }
function messages(set: Buffer): Message[] {
  const out: Message[] = [];
  let pos = 0;
  while (pos + 12 <= set.length) {
    const size = set.readInt32BE(pos + 8);
    if (pos + 12 + size > set.length) break;
    const m = set.subarray(pos + 12, pos + 12 + size);
    assert.equal(crc32(m.subarray(4)), m.readUInt32BE(0), 'message CRC');
    const magic = m[4]!;
    let at = magic === 1 ? 14 : 6;
    const field = () => {
      const len = m.readInt32BE(at);
      at += 4;
      if (len < 0) return null;
      at += len;
      return m.subarray(at - len, at);
    };
    const key = field();
    const value = field();
    const codec = m[5]! & 0x07;
    if (codec !== 0) {
      // A wrapper: its inner offsets are absolute in magic 0, relative to the last in magic 1.
      const inner = messages(decompress(codec as 1 | 2 | 3, value!));
      const last = Number(set.readBigInt64BE(pos));
      const base = magic === 1 ? last - inner.at(-1)!.offset : 0;
      for (const i of inner) out.push({ ...i, offset: i.offset + base, wrapper: codec });
      pos += 12 + size;
      continue;
    }
    out.push({ offset: Number(set.readBigInt64BE(pos)), magic, attributes: m[5]!, timestamp: magic === 1 ? Number(m.readBigInt64BE(6)) : -1, key: key?.toString() ?? null, value: value?.toString() ?? null });
    pos += 12 + size;
  }
  return out;
}

describe('legacy API versions', () => {
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

  const produce = (version: number, topic: string, records: Buffer) =>
    wire.request(Produce, version, { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });

  const fetch = async (version: number, topic: string, fetchOffset: number, partitionMaxBytes = 1 << 20) => {
    const r = await wire.request(Fetch, version, {
      clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 24,
      isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
      forgottenTopicsData: [], rackId: '',
    });
    return r.responses[0]!.partitions[0]!;
  };

  test('ApiVersions advertises every served API from v0, as Kafka 3.9', async () => {
    const r = await wire.request(ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    const min = new Map(r.apiKeys.map((k) => [k.apiKey, k.minVersion]));
    for (const key of [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 22, 23, 32, 33, 35, 37, 42]) assert.equal(min.get(key), 0, `API ${key} from v0`);
  });

  test('Produce v0 and v2 up-convert message sets; Fetch v0 and v2 read them back as magic 0 and 1', async () => {
    assert.equal(await createTopic(wire, 'legacy-produce', 1), 0);
    const v0 = await produce(0, 'legacy-produce', Buffer.concat([message(0, 0, 'a', 'one'), message(0, 0, null, 'two')]));
    assert.deepEqual(v0.responses[0]!.partitionResponses.map((p) => [p.errorCode, p.baseOffset]), [[0, 0]]);
    // A gzip v1 wrapper of three messages (relative inner offsets), then a plain v1 message.
    const inner = Buffer.concat([message(1, 0, 'c', 'three', 1000), message(1, 1, 'd', null, 1001), message(1, 2, 'e', 'five', 1002)]);
    const v2 = await produce(2, 'legacy-produce', Buffer.concat([message(1, 2, null, compress('gzip', inner), 1002, 1), message(1, 0, 'f', 'six', 1003)]));
    assert.deepEqual(v2.responses[0]!.partitionResponses.map((p) => [p.errorCode, p.baseOffset, p.logAppendTimeMs]), [[0, 2, -1]]);

    // A v2 consumer sees the records up-converted: offsets dense, v0 without timestamps.
    const stored = await readAll(wire, 'legacy-produce', 0);
    assert.deepEqual(stored.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null, r.timestamp]), [
      [0, 'a', 'one', -1], [1, null, 'two', -1], [2, 'c', 'three', 1000], [3, 'd', null, 1001], [4, 'e', 'five', 1002], [5, 'f', 'six', 1003],
    ]);

    const f0 = await fetch(0, 'legacy-produce', 1);
    assert.equal(f0.errorCode, 0);
    assert.equal(f0.highWatermark, 6);
    // The gzip batch goes out as a gzip wrapper of magic 0 messages.
    assert.deepEqual(messages(f0.records as Buffer).map((m) => [m.offset, m.magic, m.key, m.value, m.wrapper ?? 0]), [
      [1, 0, null, 'two', 0], [2, 0, 'c', 'three', 1], [3, 0, 'd', null, 1], [4, 0, 'e', 'five', 1], [5, 0, 'f', 'six', 1],
    ]);
    const f2 = await fetch(2, 'legacy-produce', 0);
    assert.deepEqual(messages(f2.records as Buffer).map((m) => [m.offset, m.magic, m.timestamp]), [[0, 1, -1], [1, 1, -1], [2, 1, 1000], [3, 1, 1001], [4, 1, 1002], [5, 1, 1003]]);
  });

  test('LogAppendTime topics stamp up-converted messages; v1 readers get the time and the attribute', async () => {
    assert.equal(await createTopic(wire, 'legacy-append-time', 1, { 'message.timestamp.type': 'LogAppendTime' }), 0);
    const before = Date.now();
    const r = await produce(2, 'legacy-append-time', Buffer.concat([message(1, 0, 'k', 'v', 5), message(1, 1, 'k', 'w', 6)]));
    const p = r.responses[0]!.partitionResponses[0]!;
    assert.equal(p.errorCode, 0);
    assert.ok(p.logAppendTimeMs >= before && p.logAppendTimeMs <= Date.now(), 'Produce v2 answers the append time');
    const f = await fetch(3, 'legacy-append-time', 0);
    assert.deepEqual(messages(f.records as Buffer).map((m) => [m.offset, m.timestamp, m.attributes & 0x08]), [[0, p.logAppendTimeMs, 8], [1, p.logAppendTimeMs, 8]]);
  });

  test('Fetch v0-2 hold to partition_max_bytes (a partial message when the first is larger); v3 sends the first whole', async () => {
    assert.equal(await createTopic(wire, 'legacy-limits', 1), 0);
    const big = 'x'.repeat(3000);
    assert.equal((await produce(2, 'legacy-limits', Buffer.concat([message(1, 0, 'a', big, 1), message(1, 1, 'b', big, 2), message(1, 2, 'c', 'small', 3)]))).responses[0]!.partitionResponses[0]!.errorCode, 0);
    const v1 = await fetch(1, 'legacy-limits', 0, 1000);
    assert.equal((v1.records as Buffer).length, 1000);
    assert.deepEqual(messages(v1.records as Buffer), []);
    const v3 = await fetch(3, 'legacy-limits', 0, 1000);
    assert.deepEqual(messages(v3.records as Buffer).map((m) => m.offset), [0]);
    const all = await fetch(2, 'legacy-limits', 1, 7000);
    assert.deepEqual(messages(all.records as Buffer).map((m) => [m.offset, m.value?.length]), [[1, 3000], [2, 5]]);
  });

  test('message.downconversion.enable=false: Fetch v0-3 get UNSUPPORTED_VERSION, v4+ read as before', async () => {
    assert.equal(await createTopic(wire, 'legacy-no-downconvert', 1, { 'message.downconversion.enable': 'false' }), 0);
    assert.equal((await produce(1, 'legacy-no-downconvert', message(0, 0, 'a', 'b'))).responses[0]!.partitionResponses[0]!.errorCode, 0);
    assert.equal((await fetch(3, 'legacy-no-downconvert', 0)).errorCode, ErrorCode.UNSUPPORTED_VERSION);
    const v4 = await fetch(4, 'legacy-no-downconvert', 0);
    assert.equal(v4.errorCode, 0);
    assert.ok((v4.records as Buffer).length > 0);
  });

  test('Produce v2 refuses a corrupt message set with CORRUPT_MESSAGE and writes nothing', async () => {
    assert.equal(await createTopic(wire, 'legacy-corrupt', 1), 0);
    const bad = message(1, 0, 'a', 'b', 1);
    bad[bad.length - 1] ^= 1;
    assert.equal((await produce(2, 'legacy-corrupt', bad)).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.deepEqual(await readAll(wire, 'legacy-corrupt', 0, 0, 500).catch(() => []), []);
  });

  test('ListOffsets v0 answers offset lists: latest, earliest, max_num_offsets', async () => {
    assert.equal(await createTopic(wire, 'legacy-offsets', 1), 0);
    assert.equal((await produce(1, 'legacy-offsets', Buffer.concat([message(0, 0, null, '1'), message(0, 0, null, '2'), message(0, 0, null, '3')]))).responses[0]!.partitionResponses[0]!.errorCode, 0);
    const list = async (timestamp: number, maxNumOffsets: number) => {
      const r = await wire.request(ListOffsets, 0, {
        replicaId: -1, isolationLevel: 0, timeoutMs: 0,
        topics: [{ name: 'legacy-offsets', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets }] }],
      });
      const p = r.topics[0]!.partitions[0]!;
      assert.equal(p.errorCode, 0);
      return p.oldStyleOffsets;
    };
    assert.deepEqual(await list(-1, 1), [3]);
    assert.deepEqual(await list(-1, 10), [3, 0], 'the log end, then the segment bases, highest first');
    assert.deepEqual(await list(-2, 1), [0]);
    assert.deepEqual(await list(0, 5), [], 'nothing was written before the epoch');
  });

  test('OffsetCommit v0 and v1 store offsets that OffsetFetch v0 reads; Metadata v0 lists every topic for an empty list', async () => {
    assert.equal(await createTopic(wire, 'legacy-commit', 2), 0);
    const c0 = await wire.request(OffsetCommit, 0, {
      groupId: 'legacy-group', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
      topics: [{ name: 'legacy-commit', partitions: [{ partitionIndex: 0, committedOffset: 7, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: 'zero' }] }],
    });
    assert.deepEqual(c0.topics[0]!.partitions, [{ partitionIndex: 0, errorCode: 0 }]);
    const c1 = await wire.request(OffsetCommit, 1, {
      groupId: 'legacy-group', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
      topics: [{ name: 'legacy-commit', partitions: [{ partitionIndex: 1, committedOffset: 9, committedLeaderEpoch: -1, commitTimestamp: 1_650_000_000_000, committedMetadata: null }] }],
    });
    assert.deepEqual(c1.topics[0]!.partitions, [{ partitionIndex: 1, errorCode: 0 }]);
    const f = await wire.request(OffsetFetch, 0, { groupId: 'legacy-group', topics: [{ name: 'legacy-commit', partitionIndexes: [0, 1] }], groups: [], requireStable: false });
    assert.deepEqual(f.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata, p.errorCode]), [[0, 7, 'zero', 0], [1, 9, '', 0]]);

    const m = await wire.request(Metadata, 0, { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    const names = m.topics.map((t) => t.name);
    for (const t of ['legacy-commit', 'legacy-offsets', 'legacy-produce']) assert.ok(names.includes(t), `${t} listed`);
  });
});
