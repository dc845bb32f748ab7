// Brokers reach each other on the inter-broker listener with its own security protocol, as
// Kafka's do: here SASL_SSL (TLS with the listener's keystore and truststore, SASL PLAIN with
// the broker's username and password from the listener's JAAS config). The clients use a
// PLAINTEXT listener of the same brokers; replication, the controller's requests and acks=all
// all travel over SASL_SSL, so acknowledged records surviving the leader's kill -9 show them
// working. A broker told to use SASL between brokers without its own credentials does not start.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { interBrokerPeerSecurity } from '../../src/node/inter-broker-security.js';
import { interBrokerListener, listenerSpecs } from '../../src/server/security/listeners.js';
import { CreateTopics } from '../../src/protocol/messages/index.js';
import { makePki, type Pki } from '../helpers/certs.js';
import { run, runOk, waitFor, type BrokerProcessOptions } from '../helpers/broker-process.js';
import { reservePorts } from '../helpers/ports.js';
import { WireClient } from '../helpers/wire-client.js';
import { ZkCluster } from '../helpers/zk-cluster.js';
import { zookeeperAvailable } from '../helpers/zookeeper-process.js';

const skip = !zookeeperAvailable() && 'Debian zookeeper not installed';
const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="broker-secret" user_broker="broker-secret";';

function securedSettings(pki: Pki, plain: number, internal: number): Record<string, string> {
  return {
    listeners: `PLAINTEXT://127.0.0.1:${plain},INTERNAL://127.0.0.1:${internal}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:SASL_SSL',
    'inter.broker.listener.name': 'INTERNAL',
    'sasl.mechanism.inter.broker.protocol': 'PLAIN',
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.internal.plain.sasl.jaas.config': JAAS,
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': pki.server.pem,
    'ssl.truststore.location': pki.ca,
  };
}

describe('inter-broker traffic over a SASL_SSL listener', { skip, timeout: 180_000 }, () => {
  let pki: Pki;
  let cluster: ZkCluster;
  /** Each broker's PLAINTEXT listener, for the clients (a broker's ready line names its inter-broker one). */
  const plainAddress = new Map<number, string>();
  const plain = (ids: number[]) => ids.map((id) => plainAddress.get(id)!).join(',');

  before(async () => {
    pki = makePki();
    const ports = await reservePorts(6);
    const perBroker: Record<number, BrokerProcessOptions> = {};
    for (const id of [1, 2, 3]) {
      perBroker[id] = { port: ports[id * 2 - 1]!, settings: securedSettings(pki, ports[id * 2 - 2]!, ports[id * 2 - 1]!) };
      plainAddress.set(id, `127.0.0.1:${ports[id * 2 - 2]!}`);
    }
    cluster = await ZkCluster.start({ brokers: 3, sessionTimeoutMs: 10_000, perBroker, settings: { 'offsets.topic.replication.factor': '3' } });
  });

  after(async () => {
    await cluster?.stop();
    pki?.cleanup();
  });

  test('brokers register the SASL_SSL listener for each other, replicate over it, and fail over with every acknowledged record', async () => {
    const zk = await cluster.zkClient();
    for (const id of [1, 2, 3]) {
      const reg = JSON.parse((await zk.getData(`/brokers/ids/${id}`)).data.toString()) as { endpoints: string[]; listener_security_protocol_map: Record<string, string> };
      assert.ok(reg.endpoints.some((e) => e.startsWith('INTERNAL://')), reg.endpoints.join(' '));
      assert.equal(reg.listener_security_protocol_map['INTERNAL'], 'SASL_SSL');
    }
    const wire = await WireClient.connect(plain([1]));
    try {
      const r = await wire.request(CreateTopics, 7, { topics: [{ name: 'sealed', numPartitions: 1, replicationFactor: 3, assignments: [], configs: [{ name: 'min.insync.replicas', value: '3' }] }], timeoutMs: 30_000, validateOnly: false });
      assert.equal(r.topics[0]!.errorCode, 0, r.topics[0]!.errorMessage ?? '');
    } finally {
      wire.close();
    }
    const state = async () => JSON.parse((await zk.getData('/brokers/topics/sealed/partitions/0/state')).data.toString()) as { leader: number; isr: number[] };
    await waitFor(async () => (await state()).isr.length === 3, { timeoutMs: 30_000, what: 'three replicas in sync' });
    // min.insync.replicas=3 and acks=all: each record is acknowledged only once both followers,
    // fetching over SASL_SSL, have it.
    const values = Array.from({ length: 200 }, (_, i) => `v${i}`);
    await runOk('kcat', ['-b', plain([1, 2, 3]), '-P', '-t', 'sealed', '-p', '0', '-X', 'acks=all', '-X', 'message.timeout.ms=20000'], { input: values.join('\n') + '\n', timeoutMs: 40_000 });
    const before = await state();
    assert.equal(before.isr.length, 3, `ISR after the writes: ${before.isr.join(',')}`);
    await cluster.broker(before.leader).kill('SIGKILL');
    await waitFor(async () => {
      const s = await state();
      return s.leader !== before.leader && s.leader >= 0;
    }, { timeoutMs: 30_000, what: 'a new leader, elected by the controller over SASL_SSL' });
    const others = plain([1, 2, 3].filter((id) => id !== before.leader));
    const read = await runOk('kcat', ['-b', others, '-C', '-t', 'sealed', '-p', '0', '-e', '-o', 'beginning', '-f', '%o %s\n'], { timeoutMs: 40_000 });
    assert.deepEqual(read.trim().split('\n'), values.map((v, i) => `${i} ${v}`));
  });

  test('a broker told to use SASL between brokers without its own credentials does not start, and says what to set', async () => {
    const [a, b] = await reservePorts(2);
    const settings = securedSettings(pki, a!, b!);
    settings['listener.name.internal.plain.sasl.jaas.config'] = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_broker="broker-secret";';
    const flags = new Map(Object.entries({ ...settings, 'zookeeper.connect': cluster.connect, 'broker.id': '9' }));
    const config = BrokerConfig.load({ flags });
    assert.throws(() => interBrokerPeerSecurity(config, interBrokerListener(config, listenerSpecs(config))), /give the broker's own username="\.\.\." and password="\.\.\." in listener\.name\.internal\.plain\.sasl\.jaas\.config/);
    const args = ['dist/src/cli/main.js', 'start', '--log.dirs', `${pki.dir}/never`, ...Object.entries(Object.fromEntries(flags)).flatMap(([k, v]) => [`--${k}`, v])];
    const r = await run(process.execPath, args, { timeoutMs: 20_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^samsa: the inter-broker listener INTERNAL uses SASL PLAIN: give the broker's own username="..." and password="..." in listener.name.internal.plain.sasl.jaas.config\n$/);
  });
});
