/**
 * Ports for test servers that must come back on the same port (a restarted broker, a ZooKeeper
 * member) or that are handed to a process before it listens.
 *
 * A port taken with bind(0) and released comes from the kernel's ephemeral range, the same range
 * every outgoing connection of every test draws its local port from: between the release and the
 * server's bind (or between a kill and the restart), a client connection can take it, and the
 * server dies with EADDRINUSE. So ports come from below that range, where the kernel never hands
 * out a port on its own, and each is reserved across the parallel test processes by a file created
 * exclusively under the temporary directory; reservations of dead processes are taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const reservations = join(tmpdir(), 'samsa-test-ports');
const mine: string[] = [];
let cleanupInstalled = false;

function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && Number.isInteger(low)) return low;
  } catch {
    // not Linux: IANA's dynamic range
  }
  return 49152;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates the reservation file for `port`, or takes over one whose owner is gone. */
function claim(port: number): boolean {
  const file = join(reservations, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      mine.push(file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(readFileSync(file, 'utf8'));
      } catch {
        // being written or removed right now: leave it to its owner
        return false;
      }
      // an empty file is one being written by its creator
      if (!Number.isInteger(owner) || owner <= 0 || alive(owner)) return false;
      rmSync(file, { force: true });
    }
  }
  return false;
}

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/** `n` distinct ports, free now and reserved for this process until it exits. */
export async function reservePorts(n: number, host = '127.0.0.1'): Promise<number[]> {
  mkdirSync(reservations, { recursive: true });
  if (!cleanupInstalled) {
    cleanupInstalled = true;
    process.once('exit', () => {
      for (const f of mine) rmSync(f, { force: true });
    });
  }
  const high = ephemeralLow() - 1;
  const low = Math.max(1024, Math.min(10_000, high - 2000));
  const ports: number[] = [];
  for (let tries = 0; ports.length < n; tries++) {
    if (tries > 5000) throw new Error(`no free port between ${low} and ${high}`);
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (ports.includes(port) || !claim(port)) continue;
    // reserved by no test, but some other program may be listening there
    if (await bindable(port, host)) ports.push(port);
  }
  return ports;
}

export async function reservePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await reservePorts(1, host);
  return port!;
}
