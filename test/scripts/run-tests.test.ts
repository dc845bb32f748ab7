// `npm test` ran `node --test dist/test/`, which Node 22 and 24 refuse (a directory is no longer
// a test path there). scripts/run-tests.mjs lists the compiled *.test.js files itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot, run } from '../helpers/broker-process.js';

const runner = join(repoRoot, 'scripts', 'run-tests.mjs');
// Without this the nested runner reports to this one over node:test's own channel, not stdout.
const env = { ...process.env, NODE_TEST_CONTEXT: undefined };

test('the runner finds the compiled test files under a folder, and only those', async () => {
  const r = await run(process.execPath, [runner, 'test/config', '--test-reporter=tap'], { timeoutMs: 60_000, env });
  assert.equal(r.code, 0, r.stderr);
  const out = r.stdout.toString();
  // Both files of test/config ran; nothing that is not a *.test.js did.
  assert.match(out, /queued\.max\.request\.bytes defaults/);
  assert.match(out, /every unknown setting of the file/);
  assert.match(out, /^# fail 0$/m);
});

test('the runner fails on a path that does not exist', async () => {
  const r = await run(process.execPath, [runner, 'test/no-such-folder'], { timeoutMs: 30_000, env });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'run-tests: dist/test/no-such-folder does not exist\n');
});
