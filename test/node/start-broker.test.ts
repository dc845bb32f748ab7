// startBroker() for an application's tests: no three-second wait before a group's first
// rebalance (Testcontainers' Kafka sets 0 too), warn-level logs instead of info lines in the
// test output, and no temporary directory left behind by a start that fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startBroker } from '../../src/node/start-broker.js';
import { Admin, GroupConsumer, KafkaClient } from '../../src/client/index.js';

test('group.initial.rebalance.delay.ms is 0 unless the settings say otherwise; a group forms at once', async () => {
  const b = await startBroker();
  try {
    assert.equal(b.broker.config.int('group.initial.rebalance.delay.ms'), 0);
    const client = new KafkaClient({ brokers: b.bootstrap });
    await new Admin(client).createTopics([{ name: 'fast', partitions: 1 }]);
    const gc = new GroupConsumer(client, { groupId: 'fast', topics: ['fast'], autoOffsetReset: 'earliest', maxWaitMs: 100 });
    const t0 = Date.now();
    await gc.join();
    assert.ok(Date.now() - t0 < 2500, `join took ${Date.now() - t0} ms`);
    await gc.close();
    await client.close();
  } finally {
    await b.stop();
  }
  const c = await startBroker({ 'group.initial.rebalance.delay.ms': '3000' });
  try {
    assert.equal(c.broker.config.int('group.initial.rebalance.delay.ms'), 3000);
  } finally {
    await c.stop();
  }
});

/** Runs a script that starts an embedded broker, has a consumer join and leave a group (the coordinator logs that at info), and stops; returns its stderr. */
function embedded(env: Record<string, string>, startArgs = ''): Promise<string> {
  const url = new URL('../../src/index.js', import.meta.url).href;
  const script = `
    const { startBroker } = await import(${JSON.stringify(url)});
    const b = await startBroker({}, ${startArgs || '{}'});
    const { KafkaClient, Admin, GroupConsumer } = await import(${JSON.stringify(new URL('../../src/client/index.js', import.meta.url).href)});
    const c = new KafkaClient({ brokers: b.bootstrap });
    await new Admin(c).createTopics([{ name: 'quiet', partitions: 1 }]);
    const g = new GroupConsumer(c, { groupId: 'quiet', topics: ['quiet'] });
    await g.join();
    await g.close();
    await c.close();
    await b.stop();`;
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  if (!('SAMSA_LOG_LEVEL' in env)) delete childEnv.SAMSA_LOG_LEVEL;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', script], { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d));
    p.on('close', (code) => (code === 0 ? resolve(err) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

test('an embedded broker logs at warn unless SAMSA_LOG_LEVEL or the logLevel option says otherwise', async () => {
  const [quiet, byEnv, byOption] = await Promise.all([embedded({}), embedded({ SAMSA_LOG_LEVEL: 'info' }), embedded({}, "{ logLevel: 'info' }")]);
  const infoLines = (s: string) => s.split('\n').filter((l) => l.startsWith('{') && (JSON.parse(l) as { level: number }).level === 30).length;
  assert.equal(quiet, '');
  assert.ok(infoLines(byEnv) > 0, byEnv);
  assert.ok(infoLines(byOption) > 0, byOption);
});

test('a start that fails removes the temporary directory it made', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'samsa-starttest-'));
  const saved = process.env.TMPDIR;
  // os.tmpdir() reads TMPDIR on every call: the broker's directory is made in this one.
  process.env.TMPDIR = tmp;
  const busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  try {
    const port = (busy.address() as net.AddressInfo).port;
    await assert.rejects(startBroker({ listeners: `PLAINTEXT://127.0.0.1:${port}` }), (e: NodeJS.ErrnoException) => e.code === 'EADDRINUSE');
    assert.deepEqual(readdirSync(tmp), []);
    await assert.rejects(startBroker({ 'num.partitions': 'many' }), /num\.partitions/);
    assert.deepEqual(readdirSync(tmp), []);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    busy.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});
