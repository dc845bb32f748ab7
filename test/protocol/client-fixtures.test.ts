// Request frames captured from real clients (test/fixtures/clients/, see its README): every one
// decodes with our definitions to sane values, its record batches hold exactly the records the
// capture sent, and re-encoding the decoded header + body gives back the client's bytes exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ALL_APIS, decodeRequest, encodeRequest, type ApiSpec } from '../../src/protocol/index.js';
import { batchMagic, batchSize, isBatchCrcValid, batchAttributes, COMPRESSION_MASK } from '../../src/record/batch-header.js';
import { iterateRecords } from '../../src/record/records.js';
import { codecName, type CompressionCodec } from '../../src/record/compression.js';

// Works from test/protocol and from the compiled dist/test/protocol.
const dir = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../test/fixtures/clients/' : '../fixtures/clients/', import.meta.url));

const CLIENTS = ['kcat', 'confluent', 'kafka-python', 'kafkajs'] as const;
type Client = (typeof CLIENTS)[number];
const NAME = /^(kcat|confluent|kafka-python|kafkajs)-([A-Za-z]+)-v(\d+)-(\d+)\.bin$/;
/** Records per produce request: key k<i>, value <client>:<codec>:<i>, header h=<codec>. */
const N = 5;
/** Codecs each client produced with (kafkajs ships only gzip). */
const CODECS: Record<Client, string[]> = {
  kcat: ['none', 'gzip', 'snappy', 'lz4', 'zstd'],
  confluent: ['none', 'gzip', 'snappy', 'lz4', 'zstd'],
  'kafka-python': ['none', 'gzip', 'snappy', 'lz4', 'zstd'],
  kafkajs: ['none', 'gzip'],
};
/** APIs every client must have a fixture for (the list). */
const REQUIRED = ['ApiVersions', 'Metadata', 'Produce', 'Fetch', 'ListOffsets', 'FindCoordinator', 'JoinGroup', 'OffsetCommit'];

interface Fixture {
  file: string;
  client: Client;
  spec: ApiSpec;
  version: number;
  frame: Buffer;
}

const fixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('.bin'))
  .sort()
  .map((file) => {
    const m = NAME.exec(file);
    if (!m) throw new Error(`unexpected fixture name ${file}`);
    const spec = ALL_APIS.find((a) => a.name === m[2]);
    if (!spec) throw new Error(`no definition named ${m[2]} (${file})`);
    return { file, client: m[1] as Client, spec, version: Number(m[3]), frame: readFileSync(`${dir}/${file}`) };
  });

test('fixtures cover every client and required API', () => {
  for (const client of CLIENTS) {
    const apis = new Set(fixtures.filter((f) => f.client === client).map((f) => f.spec.name));
    for (const api of REQUIRED) assert.ok(apis.has(api), `${client} has no ${api} fixture`);
  }
});

/** Decodes every batch of a Produce records field: the codec and the records. */
function batches(records: Buffer): { codec: string; records: { key: string; value: string; headers: [string, string][] }[] }[] {
  const out = [];
  for (let at = 0; at < records.length; at += batchSize(records, at)) {
    assert.equal(batchMagic(records, at), 2, 'magic');
    assert.ok(isBatchCrcValid(records, at), 'CRC32C');
    const codec = codecName((batchAttributes(records, at) & COMPRESSION_MASK) as CompressionCodec);
    const recs = [...iterateRecords(records, at)].map((r) => ({
      key: r.key?.toString() ?? '',
      value: r.value?.toString() ?? '',
      headers: r.headers.map((h) => [h.key, h.value?.toString() ?? ''] as [string, string]),
    }));
    out.push({ codec, records: recs });
  }
  return out;
}

// Per-API sanity checks on the decoded body; `any` keeps them short (the round trip checks all).
/* eslint-disable @typescript-eslint/no-explicit-any */
const produced = new Map<Client, Set<string>>();
function checkBody(fx: Fixture, body: any): void {
  const topic = `fx-${fx.client}`;
  const group = (g: string): void => assert.match(g, /^fx-/, 'group id');
  switch (fx.spec.name) {
    case 'ApiVersions':
      if (fx.version >= 3) assert.ok(body.clientSoftwareName.length > 0 && body.clientSoftwareVersion.length > 0);
      break;
    case 'Metadata':
      if (body.topics !== null) for (const t of body.topics) assert.equal(typeof t.name, 'string');
      break;
    case 'Produce': {
      assert.equal(body.acks, -1);
      assert.ok(body.timeoutMs > 0);
      assert.equal(body.topicData.length, 1);
      assert.equal(body.topicData[0].name, topic);
      assert.equal(body.topicData[0].partitionData.length, 1);
      const pd = body.topicData[0].partitionData[0];
      assert.equal(pd.index, 0);
      assert.ok(Buffer.isBuffer(pd.records));
      const bs = batches(pd.records);
      const codec = bs[0]!.codec;
      const all = bs.flatMap((b) => (assert.equal(b.codec, codec, 'one codec per request'), b.records));
      assert.deepEqual(
        all,
        Array.from({ length: N }, (_, i) => ({ key: `k${i}`, value: `${fx.client}:${codec}:${i}`, headers: [['h', codec]] })),
        `${fx.file}: the records that were sent`,
      );
      const seen = produced.get(fx.client) ?? new Set();
      seen.add(codec);
      produced.set(fx.client, seen);
      break;
    }
    case 'Fetch':
      assert.ok(body.maxWaitMs >= 0 && body.topics.length > 0);
      for (const t of body.topics) {
        assert.equal(t.topic, topic);
        for (const p of t.partitions) assert.ok(p.partition === 0 && p.fetchOffset >= 0);
      }
      break;
    case 'ListOffsets':
      assert.equal(body.replicaId, -1);
      for (const t of body.topics) {
        assert.equal(t.name, topic);
        for (const p of t.partitions) assert.ok(p.timestamp === -1 || p.timestamp === -2 || p.timestamp > 1.5e12, `timestamp ${p.timestamp}`);
      }
      break;
    case 'FindCoordinator':
      if (fx.version <= 3) group(body.key);
      else body.coordinatorKeys.forEach(group);
      assert.equal(body.keyType, 0);
      break;
    case 'JoinGroup':
      group(body.groupId);
      assert.equal(body.protocolType, 'consumer');
      assert.ok(body.sessionTimeoutMs > 0 && body.protocols.length > 0);
      for (const p of body.protocols) assert.ok(p.name.length > 0 && p.metadata.length > 0);
      break;
    case 'OffsetCommit':
      group(body.groupId);
      assert.equal(body.topics[0].name, topic);
      assert.ok(body.topics[0].partitions[0].committedOffset > 0);
      break;
    case 'SyncGroup':
    case 'Heartbeat':
    case 'OffsetFetch':
      group(body.groupId);
      break;
    case 'LeaveGroup':
      group(body.groupId);
      break;
    case 'CreateTopics':
      assert.equal(body.topics[0].name, topic);
      break;
    default:
      assert.fail(`no checks for ${fx.spec.name}`);
  }
}

for (const fx of fixtures) {
  test(`${fx.file}: decodes and re-encodes byte for byte`, () => {
    const { header, body } = decodeRequest(fx.spec, fx.frame);
    assert.equal(header.apiKey, fx.spec.key);
    assert.equal(header.apiVersion, fx.version);
    assert.ok(header.clientId !== null && header.clientId.length > 0, 'client id');
    checkBody(fx, body);
    const again = encodeRequest(fx.spec, header, body).subarray(4);
    if (!again.equals(fx.frame)) {
      let i = 0;
      while (i < again.length && again[i] === fx.frame[i]) i++;
      assert.fail(`re-encoded frame differs at byte ${i} (lengths ${again.length} vs ${fx.frame.length})`);
    }
  });
}

test('each client produced with each of its codecs', () => {
  for (const client of CLIENTS) assert.deepEqual([...(produced.get(client) ?? [])].sort(), [...CODECS[client]].sort(), client);
});
