/**
 * node-rdkafka from .test-deps/ (scripts/test-deps.sh builds it there), for the tests that drive
 * a current librdkafka. Its addon is built against the Node that ran `npm test` (Node 20 in CI);
 * under another Node it cannot be loaded (a NAN addon is tied to one NODE_MODULE_VERSION), and
 * those tests are skipped with that reason: what they check is librdkafka against the broker,
 * which the Node running the test does not change. Any other load failure is thrown.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from './broker-process.js';

export type Loaded<T> = { module: T; skip: false } | { module: null; skip: string };

export function loadNodeRdkafka<T>(): Loaded<T> {
  try {
    return { module: createRequire(join(repoRoot, '.test-deps', 'package.json'))('node-rdkafka') as T, skip: false };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const built = /compiled against a different Node\.js version using\s+NODE_MODULE_VERSION (\d+)/.exec(err.message ?? '');
    if (err.code === 'ERR_DLOPEN_FAILED' && built) {
      return { module: null, skip: `node-rdkafka in .test-deps is built for NODE_MODULE_VERSION ${built[1]}, this is Node ${process.versions.node} (${process.versions.modules})` };
    }
    throw e;
  }
}
