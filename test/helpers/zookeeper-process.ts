/**
 * Real ZooKeeper servers for tests, from Debian's `zookeeper` package (3.8; jars under
 * /usr/share/java, run with the system's Java 17).
 *
 * - `ZooKeeperEnsemble.start({ servers: 1 })`: a standalone server; `{ servers: 3 }`: an ensemble
 *   (server.N=127.0.0.1:<quorum>:<election>, a myid file per member). Every member gets its own
 *   temporary data dir and free ports, and `start` waits (bounded) until each one serves.
 * - Members: `kill(id)` (SIGKILL), `freeze(id)` / `resume(id)` (SIGSTOP / SIGCONT),
 *   `restart(id)` (same config and data), `mode(id)` (`srvr`: leader / follower / standalone, or
 *   null when not serving), `waitServing(id)`.
 * - `stop()` kills every member and removes the files; members still alive when the test process
 *   exits are killed from an exit hook, so a failing test never leaves a JVM behind.
 *
 * The servers run with a short tick (default 200 ms) so session timeouts of a few seconds are
 * allowed (minSessionTimeout = 2 ticks, maxSessionTimeout as configured) and with forceSync off:
 * the tests are about protocol and failover, not about ZooKeeper's durability.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './broker-process.js';
import { reservePorts } from './ports.js';

const JAVA = '/usr/bin/java';
/** zookeeper.jar names the rest of its classpath in its manifest; slf4j-simple gives its log lines somewhere to go. */
const CLASSPATH = ['/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-simple.jar'].join(':');

/** True when Debian's ZooKeeper and a Java runtime are installed (scripts/test-deps.sh installs them). */
export function zookeeperAvailable(): boolean {
  return existsSync('/usr/share/java/zookeeper.jar') && existsSync(JAVA);
}

/** `n` distinct free ports, reserved for this test process (see ports.ts). */
export function freePorts(n: number): Promise<number[]> {
  return reservePorts(n);
}

/** Sends a four-letter-word command and returns the answer ('' when the server does not answer within timeoutMs). */
export function fourLetterWord(port: number, cmd: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(done, timeoutMs);
    sock.on('connect', () => sock.write(cmd));
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', () => {});
    sock.on('close', done);
  });
}

export type ZkMode = 'leader' | 'follower' | 'standalone' | 'observer';

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

export class ZooKeeperMember {
  proc: ChildProcess | null = null;
  frozen = false;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly id: number,
    readonly clientPort: number,
    readonly dir: string,
    private readonly cfgPath: string,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.clientPort}`;
  }

  get logPath(): string {
    return join(this.dir, 'server.log');
  }

  get running(): boolean {
    return this.proc !== null;
  }

  spawn(): void {
    if (this.proc) throw new Error(`zookeeper ${this.id} is already running`);
    const out = openSync(this.logPath, 'a');
    const proc = spawn(
      JAVA,
      [
        '-Xmx192m',
        '-Xss512k',
        '-XX:+UseSerialGC',
        // Startup time is what matters here, not peak throughput.
        '-XX:TieredStopAtLevel=1',
        '-Djava.net.preferIPv4Stack=true',
        '-Dzookeeper.jmx.log4j.disable=true',
        '-Dorg.slf4j.simpleLogger.showDateTime=true',
        '-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS',
        '-cp',
        CLASSPATH,
        'org.apache.zookeeper.server.quorum.QuorumPeerMain',
        this.cfgPath,
      ],
      { stdio: ['ignore', out, out] },
    );
    closeSync(out);
    this.proc = proc;
    this.frozen = false;
    live.add(proc);
    this.exited = new Promise<void>((resolve) => {
      proc.once('exit', () => {
        live.delete(proc);
        if (this.proc === proc) this.proc = null;
        resolve();
      });
    });
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p) return;
    p.kill('SIGKILL');
    await this.exited;
    this.frozen = false;
  }

  /** SIGSTOP: the process keeps its sockets open but answers nothing, as a hung server does. */
  freeze(): void {
    if (!this.proc) throw new Error(`zookeeper ${this.id} is not running`);
    this.proc.kill('SIGSTOP');
    this.frozen = true;
  }

  resume(): void {
    if (!this.proc) throw new Error(`zookeeper ${this.id} is not running`);
    this.proc.kill('SIGCONT');
    this.frozen = false;
  }

  /** What `srvr` says this member is, or null when it is not serving clients. */
  async mode(): Promise<ZkMode | null> {
    if (!this.proc || this.frozen) return null;
    const m = /^Mode: (\w+)/m.exec(await fourLetterWord(this.clientPort, 'srvr'));
    return m ? (m[1] as ZkMode) : null;
  }

  async waitServing(timeoutMs = 20_000): Promise<ZkMode> {
    return waitFor(() => this.mode(), { timeoutMs, intervalMs: 50, what: `zookeeper ${this.id} on ${this.address} to serve` }).catch((err: Error) => {
      throw new Error(`${err.message}\n--- ${this.logPath} (tail) ---\n${this.logTail()}`);
    });
  }

  logTail(lines = 40): string {
    try {
      return readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

export interface EnsembleOptions {
  /** 1 for a standalone server, 3 (or any odd number) for an ensemble. */
  servers: number;
  /** Default 200 ms. */
  tickTimeMs?: number;
  /** Default 20 ticks (ZooKeeper's default). */
  maxSessionTimeoutMs?: number;
  /** Bound on the wait for every member to serve; default 30 s. */
  startTimeoutMs?: number;
  /** Where clients connect; default 127.0.0.1 (0.0.0.0: also from network namespaces bridged to this host). */
  clientPortAddress?: string;
}

export class ZooKeeperEnsemble {
  private constructor(
    readonly root: string,
    readonly members: ZooKeeperMember[],
    readonly tickTimeMs: number,
  ) {}

  static async start(opts: EnsembleOptions): Promise<ZooKeeperEnsemble> {
    const n = opts.servers;
    const tick = opts.tickTimeMs ?? 200;
    const root = mkdtempSync(join(tmpdir(), 'samsa-zk-'));
    const ports = await freePorts(n * 3);
    const members: ZooKeeperMember[] = [];
    const serverLines: string[] = [];
    for (let i = 0; i < n && n > 1; i++) serverLines.push(`server.${i + 1}=127.0.0.1:${ports[n + 2 * i]}:${ports[n + 2 * i + 1]}`);
    for (let i = 0; i < n; i++) {
      const id = i + 1;
      const dir = join(root, `zk${id}`);
      const dataDir = join(dir, 'data');
      mkdirSync(dataDir, { recursive: true });
      if (n > 1) writeFileSync(join(dataDir, 'myid'), `${id}\n`);
      const cfg = [
        `tickTime=${tick}`,
        'initLimit=10',
        'syncLimit=5',
        `dataDir=${dataDir}`,
        `clientPort=${ports[i]}`,
        `clientPortAddress=${opts.clientPortAddress ?? '127.0.0.1'}`,
        `minSessionTimeout=${2 * tick}`,
        `maxSessionTimeout=${opts.maxSessionTimeoutMs ?? 20 * tick}`,
        'admin.enableServer=false',
        '4lw.commands.whitelist=srvr,ruok,stat,mntr,cons',
        // Passed on as the zookeeper.* system properties: no fsync and a small preallocated log.
        'forceSync=no',
        'preAllocSize=1024',
        // Election connections to a frozen peer give up after this (default 5 s).
        'cnxTimeout=1000',
        ...serverLines,
      ];
      const cfgPath = join(dir, 'zoo.cfg');
      writeFileSync(cfgPath, cfg.join('\n') + '\n');
      members.push(new ZooKeeperMember(id, ports[i]!, dir, cfgPath));
    }
    const ens = new ZooKeeperEnsemble(root, members, tick);
    try {
      for (const m of members) m.spawn();
      await Promise.all(members.map((m) => m.waitServing(opts.startTimeoutMs ?? 30_000)));
    } catch (err) {
      await ens.stop();
      throw err;
    }
    return ens;
  }

  member(id: number): ZooKeeperMember {
    const m = this.members.find((x) => x.id === id);
    if (!m) throw new Error(`no zookeeper member ${id}`);
    return m;
  }

  /** `host:port,...` of every member, in id order, with an optional chroot. */
  connectString(chroot = ''): string {
    return this.members.map((m) => m.address).join(',') + chroot;
  }

  /** The member whose client address is `address` (host:port). */
  byAddress(address: string): ZooKeeperMember {
    const m = this.members.find((x) => x.address === address);
    if (!m) throw new Error(`no zookeeper member at ${address}`);
    return m;
  }

  async leader(timeoutMs = 20_000): Promise<ZooKeeperMember> {
    return waitFor(
      async () => {
        for (const m of this.members) if ((await m.mode()) === 'leader') return m;
        return null;
      },
      { timeoutMs, intervalMs: 50, what: 'a zookeeper leader' },
    );
  }

  kill(id: number): Promise<void> {
    return this.member(id).kill();
  }

  freeze(id: number): void {
    this.member(id).freeze();
  }

  resume(id: number): void {
    this.member(id).resume();
  }

  /** Starts a killed member again with its config and data, and waits until it serves. */
  async restart(id: number, timeoutMs = 30_000): Promise<void> {
    const m = this.member(id);
    await m.kill();
    m.spawn();
    await m.waitServing(timeoutMs);
  }

  /** Kills every member and removes the data. Safe to call more than once. */
  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.kill()));
    rmSync(this.root, { recursive: true, force: true });
  }

  /** The tail of every member's log, for a failure message. */
  logs(): string {
    return this.members.map((m) => `--- zookeeper ${m.id} ---\n${m.logTail()}`).join('\n');
  }
}
