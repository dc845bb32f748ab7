// confluent-kafka-python (librdkafka 2.0) with enable.idempotence=true: 100,000 records streamed
// in while the broker stores requests whose responses are lost, is SIGKILLed and restarted; the
// producer retries across the restart and every acknowledged record is stored once, in order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { python, repoRoot } from '../helpers/broker-process.js';
import { assertEachOnceInOrder, loseResponsesKillAndRestart, startBrokerBehindProxy, streamLines, type BrokerBehindProxy } from '../helpers/exactly-once.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';

describe('confluent-kafka with enable.idempotence=true', () => {
  let b: BrokerBehindProxy;
  const N = 100_000;
  const TOPIC = 'idem-confluent';
  const PARTITIONS = 3;

  before(async () => {
    b = await startBrokerBehindProxy();
    const c = await WireClient.connect(b.direct);
    assert.equal(await createTopic(c, TOPIC, PARTITIONS), 0);
    c.close();
  });

  after(async () => {
    b?.broker.cleanup();
    await b?.proxy.close();
  });

  test('100,000 records through lost responses, a SIGKILL and a restart: each stored once, in order', { timeout: 90_000 }, async () => {
    const child = spawn(python, [join(repoRoot, 'test', 'interop', 'py', 'idempotent_produce.py'), b.bootstrap, TOPIC], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const writing = streamLines(child.stdin, 0, N).then(() => child.stdin.end());
    const { storedAtKill, lostProduceResponses } = await loseResponsesKillAndRestart(b, TOPIC, PARTITIONS, N / 4);
    await writing;
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the producer did not finish\n${stderr.slice(-2000)}`)), 70_000)))]);
    clearTimeout(timer);
    assert.equal(code, 0, stderr.slice(-2000));
    const result = JSON.parse(stdout) as { delivered: number; failed: number; errors: string[]; undelivered: number };
    assert.deepEqual({ delivered: result.delivered, failed: result.failed, undelivered: result.undelivered }, { delivered: N, failed: 0, undelivered: 0 }, result.errors.join('; '));
    assert.ok(storedAtKill < N && lostProduceResponses > 0, 'the broker handled produce requests whose responses were lost, mid-stream');
    await assertEachOnceInOrder(b.direct, TOPIC, PARTITIONS, N);
  });
});
