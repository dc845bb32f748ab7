// queued.max.request.bytes against socket.request.max.bytes, as Kafka's KafkaConfig checks them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { ConfigError } from '../../src/config/parse.js';

const flags = (m: Record<string, string>) => BrokerConfig.load({ flags: new Map(Object.entries(m)) });

test('queued.max.request.bytes defaults to 100 MiB and grows with socket.request.max.bytes when left unset', () => {
  assert.equal(flags({}).queuedMaxRequestBytes, 104857600);
  assert.equal(flags({ 'socket.request.max.bytes': '209715200' }).queuedMaxRequestBytes, 209715200);
  assert.equal(flags({ 'socket.request.max.bytes': '1048576' }).queuedMaxRequestBytes, 104857600);
});

test('a queued.max.request.bytes set below socket.request.max.bytes is refused; -1 is unbounded', () => {
  assert.throws(() => flags({ 'queued.max.request.bytes': '1000' }), (e: unknown) => e instanceof ConfigError && /queued.max.request.bytes/.test(e.message));
  assert.equal(flags({ 'queued.max.request.bytes': '-1' }).queuedMaxRequestBytes, -1);
  assert.equal(flags({ 'queued.max.request.bytes': '1048576', 'socket.request.max.bytes': '1048576' }).queuedMaxRequestBytes, 1048576);
});
