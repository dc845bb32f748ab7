// `samsa dev cluster --brokers 3`: ZooKeeper and three brokers from one command, their
// addresses printed, kcat sees the whole cluster; Ctrl-C (SIGINT) stops every process, and the
// same command on the same folder brings the same cluster (same id, same topics) back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, runOk, waitFor } from '../helpers/broker-process.js';
import { freePorts, zookeeperAvailable } from '../helpers/zookeeper-process.js';

function startDevCluster(dir: string, port: number, zkPort: number): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [cliPath, 'dev', 'cluster', '--brokers', '3', '--dir', dir, '--port', String(port), '--zookeeper-port', String(zkPort), '--admin-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  return { child, output: () => out };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

test('samsa dev cluster starts ZooKeeper and 3 brokers, stops them all on Ctrl-C, and starts the same cluster again', { skip: !zookeeperAvailable() && 'Debian zookeeper not installed', timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-dev-cluster-'));
  // Three consecutive free ports for the brokers: try a few starting points.
  const [zkPort, base] = await freePorts(2);
  const port = 20_000 + (base! % 20_000);
  const started: ChildProcess[] = [];
  try {
    let { child, output } = startDevCluster(dir, port, zkPort!);
    started.push(child);
    await waitFor(() => output().includes('Ctrl-C stops the cluster'), { timeoutMs: 60_000, what: `the cluster ready: ${output()}` });
    for (let id = 1; id <= 3; id++) assert.match(output(), new RegExp(`broker ${id} at 127\\.0\\.0\\.1:${port + id - 1}`));
    const md = JSON.parse(await runOk('kcat', ['-b', `127.0.0.1:${port + 1}`, '-L', '-J'], { timeoutMs: 20_000 })) as { brokers: Array<{ id: number }>; controllerid: number };
    assert.deepEqual(md.brokers.map((b) => b.id).sort(), [1, 2, 3]);
    assert.ok([1, 2, 3].includes(md.controllerid));
    await runOk('kcat', ['-b', `127.0.0.1:${port}`, '-P', '-t', 'dev-topic', '-X', 'acks=all'], { input: 'one\ntwo\n', timeoutMs: 30_000 });
    assert.equal(await stop(child), 0);
    // Every broker and ZooKeeper gone: their ports are free again.
    await waitFor(async () => (await runOk('bash', ['-c', `ss -ltnH "( sport = :${port} or sport = :${port + 1} or sport = :${port + 2} or sport = :${zkPort} )" | wc -l`])).trim() === '0', { timeoutMs: 10_000, what: 'the cluster\'s ports free' });

    ({ child, output } = startDevCluster(dir, port, zkPort!));
    started.push(child);
    await waitFor(() => output().includes('Ctrl-C stops the cluster'), { timeoutMs: 60_000, what: `the cluster ready again: ${output()}` });
    const again = await runOk('kcat', ['-b', `127.0.0.1:${port + 2}`, '-C', '-t', 'dev-topic', '-e', '-o', 'beginning', '-f', '%s\n'], { timeoutMs: 30_000 });
    assert.deepEqual(again.trim().split('\n').sort(), ['one', 'two']);
    assert.equal(await stop(child), 0);
  } finally {
    // A failed test stops the cluster it started before removing its files.
    for (const c of started) if (c.exitCode === null && c.signalCode === null) await stop(c);
    rmSync(dir, { recursive: true, force: true });
  }
});
