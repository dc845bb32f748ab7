// Failover against a real 3-server ZooKeeper ensemble: the member the client is connected to
// (the leader) is killed, then frozen. Either way the client must move to another member within
// the session timeout and keep its session, so its ephemeral node survives.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ZooKeeperClient, type ConnectedInfo, type DisconnectedInfo } from '../../../src/cluster/zookeeper/client.js';
import { waitFor } from '../../helpers/broker-process.js';
import { ZooKeeperEnsemble, zookeeperAvailable, type ZooKeeperMember } from '../../helpers/zookeeper-process.js';

const skip = zookeeperAvailable() ? false : 'Debian zookeeper package not installed (scripts/test-deps.sh installs it)';
/** The ensemble's maximum (20 ticks of 200 ms), asked for and granted. */
const SESSION_MS = 4000;

let zk: ZooKeeperEnsemble;
const log = (msg: string) => process.stderr.write(`# ${msg}\n`);
const clients: ZooKeeperClient[] = [];

before(async () => {
  if (skip) return;
  zk = await ZooKeeperEnsemble.start({ servers: 3, tickTimeMs: 200 });
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await zk?.stop();
});

/** A client whose first choice is `first`, then the other members in id order. */
async function clientOn(first: ZooKeeperMember): Promise<ZooKeeperClient> {
  const order = [first, ...zk.members.filter((m) => m !== first)];
  const c = new ZooKeeperClient({ connect: order.map((m) => m.address).join(','), sessionTimeoutMs: SESSION_MS, randomizeServers: false });
  clients.push(c);
  await c.connect();
  assert.equal(c.server, first.address);
  assert.equal(c.sessionTimeoutMs, SESSION_MS);
  return c;
}

function nextEvent<K extends 'connected' | 'disconnected'>(c: ZooKeeperClient, name: K): Promise<K extends 'connected' ? ConnectedInfo : DisconnectedInfo> {
  return new Promise((resolve) => c.once(name, resolve as never));
}

test('the leader the client is connected to is killed: the client reconnects to another member within the session timeout, same session', { skip }, async () => {
  const leader = await zk.leader();
  const c = await clientOn(leader);
  const session = c.sessionId;
  const eph = `/killed-${process.pid}`;
  await c.create(eph, Buffer.from('mine'), { mode: 'ephemeral' });
  let expired = false;
  c.on('expired', () => (expired = true));

  const disconnected = nextEvent(c, 'disconnected');
  const reconnected = nextEvent(c, 'connected');
  const t0 = Date.now();
  await leader.kill();
  const d = await disconnected;
  assert.equal(d.server, leader.address);
  const info = await reconnected;
  const took = Date.now() - t0;
  log(`reconnected ${took} ms after the kill, to ${info.server}`);
  assert.ok(took < SESSION_MS, `reconnected after ${took} ms`);
  assert.equal(info.reconnected, true);
  assert.equal(info.sessionId, session);
  assert.notEqual(info.server, leader.address);

  // Writes need the new leader; the session and its ephemeral are intact once one is elected.
  const stat = await waitFor(() => c.exists(eph), { timeoutMs: SESSION_MS, what: 'the ephemeral through the new member' });
  assert.equal(stat.ephemeralOwner, session);
  await c.setData(eph, Buffer.from('still mine'));
  assert.equal(expired, false);
  assert.equal(c.sessionId, session);

  await zk.restart(leader.id);
});

test('the leader the client is connected to is frozen: noticed within 2/3 of the session timeout, the session moves to another member', { skip }, async () => {
  const leader = await zk.leader();
  await Promise.all(zk.members.map((m) => m.waitServing()));
  const c = await clientOn(leader);
  const session = c.sessionId;
  const eph = `/frozen-${process.pid}`;
  await c.create(eph, Buffer.alloc(0), { mode: 'ephemeral' });
  let expired = false;
  c.on('expired', () => (expired = true));

  const disconnected = nextEvent(c, 'disconnected');
  const reconnected = nextEvent(c, 'connected');
  const t0 = Date.now();
  leader.freeze();
  try {
    const d = await disconnected;
    const noticed = Date.now() - t0;
    log(`frozen leader noticed after ${noticed} ms`);
    // The read timeout: two thirds of the session timeout after the last reply, at most that after the freeze.
    assert.ok(noticed <= (SESSION_MS * 2) / 3 + 300, `noticed after ${noticed} ms`);
    assert.match(d.reason, /no reply for \d+ ms/);
    assert.equal(d.server, leader.address);
    const info = await reconnected;
    const took = Date.now() - t0;
    log(`reconnected ${took} ms after the freeze, to ${info.server}`);
    assert.ok(took < SESSION_MS, `reconnected after ${took} ms`);
    assert.equal(info.sessionId, session);
    assert.notEqual(info.server, leader.address);

    const stat = await waitFor(() => c.exists(eph), { timeoutMs: SESSION_MS, what: 'the ephemeral through another member' });
    assert.equal(stat.ephemeralOwner, session);
    await c.setData(eph, Buffer.from('moved'));
    assert.equal(expired, false);
  } finally {
    leader.resume();
  }
  // The old leader rejoins as a follower and sees the same session's node.
  // Right after SIGCONT it still calls itself leader until it finds it has no quorum.
  await waitFor(async () => (await leader.mode()) === 'follower', { timeoutMs: 20_000, intervalMs: 50, what: 'the old leader to rejoin as a follower' });
  const viaOld = await clientOn(leader);
  assert.equal((await viaOld.getData(eph)).data.toString(), 'moved');
});
