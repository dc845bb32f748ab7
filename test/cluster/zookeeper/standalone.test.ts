// Every operation and its errors against a real standalone ZooKeeper 3.8 (Debian's package),
// watches, chroot, multi with a version-0 check, and the session's end: ephemerals go with
// close() and with expiry. Network faults come from a TCP proxy between client and server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ZooKeeperClient, ZooKeeperMultiError, type WatchedEvent, type ZooKeeperClientOptions } from '../../../src/cluster/zookeeper/client.js';
import { ZkCode, ZooKeeperError } from '../../../src/cluster/zookeeper/errors.js';
import { waitFor } from '../../helpers/broker-process.js';
import { TcpProxy } from '../../helpers/tcp-proxy.js';
import { ZooKeeperEnsemble, zookeeperAvailable } from '../../helpers/zookeeper-process.js';

const skip = zookeeperAvailable() ? false : 'Debian zookeeper package not installed (scripts/test-deps.sh installs it)';

let zk: ZooKeeperEnsemble;
const clients: ZooKeeperClient[] = [];
const proxies: TcpProxy[] = [];

before(async () => {
  if (skip) return;
  zk = await ZooKeeperEnsemble.start({ servers: 1, tickTimeMs: 200, maxSessionTimeoutMs: 10_000 });
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(proxies.map((p) => p.close()));
  await zk?.stop();
});

async function open(opts: Partial<ZooKeeperClientOptions> = {}): Promise<ZooKeeperClient> {
  const c = new ZooKeeperClient({ connect: zk.connectString(), sessionTimeoutMs: 4000, ...opts });
  clients.push(c);
  await c.connect();
  return c;
}

async function proxied(opts: Partial<ZooKeeperClientOptions> = {}): Promise<{ c: ZooKeeperClient; proxy: TcpProxy }> {
  const proxy = await TcpProxy.start(zk.members[0]!.clientPort);
  proxies.push(proxy);
  const c = await open({ connect: proxy.address, ...opts });
  return { c, proxy };
}

async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ZooKeeperError, String(err));
    return err.code;
  }
  assert.fail('expected a ZooKeeperError');
}

let seq = 0;
/** A fresh persistent parent for one test. */
async function root(c: ZooKeeperClient): Promise<string> {
  const p = `/t${process.pid}-${seq++}`;
  await c.create(p);
  return p;
}

test('create in every mode, and what comes back', { skip }, async () => {
  const c = await open();
  const r = await root(c);

  const made = await c.create(`${r}/p`, Buffer.from('hello'));
  assert.equal(made.path, `${r}/p`);
  assert.equal(made.stat.version, 0);
  assert.equal(made.stat.dataLength, 5);
  assert.equal(made.stat.ephemeralOwner, 0n);
  assert.ok(made.stat.czxid > 0n);

  const eph = await c.create(`${r}/e`, Buffer.alloc(0), { mode: 'ephemeral' });
  assert.equal(eph.stat.ephemeralOwner, c.sessionId);

  const s1 = await c.create(`${r}/q-`, Buffer.alloc(0), { mode: 'persistentSequential' });
  const s2 = await c.create(`${r}/q-`, Buffer.alloc(0), { mode: 'ephemeralSequential' });
  assert.match(s1.path, new RegExp(`^${r}/q-\\d{10}$`));
  assert.ok(s2.path > s1.path, 'sequence numbers increase');
  assert.equal(s2.stat.ephemeralOwner, c.sessionId);

  const box = await c.create(`${r}/box`, Buffer.alloc(0), { mode: 'container' });
  assert.equal(box.path, `${r}/box`);
  assert.equal((await c.exists(`${r}/box`))?.ephemeralOwner, 0n);

  assert.equal(await code(c.create(`${r}/p`)), ZkCode.NODEEXISTS);
  assert.equal(await code(c.create(`${r}/missing/child`)), ZkCode.NONODE);
  assert.equal(await code(c.create(`${r}/e/child`)), ZkCode.NOCHILDRENFOREPHEMERALS);
  // Refused before anything is sent.
  assert.equal(await code(c.create('no-slash')), ZkCode.BADARGUMENTS);
  assert.equal(await code(c.create(`${r}/trailing/`)), ZkCode.BADARGUMENTS);
});

test('getData, setData with versions (0 included), exists, getChildren, delete with versions', { skip }, async () => {
  const c = await open();
  const r = await root(c);
  const n = `${r}/n`;
  await c.create(n, Buffer.from('v0'));

  const got = await c.getData(n);
  assert.equal(got.data.toString(), 'v0');
  assert.equal(got.stat.version, 0);

  assert.equal(await code(c.setData(n, Buffer.from('x'), 1)), ZkCode.BADVERSION);
  const s1 = await c.setData(n, Buffer.from('v1'), 0);
  assert.equal(s1.version, 1);
  const s2 = await c.setData(n, Buffer.from('v2'));
  assert.equal(s2.version, 2);
  assert.equal((await c.getData(n)).data.toString(), 'v2');
  assert.equal(await code(c.getData(`${r}/none`)), ZkCode.NONODE);
  assert.equal(await code(c.setData(`${r}/none`, Buffer.alloc(0))), ZkCode.NONODE);

  assert.equal(await c.exists(`${r}/none`), null);
  assert.equal((await c.exists(n))?.version, 2);

  // Larger than one socket read and than the writer's first buffer.
  const big = Buffer.alloc(300_000, 'z');
  big.write('start', 0);
  await c.create(`${r}/big`, big);
  assert.ok((await c.getData(`${r}/big`)).data.equals(big));
  await c.delete(`${r}/big`);

  for (const k of ['b', 'a', 'c']) await c.create(`${n}/${k}`);
  const kids = await c.getChildren(n);
  assert.deepEqual([...kids.children].sort(), ['a', 'b', 'c']);
  assert.equal(kids.stat.numChildren, 3);
  assert.equal(kids.stat.cversion, 3);
  assert.equal(await code(c.getChildren(`${r}/none`)), ZkCode.NONODE);

  assert.equal(await code(c.delete(n)), ZkCode.NOTEMPTY);
  await c.delete(`${n}/a`, 0);
  assert.equal(await code(c.delete(`${n}/b`, 3)), ZkCode.BADVERSION);
  await c.delete(`${n}/b`);
  await c.delete(`${n}/c`);
  assert.equal(await code(c.delete(n, 1)), ZkCode.BADVERSION);
  await c.delete(n, 2);
  assert.equal(await c.exists(n), null);
  assert.equal(await code(c.delete(n)), ZkCode.NONODE);
  assert.ok((await c.ping()) >= 0);
});

test('a chroot is applied to every path sent and stripped from every path received', { skip }, async () => {
  const plain = await open();
  const r = await root(plain);
  const c = await open({ connect: zk.connectString(r) });
  const events: WatchedEvent[] = [];
  await c.create('/x', Buffer.from('1'));
  const seqNode = await c.create('/s-', Buffer.alloc(0), { mode: 'persistentSequential' });
  assert.match(seqNode.path, /^\/s-\d{10}$/);
  assert.equal((await plain.getData(`${r}/x`)).data.toString(), '1');
  assert.deepEqual([...(await c.getChildren('/')).children].sort(), [seqNode.path.slice(1), 'x']);
  await c.getData('/x', { watch: (e) => events.push(e) });
  await plain.setData(`${r}/x`, Buffer.from('2'));
  await waitFor(() => events.length === 1, { what: 'the watch' });
  assert.deepEqual(events, [{ type: 'NodeDataChanged', path: '/x' }]);
  const results = await c.multi([{ op: 'create', path: '/m', mode: 'persistent' }]);
  assert.deepEqual(results, [{ op: 'create', path: '/m' }]);
  assert.notEqual(await plain.exists(`${r}/m`), null);
});

test('watches fire once, for the events they watch, to every watcher registered', { skip }, async () => {
  const c = await open();
  const other = await open();
  const r = await root(c);
  const events: string[] = [];
  const w = (tag: string) => (e: WatchedEvent) => events.push(`${tag} ${e.type} ${e.path}`);

  await c.create(`${r}/d`, Buffer.from('0'));
  await c.getData(`${r}/d`, { watch: w('data1') });
  await c.getData(`${r}/d`, { watch: w('data2') });
  await c.exists(`${r}/later`, { watch: w('exists') });
  await c.getChildren(r, { watch: w('children') });

  await other.setData(`${r}/d`, Buffer.from('1'));
  await other.setData(`${r}/d`, Buffer.from('2'));
  await other.create(`${r}/later`);
  await waitFor(() => events.length === 4, { what: 'four events' });
  await c.ping(); // anything still in flight has arrived
  assert.deepEqual(events.sort(), [
    `children NodeChildrenChanged ${r}`,
    `data1 NodeDataChanged ${r}/d`,
    `data2 NodeDataChanged ${r}/d`,
    `exists NodeCreated ${r}/later`,
  ]);

  events.length = 0;
  await c.exists(`${r}/later`, { watch: w('exists-now') });
  await c.getChildren(`${r}/later`, { watch: w('kids') });
  await other.delete(`${r}/later`);
  await waitFor(() => events.length === 2, { what: 'the delete events' });
  assert.deepEqual(events.sort(), [`exists-now NodeDeleted ${r}/later`, `kids NodeDeleted ${r}/later`]);
});

test('after a connection drop the client resumes the same session and its watches are re-armed', { skip }, async () => {
  const { c, proxy } = await proxied();
  const other = await open();
  const r = await root(c);
  const session = c.sessionId;
  await c.create(`${r}/eph`, Buffer.alloc(0), { mode: 'ephemeral' });
  await c.create(`${r}/d`);
  const events: string[] = [];
  await c.getData(`${r}/d`, { watch: (e) => events.push(`${e.type} ${e.path}`) });
  await c.exists(`${r}/while-away`, { watch: (e) => events.push(`${e.type} ${e.path}`) });

  // A blip: the client reconnects through the proxy at once.
  const reconnected = new Promise((res) => c.once('connected', res));
  proxy.drop();
  await reconnected;
  assert.equal(c.sessionId, session);
  await other.setData(`${r}/d`, Buffer.from('after'));
  await waitFor(() => events.length === 1, { what: 'the re-armed data watch' });
  assert.deepEqual(events, [`NodeDataChanged ${r}/d`]);

  // Down for a while, and the node appears meanwhile: SetWatches makes the server fire it on return.
  proxy.setMode('refuse');
  proxy.drop();
  await waitFor(() => c.state === 'reconnecting', { what: 'disconnected' });
  await other.create(`${r}/while-away`);
  proxy.setMode('forward');
  await waitFor(() => events.length === 2, { what: 'the event for the change made while away' });
  assert.equal(events[1], `NodeCreated ${r}/while-away`);
  assert.equal(c.sessionId, session);
  assert.notEqual(await other.exists(`${r}/eph`), null, 'the ephemeral node survived the disconnects');
});

test('multi: a check at version 0 fails with BADVERSION at version 1 and nothing is applied; at version 0 it all applies', { skip }, async () => {
  const c = await open();
  const r = await root(c);
  const epoch = `${r}/controller_epoch`;
  await c.create(epoch, Buffer.from('1'));
  await c.create(`${r}/state`, Buffer.from('old'));
  await c.create(`${r}/gone`);

  const write = [
    { op: 'check', path: epoch, version: 0 },
    { op: 'setData', path: `${r}/state`, data: Buffer.from('new') },
    { op: 'create', path: `${r}/new`, mode: 'persistent' },
    { op: 'delete', path: `${r}/gone` },
  ] as const;

  await c.setData(epoch, Buffer.from('2')); // version 1 now: a newer controller
  const err = await c.multi(write).then(
    () => assert.fail('the fenced multi must fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ZooKeeperMultiError);
  assert.equal(err.code, ZkCode.BADVERSION);
  assert.equal(err.failedIndex, 0);
  assert.deepEqual(
    err.results.map((x) => (x.op === 'error' ? x.code : x.op)),
    [ZkCode.BADVERSION, ZkCode.RUNTIMEINCONSISTENCY, ZkCode.RUNTIMEINCONSISTENCY, ZkCode.RUNTIMEINCONSISTENCY],
  );
  assert.equal((await c.getData(`${r}/state`)).data.toString(), 'old');
  assert.equal(await c.exists(`${r}/new`), null);
  assert.notEqual(await c.exists(`${r}/gone`), null);

  // A later op failing: the ops before it report OK (0), nothing applied either.
  const late = await c
    .multi([
      { op: 'setData', path: `${r}/state`, data: Buffer.from('x') },
      { op: 'delete', path: `${r}/nope` },
    ])
    .catch((e: unknown) => e);
  assert.ok(late instanceof ZooKeeperMultiError);
  assert.equal(late.code, ZkCode.NONODE);
  assert.equal(late.failedIndex, 1);
  assert.deepEqual(
    late.results.map((x) => (x.op === 'error' ? x.code : x.op)),
    [0, ZkCode.NONODE],
  );
  assert.equal((await c.getData(`${r}/state`)).data.toString(), 'old');

  const epoch0 = `${r}/epoch0`;
  await c.create(epoch0);
  const ok = await c.multi([{ ...write[0], path: epoch0 }, ...write.slice(1), { op: 'check', path: epoch0, version: -1 }]);
  assert.deepEqual(
    ok.map((x) => x.op),
    ['check', 'setData', 'create', 'delete', 'check'],
  );
  assert.deepEqual(ok[2], { op: 'create', path: `${r}/new` });
  const sd = ok[1]!;
  assert.ok(sd.op === 'setData' && sd.stat.version === 1);
  assert.equal((await c.getData(`${r}/state`)).data.toString(), 'new');
  assert.equal(await c.exists(`${r}/gone`), null);
  assert.deepEqual(await c.multi([]), []);
});

test('ephemeral nodes vanish when the session is closed, and the closed client refuses work', { skip }, async () => {
  const owner = await open();
  const watcher = await open();
  const r = await root(watcher);
  await owner.create(`${r}/eph`, Buffer.alloc(0), { mode: 'ephemeral' });
  await owner.create(`${r}/seq-`, Buffer.alloc(0), { mode: 'ephemeralSequential' });
  assert.equal((await watcher.getChildren(r)).children.length, 2);
  const gone: string[] = [];
  await watcher.exists(`${r}/eph`, { watch: (e) => gone.push(e.type) });
  await owner.close();
  assert.equal(owner.state, 'closed');
  // CloseSession is answered once the session and its ephemerals are gone.
  assert.deepEqual((await watcher.getChildren(r)).children, []);
  await waitFor(() => gone.length === 1, { what: 'the delete event' });
  assert.deepEqual(gone, ['NodeDeleted']);
  assert.equal(await code(owner.exists('/')), ZkCode.CLOSING);
});

test('idle, the session lives on pings alone well past its timeout', { skip }, async () => {
  const c = await open({ sessionTimeoutMs: 1200 });
  assert.equal(c.sessionTimeoutMs, 1200);
  let lost = false;
  c.on('disconnected', () => (lost = true));
  const session = c.sessionId;
  const r = await root(c);
  await c.create(`${r}/eph`, Buffer.alloc(0), { mode: 'ephemeral' });
  await new Promise((res) => setTimeout(res, 3000));
  assert.equal(lost, false);
  assert.equal(c.sessionId, session);
  assert.notEqual(await c.exists(`${r}/eph`), null);
});

test('a client kept away past its session timeout gets `expired`, not a disconnect, and its ephemerals are gone', { skip }, async () => {
  const { c, proxy } = await proxied({ sessionTimeoutMs: 1000 });
  const other = await open();
  const r = await root(other);
  await c.create(`${r}/eph`, Buffer.alloc(0), { mode: 'ephemeral' });
  const watchEvents: string[] = [];
  await c.getData(`${r}/eph`, { watch: (e) => watchEvents.push(e.type) });
  const events: string[] = [];
  for (const e of ['disconnected', 'connected', 'expired'] as const) c.on(e, () => events.push(e));

  proxy.setMode('refuse');
  proxy.drop();
  // The server expires the session on its own clock: the node goes without the client.
  await waitFor(async () => (await other.exists(`${r}/eph`)) === null, { timeoutMs: 10_000, what: 'the server to expire the session' });
  assert.equal(c.state, 'reconnecting', 'until it hears from the server, the client only knows it is disconnected');
  proxy.setMode('forward');
  await waitFor(() => c.state === 'expired', { what: 'the client to learn of the expiry' });
  assert.deepEqual(events, ['disconnected', 'expired']);
  assert.deepEqual(watchEvents, ['SessionExpired']);
  assert.equal(await code(c.getData(`${r}/eph`)), ZkCode.SESSIONEXPIRED);
});

test('connect() to a server that is not there fails with CONNECTIONLOSS after connectionTimeoutMs', { skip }, async () => {
  const proxy = await TcpProxy.start(1);
  proxies.push(proxy);
  proxy.setMode('refuse');
  const c = new ZooKeeperClient({ connect: proxy.address, sessionTimeoutMs: 4000, connectionTimeoutMs: 600 });
  const t0 = Date.now();
  assert.equal(await code(c.connect()), ZkCode.CONNECTIONLOSS);
  const took = Date.now() - t0;
  assert.ok(took >= 550 && took < 2000, `gave up after ${took} ms`);
  assert.equal(c.state, 'closed');
  assert.ok(proxy.accepted >= 2, 'it kept trying until the deadline');
});
