// A broker's metadata from its controller: requests are stamped with the controller epoch and
// the broker epoch of their addressee. A restarted broker that has not registered yet has no
// epoch, and a request naming one was meant for its previous process: it is refused, so the new
// process never leads partitions or serves groups on that process's behalf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerMetadata } from '../../../src/cluster/zk-mode/broker-metadata.js';
import { ErrorCode } from '../../../src/protocol/errors.js';

test('controller requests: stale broker epochs, and any broker epoch before registration, are STALE_BROKER_EPOCH', () => {
  let epoch = -1;
  const m = new BrokerMetadata('cluster', 2, () => epoch);
  const brokers = [{ id: 1, host: 'h1', port: 1, rack: null }, { id: 2, host: 'h2', port: 2, rack: null }];
  assert.equal(m.applyUpdateMetadata({ controllerId: 1, controllerEpoch: 3, brokerEpoch: 100 }, brokers, [], new Map()), ErrorCode.STALE_BROKER_EPOCH, 'meant for the previous process');
  assert.equal(m.image.broker(2), undefined, 'nothing applied');
  epoch = 200;
  assert.equal(m.applyUpdateMetadata({ controllerId: 1, controllerEpoch: 3, brokerEpoch: 100 }, brokers, [], new Map()), ErrorCode.STALE_BROKER_EPOCH);
  assert.equal(m.applyUpdateMetadata({ controllerId: 1, controllerEpoch: 3, brokerEpoch: 200 }, brokers, [], new Map()), ErrorCode.NONE);
  assert.equal(m.image.broker(2)?.host, 'h2');
  assert.equal(m.applyUpdateMetadata({ controllerId: 1, controllerEpoch: 2, brokerEpoch: 200 }, brokers, [], new Map()), ErrorCode.STALE_CONTROLLER_EPOCH);
  assert.equal(m.applyUpdateMetadata({ controllerId: 1, controllerEpoch: 3, brokerEpoch: -1 }, brokers, [], new Map()), ErrorCode.NONE, 'requests without a broker epoch (old versions) are not judged by it');
});
