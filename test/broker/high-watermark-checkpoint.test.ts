// The high watermark is checkpointed in Kafka's replication-offset-checkpoint (version 0, a count,
// then "topic partition offset" lines) every replica.high.watermark.checkpoint.interval.ms, and the
// file survives kill -9: after a restart it still names every partition's committed offset.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerProcess, waitFor } from '../helpers/broker-process.js';
import { WireClient, createTopic, produceBatch, readAll } from '../helpers/wire-client.js';
import { buildBatch } from '../../src/record/builder.js';

function checkpoint(dir: string): Map<string, number> | null {
  const file = join(dir, 'replication-offset-checkpoint');
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').split('\n');
  assert.equal(lines[0], '0', 'version 0');
  const n = Number(lines[1]);
  const out = new Map<string, number>();
  for (const line of lines.slice(2, 2 + n)) {
    const [topic, partition, offset] = line.split(' ');
    out.set(`${topic}-${partition}`, Number(offset));
  }
  assert.equal(out.size, n, 'as many entries as the count says');
  return out;
}

describe('high watermark checkpoint', () => {
  let broker: BrokerProcess;
  let c: WireClient;
  before(async () => {
    broker = await BrokerProcess.start({ settings: { 'replica.high.watermark.checkpoint.interval.ms': '100' } });
    c = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(c, 'hw', 2), 0);
  });
  after(() => {
    c?.close();
    broker?.cleanup();
  });

  test('written on its interval with every partition\'s high watermark, and kept across kill -9', async () => {
    for (let i = 0; i < 7; i++) assert.equal((await produceBatch(c, 'hw', 0, buildBatch([{ key: 'k', value: `a${i}` }]))).errorCode, 0);
    for (let i = 0; i < 3; i++) assert.equal((await produceBatch(c, 'hw', 1, buildBatch([{ key: 'k', value: `b${i}` }]))).errorCode, 0);
    await waitFor(() => checkpoint(broker.dataDir)?.get('hw-0') === 7 && checkpoint(broker.dataDir)?.get('hw-1') === 3, { timeoutMs: 10_000, what: 'checkpointed high watermarks 7 and 3' });
    c.close();
    await broker.kill('SIGKILL');
    const kept = checkpoint(broker.dataDir)!;
    assert.equal(kept.get('hw-0'), 7);
    assert.equal(kept.get('hw-1'), 3);
    await broker.restart();
    c = await WireClient.connect(broker.bootstrap);
    assert.deepEqual((await readAll(c, 'hw', 0)).map((r) => r.value), ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
    assert.deepEqual((await readAll(c, 'hw', 1)).map((r) => r.value), ['b0', 'b1', 'b2']);
  });
});
