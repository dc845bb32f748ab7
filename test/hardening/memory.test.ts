// Hardening issue ("hostile and unlucky input never bricks the broker"), the memory rows of the
// protocol and server layers, each as a hostile client would send it, against a broker held to
// 512 MiB RSS (see memory-harness.ts): it must stay under, stay up, and serve a normal client after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeConfigs, Fetch, Metadata, Produce, encodeRequest, type RequestOf } from '../../src/protocol/index.js';
import { Writer } from '../../src/protocol/writer.js';
import { buildBatch } from '../../src/record/builder.js';
import { WireClient, createTopic, produceBatch } from '../helpers/wire-client.js';
import { MiB, runMemoryRow, type AttackContext, type MemoryRowResult } from './memory-harness.js';

/** The figures of each row, for whoever reads the test output. */
const note = (r: MemoryRowResult) => {
  process.stderr.write(`${r.name}: baseline ${r.baselineMiB.toFixed(0)} MiB, peak ${r.peakMiB.toFixed(0)} MiB, ${r.ms} ms\n`);
};

/** A frame with its size prefix: request header v2 (flexible) and `body`. */
function flexibleFrame(apiKey: number, apiVersion: number, body: (w: Writer) => void, sizeHint: number): Buffer {
  const w = new Writer(sizeHint + 64);
  const mark = w.reserveInt32();
  w.int16(apiKey);
  w.int16(apiVersion);
  w.int32(1);
  w.string('hostile');
  w.uvarint(0);
  body(w);
  w.patchInt32(mark, w.length - 4);
  return w.finish();
}

/** Writes `frame` on a connection that never reads, and waits until the broker closes it. */
async function sendAndExpectClose(ctx: AttackContext, frame: Buffer): Promise<void> {
  const s = await ctx.raw();
  let closed = false;
  s.once('close', () => (closed = true));
  // The broker's answer to a bad frame is the end of the stream; reading lets 'close' come.
  s.resume();
  s.write(frame);
  await ctx.until(() => closed, 'the broker to close the connection');
}

test('DescribeConfigs v4 with 95 M empty configuration keys: refused, no freeze, no memory', { timeout: 60_000 }, async () => {
  const keys = 95_000_000;
  const frame = flexibleFrame(DescribeConfigs.key, 4, (w) => {
    w.uvarint(2); // one resource
    w.int8(2);
    w.compactString('t');
    w.uvarint(keys + 1);
    w.raw(Buffer.alloc(keys, 1)); // each key: a compact string of length 0
    w.uvarint(0);
    w.bool(false);
    w.bool(false);
    w.uvarint(0);
  }, keys);
  note(await runMemoryRow({ name: 'DescribeConfigs 95 M empty keys', attack: (ctx) => sendAndExpectClose(ctx, frame) }));
});

test('DescribeConfigs v4 with 95 resources of a million empty keys each: refused, no memory', { timeout: 60_000 }, async () => {
  const resources = 95;
  const keys = 1_000_000;
  const frame = flexibleFrame(DescribeConfigs.key, 4, (w) => {
    w.uvarint(resources + 1);
    const empty = Buffer.alloc(keys, 1);
    for (let r = 0; r < resources; r++) {
      w.int8(2);
      w.compactString('t');
      w.uvarint(keys + 1);
      w.raw(empty);
      w.uvarint(0);
    }
    w.bool(false);
    w.bool(false);
    w.uvarint(0);
  }, resources * (keys + 8));
  note(await runMemoryRow({ name: 'DescribeConfigs 95 x 1 M nested empty keys', attack: (ctx) => sendAndExpectClose(ctx, frame) }));
});

test('Produce v9 with 9 M empty topic names: refused, no freeze, no memory', { timeout: 60_000 }, async () => {
  const topics = 9_000_000;
  const empty = Buffer.alloc(3 * topics, 1); // name "", no partitions, no tags: 01 01 00
  for (let i = 2; i < empty.length; i += 3) empty[i] = 0;
  const frame = flexibleFrame(Produce.key, 9, (w) => {
    w.uvarint(0); // null transactional id
    w.int16(1);
    w.int32(1000);
    w.uvarint(topics + 1);
    w.raw(empty);
    w.uvarint(0);
  }, empty.length);
  note(await runMemoryRow({ name: 'Produce v9 9 M empty topic names', attack: (ctx) => sendAndExpectClose(ctx, frame) }));
});

test('25 connections each sending 90 MiB of a 100 MiB frame: bounded by queued.max.request.bytes, small requests still served', { timeout: 60_000 }, async () => {
  note(
    await runMemoryRow({
      name: '25 x 90 MiB of a 100 MiB frame',
      attack: async (ctx) => {
        const zeros = Buffer.alloc(MiB);
        const prefix = Buffer.alloc(4);
        prefix.writeInt32BE(100 * MiB, 0); // socket.request.max.bytes: the largest frame allowed
        const sockets = await Promise.all(Array.from({ length: 25 }, () => ctx.raw()));
        const outcomes = await Promise.all(
          sockets.map((s) => {
            s.write(prefix);
            return ctx.writeRepeated(s, zeros, 90);
          }),
        );
        assert.ok(outcomes.every((o) => o !== 'closed'), `no attacker was disconnected: ${outcomes.join(', ')}`);
        // While the attackers hold the budget, a normal client is served: its requests are small.
        const c = await ctx.client();
        const md = await c.request(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
        assert.equal(md.brokers.length, 1);
      },
    }),
  );
});

const fetchBody = (topic: string, copies: number, partitionMaxBytes: number): RequestOf<typeof Fetch> => ({
  clusterId: null,
  replicaId: -1,
  replicaState: { replicaId: -1, replicaEpoch: -1 },
  maxWaitMs: 0,
  minBytes: 0,
  maxBytes: 0x7fffffff,
  isolationLevel: 0,
  sessionId: 0,
  sessionEpoch: -1,
  topics: [
    {
      topic,
      topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
      partitions: Array.from({ length: copies }, () => ({ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' })),
    },
  ],
  forgottenTopicsData: [],
  rackId: '',
});

/** Creates `topic` and appends batches of 1 KiB records until about `bytes` are stored. */
async function fill(broker: { bootstrap: string }, topic: string, bytes: number, recordsPerBatch: number): Promise<void> {
  const c = await WireClient.connect(broker.bootstrap);
  try {
    assert.equal(await createTopic(c, topic, 1), 0);
    const value = Buffer.alloc(1000, 0x61);
    for (let stored = 0; stored < bytes; stored += recordsPerBatch * 1000) {
      const r = await produceBatch(c, topic, 0, buildBatch(Array.from({ length: recordsPerBatch }, () => ({ value }))));
      assert.equal(r.errorCode, 0);
    }
  } finally {
    c.close();
  }
}

test('16 connections each sending a Fetch that lists one partition 3,600 times, never read', { timeout: 60_000 }, async () => {
  note(
    await runMemoryRow({
      name: 'Fetch of one partition x 3,600, never read (x16)',
      // 13 KB: each copy of the partition is a file region below the sendfile threshold, so read.
      setup: (b) => fill(b, 'fetched', 13_000, 13),
      attack: async (ctx) => {
        const frame = encodeRequest(Fetch, { apiKey: Fetch.key, apiVersion: 11, correlationId: 1, clientId: 'hostile' }, fetchBody('fetched', 3600, 1 << 20));
        const sockets = await Promise.all(Array.from({ length: 16 }, () => ctx.raw()));
        for (const s of sockets) s.write(frame);
        await ctx.rssSettled();
      },
    }),
  );
});

test('4 connections each pipelining 300 Fetches of a 1 MiB partition on the read-and-write path, never read', { timeout: 60_000 }, async () => {
  note(
    await runMemoryRow({
      name: '300 pipelined 1 MiB Fetches, never read, SAMSA_SENDFILE=0 (x4)',
      env: { SAMSA_SENDFILE: '0' },
      setup: (b) => fill(b, 'piped', MiB, 64),
      attack: async (ctx) => {
        const frames: Buffer[] = [];
        for (let i = 0; i < 300; i++) {
          frames.push(encodeRequest(Fetch, { apiKey: Fetch.key, apiVersion: 11, correlationId: i + 1, clientId: 'hostile' }, fetchBody('piped', 1, 1 << 20)));
        }
        const all = Buffer.concat(frames);
        const sockets = await Promise.all(Array.from({ length: 4 }, () => ctx.raw()));
        for (const s of sockets) s.write(all);
        await ctx.rssSettled();
      },
    }),
  );
});
