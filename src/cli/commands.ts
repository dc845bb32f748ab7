/** Client-side commands (topic, produce, consume, group, cluster, perf). */
export async function runCli(args: string[]): Promise<number> {
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h') {
    process.stdout.write('Usage: samsa <command>\n\nCommands:\n  start    run a broker (samsa start --help)\n');
    return args.length === 0 ? 1 : 0;
  }
  process.stderr.write(`samsa: unknown command "${args[0]}" (try samsa --help)\n`);
  return 1;
}
