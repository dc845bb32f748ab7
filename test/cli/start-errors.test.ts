// `samsa start` on a data directory whose samsa-metadata.json is damaged: the start failed with
// "cannot start: Unexpected end of JSON input", naming no file. It now fails with one line that
// names the file, and the file is left as it was for the operator to look at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerProcess, cliPath, run } from '../helpers/broker-process.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';

test('a truncated or malformed samsa-metadata.json stops the start with one line naming the file', { timeout: 60_000 }, async () => {
  const broker = await BrokerProcess.start();
  try {
    const c = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(c, 'meta', 3), 0);
    c.close();
    await broker.stop();
    const file = join(broker.dataDir, 'samsa-metadata.json');
    const good = readFileSync(file);
    for (const damage of ['truncated', 'empty', 'not an object', 'no topics'] as const) {
      writeFileSync(file, good);
      if (damage === 'truncated') truncateSync(file, Math.floor(statSync(file).size / 2));
      else if (damage === 'empty') truncateSync(file, 0);
      else writeFileSync(file, damage === 'not an object' ? 'null' : '{"version":1,"clusterId":"x"}');
      const damaged = readFileSync(file);
      const r = await run(process.execPath, [cliPath, 'start', '--log.dirs', broker.dataDir, '--listeners', 'PLAINTEXT://127.0.0.1:0', '--admin.listeners', 'http://127.0.0.1:0'], { timeoutMs: 15_000 });
      assert.equal(r.code, 1, `${damage}: ${r.stderr}`);
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'));
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, /^samsa: cannot start: /);
      assert.ok(lines[0]!.includes(file), `${damage}: ${lines[0]}`);
      assert.ok(readFileSync(file).equals(damaged), 'the damaged file is left for the operator');
    }
    // once repaired, the broker starts with its topics
    writeFileSync(file, good);
    await broker.restart();
  } finally {
    broker.cleanup();
  }
});

test('a start that fails after its listener is bound (the admin port taken) exits at once with one line naming the address', { timeout: 60_000 }, async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'samsa-start-errors-'));
  try {
    // Before, the Kafka listener bound first kept the failed process alive, serving nothing.
    const r = await run(process.execPath, [cliPath, 'start', '--log.dirs', dir, '--listeners', 'PLAINTEXT://127.0.0.1:0', '--admin.listeners', `http://127.0.0.1:${port}`], { timeoutMs: 15_000 });
    assert.equal(r.timedOut, false, 'the failed start did not exit');
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'));
    assert.deepEqual(lines, [`samsa: cannot start: address already in use (127.0.0.1:${port})`]);
  } finally {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
