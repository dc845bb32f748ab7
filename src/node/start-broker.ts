import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerConfig } from '../config/broker-config.js';
import { log } from '../util/log.js';
import { SamsaNode, type SamsaNodeOptions } from './samsa-node.js';

export interface StartedBroker {
  broker: SamsaNode;
  /** host:port for clients' bootstrap.servers. */
  bootstrap: string;
  port: number;
  /** http://host:port of /metrics, /health, /ready and the console (null when admin.listeners is empty). */
  adminUrl: string | null;
  stop(): Promise<void>;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface StartBrokerOptions extends SamsaNodeOptions {
  /** Keep the data here (not removed on stop) instead of in a new temporary directory. */
  dataDir?: string;
  /**
   * The level of the process's Samsa logger (one for the whole process, so the last broker
   * started sets it). Default: SAMSA_LOG_LEVEL, else warn — an embedded broker's info lines
   * would only fill the output of the tests that embed it.
   */
  logLevel?: LogLevel;
}

/**
 * Settings an embedded broker starts with unless told otherwise. A test's consumer group should
 * not wait three seconds for members that will never come (Testcontainers' Kafka sets the same);
 * the HTTP listener takes a free port, so that brokers in one process or on one machine never collide.
 */
const EMBEDDED_DEFAULTS: Readonly<Record<string, string>> = { 'group.initial.rebalance.delay.ms': '0', 'admin.listeners': 'http://127.0.0.1:0' };

/**
 * Starts a broker inside this process. With no options: an ephemeral port on 127.0.0.1 and the
 * data directory given (or a new temporary one, removed on stop and when the start fails).
 */
export async function startBroker(settings: Record<string, string> = {}, opts: StartBrokerOptions = {}): Promise<StartedBroker> {
  log.level = opts.logLevel ?? process.env.SAMSA_LOG_LEVEL ?? 'warn';
  const ownDir = opts.dataDir === undefined && settings['log.dirs'] === undefined && settings['log.dir'] === undefined;
  const dir = opts.dataDir ?? (ownDir ? mkdtempSync(join(tmpdir(), 'samsa-')) : undefined);
  const removeOwnDir = () => {
    if (ownDir && dir) rmSync(dir, { recursive: true, force: true });
  };
  const flags = new Map(Object.entries({ listeners: 'PLAINTEXT://127.0.0.1:0', ...EMBEDDED_DEFAULTS, ...(dir ? { 'log.dirs': dir } : {}), ...settings }));
  let broker: SamsaNode | undefined;
  try {
    broker = new SamsaNode(new BrokerConfig([['override', flags]]), opts);
    await broker.start();
  } catch (err) {
    // The node may hold the data directory's lock and open files: release them before removing it.
    await broker?.stop().catch(() => undefined);
    removeOwnDir();
    throw err;
  }
  const started = broker;
  const { host, port } = started.endpoint;
  return {
    broker: started,
    bootstrap: `${host}:${port}`,
    port,
    adminUrl: started.adminUrl,
    async stop() {
      await started.stop();
      removeOwnDir();
    },
  };
}
