// `samsa consume TOPIC -g G -n 4` printed 4 records but committed the position of everything the
// fetch had brought (offset 10 of 10), so the group's next run skipped 6 records. kcat `-c 4`
// commits 4; so does samsa now: exactly the records it printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { Admin, KafkaClient } from '../../src/client/index.js';
import { samsa } from './helpers.js';

let b: StartedBroker;

test.before(async () => {
  b = await startBroker({ 'group.initial.rebalance.delay.ms': '0' });
});
test.after(async () => {
  await b?.stop();
});

test('consume -g -n commits the offsets of the records it printed, not of what it fetched', async () => {
  const bs = b.bootstrap;
  assert.equal((await samsa(bs, ['topic', 'create', 'cc', '-p', '2'])).code, 0);
  for (const p of ['0', '1']) {
    const r = await samsa(bs, ['produce', 'cc', '-p', p], { input: [0, 1, 2, 3, 4].map((i) => `p${p}-${i}`).join('\n') + '\n' });
    assert.equal(r.code, 0, r.stderr);
  }
  let r = await samsa(bs, ['consume', 'cc', '-g', 'g4', '-n', '4', '-f', '%p %o\\n']);
  assert.equal(r.code, 0, r.stderr);
  const printed = r.stdout.trim().split('\n').map((l) => l.split(' ').map(Number) as [number, number]);
  assert.equal(printed.length, 4);

  const client = new KafkaClient({ brokers: bs });
  try {
    const committed = await new Admin(client).fetchOffsets('g4', [{ topic: 'cc', partitions: [0, 1] }]);
    for (const p of [0, 1]) {
      const last = Math.max(-1, ...printed.filter(([q]) => q === p).map(([, o]) => o));
      const c = committed.find((x) => x.partition === p)!.offset;
      // A partition nothing was printed from keeps no commit (-1) or the position it started at (0).
      assert.ok(last >= 0 ? c === last + 1 : c <= 0, `partition ${p}: committed ${c}, last printed ${last}`);
    }
  } finally {
    await client.close();
  }

  // The next run of the group prints exactly the six records the first did not.
  r = await samsa(bs, ['consume', 'cc', '-g', 'g4', '-e', '-f', '%p %o\\n']);
  assert.equal(r.code, 0, r.stderr);
  const rest = r.stdout.trim().split('\n');
  assert.equal(rest.length, 6, r.stdout);
  const all = new Set([...printed.map(([p, o]) => `${p} ${o}`), ...rest]);
  assert.equal(all.size, 10);
});
