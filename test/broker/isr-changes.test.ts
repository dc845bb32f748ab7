// A leader's ISR changes go to the controller with AlterPartition, one request in flight. When
// the controller moves while a request waits on the former one (killed behind a network fault,
// it may never close its end), the request goes to the new controller at once instead of
// holding every ISR change for controller.socket.timeout.ms. The controllers are small fake
// servers: one that never answers AlterPartition, one that accepts every change.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { IsrChanges } from '../../src/broker/isr-changes.js';
import type { Partition } from '../../src/broker/partition.js';
import type { MetadataImage } from '../../src/cluster/metadata-image.js';
import type { BrokerMetadata } from '../../src/cluster/zk-mode/broker-metadata.js';
import { AlterPartition, ApiVersions, decodeRequest, encodeResponse } from '../../src/protocol/index.js';
import { Reader } from '../../src/protocol/reader.js';
import { readRequestHeader } from '../../src/protocol/header.js';
import { systemClock } from '../../src/util/clock.js';
import { log as rootLog } from '../../src/util/log.js';
import { waitFor } from '../helpers/broker-process.js';

interface FakeController {
  port: number;
  /** AlterPartition requests received. */
  received: number;
  server: Server;
  sockets: Set<Socket>;
}

/** Answers ApiVersions; answers AlterPartition by accepting the change, or never (`silent`). */
function fakeController(silent: boolean): Promise<FakeController> {
  const c: FakeController = { port: 0, received: 0, server: createServer(), sockets: new Set() };
  c.server.on('connection', (s) => {
    c.sockets.add(s);
    s.on('close', () => c.sockets.delete(s));
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const frame = buf.subarray(4, 4 + buf.readInt32BE(0));
        buf = buf.subarray(4 + frame.length);
        const header = readRequestHeader(new Reader(frame));
        if (header.apiKey === ApiVersions.key) {
          s.write(encodeResponse(ApiVersions, Math.min(header.apiVersion, 3), header.correlationId, {
            errorCode: 0, throttleTimeMs: 0, supportedFeatures: [], finalizedFeaturesEpoch: -1, finalizedFeatures: [], zkMigrationReady: false,
            apiKeys: [{ apiKey: ApiVersions.key, minVersion: 0, maxVersion: 3 }, { apiKey: AlterPartition.key, minVersion: 0, maxVersion: 3 }],
          }));
        } else if (header.apiKey === AlterPartition.key) {
          c.received++;
          if (silent) continue;
          const { body } = decodeRequest(AlterPartition, Buffer.from(frame));
          s.write(encodeResponse(AlterPartition, header.apiVersion, header.correlationId, {
            throttleTimeMs: 0, errorCode: 0,
            topics: body.topics.map((t) => ({
              topicName: t.topicName, topicId: t.topicId,
              partitions: t.partitions.map((p) => ({
                partitionIndex: p.partitionIndex, errorCode: 0, leaderId: body.brokerId, leaderEpoch: p.leaderEpoch,
                isr: p.newIsrWithEpochs.length > 0 ? p.newIsrWithEpochs.map((b) => b.brokerId) : p.newIsr, leaderRecoveryState: 0, partitionEpoch: p.partitionEpoch + 1,
              })),
            })),
          }));
        }
      }
    });
  });
  return new Promise((resolve) => c.server.listen(0, '127.0.0.1', () => {
    const a = c.server.address();
    c.port = typeof a === 'object' && a ? a.port : 0;
    resolve(c);
  }));
}

describe('ISR changes', () => {
  const controllers: FakeController[] = [];
  let isr: IsrChanges | null = null;
  after(() => {
    isr?.stop();
    for (const c of controllers) {
      for (const s of c.sockets) s.destroy();
      c.server.close();
    }
  });

  test('an AlterPartition waiting on a former controller goes to the new one when the controller moves', async () => {
    const silent = await fakeController(true);
    const answering = await fakeController(false);
    controllers.push(silent, answering);
    let controllerId = 1;
    const image = {
      get controllerId() {
        return controllerId;
      },
      broker: (id: number) => (id === 1 ? { id, host: '127.0.0.1', port: silent.port, rack: null } : id === 2 ? { id, host: '127.0.0.1', port: answering.port, rack: null } : undefined),
    } as unknown as MetadataImage;
    const applied: number[][] = [];
    const metadata = { applyIsrChange: (_t: string, _p: number, s: { isr: number[] }) => applied.push(s.isr) } as unknown as BrokerMetadata;
    const p = { key: 't-0', topic: 't', index: 0, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', isLeader: true, leaderEpoch: 3, partitionEpoch: 7, isr: [5], pendingIsr: null as number[] | null } as unknown as Partition;
    // controller.socket.timeout.ms far beyond the test's waits: only the move can free the request.
    isr = new IsrChanges({ nodeId: 5, brokerEpoch: () => 1, image: () => image, metadata, partitions: () => [p], maxLagMs: 60_000, requestTimeoutMs: 120_000, clock: systemClock, log: rootLog.child({ component: 'isr-test' }) });
    isr.propose(p, [5, 6]);
    await waitFor(() => silent.received === 1, { timeoutMs: 5000, what: 'the AlterPartition at the first controller' });
    isr.controllerMoved();
    assert.equal(answering.received, 0, 'nothing moves while the controller is the same');
    controllerId = 2;
    isr.controllerMoved();
    await waitFor(() => applied.length === 1, { timeoutMs: 5000, what: 'the ISR change accepted by the new controller' });
    assert.deepEqual(applied, [[5, 6]]);
    assert.equal(answering.received, 1);
    assert.equal(p.pendingIsr, null);
  });
});
