#!/usr/bin/env node
// The samsa command. `start` is dispatched without loading the client-side commands so the
// broker starts fast.
const [command, ...rest] = process.argv.slice(2);

async function main(): Promise<number> {
  if (command === 'start') {
    const { runStart } = await import('./start.js');
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
