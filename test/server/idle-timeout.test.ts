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
