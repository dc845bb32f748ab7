// The client's time rules on simulated time against a fake server: pings every third of the
// session timeout, a silent server dropped after two thirds, request timeouts, CONNECTIONLOSS on
// a disconnect, expiry as its own outcome, SetWatches on reconnect, and the exact bytes of a
// version-0 check in a multi.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { ZooKeeperClient, ZooKeeperMultiError } from '../../../src/cluster/zookeeper/client.js';
import { ZkCode, ZooKeeperError } from '../../../src/cluster/zookeeper/errors.js';
import { JuteReader, type JuteWriter } from '../../../src/cluster/zookeeper/jute.js';
import { ManualClock } from '../../../src/util/clock.js';
import { waitFor } from '../../helpers/broker-process.js';
import { FakeZkServer, type FakeZkConnection } from '../../helpers/fake-zookeeper.js';

const SESSION_MS = 3000;

let fake: FakeZkServer;
let clock: ManualClock;
let client: ZooKeeperClient;

beforeEach(async () => {
  fake = await FakeZkServer.start();
  clock = new ManualClock(1_000_000);
});

afterEach(async () => {
  await client?.close();
  await fake.close();
});

async function connected(opts: { requestTimeoutMs?: number; chroot?: string } = {}): Promise<FakeZkConnection> {
  client = new ZooKeeperClient({ connect: fake.address + (opts.chroot ?? ''), sessionTimeoutMs: SESSION_MS, clock, requestTimeoutMs: opts.requestTimeoutMs });
  await client.connect();
  return fake.last;
}

function rejection(p: Promise<unknown>): Promise<ZooKeeperError> {
  return p.then(
    () => assert.fail('expected a rejection'),
    (err: unknown) => {
      assert.ok(err instanceof ZooKeeperError, `a ZooKeeperError, got ${String(err)}`);
      return err;
    },
  );
}

function writeStat(w: JuteWriter, version = 0): void {
  w.long(1n).long(2n).long(0n).long(0n).int(version).int(0).int(0).long(0n).int(0).int(0).long(3n);
}

test('the first ConnectRequest asks for the session timeout with no session, and the negotiated timeout is kept', async () => {
  fake.timeoutMs = 2400;
  const c = await connected();
  const req = c.connectRequest!;
  assert.equal(req.protocolVersion, 0);
  assert.equal(req.sessionId, 0n);
  assert.equal(req.lastZxidSeen, 0n);
  assert.equal(req.timeoutMs, SESSION_MS);
  assert.equal(req.readOnly, false);
  assert.equal(client.sessionTimeoutMs, 2400);
  assert.equal(client.sessionId, fake.sessionId);
  assert.equal(client.state, 'connected');
});

test('pings go out after a third of the session timeout without sends; a server silent for two thirds is dropped and the session resumed elsewhere', async () => {
  fake.answerPings = false;
  const first = await connected();
  const events: string[] = [];
  client.on('disconnected', (i) => events.push(`disconnected: ${i.reason}`));
  client.on('connected', (i) => events.push(`connected reconnected=${i.reconnected}`));

  clock.advance(SESSION_MS / 3 - 1);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(first.requestsOf(11).length, 0, 'no ping before a third of the timeout');
  clock.advance(1);
  await waitFor(() => first.requestsOf(11).length === 1, { what: 'the first ping' });
  assert.equal(first.requestsOf(11)[0]!.xid, -2);

  clock.advance(SESSION_MS / 3 - 1);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(client.state, 'connected', 'still connected just before two thirds');
  assert.deepEqual(events, []);

  clock.advance(1);
  await waitFor(() => events.length > 0, { what: 'the read timeout' });
  assert.match(events[0]!, /^disconnected: no reply for 2000 ms/);

  // The client goes straight to a new connection with the same session and password.
  await waitFor(() => fake.connections.length === 2 && fake.last.connectRequest, { what: 'the reconnect' });
  const again = fake.last.connectRequest!;
  assert.equal(again.sessionId, fake.sessionId);
  assert.deepEqual(again.passwd, fake.passwd);
  await waitFor(() => client.state === 'connected', { what: 'reconnected' });
  assert.deepEqual(events.slice(1), ['connected reconnected=true']);
  assert.equal(first.closed, true, 'the silent connection was closed');
});

test('a server that answers pings is never dropped', async () => {
  const c = await connected();
  let lost = false;
  client.on('disconnected', () => (lost = true));
  for (let i = 1; i <= 12; i++) {
    clock.advance(SESSION_MS / 3);
    // Each round answers the timer's ping and the explicit one below.
    await waitFor(() => c.pingsAnswered === 2 * i - 1, { what: `ping ${i}` });
    // The answer must be read before time moves on: a ping round trip proves it.
    await client.ping();
  }
  assert.equal(lost, false);
  assert.equal(fake.connections.length, 1);
});

test('a request that gets no reply fails with REQUESTTIMEOUT and drops the connection; the next goes out on a new one', async () => {
  const c = await connected({ requestTimeoutMs: 1500 });
  const p = rejection(client.getData('/a'));
  await waitFor(() => c.requestsOf(4).length === 1, { what: 'getData sent' });
  clock.advance(1499);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(client.state, 'connected');
  clock.advance(1);
  const err = await p;
  assert.equal(err.code, ZkCode.REQUESTTIMEOUT);
  assert.equal(err.path, '/a');
  await waitFor(() => fake.connections.length === 2 && client.state === 'connected', { what: 'reconnected' });
  const next = client.exists('/b');
  await waitFor(() => fake.last.requestsOf(3).length === 1, { what: 'exists on the new connection' });
  const xid = fake.last.requestsOf(3)[0]!.xid;
  fake.last.reply(xid, 0, (w) => writeStat(w, 7));
  assert.equal((await next)!.version, 7);
});

test('requests in flight fail with CONNECTIONLOSS when the connection drops; the session carries on', async () => {
  const c = await connected();
  const a = rejection(client.getData('/a'));
  const b = rejection(client.setData('/b', Buffer.from('x'), 3));
  await waitFor(() => c.requests.length === 2, { what: 'both sent' });
  const disconnected = new Promise((r) => client.once('disconnected', r));
  c.destroy();
  assert.equal((await a).code, ZkCode.CONNECTIONLOSS);
  assert.equal((await b).code, ZkCode.CONNECTIONLOSS);
  await disconnected;
  await waitFor(() => client.state === 'connected', { what: 'reconnected' });
  assert.equal(fake.last.connectRequest!.sessionId, fake.sessionId);
});

test('a request made while no server answers waits for a connection, and fails with CONNECTIONLOSS at its timeout', async () => {
  const c = await connected({ requestTimeoutMs: 1000 });
  // New connections get no ConnectResponse: the client keeps trying on its clock.
  fake.onConnect = () => {};
  c.destroy();
  await waitFor(() => client.state === 'reconnecting', { what: 'disconnected' });
  const p = rejection(client.getChildren('/q'));
  clock.advance(999);
  await new Promise((r) => setTimeout(r, 20));
  clock.advance(1);
  const err = await p;
  assert.equal(err.code, ZkCode.CONNECTIONLOSS);
  assert.match(err.message, /not sent/);
  for (const conn of fake.connections.slice(1)) assert.equal(conn.requestsOf(8).length + conn.requestsOf(12).length, 0, 'never sent');
});

test('a server that says the session is gone ends the client with `expired`, never `disconnected` again, and fails everything with SESSIONEXPIRED', async () => {
  const c = await connected();
  const watchEvents: string[] = [];
  const gd = client.getData('/w', { watch: (e) => watchEvents.push(`${e.type} ${e.path}`) });
  await waitFor(() => c.requestsOf(4).length === 1, { what: 'getData sent' });
  c.reply(c.requestsOf(4)[0]!.xid, 0, (w) => {
    w.buffer(Buffer.from('v'));
    writeStat(w);
  });
  await gd;

  fake.onConnect = (conn) => conn.expireSession();
  const events: string[] = [];
  for (const e of ['disconnected', 'connected', 'expired', 'closed'] as const) client.on(e, () => events.push(e));
  // A request made while reconnecting waits for the session, and learns it is gone.
  let queued: Promise<ZooKeeperError> | null = null;
  client.once('disconnected', () => (queued = rejection(client.exists('/x'))));
  c.destroy();
  await waitFor(() => client.state === 'expired', { what: 'expired' });
  assert.deepEqual(events, ['disconnected', 'expired']);
  assert.equal((await queued!).code, ZkCode.SESSIONEXPIRED);
  assert.equal((await rejection(client.create('/y'))).code, ZkCode.SESSIONEXPIRED);
  assert.deepEqual(watchEvents, ['SessionExpired /w']);
  const conns = fake.connections.length;
  clock.advance(60_000);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(fake.connections.length, conns, 'no reconnection after expiry');
});

test('after a reconnect, SetWatches re-arms every watch (chroot applied) relative to the last zxid seen; an event fires a watch once', async () => {
  const c = await connected({ chroot: '/c' });
  const seen: string[] = [];
  const watch = (e: { type: string; path: string }) => seen.push(`${e.type} ${e.path}`);

  const gd = client.getData('/a', { watch });
  await waitFor(() => c.requests.length === 1, { what: 'getData' });
  let r = c.requests[0]!;
  assert.equal(new JuteReader(r.body).ustring(), '/c/a');
  c.reply(
    r.xid,
    0,
    (w) => {
      w.buffer(Buffer.from('x'));
      writeStat(w);
    },
    0x55n,
  );
  await gd;

  const ex = client.exists('/b', { watch });
  await waitFor(() => c.requests.length === 2, { what: 'exists' });
  r = c.requests[1]!;
  c.reply(r.xid, ZkCode.NONODE, undefined, 0x56n);
  assert.equal(await ex, null);

  const ch = client.getChildren('/', { watch });
  await waitFor(() => c.requests.length === 3, { what: 'getChildren2' });
  r = c.requests[2]!;
  assert.equal(r.opcode, 12);
  assert.equal(new JuteReader(r.body).ustring(), '/c');
  c.reply(
    r.xid,
    0,
    (w) => {
      w.vector(['a'], (x, s) => x.ustring(s));
      writeStat(w);
    },
    0x57n,
  );
  assert.deepEqual((await ch).children, ['a']);

  c.destroy();
  await waitFor(() => fake.connections.length === 2 && fake.last.requestsOf(101).length === 1, { what: 'SetWatches on the new connection' });
  const next = fake.last;
  assert.equal(next.connectRequest!.lastZxidSeen, 0x57n);
  const sw = next.requestsOf(101)[0]!;
  assert.equal(sw.xid, -8);
  const rd = new JuteReader(sw.body);
  assert.equal(rd.long(), 0x57n);
  const strs = () => rd.vector((x) => x.ustring());
  assert.deepEqual([strs(), strs(), strs()], [['/c/a'], ['/c/b'], ['/c']]);
  assert.ok(rd.ok && rd.remaining === 0);
  next.reply(-8, 0, undefined, -1n);

  // What the server fires for changes made while the client was away.
  next.notify(3, '/c/a');
  next.notify(3, '/c/a');
  next.notify(1, '/c/b');
  next.notify(4, '/c');
  await waitFor(() => seen.length >= 3, { what: 'watch events' });
  await client.ping();
  assert.deepEqual(seen, ['NodeDataChanged /a', 'NodeCreated /b', 'NodeChildrenChanged /']);

  // Nothing left to re-arm: the next reconnect sends no SetWatches.
  next.destroy();
  await waitFor(() => fake.connections.length === 3 && client.state === 'connected', { what: 'third connection' });
  await client.ping();
  assert.equal(fake.last.requestsOf(101).length, 0);
});

test('multi sends every version as given: a check at version 0 is 0 on the wire, not -1', async () => {
  const c = await connected();
  const p = client.multi([
    { op: 'check', path: '/controller_epoch', version: 0 },
    { op: 'setData', path: '/s', data: Buffer.from('d'), version: 0 },
    { op: 'delete', path: '/d', version: 0 },
    { op: 'check', path: '/any', version: -1 },
    { op: 'create', path: '/e-', mode: 'ephemeralSequential' },
  ]);
  await waitFor(() => c.requestsOf(14).length === 1, { what: 'multi sent' });
  const req = c.requestsOf(14)[0]!;

  // Read the record by hand: MultiHeader(type, done, err) then the operation's record.
  const r = new JuteReader(req.body);
  const header = () => [r.int(), r.boolean(), r.int()];
  assert.deepEqual(header(), [13, false, -1]);
  assert.equal(r.ustring(), '/controller_epoch');
  // The check's version field is the four bytes right after the path.
  const versionAt = 9 + 4 + '/controller_epoch'.length;
  assert.equal(req.body.readInt32BE(versionAt), 0);
  assert.equal(r.int(), 0);
  assert.deepEqual(header(), [5, false, -1]);
  assert.equal(r.ustring(), '/s');
  assert.deepEqual(r.buffer(), Buffer.from('d'));
  assert.equal(r.int(), 0);
  assert.deepEqual(header(), [2, false, -1]);
  assert.equal(r.ustring(), '/d');
  assert.equal(r.int(), 0);
  assert.deepEqual(header(), [13, false, -1]);
  assert.equal(r.ustring(), '/any');
  assert.equal(r.int(), -1);
  assert.deepEqual(header(), [1, false, -1]);
  assert.equal(r.ustring(), '/e-');
  assert.equal(r.buffer()!.length, 0);
  const acl = r.vector((x) => [x.int(), x.ustring(), x.ustring()]);
  assert.deepEqual(acl, [[31, 'world', 'anyone']]);
  assert.equal(r.int(), 3, 'ephemeral sequential flags');
  assert.deepEqual(header(), [-1, true, -1]);
  assert.ok(r.ok && r.remaining === 0);

  // ZooKeeper's answer to a multi whose first check failed: OK-free error results for each op.
  c.reply(req.xid, 0, (w) => {
    const err = (code: number) => w.int(-1).boolean(false).int(code).int(code);
    err(ZkCode.BADVERSION);
    for (let i = 0; i < 4; i++) err(ZkCode.RUNTIMEINCONSISTENCY);
    w.int(-1).boolean(true).int(-1);
  });
  const err = await p.then(
    () => assert.fail('the multi should fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ZooKeeperMultiError);
  assert.equal(err.code, ZkCode.BADVERSION);
  assert.equal(err.failedIndex, 0);
  assert.deepEqual(
    err.results.map((x) => (x.op === 'error' ? x.code : x.op)),
    [ZkCode.BADVERSION, -2, -2, -2, -2],
  );
});

test('close sends CloseSession after what is pending, then fails later calls with CLOSING', async () => {
  fake.answerClose = false;
  const c = await connected();
  const gd = client.exists('/a');
  const closing = client.close();
  assert.equal((await rejection(client.exists('/b'))).code, ZkCode.CLOSING);
  await waitFor(() => c.requests.length === 2, { what: 'exists and closeSession' });
  assert.deepEqual(
    c.requests.map((r) => r.opcode),
    [3, -11],
  );
  c.reply(c.requests[0]!.xid, ZkCode.NONODE);
  c.reply(c.requests[1]!.xid);
  assert.equal(await gd, null);
  await closing;
  assert.equal(client.state, 'closed');
  await waitFor(() => c.closed, { what: 'socket closed' });
});

test('connect() gives up after connectionTimeoutMs when no member grants a session, and closes the client', async () => {
  fake.onConnect = () => {};
  client = new ZooKeeperClient({ connect: fake.address, sessionTimeoutMs: SESSION_MS, connectionTimeoutMs: 5000, clock });
  const p = rejection(client.connect());
  await waitFor(() => fake.connections.length >= 1, { what: 'a connection attempt' });
  clock.advance(5000);
  const err = await p;
  assert.equal(err.code, ZkCode.CONNECTIONLOSS);
  assert.equal(client.state, 'closed');
});
