// The data directory lock (Kafka's `.lock`): the native kernel lock and the pid-file fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { loadNative } from '../../src/native/index.js';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../src/storage/dir-lock.js';
import { tempDir } from './helpers.js';

/** Whether the built addon has the lock (an addon built before it falls back to the pid file). */
const hasNativeLock = (): boolean => typeof (loadNative() as { tryLockFile?: unknown } | null)?.tryLockFile === 'function';

function withLockMode<T>(mode: 'native' | 'pid-file', fn: () => T): T {
  const saved = process.env.SAMSA_NATIVE_LOCK;
  if (mode === 'pid-file') process.env.SAMSA_NATIVE_LOCK = '0';
  else delete process.env.SAMSA_NATIVE_LOCK;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.SAMSA_NATIVE_LOCK;
    else process.env.SAMSA_NATIVE_LOCK = saved;
  }
}

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

for (const mode of ['native', 'pid-file'] as const) {
  test(`${mode} lock: exclusive while held, the error names the directory, free again once released`, (t) => {
    if (mode === 'native' && !hasNativeLock()) return t.skip('the native addon has no tryLockFile');
    const { dir, cleanup } = tempDir();
    try {
      withLockMode(mode, () => {
        const lock = lockDataDir(dir);
        assert.equal(lock.kind, mode);
        assert.equal(nodeFs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'), `${process.pid}\n`);
        assert.throws(
          () => lockDataDir(dir),
          (err: unknown) => err instanceof DataDirInUseError && err.message.includes(dir) && err.holderPid === process.pid,
        );
        lock.release();
        lock.release();
        const again = lockDataDir(dir);
        again.release();
      });
    } finally {
      cleanup();
    }
  });
}

test('pid-file lock: a file left by a dead process, by an earlier process with our pid, or unreadable is taken over; a live pid is not', () => {
  const { dir, cleanup } = tempDir();
  const file = path.join(dir, LOCK_FILE);
  try {
    withLockMode('pid-file', () => {
      for (const stale of [`${deadPid()}\n`, `${process.pid}\n`, '', 'garbage']) {
        nodeFs.writeFileSync(file, stale);
        const lock = lockDataDir(dir);
        assert.equal(nodeFs.readFileSync(file, 'utf8'), `${process.pid}\n`, `took over ${JSON.stringify(stale)}`);
        lock.release();
        assert.ok(!nodeFs.existsSync(file), 'released: removed');
      }
      nodeFs.writeFileSync(file, `${process.ppid}\n`);
      assert.throws(() => lockDataDir(dir), (err: unknown) => err instanceof DataDirInUseError && err.holderPid === process.ppid);
      assert.equal(nodeFs.readFileSync(file, 'utf8'), `${process.ppid}\n`, 'a live holder keeps its file');
    });
  } finally {
    cleanup();
  }
});

test('native lock: another process holding it excludes us; once that process is killed the lock is free at once', async (t) => {
  if (!hasNativeLock()) return t.skip('the native addon has no tryLockFile');
  const { dir, cleanup } = tempDir();
  const moduleUrl = new URL('../../src/storage/dir-lock.js', import.meta.url).href;
  const holder = spawn(
    process.execPath,
    ['--input-type=module', '-e', `const m = await import(${JSON.stringify(moduleUrl)}); m.lockDataDir(${JSON.stringify(dir)}); process.stdout.write('locked'); setTimeout(() => {}, 30000);`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(holder, 'exit');
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the holder did not lock within 10 s')), 10_000);
      holder.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('locked')) {
          clearTimeout(timer);
          resolve();
        }
      });
      holder.once('exit', () => reject(new Error('the holder exited')));
    });
    assert.throws(() => lockDataDir(dir), (err: unknown) => err instanceof DataDirInUseError && err.holderPid === holder.pid);
    holder.kill('SIGKILL');
    await exited;
    // its pid is still in the file, but the kernel released its lock with the process
    assert.equal(nodeFs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'), `${holder.pid}\n`);
    const lock = lockDataDir(dir);
    assert.equal(lock.kind, 'native');
    lock.release();
  } finally {
    if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
    cleanup();
  }
});
