// A broker's ZooKeeper session after an expiry: a new one is made while the broker may be
// stopping. A session that completes after the stop is closed at once; kept, its socket would
// hold the stopped broker's process open for good.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { BrokerMetadata } from '../../../src/cluster/zk-mode/broker-metadata.js';
import { ZkBroker } from '../../../src/cluster/zk-mode/zk-broker.js';
import { ManualClock } from '../../../src/util/clock.js';
import { waitFor } from '../../helpers/broker-process.js';

test('a session that completes after the broker stopped is closed, and nothing is registered with it', async () => {
  const log = pino({ level: 'silent' });
  const broker = new ZkBroker({ connect: '127.0.0.1:1', sessionTimeoutMs: 3000, connectionTimeoutMs: 3000, brokerId: 1, listenerName: 'PLAINTEXT', clock: new ManualClock(), log, controllerLog: log }, new BrokerMetadata('cluster', 1, () => -1));
  let complete!: (c: unknown) => void;
  const made: string[] = [];
  const session = { close: async () => void made.push('close'), create: async () => void made.push('create'), getData: async () => void made.push('getData'), getChildren: async () => void made.push('getChildren') };
  const internals = broker as unknown as { newSession(): Promise<unknown>; renewSession(): Promise<void>; self: unknown };
  internals.self = { id: 1, host: '127.0.0.1', port: 9092, rack: null };
  internals.newSession = () => new Promise((resolve) => (complete = resolve));
  const renewing = internals.renewSession();
  await broker.stop();
  complete(session);
  await waitFor(() => made.length > 0, { timeoutMs: 5000, what: 'the new session used' });
  assert.deepEqual(made, ['close'], 'closed, not registered with');
  await renewing;
  assert.throws(() => broker.zk, /not connected/);
});
