// Client quotas: a confluent-kafka producer whose client id has producer_byte_rate=1 MiB/s
// (AlterClientQuotas) floods the broker for 22 s; the bytes acknowledged from its third second on
// are within 10 % of 1 MiB/s, and the client saw throttle_time_ms (librdkafka's broker throttle
// statistics). DescribeClientQuotas lists the quota; removing it lifts the limit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AlterClientQuotas, DescribeClientQuotas } from '../../../src/protocol/index.js';
import { startBroker, type StartedBroker } from '../../../src/node/start-broker.js';
import { python, repoRoot, runOk } from '../../helpers/broker-process.js';
import { WireClient, createTopic } from '../../helpers/wire-client.js';

const RATE = 1024 * 1024;

describe('client quotas', () => {
  let b: StartedBroker;
  let c: WireClient;

  before(async () => {
    b = await startBroker({});
    c = await WireClient.connect(b.bootstrap);
    assert.equal(await createTopic(c, 'flood', 1), 0);
  });

  after(async () => {
    c?.close();
    await b?.stop();
  });

  const flood = async (clientId: string, seconds: number) =>
    JSON.parse(await runOk(python, [join(repoRoot, 'test/interop/py/security_confluent.py'), b.bootstrap, JSON.stringify({ 'client.id': clientId }), 'flood', 'flood', String(seconds), '10000'], { timeoutMs: (seconds + 60) * 1000 })) as { acked_bytes: Array<[number, number]>; throttle_max_ms: number; errors: string[] };

  test('a producer throttled to 1 MiB/s is held within 10 % of it over 20 s, and told its throttle time', { timeout: 120_000 }, async (t) => {
    const set = await c.request(AlterClientQuotas, 1, { entries: [{ entity: [{ entityType: 'client-id', entityName: 'throttled-app' }], ops: [{ key: 'producer_byte_rate', value: RATE, remove: false }] }], validateOnly: false });
    assert.equal(set.entries[0]!.errorCode, 0);
    const described = await c.request(DescribeClientQuotas, 1, { components: [{ entityType: 'client-id', matchType: 0, match: 'throttled-app' }], strict: false });
    assert.deepEqual(described.entries, [{ entity: [{ entityType: 'client-id', entityName: 'throttled-app' }], values: [{ key: 'producer_byte_rate', value: RATE }] }]);

    const out = await flood('throttled-app', 22);
    assert.deepEqual(out.errors, []);
    const from = out.acked_bytes.find(([t]) => t >= 2)!;
    const to = out.acked_bytes[out.acked_bytes.length - 1]!;
    const rate = (to[1] - from[1]) / (to[0] - from[0]);
    t.diagnostic(`held at ${Math.round(rate)} B/s (${((rate / RATE - 1) * 100).toFixed(1)} % off) over ${(to[0] - from[0]).toFixed(1)} s; largest throttle ${out.throttle_max_ms} ms`);
    assert.ok(to[0] - from[0] >= 19.5, `measured over ${to[0] - from[0]} s`);
    assert.ok(Math.abs(rate - RATE) / RATE <= 0.1, `held at ${Math.round(rate)} B/s, quota ${RATE} B/s`);
    assert.ok(out.throttle_max_ms > 0, 'the client was told its throttle time');
  });

  test('without a quota the same producer is not throttled', { timeout: 60_000 }, async () => {
    const out = await flood('free-app', 4);
    const last = out.acked_bytes[out.acked_bytes.length - 1]!;
    assert.ok(last[1] / last[0] > 3 * RATE, `unthrottled ${Math.round(last[1] / last[0])} B/s`);
    assert.equal(out.throttle_max_ms, 0);
  });
});
