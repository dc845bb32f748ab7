// The transaction coordinator's marker sender against a real broker standing in for another
// broker of a cluster: markers queued in the same turn for one broker travel in one
// WriteTxnMarkers request, the leader appends them (one control batch per partition) before it
// answers; markers for a partition the metadata no longer has are dropped, those for a broker
// that cannot be reached come back to be retried.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetadataImage } from '../../src/cluster/metadata-image.js';
import type { GroupCoordinator } from '../../src/group/coordinator.js';
import { DelayedOperations } from '../../src/broker/delayed-operations.js';
import type { PartitionsPort } from '../../src/broker/handler.js';
import { TxnMarkerSender } from '../../src/broker/txn-markers.js';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { systemClock } from '../../src/util/clock.js';
import { WireClient, createTopic } from '../helpers/wire-client.js';

const WRITE_TXN_MARKERS = 27;

describe('transaction marker sender', () => {
  let remote: StartedBroker;
  const delayed = new DelayedOperations(systemClock);
  before(async () => {
    remote = await startBroker({ 'auto.create.topics.enable': 'false' });
    const c = await WireClient.connect(remote.bootstrap);
    assert.equal(await createTopic(c, 'mk', 2), 0);
    c.close();
  });
  after(async () => {
    delayed.expireAll();
    await remote?.stop();
  });

  /** This broker is 1 and hosts nothing; broker 2 is the broker started here and leads `mk`; broker 3 is unreachable. */
  function sender(): TxnMarkerSender {
    const port = remote.port;
    const image = {
      topic: (name: string) => (name === 'mk' ? { partitions: [{ leader: 2 }, { leader: 2 }] } : name === 'away' ? { partitions: [{ leader: 3 }] } : undefined),
      broker: (id: number) => (id === 2 ? { id, host: '127.0.0.1', port } : id === 3 ? { id, host: '127.0.0.1', port: 1 } : undefined),
    } as unknown as MetadataImage;
    const nothingHere: PartitionsPort = { partition: () => undefined, allPartitions: () => [], batchLogStartCheckpoints: (fn) => ({ result: fn(), checkpointed: true }), leadershipsTaken: 0 };
    return new TxnMarkerSender({ nodeId: 1, image: () => image, partitions: nothingHere, groups: () => ({}) as GroupCoordinator, delayed, timeoutMs: () => 5000 });
  }

  test('markers of several transactions for one broker travel in one request and are written there', async () => {
    const s = sender();
    try {
      const before = remote.broker.metrics.requests[WRITE_TXN_MARKERS]!;
      const left = await Promise.all([
        s.writeMarkers(9001, 0, true, 0, [{ topic: 'mk', partitions: [0, 1] }]),
        s.writeMarkers(9002, 0, false, 0, [{ topic: 'mk', partitions: [0] }]),
        s.writeMarkers(9003, 0, true, 0, [{ topic: 'mk', partitions: [0] }]),
      ]);
      assert.deepEqual(left, [[], [], []]);
      assert.equal(remote.broker.metrics.requests[WRITE_TXN_MARKERS]! - before, 1);
      assert.equal(remote.broker.partition('mk', 0)!.logEndOffset, 3);
      assert.equal(remote.broker.partition('mk', 1)!.logEndOffset, 1);
    } finally {
      s.close();
    }
  });

  test('a partition the metadata does not have is dropped; an unreachable leader\'s markers come back', async () => {
    const s = sender();
    try {
      assert.deepEqual(await s.writeMarkers(9004, 0, true, 0, [{ topic: 'gone', partitions: [0] }]), []);
      assert.deepEqual(await s.writeMarkers(9005, 0, true, 0, [{ topic: 'away', partitions: [0] }, { topic: 'mk', partitions: [1] }]), [{ topic: 'away', partitions: [0] }]);
      assert.equal(remote.broker.partition('mk', 1)!.logEndOffset, 2);
    } finally {
      s.close();
    }
  });
});
