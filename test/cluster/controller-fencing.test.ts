// A deposed controller changes nothing (KAFKA-6082): controller A, busy writing an ISR shrink,
// loses its session and is replaced by B; A then carries on with a new session of the same
// broker, as a controller that has not yet heard it lost would. Its write — valid against the
// partition's own znode version — must be refused because /controller_epoch moved on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaController } from '../../src/cluster/zk-mode/kafka-controller.js';
import { decodeController, decodePartitionState, encodeBrokerRegistration, encodeTopicAssignment } from '../../src/cluster/zk-mode/znodes.js';
import { ZooKeeperClient } from '../../src/cluster/zookeeper/index.js';
import { log } from '../../src/util/log.js';
import { systemClock } from '../../src/util/clock.js';
import { waitFor } from '../helpers/broker-process.js';
import { ZooKeeperEnsemble, zookeeperAvailable } from '../helpers/zookeeper-process.js';

const skip = !zookeeperAvailable() && 'Debian zookeeper not installed';
let ensemble: ZooKeeperEnsemble;
const clients: ZooKeeperClient[] = [];

async function session(): Promise<ZooKeeperClient> {
  const c = new ZooKeeperClient({ connect: ensemble.members[0]!.address + '/fencing', sessionTimeoutMs: 4000 });
  clients.push(c);
  await c.connect();
  return c;
}

async function registerBroker(c: ZooKeeperClient, id: number): Promise<void> {
  await c.create(`/brokers/ids/${id}`, encodeBrokerRegistration({ id, host: '127.0.0.1', port: 1, rack: null, endpoints: ['PLAINTEXT://127.0.0.1:1'] }, Date.now()), { mode: 'ephemeral' });
}

before(async () => {
  if (skip) return;
  ensemble = await ZooKeeperEnsemble.start({ servers: 1 });
  const root = new ZooKeeperClient({ connect: ensemble.members[0]!.address });
  await root.connect();
  await root.create('/fencing');
  await root.close();
});

after(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await ensemble?.stop();
});

test('a deposed controller resuming with a new session cannot write: its multi fails on the /controller_epoch check', { skip, timeout: 60_000 }, async () => {
  const admin = await session();
  for (const p of ['/brokers', '/brokers/ids', '/brokers/topics', '/admin', '/admin/delete_topics', '/config', '/config/topics']) await admin.create(p);
  const [s1, s2, s3] = [await session(), await session(), await session()];
  await registerBroker(s1, 1);
  await registerBroker(s2, 2);
  await registerBroker(s3, 3);
  await admin.create('/brokers/topics/fenced', encodeTopicAssignment({ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [[2, 3]] }));

  // Controller A (broker 1) talks through a session the test can swap, and whose writes the
  // test can hold: what a controller paused in the middle of an event looks like.
  let current = s1;
  let gate: Promise<void> | null = null;
  let heldWrites = 0;
  const zkOfA = () =>
    new Proxy(current, {
      get(target, prop) {
        if (prop === 'multi') {
          return async (ops: Parameters<ZooKeeperClient['multi']>[0]) => {
            if (gate) {
              heldWrites++;
              await gate;
            }
            return current.multi(ops);
          };
        }
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  const a = new KafkaController({ brokerId: 1, zk: zkOfA, clock: systemClock, log: log.child({ component: 'controller-a' }), listenerName: 'PLAINTEXT' });
  a.start();
  await waitFor(async () => {
    const { data } = await admin.getData('/brokers/topics/fenced/partitions/0/state');
    return a.isActive && decodePartitionState('state', data).leader === 2;
  }, { timeoutMs: 15_000, what: 'A elected and the partition initialised' });
  const initial = await admin.getData('/brokers/topics/fenced/partitions/0/state');
  assert.deepEqual(decodePartitionState('state', initial.data), { leader: 2, leaderEpoch: 0, isr: [2, 3], controllerEpoch: 1 });

  // Broker 3 dies: A starts shrinking the ISR to [2]; the write is held.
  let release!: () => void;
  gate = new Promise<void>((r) => (release = r));
  await s3.close();
  await waitFor(() => heldWrites > 0, { timeoutMs: 15_000, what: 'A writing the ISR shrink' });

  // A's session ends and broker 3 is back before anyone else acts on its absence; B (broker 2)
  // is elected and, seeing 2 and 3 live, has nothing to change on the partition.
  current = await session();
  await s1.close();
  const s3b = await session();
  await registerBroker(s3b, 3);
  const b = new KafkaController({ brokerId: 2, zk: () => s2, clock: systemClock, log: log.child({ component: 'controller-b' }), listenerName: 'PLAINTEXT' });
  b.start();
  await waitFor(() => b.isActive, { timeoutMs: 15_000, what: 'B elected' });
  assert.equal(b.controllerEpoch, 2);

  // A carries on: its shrink to [2] is valid against the state's own version 0.
  release();
  gate = null;
  await waitFor(() => !a.isActive, { timeoutMs: 15_000, what: 'A resigning after its write was refused' });
  const after = await admin.getData('/brokers/topics/fenced/partitions/0/state');
  assert.equal(after.stat.version, initial.stat.version, 'the deposed controller changed the partition state');
  assert.deepEqual(decodePartitionState('state', after.data), { leader: 2, leaderEpoch: 0, isr: [2, 3], controllerEpoch: 1 });
  assert.equal(decodeController((await admin.getData('/controller')).data), 2);
  assert.equal((await admin.getData('/controller_epoch')).data.toString(), '2');
  a.stop();
  b.stop();
});
