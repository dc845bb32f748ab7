// confluent-kafka-python (librdkafka) transactions against a broker process: committed
// transactions are seen by read_committed consumers, aborted ones never (read_uncommitted sees
// both), at the offsets Kafka gives them (a marker takes an offset after each transaction), also
// after a SIGKILL and restart (the aborted-transaction index is read back). Then a
// consume-transform-produce loop with send_offsets_to_transaction processes 100,000 records while
// the broker is SIGKILLed and restarted twice in the middle: the output read with read_committed
// holds each input exactly once, in input order per partition.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BrokerProcess, python, repoRoot, runPython, waitFor } from '../helpers/broker-process.js';
import { assertEachInputOnceInOrder, storedCount } from '../helpers/exactly-once.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';

interface Rec {
  partition: number;
  offset: number;
  value: string;
}

async function consume(bootstrap: string, topic: string, partitions: number, isolation: 'read_committed' | 'read_uncommitted'): Promise<Rec[]> {
  return JSON.parse(await runPython('txn_confluent.py', [bootstrap, 'consume', topic, String(partitions), isolation], { timeoutMs: 90_000 })) as Rec[];
}

const byPartition = (rs: Rec[], p: number) => rs.filter((r) => r.partition === p).map((r) => [r.offset, r.value]);

describe('confluent-kafka transactions', () => {
  let broker: BrokerProcess;

  before(async () => {
    broker = await BrokerProcess.start({ settings: { 'group.initial.rebalance.delay.ms': '0', 'auto.create.topics.enable': 'false' } });
  });

  after(() => broker?.cleanup());

  test('commit, abort, commit: read_committed sees the committed ones, read_uncommitted all, at Kafka offsets; the same after a SIGKILL', { timeout: 120_000 }, async () => {
    const c = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(c, 'txn-basic', 2), 0);
    c.close();
    await runPython('txn_confluent.py', [broker.bootstrap, 'produce', 'txn-basic', 'basic-1', 'COMMIT:6,ABORT:4,COMMIT:3'], { timeoutMs: 60_000 });
    // Partition 0: 0-0 0-2 0-4 | marker 3 | 1-0 1-2 (aborted) | marker 6 | 2-0 2-2 | marker 9.
    const committed0 = [[0, '0-0'], [1, '0-2'], [2, '0-4'], [7, '2-0'], [8, '2-2']];
    const committed1 = [[0, '0-1'], [1, '0-3'], [2, '0-5'], [7, '2-1']];
    const all0 = [[0, '0-0'], [1, '0-2'], [2, '0-4'], [4, '1-0'], [5, '1-2'], [7, '2-0'], [8, '2-2']];
    const all1 = [[0, '0-1'], [1, '0-3'], [2, '0-5'], [4, '1-1'], [5, '1-3'], [7, '2-1']];
    const rc = await consume(broker.bootstrap, 'txn-basic', 2, 'read_committed');
    assert.deepEqual([byPartition(rc, 0), byPartition(rc, 1)], [committed0, committed1]);
    const ru = await consume(broker.bootstrap, 'txn-basic', 2, 'read_uncommitted');
    assert.deepEqual([byPartition(ru, 0), byPartition(ru, 1)], [all0, all1]);

    await broker.kill('SIGKILL');
    await broker.restart();
    const again = await consume(broker.bootstrap, 'txn-basic', 2, 'read_committed');
    assert.deepEqual([byPartition(again, 0), byPartition(again, 1)], [committed0, committed1]);
    // The same transactional id again after the restart: a new epoch, one more aborted transaction
    // (partition 0: 0-0 at 10, abort marker 11, 1-0 at 12; partition 1: 0-1 at 9, marker 10, 1-1 at 11).
    await runPython('txn_confluent.py', [broker.bootstrap, 'produce', 'txn-basic', 'basic-1', 'ABORT:2,COMMIT:2'], { timeoutMs: 60_000 });
    const after = await consume(broker.bootstrap, 'txn-basic', 2, 'read_committed');
    assert.deepEqual([byPartition(after, 0), byPartition(after, 1)], [[...committed0, [12, '1-0']], [...committed1, [11, '1-1']]]);
  });

  test('consume-transform-produce of 100,000 records with send_offsets_to_transaction through two SIGKILLs and restarts: each input once in the output', { timeout: 300_000 }, async (t) => {
    const N = 100_000;
    const PARTITIONS = 3;
    const c = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(c, 'eos-in', PARTITIONS), 0);
    assert.equal(await createTopic(c, 'eos-out', PARTITIONS), 0);
    c.close();
    await runPython('txn_confluent.py', [broker.bootstrap, 'fill', 'eos-in', String(N)], { timeoutMs: 60_000 });

    const child = spawn(python, [join(repoRoot, 'test', 'interop', 'py', 'eos_confluent.py'), broker.bootstrap, 'eos-in', 'eos-out', 'eos-group', 'eos-txn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const atKill: number[] = [];
    try {
      // Mid-stream, twice: a quarter and then 60% of the output written (committed or not), the loop still running.
      for (const share of [0.25, 0.6]) {
        await waitFor(async () => (await storedCount(broker.bootstrap, 'eos-out', PARTITIONS)) >= N * share, { timeoutMs: 120_000, intervalMs: 5, what: `${share * 100}% of the output written` });
        const stored = await storedCount(broker.bootstrap, 'eos-out', PARTITIONS);
        assert.ok(stored < N, 'the broker is killed while the loop is running');
        atKill.push(stored);
        await broker.kill('SIGKILL');
        await broker.restart();
      }
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([exited, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the loop did not finish\n${stderr.slice(-3000)}`)), 200_000)))]);
      clearTimeout(timer);
      assert.equal(code, 0, stderr.slice(-3000));
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const stats = JSON.parse(stdout) as { transactions: number; aborted: number; restarts: number; errors: string[] };
    assert.ok(stats.transactions > 0, stdout);
    t.diagnostic(`output records at the kills: ${atKill.join(', ')}; loop: ${stdout.trim()}`);

    const out = await consume(broker.bootstrap, 'eos-out', PARTITIONS, 'read_committed');
    assertEachInputOnceInOrder(out, N, PARTITIONS, `stats ${stdout}`);
  });
});
