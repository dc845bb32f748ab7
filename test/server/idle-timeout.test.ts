// connections.max.idle.ms: idle connections are closed by one coarse sweep; a connection that
// keeps talking is not.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { ApiVersions } from '../../src/protocol/messages/index.js';
import { WireClient } from '../helpers/wire-client.js';

let b: StartedBroker;
before(async () => {
  b = await startBroker({ 'connections.max.idle.ms': '400' });
});
after(async () => {
  await b.stop();
});

const apiVersions = { clientSoftwareName: 'idle-test', clientSoftwareVersion: '1' };

test('an idle connection is closed after connections.max.idle.ms; a busy one stays open', async () => {
  const idle = await WireClient.connect(b.bootstrap);
  const busy = await WireClient.connect(b.bootstrap);
  const t0 = Date.now();
  // The busy connection sends a request every 100 ms for 1.2 s, three times the idle limit.
  while (Date.now() - t0 < 1200) {
    const r = await busy.request(ApiVersions, 3, apiVersions);
    assert.equal(r.errorCode, 0);
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(idle.closed, true, 'the idle connection was closed');
  assert.equal(busy.closed, false, 'the busy connection is still open');
  assert.equal(await idle.waitClosed(100), true);
  busy.close();
});

test('on simulated time: closed once connections.max.idle.ms passes without a request, not before', async () => {
  const { ManualClock } = await import('../../src/util/clock.js');
  const clock = new ManualClock(1_000_000);
  const sim = await startBroker({ 'connections.max.idle.ms': '400' }, { clock });
  try {
    const idle = await WireClient.connect(sim.bootstrap);
    const busy = await WireClient.connect(sim.bootstrap);
    assert.equal((await busy.request(ApiVersions, 3, apiVersions)).errorCode, 0);
    clock.advance(300);
    assert.equal((await busy.request(ApiVersions, 3, apiVersions)).errorCode, 0);
    assert.equal(await idle.waitClosed(200), false, 'not closed after 300 ms of silence');
    clock.advance(250);
    assert.equal(await idle.waitClosed(5000), true, 'closed once 400 ms of simulated silence passed');
    assert.equal(busy.closed, false, 'the connection that talked 250 ms ago stays');
    busy.close();
  } finally {
    await sim.stop();
  }
});
