// `samsa start --config` with Kafka 3.9's own config/server.properties starts the first time,
// as a one-broker cluster on the ZooKeeper it names: the settings that mean nothing here (thread
// counts, socket buffers) are accepted with one warning naming them all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { cliPath } from '../helpers/broker-process.js';
import { KafkaClient } from '../../src/client/index.js';
import { ZooKeeperEnsemble, zookeeperAvailable } from '../helpers/zookeeper-process.js';

// Kafka 3.9's config/server.properties (ZooKeeper mode), its comments shortened.
const STOCK = `# Licensed to the Apache Software Foundation (ASF) under one or more
# contributor license agreements.
# see kafka.server.KafkaConfig for additional details and defaults

############################# Server Basics #############################
# The id of the broker. This must be set to a unique integer for each broker.
broker.id=0

############################# Socket Server Settings #############################
#listeners=PLAINTEXT://:9092
#advertised.listeners=PLAINTEXT://your.host.name:9092
#listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600

############################# Log Basics #############################
log.dirs=/tmp/kafka-logs
num.partitions=1
num.recovery.threads.per.data.dir=1

############################# Internal Topic Settings  #############################
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1

############################# Log Flush Policy #############################
#log.flush.interval.messages=10000
#log.flush.interval.ms=1000

############################# Log Retention Policy #############################
log.retention.hours=168
#log.retention.bytes=1073741824
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000

############################# Zookeeper #############################
zookeeper.connect=localhost:2181
zookeeper.connection.timeout.ms=18000

############################# Group Coordinator Settings #############################
group.initial.rebalance.delay.ms=0
`;

test('a stock Kafka 3.9 server.properties starts the broker first time, with one warning listing the ignored settings', { timeout: 60_000, skip: !zookeeperAvailable() && 'Debian zookeeper not installed' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-stock-'));
  const file = join(dir, 'server.properties');
  const zk = await ZooKeeperEnsemble.start({ servers: 1 });
  writeFileSync(file, STOCK.replace('zookeeper.connect=localhost:2181', `zookeeper.connect=${zk.members[0]!.address}`));
  // Flags win over the file: the data directory and port are the test's, not /tmp/kafka-logs and 9092.
  const child = spawn(process.execPath, [cliPath, 'start', '--config', file, '--log.dirs', join(dir, 'data'), '--listeners', 'PLAINTEXT://127.0.0.1:0', '--admin.listeners', 'http://127.0.0.1:0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, SAMSA_LOG_LEVEL: 'info' },
  });
  let stderr = '';
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d;
        const m = /Samsa ready on [^:]+:(\d+)/.exec(stderr);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`samsa start exited ${code}: ${stderr}`)));
    });
    const warnings = stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; ignored?: { name: string }[] })
      .filter((l) => l.level === 40);
    assert.equal(warnings.length, 1, stderr);
    assert.deepEqual(warnings[0]!.ignored!.map((i) => i.name).sort(), [
      'num.io.threads', 'num.network.threads', 'num.recovery.threads.per.data.dir', 'socket.receive.buffer.bytes', 'socket.send.buffer.bytes',
    ]);
    assert.match(warnings[0]!.msg, /num\.network\.threads.*num\.recovery\.threads\.per\.data\.dir/);
    const client = new KafkaClient({ brokers: `127.0.0.1:${port}` });
    try {
      const md = await client.metadata([]);
      assert.equal(md.brokers.length, 1);
    } finally {
      await client.close();
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
    await zk.stop();
  }
});
