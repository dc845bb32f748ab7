// Regression: the clock's timers never hold the process open, and while the client backs off
// between rounds of refused connections no socket does either. A script awaiting connect()
// exited with code 13 (unsettled top-level await) instead of getting its CONNECTIONLOSS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../../helpers/broker-process.js';
import { freePorts } from '../../helpers/zookeeper-process.js';

test('a process awaiting connect() to an unreachable ensemble stays alive until connect() rejects', async () => {
  const [port] = await freePorts(1);
  const client = new URL('../../../src/cluster/zookeeper/client.js', import.meta.url).href;
  const script = `
    import { ZooKeeperClient } from ${JSON.stringify(client)};
    const c = new ZooKeeperClient({ connect: '127.0.0.1:${port}', sessionTimeoutMs: 3000, connectionTimeoutMs: 800 });
    try { await c.connect(); } catch (e) { process.stdout.write('rejected ' + e.codeName); }
  `;
  const r = await run(process.execPath, ['--input-type=module', '-e', script], { timeoutMs: 10_000, env: { ...process.env, SAMSA_LOG_LEVEL: 'error' } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.toString(), 'rejected CONNECTIONLOSS');
});
