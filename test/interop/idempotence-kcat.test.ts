// kcat (librdkafka 2.0) with enable.idempotence=true: 100,000 records streamed in while the broker
// stores requests whose responses are lost, is SIGKILLed and restarted; librdkafka retries what
// it had in flight with the same producer id and sequences, and the broker's recovered producer
// state answers those retries as duplicates: every record is stored once, in order, none lost.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { assertEachOnceInOrder, loseResponsesKillAndRestart, startBrokerBehindProxy, streamLines, type BrokerBehindProxy } from '../helpers/exactly-once.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';

describe('kcat with enable.idempotence=true', () => {
  let b: BrokerBehindProxy;
  const N = 100_000;
  const TOPIC = 'idem-kcat';
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
    // -E: kcat stops on "all brokers down" otherwise, and the broker is down for a moment here.
    const kcat = spawn('kcat', [
      '-P', '-E', '-b', b.bootstrap, '-t', TOPIC,
      '-X', 'enable.idempotence=true',
      '-X', 'linger.ms=2',
      '-X', 'batch.num.messages=500',
      '-X', 'message.timeout.ms=60000',
      '-X', 'reconnect.backoff.max.ms=200',
    ], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    kcat.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = new Promise<number | null>((resolve) => kcat.once('close', (code) => resolve(code)));
    const writing = streamLines(kcat.stdin, 0, N).then(() => kcat.stdin.end());
    const { storedAtKill, lostProduceResponses } = await loseResponsesKillAndRestart(b, TOPIC, PARTITIONS, N / 4);
    await writing;
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`kcat did not finish\n${stderr.slice(-2000)}`)), 70_000)))]);
    clearTimeout(timer);
    assert.equal(code, 0, stderr.slice(-2000));
    assert.doesNotMatch(stderr, /Delivery failed|fatal/i);
    assert.ok(storedAtKill < N && lostProduceResponses > 0, 'the broker handled produce requests whose responses were lost, mid-stream');
    await assertEachOnceInOrder(b.direct, TOPIC, PARTITIONS, N);
  });
});
