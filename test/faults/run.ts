/**
 * One fault run: 3 ZooKeeper servers on the host and 3 brokers, each broker in its own network
 * namespace; producers (acks=all, idempotence on and off), a group consumer committing each
 * record, then faults drawn from the seed for the run's duration, logged with timestamps:
 * kill -9 and restart, SIGSTOP/SIGCONT, isolating a broker, splitting the brokers, cutting a
 * broker from ZooKeeper only, one-way loss between two brokers, and two of them at once. Then
 * everything heals, a final reader reads every partition, and the checker judges the history.
 * Everything is removed at the end, also after a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTopics } from '../../src/protocol/messages/index.js';
import { BrokerProcess, python, repoRoot, runOk, waitFor } from '../helpers/broker-process.js';
import { WireClient, readAll } from '../helpers/wire-client.js';
import { ZooKeeperEnsemble } from '../helpers/zookeeper-process.js';
import { check, type Ack, type CheckResult, type ConsumedRecord, type StoredRecord, type TxnOutcome } from './checker.js';
import { FaultNetwork } from './netns.js';

export interface FaultRunOptions {
  seed: number;
  seconds: number;
  /** unclean.leader.election.enable=true and min.insync.replicas=1: loss is expected. */
  unsafe?: boolean;
  /** Run the consume-transform-produce loop too (default true). */
  exactlyOnceLoop?: boolean;
  /** Where the history and the result go; default a folder under the OS temp dir. */
  outDir?: string;
  log?: (line: string) => void;
}

export interface FaultRunResult extends CheckResult {
  seed: number;
  seconds: number;
  unsafe: boolean;
  faults: string[];
  outDir: string;
}

const BROKERS = ['b1', 'b2', 'b3'] as const;
const TOPIC = 'faults';
const TXN_TOPIC = 'faults-txn';
const EOS_IN = 'faults-eos-in';
const EOS_OUT = 'faults-eos-out';
const EOS_INPUTS = 20_000;
const PARTITIONS = 6;
const RATE = 80;
const SESSION_MS = 4000;

/** mulberry32: a small seeded PRNG, so that a seed replays the same faults. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** 'timeout' after `ms`, on a timer that does not keep the process alive once the run is over. */
const bound = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref());

// Clients of a run that ends early (a signal, an exception past the finally) go with it.
const liveClients = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of liveClients) c.kill('SIGKILL');
});

interface Fault {
  name: string;
  /** The brokers whose processes it kills or pauses (healed after the network faults). */
  processes?: readonly string[];
  apply(): Promise<void> | void;
  heal(): Promise<void> | void;
}

export async function runFaults(opts: FaultRunOptions): Promise<FaultRunResult> {
  const log = opts.log ?? (() => {});
  const rand = prng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const between = (lo: number, hi: number) => Math.round(lo + rand() * (hi - lo));
  const outDir = opts.outDir ?? join(repoRoot, 'test-results', 'faults', `seed-${opts.seed}${opts.unsafe ? '-unsafe' : ''}`);
  mkdirSync(outDir, { recursive: true });
  const faultLog: string[] = [];
  const note = (s: string) => {
    const line = `${new Date().toISOString()} ${s}`;
    faultLog.push(line);
    log(line);
  };

  // Each broker's writes go through test/faults/c/slow_disk.c, slowed while its flag file exists.
  const slowDir = mkdtempSync(join(tmpdir(), 'samsa-slow-disk-'));
  const slowDiskLib = join(slowDir, 'slow_disk.so');
  await runOk('cc', ['-O1', '-shared', '-fPIC', '-o', slowDiskLib, join(repoRoot, 'test', 'faults', 'c', 'slow_disk.c'), '-ldl']).catch((err: unknown) => {
    rmSync(slowDir, { recursive: true, force: true });
    throw err;
  });
  const slowFlag = (b: string) => join(slowDir, `slow-${b}`);
  const net = FaultNetwork.create(BROKERS);
  let zk: ZooKeeperEnsemble | null = null;
  const brokers = new Map<string, BrokerProcess>();
  const children: ChildProcess[] = [];
  const outputs = new Map<string, { out: string; err: string; exit: Promise<number | null> }>();
  try {
    zk = await ZooKeeperEnsemble.start({ servers: 3, clientPortAddress: '0.0.0.0', maxSessionTimeoutMs: 20_000 });
    const zkPorts = zk.members.map((m) => m.clientPort);
    const connect = zkPorts.map((p) => `${net.hostAddress}:${p}`).join(',');
    const started = await Promise.all(BROKERS.map((b, i) => BrokerProcess.start({
      host: net.address(b),
      wrap: net.exec(b),
      readyTimeoutMs: 40_000,
      env: { SAMSA_LOG_LEVEL: 'info', LD_PRELOAD: slowDiskLib, FAULTS_SLOW_DISK: slowFlag(b) },
      settings: {
        'zookeeper.connect': connect,
        'zookeeper.session.timeout.ms': String(SESSION_MS),
        'broker.id': String(i + 1),
        'replica.lag.time.max.ms': '5000',
        'group.initial.rebalance.delay.ms': '0',
        'controlled.shutdown.retry.backoff.ms': '500',
        ...(opts.unsafe ? { 'unclean.leader.election.enable': 'true' } : {}),
      },
    })));
    started.forEach((b, i) => brokers.set(BROKERS[i]!, b));
    const bootstrap = () => BROKERS.map((b) => `${net.address(b)}:${brokers.get(b)!.port}`).join(',');
    await waitFor(async () => {
      const c = await WireClient.connect(`${net.address('b1')}:${brokers.get('b1')!.port}`);
      try {
        const r = await c.request(CreateTopics, 7, {
          topics: [TOPIC, TXN_TOPIC, EOS_IN, EOS_OUT].map((name) => ({ name, numPartitions: PARTITIONS, replicationFactor: 3, assignments: [], configs: [{ name: 'min.insync.replicas', value: opts.unsafe ? '1' : '2' }] })),
          timeoutMs: 30_000,
          validateOnly: false,
        });
        return r.topics.every((t) => t.errorCode === 0 || t.errorCode === 36);
      } finally {
        c.close();
      }
    }, { timeoutMs: 40_000, intervalMs: 500, what: 'the topic created on a cluster of 3' });
    note(`seed ${opts.seed}, ${opts.seconds} s${opts.unsafe ? ', UNSAFE: unclean.leader.election.enable=true, min.insync.replicas=1' : ''}; brokers ${bootstrap()}; ZooKeeper ${connect}`);

    // The consume-transform-produce loop's input, written before the faults.
    const withEos = opts.exactlyOnceLoop !== false;
    if (withEos) await runOk('kcat', ['-b', bootstrap(), '-P', '-t', EOS_IN, '-X', 'acks=all'], { input: Array.from({ length: EOS_INPUTS }, (_, i) => `e-${i}`).join('\n') + '\n', timeoutMs: 60_000 });

    // ---- workload ----
    const count = RATE * opts.seconds;
    const startChild = (name: string, args: string[], env: NodeJS.ProcessEnv) => {
      const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
      children.push(child);
      liveClients.add(child);
      child.once('exit', () => liveClients.delete(child));
      const o = { out: '', err: '', exit: new Promise<number | null>((r) => child.once('exit', (code) => r(code))) };
      child.stdout!.on('data', (d: Buffer) => (o.out += d));
      child.stderr!.on('data', (d: Buffer) => (o.err = (o.err + d).slice(-2_000_000)));
      outputs.set(name, o);
      return child;
    };
    const producerScript = join(repoRoot, 'test', 'cluster', 'py', 'acked_producer.py');
    const startedAt = Date.now();
    startChild('idempotent', [producerScript, bootstrap(), TOPIC, String(count), String(RATE)], { VALUE_PREFIX: 'i', IDEMPOTENCE: '1', MESSAGE_TIMEOUT_MS: '30000' });
    startChild('plain', [producerScript, bootstrap(), TOPIC, String(count), String(RATE)], { VALUE_PREFIX: 'n', IDEMPOTENCE: '0', MESSAGE_TIMEOUT_MS: '30000' });
    if (withEos) startChild('eos', [join(repoRoot, 'test', 'interop', 'py', 'eos_confluent.py'), bootstrap(), EOS_IN, EOS_OUT, 'faults-eos-group', 'faults-eos-txn'], {});
    startChild('transactions', [join(repoRoot, 'test', 'faults', 'py', 'txn_producer.py'), bootstrap(), TXN_TOPIC, 'faults-txn-producer', String(opts.seconds), '10'], {});
    const consumer = startChild('consumer', [join(repoRoot, 'test', 'cluster', 'py', 'group_consumer.py'), bootstrap(), TOPIC, 'faults-group', String(10 * count), String(opts.seconds + 180)], {});

    // ---- faults ----
    const stopped = new Set<string>();
    const killed = new Set<string>();
    const addrs = (bs: readonly string[]) => bs.map((b) => net.address(b));
    const faultKinds: Array<() => Fault> = [
      () => {
        const b = pick(BROKERS);
        return { name: `kill -9 ${b}`, processes: [b], apply: async () => { killed.add(b); await brokers.get(b)!.kill('SIGKILL'); }, heal: async () => { await brokers.get(b)!.restart(); killed.delete(b); } };
      },
      () => {
        const b = pick(BROKERS);
        return { name: `SIGSTOP ${b}`, processes: [b], apply: () => { stopped.add(b); brokers.get(b)!.signal('SIGSTOP'); }, heal: () => { brokers.get(b)!.signal('SIGCONT'); stopped.delete(b); } };
      },
      () => {
        const b = pick(BROKERS);
        return { name: `isolate ${b}`, apply: () => net.isolate(b), heal: () => net.heal() };
      },
      () => {
        const b = pick(BROKERS);
        const rest = BROKERS.filter((x) => x !== b);
        return { name: `split ${b} | ${rest.join(',')}`, apply: () => { net.cut(b, addrs(rest)); for (const r of rest) net.cut(r, addrs([b])); }, heal: () => net.heal() };
      },
      () => {
        const b = pick(BROKERS);
        return { name: `cut ${b} from ZooKeeper`, apply: () => net.cutHostPorts(b, zkPorts), heal: () => net.heal() };
      },
      () => {
        const b = pick(BROKERS);
        const from = pick(BROKERS.filter((x) => x !== b));
        return { name: `one-way loss ${from} -> ${b}`, apply: () => net.cutInbound(b, addrs([from])), heal: () => net.heal() };
      },
      () => {
        const b = pick(BROKERS);
        const ms = between(20, 400);
        return { name: `slow disk ${b} (${ms} ms a write)`, apply: () => writeFileSync(slowFlag(b), String(ms)), heal: () => rmSync(slowFlag(b), { force: true }) };
      },
      () => {
        // Every broker crashes, the last one after the others had been gone for a while (it may
        // have been the only in-sync replica, acknowledging alone), and they come back in another
        // order: without unclean election the first ones back wait for it; with it, one of them
        // leads without what the last one acknowledged.
        const order = [...BROKERS].sort(() => rand() - 0.5);
        const back = [...order].sort(() => rand() - 0.5);
        return {
          name: `kill -9 all (${order.join(',')}), restart ${back.join(',')}`,
          processes: order,
          apply: async () => {
            for (const b of order) killed.add(b);
            await Promise.all(order.slice(0, 2).map((b) => brokers.get(b)!.kill('SIGKILL')));
            await sleep(SESSION_MS + between(1000, 3000));
            await brokers.get(order[2]!)!.kill('SIGKILL');
          },
          heal: async () => {
            for (const b of back) {
              await brokers.get(b)!.restart();
              killed.delete(b);
              await sleep(between(500, 2000));
            }
          },
        };
      },
    ];
    const faults: string[] = [];
    const deadline = startedAt + opts.seconds * 1000;
    while (Date.now() < deadline - 3000) {
      const n = rand() < 0.2 ? 2 : 1;
      const chosen: Fault[] = [];
      for (let i = 0; i < n; i++) {
        const f = pick(faultKinds)();
        // Two faults on one broker's process at once (kill and stop) would fight: keep one.
        if (chosen.some((c) => c.processes?.some((b) => f.processes?.includes(b)))) continue;
        chosen.push(f);
      }
      const hold = between(1000, 8000);
      for (const f of chosen) {
        note(`fault ${f.name} for ${hold} ms`);
        faults.push(f.name);
        await f.apply();
      }
      await sleep(Math.min(hold, Math.max(0, deadline - Date.now())));
      // The network first: a broker restarted while cut from ZooKeeper cannot start.
      for (const f of [...chosen.filter((c) => !c.processes), ...chosen.filter((c) => c.processes)]) {
        await f.heal();
        note(`healed ${f.name}`);
      }
      await sleep(between(1000, 4000));
    }
    net.heal();
    for (const b of BROKERS) rmSync(slowFlag(b), { force: true });
    for (const b of stopped) brokers.get(b)!.signal('SIGCONT');
    for (const b of killed) await brokers.get(b)!.restart();
    note('all faults healed');

    // ---- settle, finish the workload, read everything ----
    const { ZooKeeperClient } = await import('../../src/cluster/zookeeper/index.js');
    const zc = new ZooKeeperClient({ connect: zk.connectString(), sessionTimeoutMs: 10_000 });
    await zc.connect();
    try {
      await waitFor(async () => {
        for (let p = 0; p < PARTITIONS; p++) {
          const s = JSON.parse((await zc.getData(`/brokers/topics/${TOPIC}/partitions/${p}/state`)).data.toString()) as { leader: number; isr: number[] };
          if (s.leader < 0 || s.isr.length !== 3) return false;
        }
        return true;
      }, { timeoutMs: 120_000, intervalMs: 500, what: 'every partition led with 3 replicas in sync after the faults' }).catch(async (err: Error) => {
        const states = await Promise.all(Array.from({ length: PARTITIONS }, async (_, p) => `${p}: ${(await zc.getData(`/brokers/topics/${TOPIC}/partitions/${p}/state`)).data.toString()}`));
        const ids = (await zc.getChildren('/brokers/ids')).children.join(',');
        const controller = (await zc.getData('/controller').catch(() => ({ data: Buffer.from('none') }))).data.toString();
        note(`not healthy: brokers [${ids}], controller ${controller}; ${states.join('; ')}`);
        throw err;
      });
    } finally {
      await zc.close();
    }
    note('cluster healthy');
    // A producer that stopped on an error (librdkafka's idempotent producer goes fatal when it
    // sees its records lost) is part of the history, not a failure of the run.
    const stoppedProducers: string[] = [];
    for (const name of ['idempotent', 'plain']) {
      const o = outputs.get(name)!;
      const code = await Promise.race([o.exit, bound(120_000)]);
      if (code === 'timeout') throw new Error(`producer ${name} did not finish\n${o.err.slice(-2000)}`);
      if (code !== 0) {
        const why = /KafkaError\{[^}]*\}/.exec(o.err)?.[0] ?? `exit ${String(code)}`;
        stoppedProducers.push(`${name}: ${why}`);
        note(`producer ${name} stopped: ${why}`);
      }
    }
    {
      const o = outputs.get('transactions')!;
      const code = await Promise.race([o.exit, bound(120_000)]);
      if (code !== 0) throw new Error(`the transactional producer did not finish (${String(code)})\n${o.err.slice(-2000)}`);
    }
    if (withEos) {
      const o = outputs.get('eos')!;
      const code = await Promise.race([o.exit, bound(180_000)]);
      if (code !== 0) throw new Error(`the consume-transform-produce loop did not finish (${String(code)})\n${o.err.slice(-2000)}`);
    }
    const endedAt = Date.now();
    const parse = <T>(s: string) => s.split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
    const acks: Ack[] = [];
    let failed = 0;
    for (const [name, idempotent] of [['idempotent', true], ['plain', false]] as const) {
      for (const r of parse<{ p?: number; o?: number; v?: string; t: number; err?: string }>(outputs.get(name)!.out)) {
        if (r.err !== undefined || r.v === undefined) failed++;
        else acks.push({ producer: name === 'idempotent' ? 'i' : 'n', idempotent, p: r.p!, o: r.o!, v: r.v, t: r.t });
      }
    }
    const co = outputs.get('consumer')!;
    const ackedValues = new Set(acks.map((a) => a.v));
    await waitFor(() => {
      const seen = new Set(parse<ConsumedRecord>(co.out).map((r) => r.v));
      for (const v of ackedValues) if (!seen.has(v)) return false;
      return true;
    }, { timeoutMs: 60_000, intervalMs: 500, what: 'the group consumer to read every acknowledged record' }).catch((err: Error) => note(`consumer: ${err.message}`));
    consumer.kill('SIGTERM');
    await Promise.race([co.exit, bound(10_000)]);
    const consumed = parse<ConsumedRecord>(co.out);
    // Read from each partition's leader, with the producer id and epoch of every batch.
    const stored: StoredRecord[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const records = await waitFor(async () => {
        for (const b of BROKERS) {
          const c = await WireClient.connect(`${net.address(b)}:${brokers.get(b)!.port}`).catch(() => null);
          if (!c) continue;
          try {
            return await readAll(c, TOPIC, p, 0, 60_000);
          } catch {
            // not this partition's leader
          } finally {
            c.close();
          }
        }
        return null;
      }, { timeoutMs: 90_000, intervalMs: 500, what: `partition ${p} read from its leader` });
      for (const r of records) stored.push({ p, o: r.offset, v: r.value ?? '', pid: r.producerId, epoch: r.producerEpoch });
    }
    const txns = parse<TxnOutcome>(outputs.get('transactions')!.out);
    const committedDump = await runOk('kcat', ['-b', bootstrap(), '-C', '-t', TXN_TOPIC, '-e', '-o', 'beginning', '-q', '-X', 'isolation.level=read_committed', '-f', '%p %o %s\n'], { timeoutMs: 120_000 });
    const txnStored: StoredRecord[] = committedDump.split('\n').filter(Boolean).map((l) => {
      const [p, o, v] = l.split(' ');
      return { p: Number(p), o: Number(o), v: v ?? '' };
    });
    const eosDump = withEos ? await runOk('kcat', ['-b', bootstrap(), '-C', '-t', EOS_OUT, '-e', '-o', 'beginning', '-q', '-X', 'isolation.level=read_committed', '-f', '%s\n'], { timeoutMs: 120_000 }) : '';
    const eos = { inputs: withEos ? EOS_INPUTS : 0, outputs: eosDump.split('\n').filter(Boolean) };
    const result = check({ acks, failed, consumed, stored, txns, txnStored, eos, stoppedProducers, startedAt, endedAt });
    if (result.exactlyOnceAnomalies.length > 0) {
      // What the log holds, committed or not, with offsets: lost, aborted or hidden behind the LSO.
      for (const [file, isolation] of [['eos-out-committed.txt', 'read_committed'], ['eos-out-uncommitted.txt', 'read_uncommitted']] as const) {
        const dump = await runOk('kcat', ['-b', bootstrap(), '-C', '-t', EOS_OUT, '-e', '-o', 'beginning', '-q', '-X', `isolation.level=${isolation}`, '-f', '%p %o %s\n'], { timeoutMs: 120_000 }).catch((err: Error) => `kcat failed: ${err.message}\n`);
        writeFileSync(join(outDir, file), dump);
      }
    }
    note(`checked: ${result.acknowledged} acknowledged, ${result.failed} failed, ${result.stored} stored, ${result.consumed} consumed, ${result.resentAcrossSessions} resent under a new producer epoch; transactions ${JSON.stringify(result.transactions)}; consume-transform-produce ${eos.outputs.length} outputs of ${EOS_INPUTS} inputs; ${result.anomalies} anomalies`);
    writeFileSync(join(outDir, 'history.json'), JSON.stringify({ seed: opts.seed, seconds: opts.seconds, unsafe: !!opts.unsafe, faults: faultLog, acks, failed, consumed, stored, txns, txnStored }) + '\n');
    const full: FaultRunResult = { seed: opts.seed, seconds: opts.seconds, unsafe: !!opts.unsafe, faults, outDir, ...result };
    writeFileSync(join(outDir, 'result.json'), JSON.stringify(full, null, 2) + '\n');
    return full;
  } finally {
    // What happened stays for a look, also when the run failed before the checker.
    writeFileSync(join(outDir, 'faults.log'), faultLog.join('\n') + '\n');
    for (const [id, b] of brokers) writeFileSync(join(outDir, `${id}.log`), b.log);
    for (const [name, o] of outputs) {
      writeFileSync(join(outDir, `client-${name}.err`), o.err);
      if (name === 'eos') writeFileSync(join(outDir, 'client-eos.out'), o.out);
    }
    for (const c of children) c.kill('SIGKILL');
    for (const b of brokers.values()) {
      try {
        if (b.running) {
          b.signal('SIGCONT');
          await b.kill('SIGKILL');
        }
      } catch {
        // gone already
      }
      b.cleanup();
    }
    await zk?.stop();
    net.destroy();
    rmSync(slowDir, { recursive: true, force: true });
  }
}
