import { BrokerConfig } from '../config/broker-config.js';
import { ConfigError } from '../config/parse.js';
import { SamsaNode } from '../node/samsa-node.js';
import { log } from '../util/log.js';

/** How long a cleanly stopped broker may take to end by itself (its last sockets closing). */
const HELD_OPEN_GRACE_MS = 2000;

const USAGE = `Usage: samsa start [--config FILE] [--<setting> VALUE | --<setting>=VALUE | --override <setting>=VALUE]...

Starts a broker. Settings use Kafka's names (listeners, log.dirs, num.partitions, ...) and are
read from the config file, then SAMSA_* environment variables, then flags (later wins).

Example:
  samsa start --log.dirs ./data --num.partitions 3`;

/** Parses `start`'s arguments into the config file path and flag settings. */
export function parseStartArgs(args: string[]): { file?: string; flags: Map<string, string>; help: boolean } {
  const flags = new Map<string, string>();
  let file: string | undefined;
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--help' || a === '-h') {
      help = true;
      continue;
    }
    if (!a.startsWith('--')) throw new ConfigError(`unexpected argument "${a}"`);
    let name = a.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    } else {
      value = args[++i];
      if (value === undefined) throw new ConfigError(`missing value for --${name}`);
    }
    if (name === 'config') file = value;
    else if (name === 'override') {
      const k = value.indexOf('=');
      if (k <= 0) throw new ConfigError(`--override expects setting=value, got "${value}"`);
      flags.set(value.slice(0, k), value.slice(k + 1));
    } else flags.set(name, value);
  }
  return { ...(file !== undefined ? { file } : {}), flags, help };
}

export async function runStart(args: string[]): Promise<number> {
  let broker: SamsaNode | undefined;
  try {
    const parsed = parseStartArgs(args);
    if (parsed.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    const config = BrokerConfig.load({ ...(parsed.file ? { file: parsed.file } : {}), env: process.env, flags: parsed.flags });
    broker = new SamsaNode(config);
    await broker.start();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`samsa: ${err.message}\n`);
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    const where = (e as { address?: string; port?: number }).address ? ` (${(e as { address?: string }).address}:${(e as { port?: number }).port})` : '';
    process.stderr.write(`samsa: cannot start: ${e.code === 'EADDRINUSE' ? `address already in use${where}` : e.message}\n`);
    // What started before the failure (the listener, the ZooKeeper session, the data dir's
    // lock) is let go, so the process ends instead of serving half a broker.
    await broker?.stop().catch(() => {});
    return 1;
  }
  const { host, port } = broker.endpoint;
  const admin = broker.adminUrl;
  log.info(
    { listener: `${host}:${port}`, ...(admin ? { admin } : {}), dataDir: broker.config.dataDir, clusterId: broker.clusterId, nodeId: broker.nodeId, startupMs: Math.round(performance.now()) },
    `Samsa ready on ${host}:${port}${admin ? `; metrics and console on ${admin}` : ''}`,
  );
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      broker
        .stop()
        .then(
          () => {
            log.info('stopped cleanly');
            return 0;
          },
          (err: unknown) => {
            log.error({ err }, 'error during shutdown');
            return 1;
          },
        )
        .then((code) => {
          log.flush();
          resolve(code);
          // Kafka's broker exits once stopped. Here the process ends when nothing holds it any
          // more; what still holds it after the grace is a leak: it is named, and the process exits.
          setTimeout(() => {
            log.warn({ resources: process.getActiveResourcesInfo() }, 'still held open after the stop; exiting');
            log.flush(() => process.exit(code));
          }, HELD_OPEN_GRACE_MS).unref();
        });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
