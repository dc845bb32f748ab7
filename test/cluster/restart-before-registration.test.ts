// A broker killed and restarted at once comes back while its previous process is still
// registered (until that ZooKeeper session expires). Until it has registered and joined, the
// new process must not answer clients from its empty or inherited view: a Metadata request sent
// in that window is answered only once the new registration exists.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Metadata } from '../../src/protocol/messages/index.js';
import { waitFor } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';
import { ZkCluster } from '../helpers/zk-cluster.js';
import { zookeeperAvailable } from '../helpers/zookeeper-process.js';

const SESSION_MS = 4000;

describe('a restarted broker before its registration', { skip: !zookeeperAvailable() && 'Debian zookeeper not installed', timeout: 90_000 }, () => {
  let cluster: ZkCluster;
  before(async () => {
    cluster = await ZkCluster.start({ brokers: 2, sessionTimeoutMs: SESSION_MS });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('answers clients only once it is registered anew', async () => {
    const zk = await cluster.zkClient();
    const registration = async () => (await zk.exists('/brokers/ids/2'))?.czxid ?? null;
    const old = await registration();
    assert.notEqual(old, null);
    const b = cluster.broker(2);
    await b.kill('SIGKILL');
    const restarted = b.restart();
    try {
      // The listener opens before the registration: connect as soon as it accepts.
      const c = await waitFor(() => WireClient.connect(b.bootstrap, { timeoutMs: 1000 }).catch(() => null), { timeoutMs: 20_000, intervalMs: 20, what: 'the restarted broker accepting connections' });
      try {
        assert.equal(await registration(), old, 'connected while the previous process is still registered');
        await c.request(Metadata, 9, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
        const now = await registration();
        assert.ok(now !== null && now !== old, 'Metadata was answered before the new process had registered');
      } finally {
        c.close();
      }
    } finally {
      await restarted;
    }
  });
});
