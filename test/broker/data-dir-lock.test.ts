// Two brokers started on the same log.dirs both ran, each recovering and appending to the same
// files. The data directory's `.lock` now lets one in; the second start fails with one line that
// names the directory, and a broker killed with SIGKILL can be started again at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNative } from '../../src/native/index.js';
import { buildBatch } from '../../src/record/builder.js';
import { BrokerProcess, cliPath, run } from '../helpers/broker-process.js';
import { WireClient, createTopic, listOffsets, produceBatch } from '../helpers/wire-client.js';

/** Whether the built addon has the lock (an addon built before it falls back to the pid file). */
const hasNativeLock = (): boolean => typeof (loadNative() as { tryLockFile?: unknown } | null)?.tryLockFile === 'function';

for (const mode of ['native', 'pid-file'] as const) {
  test(`a second broker on the same log.dirs (${mode} lock) fails with one line naming the directory; kill -9 frees it at once`, { timeout: 60_000 }, async (t) => {
    if (mode === 'native' && !hasNativeLock()) return t.skip('the native addon has no tryLockFile');
    const env = mode === 'pid-file' ? { SAMSA_NATIVE_LOCK: '0' } : {};
    const first = await BrokerProcess.start({ env });
    try {
      let c = await WireClient.connect(first.bootstrap);
      assert.equal(await createTopic(c, 'owned', 1), 0);
      assert.equal((await produceBatch(c, 'owned', 0, buildBatch([{ value: 'one' }]))).errorCode, 0);

      const second = await run(process.execPath, [cliPath, 'start', '--log.dirs', first.dataDir, '--listeners', 'PLAINTEXT://127.0.0.1:0', '--admin.listeners', 'http://127.0.0.1:0'], {
        env: { ...process.env, ...env },
        timeoutMs: 15_000,
      });
      assert.equal(second.timedOut, false, 'the second broker did not stop by itself');
      assert.equal(second.code, 1);
      const lines = second.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'));
      assert.equal(lines.length, 1, second.stderr);
      assert.match(lines[0]!, /^samsa: cannot start: data directory .* is in use/);
      assert.ok(lines[0]!.includes(first.dataDir), lines[0]);
      assert.ok(lines[0]!.includes(`pid ${first.pid}`), lines[0]);

      // the first one is unharmed
      assert.equal((await produceBatch(c, 'owned', 0, buildBatch([{ value: 'two' }]))).baseOffset, 1);
      c.close();
      await first.kill('SIGKILL');
      await first.restart();
      c = await WireClient.connect(first.bootstrap);
      assert.deepEqual(await listOffsets(c, 'owned', [0]), [2]);
      c.close();
    } finally {
      first.cleanup();
    }
  });
}
