/**
 * A Samsa cluster of real processes for tests: Debian's ZooKeeper (one server or an ensemble)
 * and N brokers (`samsa start --zookeeper.connect ...`), each on an ephemeral port with its own
 * temporary data dir, ids 1..N. `stop()` removes everything, also after a failed test.
 */
import { ZooKeeperClient } from '../../src/cluster/zookeeper/index.js';
import { CreateTopics } from '../../src/protocol/messages/index.js';
import { decodeController, decodeControllerEpoch } from '../../src/cluster/zk-mode/znodes.js';
import { BrokerProcess, waitFor, type BrokerProcessOptions } from './broker-process.js';
import { WireClient } from './wire-client.js';
import { ZooKeeperEnsemble } from './zookeeper-process.js';

export const ZK_CLI = '/usr/share/zookeeper/bin/zkCli.sh';

export interface ZkClusterOptions {
  brokers: number;
  zkServers?: number;
  /** zookeeper.session.timeout.ms of the brokers; default 3000. */
  sessionTimeoutMs?: number;
  chroot?: string;
  settings?: Record<string, string>;
  /** One broker's own options (its port and listeners, say), over the cluster's. */
  perBroker?: Record<number, BrokerProcessOptions>;
  env?: NodeJS.ProcessEnv;
}

/** /brokers/topics/<t>/partitions/<p>/state as Kafka writes it. */
export interface ZkPartitionState {
  leader: number;
  leader_epoch: number;
  isr: number[];
}

export class ZkCluster {
  readonly brokers = new Map<number, BrokerProcess>();
  private session: Promise<ZooKeeperClient> | null = null;

  private constructor(
    readonly zk: ZooKeeperEnsemble,
    readonly connect: string,
    private readonly opts: ZkClusterOptions,
  ) {}

  static async start(opts: ZkClusterOptions): Promise<ZkCluster> {
    const sessionTimeoutMs = opts.sessionTimeoutMs ?? 3000;
    const zk = await ZooKeeperEnsemble.start({ servers: opts.zkServers ?? 1, maxSessionTimeoutMs: Math.max(20_000, sessionTimeoutMs) });
    const connect = zk.members.map((m) => m.address).join(',') + (opts.chroot ?? '');
    const c = new ZkCluster(zk, connect, { ...opts, sessionTimeoutMs });
    try {
      const ids = Array.from({ length: opts.brokers }, (_, i) => i + 1);
      const started = await Promise.all(ids.map((id) => BrokerProcess.start(c.brokerOptions(id, opts.perBroker?.[id]))));
      started.forEach((b, i) => c.brokers.set(ids[i]!, b));
      // Each broker is ready once it has the controller's metadata naming itself; wait until
      // every broker knows every other, so a test starts from the whole cluster.
      await waitFor(async () => (await (await c.zkClient()).getChildren('/brokers/ids')).children.length === opts.brokers, { timeoutMs: 20_000, what: 'all brokers registered' });
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  brokerOptions(id: number, extra: BrokerProcessOptions = {}): BrokerProcessOptions {
    return {
      readyTimeoutMs: 40_000,
      ...extra,
      settings: {
        'zookeeper.connect': this.connect,
        'zookeeper.session.timeout.ms': String(this.opts.sessionTimeoutMs),
        'broker.id': String(id),
        'group.initial.rebalance.delay.ms': '0',
        ...this.opts.settings,
        ...extra.settings,
      },
      env: { SAMSA_LOG_LEVEL: 'info', ...this.opts.env, ...extra.env },
    };
  }

  broker(id: number): BrokerProcess {
    const b = this.brokers.get(id);
    if (!b) throw new Error(`no broker ${id}`);
    return b;
  }

  /** host:port of every broker, comma-separated. */
  get bootstrap(): string {
    return [...this.brokers.values()].map((b) => b.bootstrap).join(',');
  }

  /** A session of the test's own, on the cluster's chroot. */
  zkClient(): Promise<ZooKeeperClient> {
    this.session ??= (async () => {
      const c = new ZooKeeperClient({ connect: this.connect, sessionTimeoutMs: 10_000 });
      await c.connect();
      return c;
    })();
    return this.session;
  }

  async controller(): Promise<{ id: number; epoch: number }> {
    const zk = await this.zkClient();
    const id = decodeController((await zk.getData('/controller')).data);
    const epoch = decodeControllerEpoch((await zk.getData('/controller_epoch')).data);
    return { id, epoch };
  }

  /** Creates a topic with the given replica lists (partition i: assignments[i]) through broker `via` (default: the first). */
  async createTopic(name: string, assignments: number[][], configs: Record<string, string> = {}, via?: number): Promise<void> {
    const wire = await WireClient.connect(this.broker(via ?? [...this.brokers.keys()][0]!).bootstrap);
    try {
      const r = await wire.request(CreateTopics, 7, {
        topics: [{ name, numPartitions: -1, replicationFactor: -1, assignments: assignments.map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })), configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })) }],
        timeoutMs: 30_000,
        validateOnly: false,
      });
      const t = r.topics[0]!;
      if (t.errorCode !== 0) throw new Error(`cannot create ${name}: error ${t.errorCode} ${t.errorMessage ?? ''}`);
    } finally {
      wire.close();
    }
  }

  async partitionState(topic: string, partition: number): Promise<ZkPartitionState> {
    const zk = await this.zkClient();
    return JSON.parse((await zk.getData(`/brokers/topics/${topic}/partitions/${partition}/state`)).data.toString()) as ZkPartitionState;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.brokers.values()].map(async (b) => {
      try {
        if (b.running) {
          b.signal('SIGCONT');
          await b.kill('SIGKILL');
        }
      } catch {
        // already gone
      }
      b.cleanup();
    }));
    await this.session?.then((s) => s.close()).catch(() => {});
    await this.zk.stop();
  }
}
