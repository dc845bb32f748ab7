/**
 * The broker's side of a controlled shutdown (Kafka's KafkaServer.controlledShutdown): before
 * it stops, a broker of a cluster asks the controller to move its leaderships elsewhere and take
 * it out of every ISR, so that producers find new leaders at once instead of after the session
 * timeout, and acks=all never waits on a replica that is about to go. It retries while the
 * controller reports partitions it could not move (no other in-sync replica), up to
 * controlled.shutdown.max.retries attempts, then stops regardless.
 */
import { Connection, type PeerSecurity } from '../client/connection.js';
import type { MetadataImage } from '../cluster/metadata-image.js';
import { ErrorCode, errorInfo } from '../protocol/errors.js';
import { ControlledShutdown } from '../protocol/messages/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';

export interface ControlledShutdownOptions {
  nodeId: number;
  brokerEpoch: () => number;
  image: () => MetadataImage;
  /** controlled.shutdown.max.retries: the number of attempts. */
  attempts: number;
  /** controlled.shutdown.retry.backoff.ms */
  retryBackoffMs: number;
  /** Bounds each attempt (connect and answer). */
  requestTimeoutMs: number;
  /** The inter-broker listener's TLS and SASL. */
  peer?: PeerSecurity;
  clock: Clock;
  log: Logger;
}

/** True when the controller moved everything; false after the last attempt failed. */
export async function controlledShutdown(opts: ControlledShutdownOptions): Promise<boolean> {
  const started = opts.clock.now();
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    let why: string;
    try {
      const remaining = await askController(opts);
      if (remaining === 0) {
        opts.log.info({ attempt, ms: opts.clock.now() - started }, 'controlled shutdown: the controller moved this broker\'s leaderships');
        return true;
      }
      why = `${remaining} partitions still led here (no other in-sync replica)`;
    } catch (err) {
      why = err instanceof Error ? err.message : String(err);
    }
    opts.log.warn({ attempt, of: opts.attempts, reason: why }, 'controlled shutdown attempt failed');
    if (attempt < opts.attempts) await new Promise<void>((r) => opts.clock.schedule(opts.retryBackoffMs, r));
  }
  opts.log.warn({ ms: opts.clock.now() - started }, 'controlled shutdown did not complete; stopping anyway');
  return false;
}

/** One ControlledShutdown request to the controller the metadata names: the partitions it still leaves here. */
async function askController(opts: ControlledShutdownOptions): Promise<number> {
  const image = opts.image();
  const controller = image.controllerId >= 0 ? image.broker(image.controllerId) : undefined;
  if (!controller) throw new Error('no controller known');
  const conn = new Connection({ host: controller.host, port: controller.port, clientId: `samsa-controlled-shutdown-${opts.nodeId}`, connectTimeoutMs: opts.requestTimeoutMs, requestTimeoutMs: opts.requestTimeoutMs, ...opts.peer });
  try {
    await conn.connect();
    const version = conn.versionFor(ControlledShutdown);
    if (version < 2) throw new Error(`the controller (broker ${controller.id}) does not serve ControlledShutdown v2+`);
    const res = await conn.sendAt(ControlledShutdown, version, { brokerId: opts.nodeId, brokerEpoch: opts.brokerEpoch() });
    if (res.errorCode !== ErrorCode.NONE) throw new Error(`the controller (broker ${controller.id}) answered ${errorInfo(res.errorCode).name}`);
    return res.remainingPartitions.length;
  } finally {
    conn.close();
  }
}
