// Transactions on a 3-broker cluster of real processes: __transaction_state is created with
// RF 3 and min.insync.replicas 2; FindCoordinator names the leader of the id's partition from
// every broker, and the other brokers answer NOT_COORDINATOR. confluent-kafka and kafkajs
// transactional producers commit and abort over partitions led by other brokers than the
// coordinator (markers travel over WriteTxnMarkers, first writes are verified with the
// coordinator's broker, shown on the wire too); read_committed sees the committed records only, read_uncommitted all.
// Then a consume-transform-produce loop with send_offsets_to_transaction processes 100,000
// records while the broker coordinating its transactional id is SIGKILLed and restarted, twice:
// the output read with read_committed holds each input exactly once. Last, a state write that
// cannot reach enough replicas is refused with a retriable error and leaves no trace.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { partitionForGroup } from '../../src/group/records.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { AddPartitionsToTxn, DescribeTransactions, EndTxn, FindCoordinator, InitProducerId, Metadata, Produce, TxnOffsetCommit } from '../../src/protocol/messages/index.js';
import { buildBatch } from '../../src/record/builder.js';
import { python, repoRoot, runPython, waitFor } from '../helpers/broker-process.js';
import { WireClient, listOffsets } from '../helpers/wire-client.js';
import { assertEachInputOnceInOrder } from '../helpers/exactly-once.js';
import { ZkCluster } from '../helpers/zk-cluster.js';
import { zookeeperAvailable } from '../helpers/zookeeper-process.js';

const { Kafka, logLevel } = kafkajs;

interface Rec {
  partition: number;
  offset: number;
  value: string;
}

const TXN_TOPIC = '__transaction_state';

describe('transactions in a cluster', { skip: !zookeeperAvailable() && 'Debian zookeeper not installed', timeout: 400_000 }, () => {
  let cluster: ZkCluster;
  before(async () => {
    cluster = await ZkCluster.start({ brokers: 3, sessionTimeoutMs: 2000, settings: { 'auto.create.topics.enable': 'false' } });
  });
  after(async () => {
    await cluster?.stop();
  });

  async function findCoordinator(via: number, id: string): Promise<{ errorCode: number; nodeId: number }> {
    const wire = await WireClient.connect(cluster.broker(via).bootstrap);
    try {
      const r = await wire.request(FindCoordinator, 3, { key: id, keyType: 1, coordinatorKeys: [] });
      return { errorCode: r.errorCode, nodeId: r.nodeId };
    } finally {
      wire.close();
    }
  }

  /** The coordinator every broker agrees on, once the id's partition has a leader. */
  async function coordinatorOf(id: string, brokers: number[] = [1, 2, 3], not = -1): Promise<number> {
    return waitFor(async () => {
      const answers = await Promise.all(brokers.map((b) => findCoordinator(b, id).catch(() => ({ errorCode: -1, nodeId: -1 }))));
      const first = answers[0]!;
      return first.errorCode === 0 && first.nodeId !== not && answers.every((a) => a.errorCode === 0 && a.nodeId === first.nodeId) ? first.nodeId : null;
    }, { timeoutMs: 30_000, what: `one coordinator for ${id}` });
  }

  async function consume(topic: string, partitions: number, isolation: 'read_committed' | 'read_uncommitted'): Promise<Rec[]> {
    return JSON.parse(await runPython('txn_confluent.py', [cluster.bootstrap, 'consume', topic, String(partitions), isolation], { timeoutMs: 90_000 })) as Rec[];
  }

  /** Records in the topic (sum of its partitions' end offsets, each asked of its leader); 0 while one cannot answer. */
  async function storedCount(topic: string, partitions: number): Promise<number> {
    let sum = 0;
    for (let p = 0; p < partitions; p++) {
      const { leader } = await cluster.partitionState(topic, p);
      const b = cluster.brokers.get(leader);
      if (!b || !b.running) return 0;
      sum += await brokerCount(b.bootstrap, topic, p);
    }
    return sum;
  }

  async function brokerCount(bootstrap: string, topic: string, p: number): Promise<number> {
    let c: WireClient | null = null;
    try {
      c = await WireClient.connect(bootstrap, { timeoutMs: 2000 });
      return (await listOffsets(c, topic, [p]))[0]!;
    } catch {
      return 0;
    } finally {
      c?.close();
    }
  }

  const byPartition = (rs: Rec[], p: number) => rs.filter((r) => r.partition === p).map((r) => [r.offset, r.value]);

  test('FindCoordinator names the leader of hash(id) % 50 of __transaction_state (RF 3, min.isr 2) from every broker; the others answer NOT_COORDINATOR', async () => {
    // Java's String.hashCode, abs'd as Kafka's Utils.abs (Integer.MIN_VALUE is 0).
    assert.equal(partitionForGroup('abc', 50), 96354 % 50);
    assert.equal(partitionForGroup('polygenelubricants', 50), 0);
    const id = 'find-me';
    const coordinator = await coordinatorOf(id);
    const state = await cluster.partitionState(TXN_TOPIC, partitionForGroup(id, 50));
    assert.equal(coordinator, state.leader);
    const zk = await cluster.zkClient();
    const assignment = JSON.parse((await zk.getData(`/brokers/topics/${TXN_TOPIC}`)).data.toString()) as { partitions: Record<string, number[]> };
    assert.equal(Object.keys(assignment.partitions).length, 50);
    assert.ok(Object.values(assignment.partitions).every((r) => r.length === 3));
    const configs = JSON.parse((await zk.getData(`/config/topics/${TXN_TOPIC}`)).data.toString()) as { config: Record<string, string> };
    assert.equal(configs.config['min.insync.replicas'], '2');

    for (const b of [1, 2, 3]) {
      const wire = await WireClient.connect(cluster.broker(b).bootstrap);
      try {
        const init = await wire.request(InitProducerId, 4, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
        if (b === coordinator) {
          assert.equal(init.errorCode, ErrorCode.NONE);
          assert.ok(init.producerId >= 0);
          // Asked of a broker that does not coordinate the id, EndTxn and AddPartitionsToTxn are refused too.
          for (const other of [1, 2, 3].filter((x) => x !== coordinator)) {
            const w = await WireClient.connect(cluster.broker(other).bootstrap);
            try {
              const end = await w.request(EndTxn, 3, { transactionalId: id, producerId: init.producerId, producerEpoch: init.producerEpoch, committed: true });
              assert.equal(end.errorCode, ErrorCode.NOT_COORDINATOR);
              const add = await w.request(AddPartitionsToTxn, 3, { transactions: [], v3AndBelowTransactionalId: id, v3AndBelowProducerId: init.producerId, v3AndBelowProducerEpoch: init.producerEpoch, v3AndBelowTopics: [{ name: TXN_TOPIC, partitions: [0] }] });
              assert.equal(add.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode, ErrorCode.NOT_COORDINATOR);
            } finally {
              w.close();
            }
          }
        } else assert.equal(init.errorCode, ErrorCode.NOT_COORDINATOR);
      } finally {
        wire.close();
      }
    }
  });

  test('TxnOffsetCommit asked of a broker that does not coordinate the group is NOT_COORDINATOR, whatever the generation', async () => {
    const group = 'txn-commit-elsewhere';
    const coordinator = await waitFor(async () => {
      const wire = await WireClient.connect(cluster.broker(1).bootstrap);
      try {
        const r = await wire.request(FindCoordinator, 3, { key: group, keyType: 0, coordinatorKeys: [] });
        return r.errorCode === 0 ? r.nodeId : null;
      } finally {
        wire.close();
      }
    }, { timeoutMs: 30_000, what: `the coordinator of group ${group}` });
    for (const other of [1, 2, 3].filter((b) => b !== coordinator)) {
      const wire = await WireClient.connect(cluster.broker(other).bootstrap);
      try {
        // A producer still on the group's former coordinator must be sent on (NOT_COORDINATOR);
        // ILLEGAL_GENERATION would have it retry the same broker for ever.
        const r = await wire.request(TxnOffsetCommit, 3, {
          transactionalId: 'txn-commit-elsewhere', groupId: group, producerId: 1, producerEpoch: 0, generationId: 4, memberId: 'member-1', groupInstanceId: null,
          topics: [{ name: '__consumer_offsets', partitions: [{ partitionIndex: 0, committedOffset: 10, committedLeaderEpoch: -1, committedMetadata: null }] }],
        });
        assert.equal(r.topics[0]!.partitions[0]!.errorCode, ErrorCode.NOT_COORDINATOR, `broker ${other}`);
      } finally {
        wire.close();
      }
    }
  });

  test('KIP-890 part 1 across brokers: a leader that does not coordinate the id asks the coordinator\'s broker before a first transactional write', async () => {
    const id = 'verify-remote';
    const coordinator = await coordinatorOf(id);
    const leader = [1, 2, 3].find((b) => b !== coordinator)!;
    // One partition, led by a broker that is not the coordinator.
    await cluster.createTopic('vtxn', [[leader, ...[1, 2, 3].filter((b) => b !== leader)]], { 'min.insync.replicas': '2' });
    await waitFor(async () => (await cluster.partitionState('vtxn', 0)).leader === leader, { what: 'vtxn led by its first replica' });
    const co = await WireClient.connect(cluster.broker(coordinator).bootstrap);
    const lw = await WireClient.connect(cluster.broker(leader).bootstrap);
    try {
      const init = await co.request(InitProducerId, 4, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
      assert.equal(init.errorCode, ErrorCode.NONE);
      const produce = async (seq: number) => {
        const r = await lw.request(Produce, 9, {
          transactionalId: id, acks: -1, timeoutMs: 10_000,
          topicData: [{ name: 'vtxn', partitionData: [{ index: 0, records: buildBatch([{ value: `v${seq}` }], { producerId: init.producerId, producerEpoch: init.producerEpoch, baseSequence: seq, transactional: true }) }] }],
        });
        return r.responses[0]!.partitionResponses[0]!.errorCode;
      };
      // Not added to the transaction: the coordinator's broker says so.
      assert.equal(await produce(0), ErrorCode.INVALID_TXN_STATE);
      const add = await co.request(AddPartitionsToTxn, 3, { transactions: [], v3AndBelowTransactionalId: id, v3AndBelowProducerId: init.producerId, v3AndBelowProducerEpoch: init.producerEpoch, v3AndBelowTopics: [{ name: 'vtxn', partitions: [0] }] });
      assert.equal(add.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode, ErrorCode.NONE);
      assert.equal(await produce(0), ErrorCode.NONE);
      const end = await co.request(EndTxn, 3, { transactionalId: id, producerId: init.producerId, producerEpoch: init.producerEpoch, committed: true });
      assert.equal(end.errorCode, ErrorCode.NONE);
      // The commit marker, sent over WriteTxnMarkers to the leader, follows the record.
      await waitFor(async () => (await listOffsets(lw, 'vtxn', [0]))[0] === 2, { what: 'the record and its marker on vtxn-0' });
    } finally {
      co.close();
      lw.close();
    }
  });

  test('confluent-kafka: commit, abort, commit over partitions led by every broker; read_committed sees the committed ones, read_uncommitted all', { timeout: 120_000 }, async () => {
    await cluster.createTopic('ctxn', [[1, 2, 3], [2, 3, 1], [3, 1, 2]], { 'min.insync.replicas': '2' });
    await runPython('txn_confluent.py', [cluster.bootstrap, 'produce', 'ctxn', 'cluster-basic', 'COMMIT:6,ABORT:3,COMMIT:3'], { timeoutMs: 90_000 });
    // Per partition: two records of the first transaction and its marker, one aborted record and
    // its marker, one committed record and its marker.
    const committed = [0, 1, 2].map((p) => [[0, `0-${p}`], [1, `0-${p + 3}`], [5, `2-${p}`]]);
    const all = [0, 1, 2].map((p) => [[0, `0-${p}`], [1, `0-${p + 3}`], [3, `1-${p}`], [5, `2-${p}`]]);
    const rc = await consume('ctxn', 3, 'read_committed');
    assert.deepEqual([0, 1, 2].map((p) => byPartition(rc, p)), committed);
    const ru = await consume('ctxn', 3, 'read_uncommitted');
    assert.deepEqual([0, 1, 2].map((p) => byPartition(ru, p)), all);
  });

  test('kafkajs: a committed, an aborted and a committed transaction; read_committed and read_uncommitted consumers', { timeout: 120_000 }, async () => {
    await cluster.createTopic('jtxn', [[3, 1, 2], [1, 2, 3], [2, 3, 1]], { 'min.insync.replicas': '2' });
    const kafka = new Kafka({ clientId: 'cluster-txn', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 200 } });
    const producer = kafka.producer({ transactionalId: 'kafkajs-cluster', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const send = async (t: number, commit: boolean) => {
      const tx = await producer.transaction();
      await tx.send({ topic: 'jtxn', messages: [0, 1, 2].map((partition) => ({ partition, value: `${t}-${partition}` })) });
      if (commit) await tx.commit();
      else await tx.abort();
    };
    try {
      await send(0, true);
      await send(1, false);
      await send(2, true);
    } finally {
      await producer.disconnect();
    }
    const read = async (groupId: string, readUncommitted: boolean, expected: number) => {
      const consumer = kafka.consumer({ groupId, readUncommitted, maxWaitTimeInMs: 100 });
      const got: string[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topic: 'jtxn', fromBeginning: true });
        await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
        await waitFor(() => got.length >= expected, { timeoutMs: 60_000, what: `${expected} records (${got.length})` });
        // An aborted record leaking through would come with the next fetches.
        await new Promise((r) => setTimeout(r, 500));
      } finally {
        await consumer.disconnect();
      }
      return got.sort();
    };
    assert.deepEqual(await read('jtxn-rc', false, 6), ['0-0', '0-1', '0-2', '2-0', '2-1', '2-2']);
    assert.deepEqual(await read('jtxn-ru', true, 9), ['0-0', '0-1', '0-2', '1-0', '1-1', '1-2', '2-0', '2-1', '2-2']);
  });

  test('consume-transform-produce of 100,000 records with send_offsets_to_transaction while the coordinator\'s broker is SIGKILLed and restarted: each input once in the output', { timeout: 300_000 }, async (t) => {
    const N = 100_000;
    const PARTITIONS = 3;
    const TXNID = 'eos-cluster-txn';
    await cluster.createTopic('eos-in', [[1, 2, 3], [2, 3, 1], [3, 1, 2]], { 'min.insync.replicas': '2' });
    await cluster.createTopic('eos-out', [[1, 2, 3], [2, 3, 1], [3, 1, 2]], { 'min.insync.replicas': '2' });
    await runPython('txn_confluent.py', [cluster.bootstrap, 'fill', 'eos-in', String(N)], { timeoutMs: 90_000 });
    const coordinator = await coordinatorOf(TXNID);

    const child = spawn(python, [join(repoRoot, 'test', 'interop', 'py', 'eos_confluent.py'), cluster.bootstrap, 'eos-in', 'eos-out', 'eos-cluster-group', TXNID], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const txnPartition = partitionForGroup(TXNID, 50);
    const kills: string[] = [];
    // What a failure shows: the loop's last words and the brokers' warnings.
    const context = () => `loop: ${stderr.slice(-2000)}\n${[1, 2, 3].map((b) => `broker ${b}: ${cluster.broker(b).log.split('\n').filter((l) => /"level":(40|50)/.test(l)).slice(-15).join('\n')}`).join('\n')}`;
    const inSync = async (topic: string, p: number) => (await cluster.partitionState(topic, p)).isr.length === 3;
    try {
      let current = coordinator;
      // Twice, each time the broker coordinating the id at that moment, mid-stream.
      for (const share of [0.25, 0.6]) {
        await waitFor(async () => (await storedCount('eos-out', PARTITIONS)) >= N * share, { timeoutMs: 120_000, intervalMs: 20, what: `${share * 100}% of the output written` });
        const atKill = await storedCount('eos-out', PARTITIONS);
        assert.ok(atKill < N, 'the coordinator is killed while the loop is running');
        await cluster.broker(current).kill('SIGKILL');
        const survivors = [1, 2, 3].filter((b) => b !== current);
        const next = await coordinatorOf(TXNID, survivors, current);
        const loaded = cluster.broker(next).log.split('\n').filter((l) => l.includes('loaded transaction state') && l.includes(`"partition":${txnPartition},`)).at(-1);
        kills.push(`broker ${current} killed at ${atKill} output records, coordinator now ${next} (${loaded ? (JSON.parse(loaded) as { transactionalIds: number; finished: number }).finished : '?'} prepared transaction(s) finished on load)`);
        // The loop goes on with the new coordinator for a while before the old broker returns.
        await waitFor(async () => (await storedCount('eos-out', PARTITIONS)) >= Math.min(N, atKill + N * 0.05), { timeoutMs: 120_000, intervalMs: 50, what: 'the loop going on after the kill' });
        await cluster.broker(current).restart();
        // Back in every ISR before the next kill, so that no partition is left with one replica.
        await waitFor(async () => (await inSync(TXN_TOPIC, txnPartition)) && (await Promise.all([0, 1, 2].map((p) => inSync('eos-out', p)))).every(Boolean), { timeoutMs: 60_000, what: `broker ${current} back in the ISRs` });
        current = next;
      }
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([exited, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the loop did not finish\n${stderr.slice(-3000)}`)), 200_000)))]);
      clearTimeout(timer);
      assert.equal(code, 0, stderr.slice(-3000));
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${context()}`, { cause: err });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const stats = JSON.parse(stdout) as { transactions: number; aborted: number; restarts: number; errors: string[] };
    assert.ok(stats.transactions > 0, stdout);
    t.diagnostic(`${kills.join('; ')}; loop: ${stdout.trim()}`);

    const out = await consume('eos-out', PARTITIONS, 'read_committed');
    assertEachInputOnceInOrder(out, N, PARTITIONS, `stats ${stdout}`);
  });
  test('a state write that cannot reach transaction.state.log.min.isr replicas fails with COORDINATOR_NOT_AVAILABLE and changes nothing', { timeout: 120_000 }, async () => {
    const id = 'short-isr';
    const coordinator = await coordinatorOf(id);
    const others = [1, 2, 3].filter((b) => b !== coordinator);
    const txnPartition = partitionForGroup(id, 50);
    const describe = async (w: WireClient) => (await w.request(DescribeTransactions, 0, { transactionalIds: [id] })).transactionStates[0]!;
    let w = await WireClient.connect(cluster.broker(coordinator).bootstrap);
    try {
      const first = await w.request(InitProducerId, 4, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
      assert.equal(first.errorCode, ErrorCode.NONE);
      for (const b of others) await cluster.broker(b).kill('SIGKILL');
      await waitFor(async () => (await cluster.partitionState(TXN_TOPIC, txnPartition)).isr.length === 1, { timeoutMs: 30_000, what: 'the ISR of the id\'s partition down to its leader' });
      // And the leader itself knows: before it does, the write is appended and waits (and may
      // take effect once the ISR is the leader alone, after its requester was told it failed).
      await waitFor(async () => {
        const md = await w.request(Metadata, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: TXN_TOPIC }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
        return md.topics[0]?.partitions.find((p) => p.partitionIndex === txnPartition)?.isrNodes.length === 1;
      }, { timeoutMs: 30_000, what: 'the coordinator seeing the ISR down to itself' });
      const refused = await w.request(InitProducerId, 4, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
      assert.equal(refused.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      assert.equal((await describe(w)).producerEpoch, first.producerEpoch);
      for (const b of others) await cluster.broker(b).restart();
      await waitFor(async () => (await cluster.partitionState(TXN_TOPIC, txnPartition)).isr.length >= 2, { timeoutMs: 60_000, what: 'the ISR back to min.insync.replicas' });
      w.close();
      // The partition may have been moved back to its preferred leader meanwhile.
      const now = await coordinatorOf(id);
      w = await WireClient.connect(cluster.broker(now).bootstrap);
      const next = await waitFor(async () => {
        const r = await w.request(InitProducerId, 4, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
        return r.errorCode === ErrorCode.NONE ? r : null;
      }, { timeoutMs: 30_000, what: 'InitProducerId accepted again' });
      // One bump after the first: the refused one left no trace.
      assert.deepEqual([next.producerId, next.producerEpoch], [first.producerId, first.producerEpoch + 1]);
    } finally {
      w.close();
    }
  });
});
