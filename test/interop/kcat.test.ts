// kcat (librdkafka) against a broker process: metadata, 100,000 keyed messages with headers
// through a 4-partition topic, and the -o start positions (offset, timestamp, relative to end).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerProcess, runOk } from '../helpers/broker-process.js';
import { WireClient, createTopic, listOffsets, produceBatch } from '../helpers/wire-client.js';
import { buildBatch } from '../../src/record/builder.js';

interface Msg {
  partition: number;
  offset: number;
  key: string;
  headers: string;
  value: string;
  timestamp: number;
}

const FORMAT = '%p|%o|%T|%k|%h|%s\\n';

/** Parses kcat -f FORMAT output (the value is last and may contain '|'). */
function parse(out: string): Msg[] {
  const msgs: Msg[] = [];
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const parts = line.split('|');
    assert.ok(parts.length >= 6, `bad kcat line: ${line}`);
    msgs.push({
      partition: Number(parts[0]),
      offset: Number(parts[1]),
      timestamp: Number(parts[2]),
      key: parts[3]!,
      headers: parts[4]!,
      value: parts.slice(5).join('|'),
    });
  }
  return msgs;
}

describe('kcat', () => {
  let broker: BrokerProcess;
  let wire: WireClient;
  let scratch: string;
  const N = 100_000;
  const TOPIC = 'kcat-big';
  const TS_TOPIC = 'kcat-ts';
  const TS_BASE = 1_700_000_000_000;
  /** Expected values per partition, in offset order, learnt from the consume-all pass. */
  const byPartition = new Map<number, Msg[]>();

  const kcat = (args: string[], timeoutMs = 60_000) =>
    runOk('kcat', ['-b', broker.bootstrap, '-X', 'socket.timeout.ms=10000', ...args], { timeoutMs });

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'samsa-kcat-'));
    broker = await BrokerProcess.start();
    wire = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(wire, TOPIC, 4), 0);
    assert.equal(await createTopic(wire, TS_TOPIC, 1), 0);
  });

  after(() => {
    wire?.close();
    broker?.cleanup();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('-L lists the broker and its topics', async () => {
    const out = await kcat(['-L']);
    assert.match(out, new RegExp(`1 brokers:\\s+broker 0 at ${broker.bootstrap.replace(/\./g, '\\.')}`));
    assert.match(out, new RegExp(`topic "${TOPIC}" with 4 partitions:`));
    for (let p = 0; p < 4; p++) assert.match(out, new RegExp(`partition ${p}, leader 0, replicas: 0, isrs: 0`));
    assert.match(out, new RegExp(`topic "${TS_TOPIC}" with 1 partitions:`));
  });

  test('100,000 keyed messages with headers come back identical and in order per partition', async () => {
    const file = join(scratch, 'input.txt');
    const lines: string[] = [];
    for (let i = 0; i < N; i++) lines.push(`key-${i}:value ${i} | payload ${'x'.repeat(i % 37)} é€ ${i * 7919}`);
    writeFileSync(file, lines.join('\n') + '\n');
    await kcat(['-P', '-t', TOPIC, '-K', ':', '-H', 'source=kcat', '-H', 'trace=abc-123', '-X', 'linger.ms=5', '-l', file], 120_000);

    const ends = await listOffsets(wire, TOPIC, [0, 1, 2, 3]);
    assert.equal(ends.reduce((a, b) => a + b, 0), N, `end offsets ${ends}`);

    const msgs = parse(await kcat(['-C', '-t', TOPIC, '-o', 'beginning', '-e', '-q', '-f', FORMAT], 120_000));
    assert.equal(msgs.length, N);
    const seen = new Set<number>();
    for (const m of msgs) {
      let list = byPartition.get(m.partition);
      if (!list) byPartition.set(m.partition, (list = []));
      list.push(m);
    }
    assert.equal(byPartition.size, 4, 'the default partitioner spreads keys over all 4 partitions');
    for (const [p, list] of byPartition) {
      assert.equal(list.length, ends[p], `partition ${p} count`);
      let prev = -1;
      list.forEach((m, off) => {
        assert.equal(m.offset, off, `partition ${p}: offsets are dense from 0`);
        const i = Number(/^key-(\d+)$/.exec(m.key)?.[1]);
        assert.ok(i > prev, `partition ${p}: produce order kept (${i} after ${prev})`);
        prev = i;
        assert.equal(m.value, lines[i]!.slice(lines[i]!.indexOf(':') + 1));
        assert.equal(m.headers, 'source=kcat,trace=abc-123');
        seen.add(i);
      });
    }
    assert.equal(seen.size, N);
  });

  test('-o <offset> starts at that offset and -o -10 gives the last 10', async () => {
    const p0 = byPartition.get(0);
    assert.ok(p0 && p0.length > 100, 'needs the 100,000-message test first');
    const from = parse(await kcat(['-C', '-t', TOPIC, '-p', '0', '-o', '42', '-e', '-q', '-f', FORMAT]));
    assert.deepEqual(from, p0.slice(42));
    const last = parse(await kcat(['-C', '-t', TOPIC, '-p', '0', '-o', '-10', '-e', '-q', '-f', FORMAT]));
    assert.deepEqual(last, p0.slice(-10));
  });

  test('-o s@<timestamp> starts at the first message at or after the timestamp', async () => {
    // 100 records, timestamps 1 s apart, in 4 batches.
    for (let b = 0; b < 4; b++) {
      const recs = Array.from({ length: 25 }, (_, j) => {
        const i = b * 25 + j;
        return { key: `k${i}`, value: `v${i}`, timestamp: TS_BASE + i * 1000 };
      });
      const r = await produceBatch(wire, TS_TOPIC, 0, buildBatch(recs));
      assert.equal(r.errorCode, 0);
      assert.equal(r.baseOffset, b * 25);
    }
    const at = (ts: number) => kcat(['-C', '-t', TS_TOPIC, '-p', '0', '-o', `s@${ts}`, '-e', '-q', '-f', FORMAT]).then(parse);
    const exact = await at(TS_BASE + 60_000);
    assert.deepEqual(exact.map((m) => m.offset), Array.from({ length: 40 }, (_, i) => 60 + i));
    assert.equal(exact[0]!.value, 'v60');
    assert.equal(exact[0]!.timestamp, TS_BASE + 60_000);
    const between = await at(TS_BASE + 30_500);
    assert.equal(between[0]!.offset, 31);
    assert.equal(between[0]!.key, 'k31');
    assert.equal(between.length, 69);
  });
});
