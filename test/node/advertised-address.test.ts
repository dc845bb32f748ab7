// A listener on 0.0.0.0 was advertised as 127.0.0.1, which sends a client on another machine to
// itself. It is now advertised as the machine's first non-internal IPv4 address (its host name
// when it has none), unless advertised.listeners says otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { machineAddress } from '../../src/node/machine-address.js';
import { startBroker } from '../../src/node/start-broker.js';
import { KafkaClient } from '../../src/client/index.js';

test('machineAddress: the first non-internal IPv4, else the host name', () => {
  const lo = { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' } as const;
  const v6 = { address: 'fd00::2', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fd00::2/64', scopeid: 0 } as const;
  const eth = { address: '10.1.2.3', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '10.1.2.3/24' } as const;
  assert.equal(machineAddress({ lo: [lo], eth0: [v6, eth] }, 'box'), '10.1.2.3');
  assert.equal(machineAddress({ lo: [lo], eth0: [v6] }, 'box'), 'box');
  assert.equal(machineAddress({}, 'box'), 'box');
});

test('a broker listening on 0.0.0.0 advertises a real address of the machine; advertised.listeners still wins', async () => {
  const expected = machineAddress(networkInterfaces());
  const b = await startBroker({ listeners: 'PLAINTEXT://0.0.0.0:0' });
  try {
    assert.notEqual(b.broker.endpoint.host, '127.0.0.1');
    assert.equal(b.broker.endpoint.host, expected);
    const client = new KafkaClient({ brokers: `127.0.0.1:${b.port}` });
    try {
      const md = await client.metadata([]);
      assert.deepEqual(md.brokers.map((x) => [x.host, x.port]), [[expected, b.port]]);
    } finally {
      await client.close();
    }
  } finally {
    await b.stop();
  }
  const c = await startBroker({ listeners: 'PLAINTEXT://0.0.0.0:0', 'advertised.listeners': 'PLAINTEXT://localhost:0' });
  try {
    assert.equal(c.broker.endpoint.host, 'localhost');
  } finally {
    await c.stop();
  }
});
