// Runs the compiled tests: `node --test` took a directory on Node 20 but takes files (or globs)
// from Node 22 on, so the files are listed here, the same way on every version. Plain
// JavaScript so that it runs under any Node without a build of its own.
//
//   node scripts/run-tests.mjs                      every dist/test/**/*.test.js
//   node scripts/run-tests.mjs test/cli dist/test/client/client.test.js   some folders or files
//   node scripts/run-tests.mjs --test-name-pattern=kcat                   flags go to node --test
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const testRoot = join(root, 'dist', 'test');

function testFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...testFiles(p));
    else if (e.isFile() && e.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

/** test/cli, dist/test/cli/x.test.js or test/cli/x.test.ts: where it lives in dist/test. */
function compiledPath(arg) {
  let p = relative(root, resolve(arg));
  if (p.startsWith(`test${sep}`) || p === 'test') p = join('dist', p);
  return join(root, p.replace(/\.ts$/, '.js'));
}

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('-'));
const wanted = args.filter((a) => !a.startsWith('-'));

if (!existsSync(testRoot)) {
  process.stderr.write('run-tests: no dist/test: build first (npm run build)\n');
  process.exit(1);
}
const files = [];
for (const w of wanted.length ? wanted.map(compiledPath) : [testRoot]) {
  if (!existsSync(w)) {
    process.stderr.write(`run-tests: ${relative(root, w)} does not exist\n`);
    process.exit(1);
  }
  files.push(...(statSync(w).isDirectory() ? testFiles(w) : [w]));
}
if (files.length === 0) {
  process.stderr.write('run-tests: no test files found\n');
  process.exit(1);
}
// Three files at a time suits the interop and cluster tests, which each start brokers.
const concurrency = flags.some((f) => f.startsWith('--test-concurrency')) ? [] : ['--test-concurrency=3'];
const child = spawn(process.execPath, ['--test', ...concurrency, ...flags, ...files.map((f) => relative(root, f))], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
