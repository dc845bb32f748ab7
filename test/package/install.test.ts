// The package as a user gets it: `npm pack` shipped 940 files (compiled tests, bench results,
// .ci/), and installing it needed a C toolchain. The tarball now holds what a user needs, and
// installed into an empty project on a machine with no compiler (PATH holds only node and sh)
// its broker serves kcat: the native addon and zstd-napi are optional and left out quietly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { repoRoot, run } from '../helpers/broker-process.js';

/** npm's own script, to run with this Node under a PATH that has no npm on it. */
function npmCli(): string | null {
  const candidates = [join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'npm'))) candidates.push(join(dirname(realpathSync(join(dir, 'npm'))), 'npm-cli.js'));
  }
  return candidates.find((c) => existsSync(c)) ?? null;
}

const npm = npmCli();

test('npm pack ships only what a user needs', { skip: npm === null && 'npm not found', timeout: 60_000 }, async () => {
  const r = await run(process.execPath, [npm!, 'pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, env: { ...process.env, npm_config_loglevel: 'error' } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.includes('Unknown project config'), false, r.stderr);
  const files = (JSON.parse(r.stdout.toString()) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  const allowed = /^(dist\/src\/.*\.(js|d\.ts)|dist\/src\/console\/static\/[^/]+\.(html|css)|native\/[^/]+\.[ch]|binding\.gyp|scripts\/install-native\.mjs|docs\/compatibility\.md|README\.md|LICENSE|package\.json)$/;
  assert.deepEqual(files.filter((f) => !allowed.test(f)), []);
  for (const f of ['package.json', 'README.md', 'binding.gyp', 'native/addon.c', 'scripts/install-native.mjs', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/src/cli/start.bundle.js', 'dist/src/console/static/index.html', 'dist/src/console/static/app.js', 'dist/src/console/static/app.css']) {
    assert.ok(files.includes(f), `${f} is in the package`);
  }
  // A bound that catches a stray folder (tests, fixtures, sources) being packed, not growth: about
  // two files (.js and .d.ts) per source file.
  assert.ok(files.length < 600, `${files.length} files`);
});

test('the packed tarball installs into an empty project without a C toolchain, and its broker serves kcat', { skip: npm === null && 'npm not found', timeout: 150_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'samsa-pack-'));
  try {
    const pack = await run(process.execPath, [npm!, 'pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: repoRoot, env: { ...process.env, npm_config_loglevel: 'error' } });
    assert.equal(pack.code, 0, pack.stderr);
    const tarball = join(work, (JSON.parse(pack.stdout.toString()) as { filename: string }[])[0]!.filename);

    // A PATH with node and sh only: no cc, make or python3, so nothing native can build.
    const bin = join(work, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    symlinkSync(realpathSync('/bin/sh'), join(bin, 'sh'));
    const project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-samsa', private: true, type: 'module' }));
    const env: NodeJS.ProcessEnv = {
      HOME: process.env.HOME,
      PATH: bin,
      TMPDIR: work,
      // zstd-napi's own install step would try a prebuilt binary from GitHub first; this keeps
      // the test to the npm registry (a user's install makes that attempt, then goes on without it).
      'prebuild-install_buildFromSource': 'true',
    };
    const install = await run(process.execPath, [npm!, 'install', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts', tarball], { cwd: project, env, timeoutMs: 120_000 });
    assert.equal(install.code, 0, install.stderr + install.stdout.toString());
    const output = install.stdout.toString() + install.stderr;
    assert.match(output, /samsa: the native addon is not built \(no cc, make, python3 on PATH\)/);
    assert.equal(existsSync(join(project, 'node_modules', 'zstd-napi')), false, 'zstd-napi, optional, did not build and is left out');
    const installed = JSON.parse(readFileSync(join(project, 'node_modules', 'samsa', 'package.json'), 'utf8')) as { version: string };

    const version = await run(join(project, 'node_modules', '.bin', 'samsa'), ['--version'], { cwd: project, env });
    assert.equal(version.stdout.toString(), `${installed.version}\n`, version.stderr);

    // The embedding entry point, imported by its package name.
    const script = "const { startBroker } = await import('samsa'); const b = await startBroker(); process.stdout.write(b.bootstrap + ' ' + b.adminUrl + '\\n'); process.on('SIGTERM', () => b.stop().then(() => process.exit(0)));";
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    try {
      const [bootstrap, adminUrl] = (await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d;
          if (out.includes('\n')) resolve(out.trim());
        });
        child.once('exit', (code) => reject(new Error(`the embedded broker exited ${code}: ${stderr}`)));
      })).split(' ') as [string, string];
      // The installed package serves its console and metrics (built before packing, nothing fetched).
      const page = await fetch(`${adminUrl}/groups/any`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<script type="module" src="\/assets\/app\.js">/);
      assert.equal((await fetch(`${adminUrl}/assets/app.js`)).status, 200);
      assert.match(await (await fetch(`${adminUrl}/metrics`)).text(), /^# TYPE kafka_brokers gauge$/m);
      const md = await run('kcat', ['-b', bootstrap, '-L', '-m', '10']);
      assert.equal(md.code, 0, md.stderr);
      assert.match(md.stdout.toString(), /broker 0 at 127\.0\.0\.1:\d+ \(controller\)/);
      // zstd batches are stored and served as sent: the broker never needed zstd-napi for them.
      const p = await run('kcat', ['-b', bootstrap, '-P', '-t', 'z', '-z', 'zstd'], { input: 'compressed by kcat\n' });
      assert.equal(p.code, 0, p.stderr);
      const c = await run('kcat', ['-b', bootstrap, '-C', '-t', 'z', '-o', 'beginning', '-e', '-q']);
      assert.equal(c.stdout.toString(), 'compressed by kcat\n', c.stderr);
      assert.equal(stderr, '', 'the embedded broker logs nothing at its default level');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
