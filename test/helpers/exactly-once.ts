/**
 * The idempotence scenario the real-client tests share: records "0".."N-1" stream into a
 * producer whose broker connections run through a ResponseDroppingProxy. Once a share of them is
 * stored, the broker's responses stop reaching the producer while it goes on storing what it is
 * sent; then it is SIGKILLed and restarted on the same port and data directory. The producer
 * retries what it had in flight — requests the broker had already stored — and afterwards every
 * record must be in the topic exactly once, each partition in produce order, none missing.
 *
 * - `startBrokerBehindProxy`: a broker advertising the proxy, so clients connect through it.
 * - `loseResponsesKillAndRestart`: the kill, after at least one stored request lost its answer.
 * - `streamLines`: writes records to a child's stdin in chunks, with back-pressure, so the stream
 *   is still flowing when the broker dies.
 * - `assertEachOnceInOrder`: reads every partition back through the raw protocol and checks.
 * - `assertEachInputOnceInOrder`: the same promise for a consume-transform-produce loop's output
 *   ("out-<i>" for input i, written to partition i mod the partition count).
 * Bounded waits only.
 */
import assert from 'node:assert/strict';
import type { Writable } from 'node:stream';
import { BrokerProcess, freePort, waitFor, type BrokerProcessOptions } from './broker-process.js';
import { ResponseDroppingProxy } from './response-dropping-proxy.js';
import { WireClient, listOffsets, readAll } from './wire-client.js';

export interface BrokerBehindProxy {
  broker: BrokerProcess;
  proxy: ResponseDroppingProxy;
  /** Through the proxy: for the client under test. */
  bootstrap: string;
  /** Straight to the broker: for the test's own checks, which must not lose their answers. */
  direct: string;
}

export async function startBrokerBehindProxy(opts: BrokerProcessOptions = {}): Promise<BrokerBehindProxy> {
  const port = await freePort();
  const proxy = await ResponseDroppingProxy.start(() => port);
  try {
    const broker = await BrokerProcess.start({ ...opts, port, settings: { ...opts.settings, 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` } });
    // The ready line names the advertised address; restarts must listen on the broker's own port.
    broker.port = port;
    return { broker, proxy, bootstrap: `127.0.0.1:${proxy.port}`, direct: `127.0.0.1:${port}` };
  } catch (err) {
    await proxy.close();
    throw err;
  }
}

/**
 * Once `threshold` records are stored: responses are dropped until the broker has answered a
 * Produce the producer will never see answered, then the broker is SIGKILLed, restarted, and
 * responses flow again. Returns the records stored at the kill and the Produce answers lost.
 */
export async function loseResponsesKillAndRestart(b: BrokerBehindProxy, topic: string, partitions: number, threshold: number): Promise<{ storedAtKill: number; lostProduceResponses: number }> {
  const { broker, proxy, direct } = b;
  await waitFor(async () => (await storedCount(direct, topic, partitions)) >= threshold, { timeoutMs: 30_000, intervalMs: 5, what: `${threshold} records stored` });
  proxy.dropping = true;
  await waitFor(() => proxy.droppedProduceResponses > 0, { timeoutMs: 30_000, intervalMs: 1, what: 'a Produce handled whose response was lost' });
  const storedAtKill = await storedCount(direct, topic, partitions);
  await broker.kill('SIGKILL');
  proxy.closeAll();
  const lostProduceResponses = proxy.droppedProduceResponses;
  proxy.dropping = false;
  const port = broker.port;
  await broker.restart();
  broker.port = port;
  return { storedAtKill, lostProduceResponses };
}

/** Records stored in the topic's partitions (sum of end offsets); 0 while the broker is unreachable. */
export async function storedCount(bootstrap: string, topic: string, partitions: number): Promise<number> {
  let c: WireClient | null = null;
  try {
    c = await WireClient.connect(bootstrap, { timeoutMs: 2000 });
    const ends = await listOffsets(c, topic, Array.from({ length: partitions }, (_, p) => p));
    return ends.reduce((a, b) => a + b, 0);
  } catch {
    return 0;
  } finally {
    c?.close();
  }
}

/** Writes "i\n" for i in [from, to) to `sink` in chunks of `chunk` lines, waiting for drain when the pipe is full. */
export async function streamLines(sink: Writable, from: number, to: number, chunk = 500): Promise<void> {
  for (let i = from; i < to; i += chunk) {
    const lines: string[] = [];
    for (let j = i; j < Math.min(to, i + chunk); j++) lines.push(`${j}\n`);
    if (!sink.write(lines.join(''))) await new Promise<void>((resolve) => sink.once('drain', resolve));
    else await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * Every value "0".."n-1" exactly once over the topic's partitions, each partition in increasing
 * order (a producer keeps the order of what it sends to one partition), offsets dense.
 */
export async function assertEachOnceInOrder(bootstrap: string, topic: string, partitions: number, n: number): Promise<void> {
  const c = await WireClient.connect(bootstrap);
  try {
    const seen = new Uint8Array(n);
    let total = 0;
    for (let p = 0; p < partitions; p++) {
      const records = await readAll(c, topic, p, 0, 60_000);
      let prev = -1;
      records.forEach((r, i) => {
        assert.equal(r.offset, i, `${topic}-${p}: offsets dense from 0`);
        const v = Number(r.value);
        assert.ok(Number.isInteger(v) && v >= 0 && v < n, `${topic}-${p}@${r.offset}: unexpected value ${r.value}`);
        assert.equal(seen[v], 0, `${topic}-${p}@${r.offset}: record ${v} stored twice`);
        assert.ok(v > prev, `${topic}-${p}@${r.offset}: record ${v} after ${prev}, out of produce order`);
        seen[v] = 1;
        prev = v;
      });
      total += records.length;
    }
    const missing: number[] = [];
    for (let i = 0; i < n && missing.length < 10; i++) if (seen[i] === 0) missing.push(i);
    assert.deepEqual(missing, [], 'records missing from the topic');
    assert.equal(total, n);
  } finally {
    c.close();
  }
}

/**
 * A consume-transform-produce loop's output, read with read_committed: "out-<i>" for each input
 * i below `inputs`, exactly once, in partition i mod `partitions`, in input order per partition.
 * `context` goes into the messages (the loop's stats, say).
 */
export function assertEachInputOnceInOrder(out: ReadonlyArray<{ partition: number; value: string }>, inputs: number, partitions: number, context: string): void {
  const seen = new Uint8Array(inputs);
  const prev = new Array<number>(partitions).fill(-1);
  for (const r of out) {
    const v = Number(r.value.slice('out-'.length));
    assert.ok(r.value.startsWith('out-') && Number.isInteger(v) && v >= 0 && v < inputs, `unexpected output ${r.value}`);
    assert.equal(seen[v], 0, `input ${v} is in the output twice (${context})`);
    seen[v] = 1;
    assert.equal(v % partitions, r.partition, `input ${v} written to partition ${r.partition}`);
    assert.ok(v > prev[r.partition]!, `eos-out-${r.partition}: ${v} after ${prev[r.partition]}`);
    prev[r.partition] = v;
  }
  const missing: number[] = [];
  for (let i = 0; i < inputs && missing.length < 10; i++) if (seen[i] === 0) missing.push(i);
  assert.deepEqual(missing, [], `inputs missing from the output (${context})`);
  assert.equal(out.length, inputs);
}
