import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerConfig } from '../config/broker-config.js';
import { SamsaNode, type SamsaNodeOptions } from './samsa-node.js';

export interface StartedBroker {
  broker: SamsaNode;
  /** host:port for clients' bootstrap.servers. */
  bootstrap: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts a broker inside this process. With no options: an ephemeral port on 127.0.0.1 and the
 * data directory given (or a new temporary one, removed on stop).
 */
export async function startBroker(settings: Record<string, string> = {}, opts: { dataDir?: string } & SamsaNodeOptions = {}): Promise<StartedBroker> {
  const ownDir = opts.dataDir === undefined && settings['log.dirs'] === undefined && settings['log.dir'] === undefined;
  const dir = opts.dataDir ?? (ownDir ? mkdtempSync(join(tmpdir(), 'samsa-')) : undefined);
  const flags = new Map(Object.entries({ listeners: 'PLAINTEXT://127.0.0.1:0', ...(dir ? { 'log.dirs': dir } : {}), ...settings }));
  const broker = new SamsaNode(new BrokerConfig([['override', flags]]), opts);
  await broker.start();
  const { host, port } = broker.endpoint;
  return {
    broker,
    bootstrap: `${host}:${port}`,
    port,
    async stop() {
      await broker.stop();
      if (ownDir && dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
