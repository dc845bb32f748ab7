/**
 * `samsa dev cluster`: a local cluster for trying cluster mode — a ZooKeeper server (Debian's
 * `zookeeper` package) and N brokers, each a `samsa start` process with its data under one
 * folder. Addresses are printed once every broker is ready; Ctrl-C stops the brokers, then
 * ZooKeeper. Data is kept, so the same command starts the same cluster again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DevClusterOptions {
  brokers: number;
  dir: string;
  /** The first broker's port; the others follow. */
  port: number;
  zookeeperPort: number;
  /** Broker 1's admin (metrics, console) port; the others follow; 0: each an ephemeral one. */
  adminPort: number;
  /** host:port of a ZooKeeper already running (none is started then). */
  zookeeper?: string;
  host: string;
}

const JAVA = '/usr/bin/java';
const ZK_CLASSPATH = ['/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-simple.jar'];

export class DevClusterError extends Error {}

function ruok(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect({ host, port });
    let answer = '';
    const t = setTimeout(() => {
      s.destroy();
      done(false);
    }, 1000);
    s.on('connect', () => s.end('ruok'));
    s.on('data', (d) => (answer += d.toString()));
    s.on('error', () => {
      clearTimeout(t);
      done(false);
    });
    s.on('close', () => {
      clearTimeout(t);
      done(answer === 'imok');
    });
  });
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new DevClusterError(`${what} within ${timeoutMs / 1000} s`);
}

function startZooKeeper(dir: string, host: string, port: number): ChildProcess {
  if (!ZK_CLASSPATH.every(existsSync) || !existsSync(JAVA)) {
    throw new DevClusterError('ZooKeeper is not installed: apt install zookeeper (or pass --zookeeper HOST:PORT of one that runs)');
  }
  const data = join(dir, 'zookeeper');
  mkdirSync(data, { recursive: true });
  const cfg = join(dir, 'zookeeper.cfg');
  writeFileSync(cfg, [`tickTime=500`, `dataDir=${data}`, `clientPort=${port}`, `clientPortAddress=${host}`, 'admin.enableServer=false', '4lw.commands.whitelist=ruok,srvr,stat', 'maxSessionTimeout=30000', ''].join('\n'));
  const out = openSync(join(dir, 'zookeeper.log'), 'a');
  return spawn(JAVA, ['-Xmx256m', '-XX:+UseSerialGC', '-Dzookeeper.jmx.log4j.disable=true', '-cp', ZK_CLASSPATH.join(':'), 'org.apache.zookeeper.server.quorum.QuorumPeerMain', cfg], { stdio: ['ignore', out, out] });
}

/** Starts everything; resolves with the exit code once stopped (Ctrl-C) or when a process died. */
export async function runDevCluster(o: DevClusterOptions, print: (line: string) => void): Promise<number> {
  if (!Number.isInteger(o.brokers) || o.brokers < 1 || o.brokers > 32) throw new DevClusterError(`--brokers must be 1 to 32, got ${o.brokers}`);
  const dir = resolve(o.dir);
  mkdirSync(dir, { recursive: true });
  const children: ChildProcess[] = [];
  const logs: Array<ReturnType<typeof createWriteStream>> = [];
  let zk: ChildProcess | null = null;
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
    // Bounds on the waits that do not hold the process once everything has exited.
    const grace = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
    for (const c of children) c.kill('SIGTERM');
    await Promise.race([Promise.all(children.map(exited)), grace(15_000)]);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    if (zk) {
      zk.kill('SIGTERM');
      await Promise.race([exited(zk), grace(5000)]);
    }
    for (const l of logs) l.end();
  };
  // Ctrl-C while the cluster is still starting stops what was started.
  let interrupted: (() => void) | null = null;
  const onEarlySignal = () => {
    void stopAll().then(() => interrupted?.());
  };
  process.on('SIGINT', onEarlySignal);
  process.on('SIGTERM', onEarlySignal);
  const early = new Promise<never>((_, reject) => (interrupted = () => reject(new DevClusterError('interrupted while starting'))));
  early.catch(() => {});
  try {
    let connectString = o.zookeeper;
    if (!connectString) {
      zk = startZooKeeper(dir, o.host, o.zookeeperPort);
      connectString = `${o.host}:${o.zookeeperPort}`;
      const z = zk;
      await until(`ZooKeeper did not answer on ${connectString} (see ${join(dir, 'zookeeper.log')})`, 30_000, async () => {
        if (z.exitCode !== null) throw new DevClusterError(`ZooKeeper exited (code ${z.exitCode}); see ${join(dir, 'zookeeper.log')}`);
        return ruok(o.host, o.zookeeperPort);
      });
    }
    const cli = fileURLToPath(new URL('./main.js', import.meta.url));
    const ready: Array<Promise<string>> = [];
    for (let id = 1; id <= o.brokers; id++) {
      const port = o.port + id - 1;
      const logFile = createWriteStream(join(dir, `broker-${id}.log`), { flags: 'a' });
      logs.push(logFile);
      const child = spawn(process.execPath, [cli, 'start', '--broker.id', String(id), '--zookeeper.connect', connectString, '--listeners', `PLAINTEXT://${o.host}:${port}`, '--log.dirs', join(dir, `broker-${id}`), '--admin.listeners', `http://${o.host}:${o.adminPort === 0 ? 0 : o.adminPort + id - 1}`], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, SAMSA_LOG_LEVEL: process.env['SAMSA_LOG_LEVEL'] ?? 'info' },
      });
      children.push(child);
      ready.push(new Promise((res, rej) => {
        let seen = '';
        let isReady = false;
        child.stderr!.setEncoding('utf8');
        child.stderr!.pipe(logFile);
        child.stderr!.on('data', (s: string) => {
          if (isReady) return;
          seen += s;
          if (/Samsa ready on/.test(seen)) {
            isReady = true;
            res(`broker ${id} at ${o.host}:${port} (data in ${join(dir, `broker-${id}`)})`);
          }
        });
        child.once('exit', (code, signal) => rej(new DevClusterError(`broker ${id} exited (${code ?? signal}) before it was ready; see ${join(dir, `broker-${id}.log`)}`)));
      }));
    }
    const lines = await Promise.race([Promise.all(ready), early]);
    process.off('SIGINT', onEarlySignal);
    process.off('SIGTERM', onEarlySignal);
    for (const l of lines) print(l);
    print(`ZooKeeper at ${connectString}; bootstrap: ${Array.from({ length: o.brokers }, (_, i) => `${o.host}:${o.port + i}`).join(',')}`);
    print('Ctrl-C stops the cluster.');
    return await new Promise<number>((done) => {
      const finish = (code: number) => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        done(code);
      };
      const onSignal = () => void stopAll().then(() => finish(0));
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      for (const [i, c] of children.entries()) {
        c.once('exit', (code, signal) => {
          if (stopping) return;
          print(`broker ${i + 1} exited (${code ?? signal}); stopping the cluster`);
          void stopAll().then(() => finish(1));
        });
      }
    });
  } catch (err) {
    process.off('SIGINT', onEarlySignal);
    process.off('SIGTERM', onEarlySignal);
    await stopAll();
    throw err;
  }
}
