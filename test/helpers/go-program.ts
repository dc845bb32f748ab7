/**
 * Builds the Go programs of test/interop/go/ against the Go libraries Debian packages
 * (golang-github-shopify-sarama-dev, golang-github-segmentio-kafka-go-dev: sources under
 * /usr/share/gocode, GOPATH style), offline: nothing is downloaded. Each binary is cached in the
 * temporary directory under a hash of its source, so a test file builds it once.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runOk } from './broker-process.js';

export const GO = '/usr/bin/go';
export const GOPATH = '/usr/share/gocode';

/** Whether the Go toolchain and the given Debian Go packages are installed. */
export function goAvailable(...packages: string[]): boolean {
  return existsSync(GO) && packages.every((p) => existsSync(join(GOPATH, 'src', p)));
}

/** The path of the built program test/interop/go/<name>.go (or test/<folder>/<name>.go). */
export async function goProgram(name: string, folder = join('interop', 'go')): Promise<string> {
  const src = join(repoRoot, 'test', folder, `${name}.go`);
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'samsa-go');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${name}-${hash}`);
  if (existsSync(out)) return out;
  const tmp = `${out}.${process.pid}.tmp`;
  await runOk(GO, ['build', '-o', tmp, src], {
    timeoutMs: 300_000,
    env: { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '', GOPROXY: 'off', GOCACHE: join(dir, 'cache') },
  });
  renameSync(tmp, out);
  return out;
}
