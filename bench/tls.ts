// TLS against plaintext, same broker, same run: kcat produces N records of SIZE bytes to a
// topic over the PLAINTEXT listener and to another over the SSL listener, then consumes each
// back from the beginning; median of RUNS with min–max. Plaintext fetches go out by sendfile,
// TLS ones through the read path (encryption happens in user space). Certificates are made with
// openssl in a temp dir. Writes a table and bench/results/tls-<date>-<size>B.json.
// Usage: node dist/bench/tls.js [records] [size] [runs]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makePki } from '../test/helpers/certs.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const N = Number(process.argv[2] ?? 500_000);
const SIZE = Number(process.argv[3] ?? 100);
const RUNS = Number(process.argv[4] ?? 3);
const PLAIN_PORT = Number(process.env.BENCH_PORT ?? 39150);
const TLS_PORT = PLAIN_PORT + 1;

function exec(cmd: string, args: string[], stdinFile?: string): Promise<{ code: number | null; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn('sh', ['-c', `exec "$@"${stdinFile ? ` < '${stdinFile}'` : ''}`, 'sh', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stderr, ms: performance.now() - t0 }));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-tls-'));
  const pki = makePki();
  const broker = spawn(process.execPath, [MAIN, 'start', '--log.dirs', join(dir, 'data'),
    '--listeners', `PLAINTEXT://127.0.0.1:${PLAIN_PORT},SSL://127.0.0.1:${TLS_PORT}`,
    '--ssl.keystore.location', pki.server.pem, '--num.partitions', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let log = '';
    broker.stderr!.on('data', (d: Buffer) => {
      log += d;
      if (log.includes('Samsa ready')) resolve();
    });
    broker.once('exit', (code) => reject(new Error(`broker exited ${code}: ${log}`)));
  });
  const file = join(dir, 'records.txt');
  const line = 'x'.repeat(SIZE - 1) + '\n';
  writeFileSync(file, line.repeat(N));
  const common = ['-X', 'linger.ms=10', '-X', 'batch.size=262144'];
  const listeners = {
    plaintext: ['-b', `127.0.0.1:${PLAIN_PORT}`],
    tls: ['-b', `127.0.0.1:${TLS_PORT}`, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${pki.ca}`],
  };
  const results: Record<string, { produce: number[]; consume: number[] }> = { plaintext: { produce: [], consume: [] }, tls: { produce: [], consume: [] } };
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const [name, args] of Object.entries(listeners)) {
        const topic = `bench-${name}-${run}`;
        const p = await exec('kcat', [...args, ...common, '-P', '-t', topic, '-X', 'acks=1'], file);
        if (p.code !== 0) throw new Error(`kcat produce over ${name} failed: ${p.stderr}`);
        results[name]!.produce.push((N * SIZE) / (p.ms / 1000));
        const c = await exec('kcat', [...args, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-X', 'fetch.max.bytes=52428800']);
        if (c.code !== 0) throw new Error(`kcat consume over ${name} failed: ${c.stderr}`);
        results[name]!.consume.push((N * SIZE) / (c.ms / 1000));
      }
    }
  } finally {
    broker.kill('SIGTERM');
    await new Promise((r) => broker.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
    pki.cleanup();
  }
  const mb = (x: number) => (x / 1024 / 1024).toFixed(1);
  const row = (what: string, xs: number[]) => `${what.padEnd(22)} ${mb(median(xs)).padStart(8)} MiB/s  (${mb(Math.min(...xs))}–${mb(Math.max(...xs))})`;
  const table = [
    `TLS vs plaintext: ${N} records of ${SIZE} B, kcat, median of ${RUNS}`,
    row('produce plaintext', results.plaintext!.produce),
    row('produce TLS', results.tls!.produce),
    row('consume plaintext', results.plaintext!.consume),
    row('consume TLS', results.tls!.consume),
    `TLS/plaintext: produce ${(median(results.tls!.produce) / median(results.plaintext!.produce)).toFixed(2)}, consume ${(median(results.tls!.consume) / median(results.plaintext!.consume)).toFixed(2)}`,
  ].join('\n');
  process.stdout.write(table + '\n');
  const date = new Date().toISOString().slice(0, 10);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const cpu = cpus()[0]?.model ?? 'unknown';
  let kcat = '';
  try {
    kcat = execFileSync('kcat', ['-V'], { encoding: 'utf8' }).split('\n')[0] ?? '';
  } catch {
    // kcat -V missing: leave it out
  }
  writeFileSync(join(ROOT, 'bench', 'results', `tls-${date}-${SIZE}B.json`), JSON.stringify({ date, records: N, size: SIZE, runs: RUNS, cpu, cores: cpus().length, kcat, bytesPerSecond: results }, null, 2) + '\n');
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
