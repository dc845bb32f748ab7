#!/usr/bin/env node
// The samsa command. `start` is dispatched without loading the client-side commands, and from
// the bundled start module when the build made one, so the broker starts fast.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [command, ...rest] = process.argv.slice(2);

// `samsa consume t | head`: once the reader is gone nothing more can be printed, and that is the
// reader's choice, not a failure worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  process.stderr.write(`samsa: cannot write output: ${err.message}\n`);
  process.exit(1);
});

type StartModule = typeof import('./start.js');

/** The bundle, unless it is missing or older than the modules it was made from (a tsc-only build). */
async function loadStart(): Promise<StartModule> {
  const bundled = './start.bundle.js';
  try {
    const bundleTime = statSync(fileURLToPath(new URL(bundled, import.meta.url))).mtimeMs;
    const sourceTime = statSync(fileURLToPath(new URL('./start.js', import.meta.url))).mtimeMs;
    if (bundleTime >= sourceTime) return (await import(bundled)) as StartModule;
  } catch {
    // no bundle: the modules serve
  }
  return import('./start.js');
}

async function main(): Promise<number> {
  if (command === 'start') {
    const { runStart } = await loadStart();
    return runStart(rest);
  }
  const { runCli } = await import('./commands.js');
  return runCli(process.argv.slice(2));
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`samsa: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
