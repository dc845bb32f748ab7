// npm's install step: builds the optional native addon (native/*.c) when this machine can,
// and otherwise says so in one line and succeeds — the broker has a plain path for every part
// of the addon. It never downloads anything: node-gyp is given the Node headers that came with
// this Node, and without them the addon is not built (node-gyp would fetch them from nodejs.org).
// Plain JavaScript, not compiled: it runs from the published package, before anything is built.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const without = 'the broker runs without it (fetch reads and writes instead of sendfile; CRC32C and the data directory lock use their portable paths)';
const say = (line) => process.stderr.write(`samsa: ${line}\n`);

function onPath(cmd) {
  if (isAbsolute(cmd)) return existsSync(cmd);
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, cmd)));
}

function main() {
  if (process.env.SAMSA_SKIP_NATIVE === '1') return;
  if (process.platform !== 'linux') {
    say(`the native addon is for Linux only; ${without}`);
    return;
  }
  const missing = [process.env.CC ?? 'cc', 'make', 'python3'].filter((c) => !onPath(c));
  if (missing.length > 0) {
    say(`the native addon is not built (no ${missing.join(', ')} on PATH); ${without}`);
    return;
  }
  // Official Node builds, distribution packages and version managers put the headers here.
  const nodeDir = dirname(dirname(process.execPath));
  if (!existsSync(join(nodeDir, 'include', 'node', 'node_api.h'))) {
    say(`the native addon is not built (no Node headers under ${nodeDir}/include/node); ${without}`);
    return;
  }
  // npm hands scripts the node-gyp it bundles; outside npm, one on PATH.
  const gyp = process.env.npm_config_node_gyp;
  const [cmd, args] = gyp ? [process.execPath, [gyp]] : ['node-gyp', []];
  const r = spawnSync(cmd, [...args, 'rebuild', `--nodedir=${nodeDir}`], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status === 0) return;
  const logFile = join(root, 'native-build.log');
  try {
    writeFileSync(logFile, `${r.error ? String(r.error) + '\n' : ''}${r.stdout ?? ''}${r.stderr ?? ''}`);
  } catch {
    // a read-only install: the line below still says what happened
  }
  say(`the native addon did not build (node-gyp output in ${logFile}); ${without}`);
}

main();
