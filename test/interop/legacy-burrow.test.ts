// Burrow 1.2 (Debian's `burrow`, with the ZooKeeper it keeps its own state in) monitoring a
// Samsa broker: with kafka-version 0.10.0 its sarama client asks ListOffsets v0 for the log end
// offsets and reads __consumer_offsets through down-converted Fetch v2 (message format v1).
// The group's lag Burrow reports must equal `samsa group describe`'s.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerProcess, cliPath, freePort, runOk, runPython, waitFor } from '../helpers/broker-process.js';
import { ZooKeeperEnsemble, zookeeperAvailable } from '../helpers/zookeeper-process.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';

const BURROW = '/usr/bin/Burrow';

interface BurrowPartition {
  offsets: Array<{ offset: number; lag: number } | null>;
  'current-lag': number;
}

describe('Burrow', () => {
  let zk: ZooKeeperEnsemble;
  let broker: BrokerProcess;
  let wire: WireClient;
  let burrow: ChildProcess | null = null;
  let dir: string;

  before(async () => {
    assert.ok(existsSync(BURROW), 'burrow is needed (scripts/test-deps.sh installs it)');
    assert.ok(zookeeperAvailable(), 'zookeeper is needed (scripts/test-deps.sh installs it)');
    dir = mkdtempSync(join(tmpdir(), 'samsa-burrow-'));
    zk = await ZooKeeperEnsemble.start({ servers: 1, maxSessionTimeoutMs: 30_000 });
    broker = await BrokerProcess.start();
    wire = await WireClient.connect(broker.bootstrap);
  });

  after(async () => {
    burrow?.kill('SIGKILL');
    wire?.close();
    broker?.cleanup();
    await zk?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("a group's lag as Burrow reports it equals samsa group describe's", async () => {
    const topic = 'burrow-watched';
    const group = 'burrow-group';
    const N = 120;
    const committedAt = 45;
    assert.equal(await createTopic(wire, topic, 1), 0);
    // An old client leaves the group at offset 45 of 120.
    const py = JSON.parse(await runPython('legacy_kafka_python.py', [broker.bootstrap, topic, '0.10', String(N), 'none', group, String(committedAt)], { timeoutMs: 120_000 })) as { committed: number };
    assert.equal(py.committed, committedAt);

    const described = JSON.parse(await runOk(process.execPath, [cliPath, 'group', 'describe', group, '--brokers', broker.bootstrap, '--format', 'json'])) as {
      partitions: Array<{ topic: string; partition: number; currentOffset: number; logEndOffset: number; lag: number }>;
      totalLag: number;
    };
    assert.deepEqual(described.partitions.map((p) => [p.topic, p.partition, p.currentOffset, p.logEndOffset, p.lag]), [[topic, 0, committedAt, N, N - committedAt]]);

    const httpPort = await freePort();
    const servers = `[ "${broker.bootstrap}" ]`;
    writeFileSync(join(dir, 'burrow.toml'), [
      '[general]', `pidfile="${join(dir, 'burrow.pid')}"`,
      '[logging]', 'level="info"',
      '[zookeeper]', `servers=[ "127.0.0.1:${zk.members[0]!.clientPort}" ]`, 'timeout=6', 'root-path="/burrow"',
      '[client-profile.old]', 'client-id="burrow"', 'kafka-version="0.10.0"',
      '[cluster.samsa]', 'class-name="kafka"', `servers=${servers}`, 'client-profile="old"', 'topic-refresh=2', 'offset-refresh=1',
      '[consumer.samsa]', 'class-name="kafka"', 'cluster="samsa"', `servers=${servers}`, 'client-profile="old"', 'offsets-topic="__consumer_offsets"', 'start-latest=false',
      '[httpserver.default]', `address="127.0.0.1:${httpPort}"`,
      '[storage.default]', 'class-name="inmemory"', 'workers=4', 'intervals=10', 'expire-group=604800', 'min-distance=1',
      '',
    ].join('\n'));
    let burrowLog = '';
    burrow = spawn(BURROW, ['-config-dir', dir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    burrow.stdout!.on('data', (c: Buffer) => (burrowLog += c.toString()));
    burrow.stderr!.on('data', (c: Buffer) => (burrowLog += c.toString()));

    const url = `http://127.0.0.1:${httpPort}/v3/kafka/samsa/consumer/${group}`;
    let last: unknown = null;
    const partitions = await waitFor(async () => {
      try {
        const res = await fetch(url);
        const body = (await res.json()) as { error: boolean; topics?: Record<string, BurrowPartition[]> };
        last = body;
        const ps = body.topics?.[topic];
        // Burrow computes a commit's lag once it knows the partition's log end offset.
        return ps && ps.length === 1 && ps[0]!.offsets.some((o) => o !== null) && ps[0]!['current-lag'] > 0 ? ps : null;
      } catch {
        return null;
      }
    }, { timeoutMs: 60_000, intervalMs: 500, what: 'Burrow reporting the group' }).catch((err: Error) => {
      throw new Error(`${err.message}\nlast answer: ${JSON.stringify(last)}\nburrow: ${burrowLog.slice(-3000)}`);
    });
    const latest = partitions[0]!.offsets.filter((o) => o !== null).at(-1)!;
    assert.equal(latest.offset, committedAt, 'Burrow read the commit from __consumer_offsets');
    assert.equal(partitions[0]!['current-lag'], described.totalLag);
    assert.equal(latest.lag, described.partitions[0]!.lag);

    // The broker's log end offset as Burrow's cluster module sees it (ListOffsets v0).
    const topicUrl = `http://127.0.0.1:${httpPort}/v3/kafka/samsa/topic/${topic}`;
    const offsets = (await (await fetch(topicUrl)).json()) as { offsets: number[] };
    assert.deepEqual(offsets.offsets, [N]);
  });
});
