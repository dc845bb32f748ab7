// Decompression bombs against a broker process with a small heap (--max-old-space-size=256),
// its resident memory sampled from /proc/<pid>/status throughout:
// - produce: a 32 KB zstd batch holding 1 GiB of records, to a compacted topic and to topics
//   whose compression.type makes the broker re-compress (an 8 KB one, 256 MiB, to
//   compression.type=uncompressed), plus gzip, snappy and lz4 bombs: each is answered
//   MESSAGE_TOO_LARGE, nothing is stored, the broker stays up and under 512 MiB;
// - a bomb already in a compacted log (written while the topic was cleanup.policy=delete, which
//   stores batches as sent): the cleaner does not inflate it, marks the partition uncleanable,
//   logs it once and goes on compacting another topic; the same after a restart;
// - a valid-CRC batch that does not decompress in a compacted log: the same, and the other
//   compacted topic keeps being compacted pass after pass instead of starving.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it, type TestContext } from 'node:test';
import { IncrementalAlterConfigs } from '../../src/protocol/index.js';
import { ATTRIBUTES, CRC, computeBatchCrc } from '../../src/record/batch-header.js';
import { buildBatch } from '../../src/record/builder.js';
import { BrokerProcess, waitFor } from '../helpers/broker-process.js';
import { WireClient, createTopic, listOffsets, produceBatch, readAll } from '../helpers/wire-client.js';
import { bombBatch } from '../record/bombs.js';

const MiB = 1 << 20;
const GiB = 1 << 30;
const RSS_LIMIT = 512 * MiB;
// Kill the broker well before it can hurt a shared machine (the unbounded code reaches GiBs).
const RSS_KILL = 1536 * MiB;
const MESSAGE_TOO_LARGE = 10;
const UNCLEANABLE = 'marked uncleanable';

/**
 * A process's peak resident memory: the kernel's high-water mark (VmHWM, which no short spike
 * escapes), read every few milliseconds, when the process is killed past RSS_KILL (VmRSS).
 */
class RssWatch {
  peak = 0;
  samples = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 5);
  }
  sample(): void {
    let status: string;
    try {
      status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    } catch {
      return; // exited
    }
    const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    const rss = kB('VmRSS');
    const hwm = kB('VmHWM');
    if (Number.isNaN(rss) || Number.isNaN(hwm)) return;
    this.samples++;
    this.peak = Math.max(this.peak, rss, hwm);
    if (rss > RSS_KILL) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}

async function startWatched(settings: Record<string, string>): Promise<{ broker: BrokerProcess; watch: RssWatch }> {
  const broker = await BrokerProcess.start({
    settings: { 'log.retention.check.interval.ms': '600000', ...settings },
    env: { NODE_OPTIONS: '--max-old-space-size=256' },
  });
  return { broker, watch: new RssWatch(broker.pid!) };
}

function report(t: TestContext, watch: RssWatch, what: string): void {
  watch.stop();
  t.diagnostic(`${what}: peak resident memory (VmHWM) ${(watch.peak / MiB).toFixed(1)} MiB, ${watch.samples} samples`);
}

function checkMemory(t: TestContext, broker: BrokerProcess, watch: RssWatch, what: string): void {
  report(t, watch, what);
  assert.ok(broker.running, `${what}: the broker is alive\n${broker.log.slice(-3000)}`);
  assert.ok(watch.samples > 0);
  assert.ok(watch.peak < RSS_LIMIT, `${what}: peak resident memory ${(watch.peak / MiB).toFixed(1)} MiB`);
}

async function setConfigs(c: WireClient, topic: string, configs: Record<string, string>): Promise<void> {
  const r = await c.request(IncrementalAlterConfigs, 1, {
    resources: [{ resourceType: 2, resourceName: topic, configs: Object.entries(configs).map(([name, value]) => ({ name, configOperation: 0, value })) }],
    validateOnly: false,
  });
  assert.equal(r.responses[0]!.errorCode, 0);
}

/** Log lines saying `topic`-0 was marked uncleanable. */
const uncleanableLines = (log: string, topic: string): number =>
  log.split('\n').filter((l) => l.includes(UNCLEANABLE) && l.includes(`"topic":"${topic}"`)).length;

/** Produces `rounds` batches over a few keys, so the topic has much to compact. */
async function produceDuplicates(c: WireClient, topic: string, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const r = await produceBatch(c, topic, 0, buildBatch([{ key: `key-${i % 4}`, value: `value-${i}-${'x'.repeat(80)}` }]));
    assert.equal(r.errorCode, 0);
  }
}

/**
 * Produces 40 more records over 4 keys and waits (bounded) for a cleaning to remove at least
 * half of them: proof that the cleaner got to `topic` again.
 */
async function produceAndWaitCompacted(c: WireClient, topic: string, what: string): Promise<void> {
  const before = (await readAll(c, topic, 0)).length;
  await produceDuplicates(c, topic, 40);
  await waitFor(async () => (await readAll(c, topic, 0)).length < before + 20, { timeoutMs: 15_000, intervalMs: 50, what });
}

/** A valid CRC over a records section that its codec id says is gzip but is not. */
function corruptBatch(): Buffer {
  const b = buildBatch([{ key: 'x', value: 'plain bytes, said to be gzip' }]);
  b.writeInt16BE(1, ATTRIBUTES);
  b.writeUInt32BE(computeBatchCrc(b), CRC);
  return b;
}

/** Creates a topic that stores batches as sent, fills it with `bad` among ordinary batches, then makes it compacted. */
async function compactedWith(c: WireClient, topic: string, bad: Buffer[]): Promise<void> {
  assert.equal(await createTopic(c, topic, 1, { 'cleanup.policy': 'delete', 'segment.bytes': '1024' }), 0);
  await produceDuplicates(c, topic, 10);
  for (const b of bad) assert.equal((await produceBatch(c, topic, 0, b)).errorCode, 0, 'stored as sent');
  await produceDuplicates(c, topic, 30);
  await setConfigs(c, topic, { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.01' });
}

describe('decompression bombs against a broker with a 256 MiB heap', () => {
  const brokers: BrokerProcess[] = [];
  after(() => {
    for (const b of brokers) b.cleanup();
  });

  it('produce: bombs of every codec are answered MESSAGE_TOO_LARGE, nothing is stored, RSS stays under 512 MiB', { timeout: 60_000 }, async (t) => {
    const { broker, watch } = await startWatched({ 'log.cleaner.enable': 'false' });
    brokers.push(broker);
    const c = await WireClient.connect(broker.bootstrap);
    try {
      const topics: Array<[string, Record<string, string>]> = [
        ['bomb-compacted', { 'cleanup.policy': 'compact' }],
        ['bomb-to-lz4', { 'compression.type': 'lz4' }],
        ['bomb-to-uncompressed', { 'compression.type': 'uncompressed' }],
      ];
      const zstd1g = [bombBatch('zstd', GiB, { declare: true }), bombBatch('zstd', GiB, { declare: false })];
      const zstd256m = bombBatch('zstd', 256 * MiB, { declare: false });
      assert.ok(zstd1g.every((b) => b.length < 40_000) && zstd256m.length < 10_000, 'a 32 KB and an 8 KB batch');
      const others = [bombBatch('gzip', 64 * MiB), bombBatch('lz4', 64 * MiB), bombBatch('snappy', 16 * MiB)];
      const answers: Array<{ topic: string; codec: number; errorCode: number }> = [];
      for (const [topic, configs] of topics) {
        assert.equal(await createTopic(c, topic, 1, configs), 0);
        for (const batch of [...zstd1g, zstd256m, ...others]) {
          const codec = batch.readInt16BE(ATTRIBUTES) & 7;
          if (codec === 3 && configs['compression.type'] === 'lz4') continue; // already in the topic's codec: stored as sent
          answers.push({ topic, codec, errorCode: (await produceBatch(c, topic, 0, batch)).errorCode });
        }
      }
      // memory first: with unbounded decompression the broker dies before it can answer
      checkMemory(t, broker, watch, 'produce');
      assert.equal(answers.length, 17);
      assert.deepEqual(answers.filter((a) => a.errorCode !== MESSAGE_TOO_LARGE), [], 'every bomb answered MESSAGE_TOO_LARGE');
      for (const [topic] of topics) {
        assert.deepEqual(await listOffsets(c, topic, [0]), [0], `${topic}: nothing stored`);
        // and the partition works
        assert.equal((await produceBatch(c, topic, 0, buildBatch([{ key: 'k', value: 'after the bombs' }], { compression: 'zstd' }))).errorCode, 0);
        assert.deepEqual((await readAll(c, topic, 0)).map((r) => r.value), ['after the bombs']);
      }
    } finally {
      report(t, watch, 'whole test');
      c.close();
      await broker.stop().catch(() => {});
    }
  });

  it('a bomb in a compacted log: the cleaner does not inflate it, marks the partition uncleanable once per start and compacts the others', { timeout: 60_000 }, async (t) => {
    let { broker, watch } = await startWatched({ 'log.cleaner.backoff.ms': '50' });
    brokers.push(broker);
    let c = await WireClient.connect(broker.bootstrap);
    try {
      assert.equal(await createTopic(c, 'healthy', 1, { 'cleanup.policy': 'compact', 'segment.bytes': '1024', 'min.cleanable.dirty.ratio': '0.01' }), 0);
      await compactedWith(c, 'bombed', [bombBatch('zstd', GiB, { declare: false, key: 'k' }), bombBatch('zstd', GiB, { declare: true, key: 'k' })]);
      await produceAndWaitCompacted(c, 'healthy', 'healthy compacted');
      await waitFor(() => uncleanableLines(broker.log, 'bombed') > 0, { timeoutMs: 15_000, what: 'the bombed partition marked uncleanable' });
      await produceAndWaitCompacted(c, 'healthy', 'healthy compacted on a later pass');
      checkMemory(t, broker, watch, 'cleaner');
      // every start tries again, with the same outcome
      await broker.restart();
      watch = new RssWatch(broker.pid!);
      c.close();
      c = await WireClient.connect(broker.bootstrap);
      await waitFor(() => uncleanableLines(broker.log, 'bombed') > 1, { timeoutMs: 15_000, what: 'marked again after the restart' });
      await produceAndWaitCompacted(c, 'healthy', 'healthy compacted after the restart');
      checkMemory(t, broker, watch, 'cleaner after restart');
      assert.equal(uncleanableLines(broker.log, 'bombed'), 2, 'logged once per start');
      assert.match(broker.log, /"topic":"bombed".*zstd records section (decompresses to more than|declares)/);
    } finally {
      report(t, watch, 'whole test');
      c.close();
      await broker.stop().catch(() => {});
    }
  });

  it('a valid-CRC batch that does not decompress in a compacted log: uncleanable, logged once, the other compacted topic keeps being compacted', { timeout: 60_000 }, async (t) => {
    const { broker, watch } = await startWatched({ 'log.cleaner.backoff.ms': '50' });
    brokers.push(broker);
    const c = await WireClient.connect(broker.bootstrap);
    try {
      assert.equal(await createTopic(c, 'healthy', 1, { 'cleanup.policy': 'compact', 'segment.bytes': '1024', 'min.cleanable.dirty.ratio': '0.01' }), 0);
      await compactedWith(c, 'corrupt', [corruptBatch()]);
      // several rounds: each needs a new pass, and the never-cleaned corrupt log is always the dirtiest
      for (let round = 1; round <= 3; round++) await produceAndWaitCompacted(c, 'healthy', `healthy compacted, round ${round}`);
      assert.equal(uncleanableLines(broker.log, 'corrupt'), 1, 'logged once');
      assert.match(broker.log, /"topic":"corrupt".*gzip decompression failed/);
      checkMemory(t, broker, watch, 'corrupt batch');
    } finally {
      report(t, watch, 'whole test');
      c.close();
      await broker.stop().catch(() => {});
    }
  });
});
