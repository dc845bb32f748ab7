/**
 * `samsa topic reassign` and `samsa cluster decommission`: partition moves in the manner of Kafka's
 * kafka-reassign-partitions.sh, with the plan computed here (src/cli/reassign-plan.ts). Without
 * --execute they print the plan and change nothing; with it they submit the plan to the controller
 * (AlterPartitionReassignments) and, with --wait, poll ListPartitionReassignments until it is done.
 */
import type { Command } from 'commander';
import type { Admin, OngoingPartitionReassignment, PartitionReassignment } from '../client/admin.js';
import type { ClusterMetadata, KafkaClient } from '../client/client.js';
import { CliError, json, out, parseDuration, parseIntArg, table } from './output.js';
import { PlanError, planReassignment, type PartitionAssignment, type Plan, type PlannedMove } from './reassign-plan.js';

export interface ReassignOptions {
  format?: string;
  execute?: boolean;
  wait?: boolean;
  waitTimeout?: string;
}

/** What the commands need from commands.ts: its common options and its client session. */
export interface CliKit<O> {
  withCommon(cmd: Command): Command;
  session<T>(o: O, fn: (client: KafkaClient, admin: Admin) => Promise<T>): Promise<T>;
}

const DEFAULT_WAIT_TIMEOUT = '10m';
const POLL_MS = 500;

/** "2,3,4" → [2, 3, 4]; every id an integer, none twice. */
export function parseIdList(s: string, what: string): number[] {
  const ids = s.split(',').map((x) => x.trim()).filter((x) => x !== '').map((x) => parseIntArg(x, what, 0));
  if (ids.length === 0) throw new CliError(`bad ${what} list "${s}": expected comma-separated ids such as 1,2,3`);
  const dup = ids.find((x, i) => ids.indexOf(x) !== i);
  if (dup !== undefined) throw new CliError(`bad ${what} list "${s}": ${dup} is named twice`);
  return ids;
}

function knownBrokers(md: ClusterMetadata, ids: readonly number[]): void {
  const known = md.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  const unknown = ids.find((id) => !known.includes(id));
  if (unknown !== undefined) throw new CliError(`unknown broker ${unknown} (brokers: ${known.join(', ')})`);
}

/** The replica lists to plan from: a partition already moving counts with its original replicas. */
function originals(md: ClusterMetadata, ongoing: readonly OngoingPartitionReassignment[], topics: ReadonlySet<string> | null): PartitionAssignment[] {
  const moving = new Map(ongoing.map((o) => [`${o.topic}/${o.partition}`, o]));
  const outList: PartitionAssignment[] = [];
  for (const t of md.topics) {
    if (t.errorCode !== 0 || (topics && !topics.has(t.name))) continue;
    for (const p of t.partitions) {
      const o = moving.get(`${t.name}/${p.partition}`);
      outList.push({ topic: t.name, partition: p.partition, replicas: o ? o.replicas.filter((r) => !o.addingReplicas.includes(r)) : p.replicas });
    }
  }
  return outList.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/** The plan as people read it: the moves, then every broker's share once done. */
export function formatPlan(plan: Plan, nothing: string): string {
  if (plan.moves.length === 0) return `${nothing}\n`;
  let s = table(['TOPIC', 'PARTITION', 'CURRENT', 'PROPOSED'], plan.moves.map((m) => [m.topic, m.partition, m.current.join(','), m.proposed.join(',')]));
  s += '\n' + table(['BROKER', 'RACK', 'REPLICAS', 'LEADERS'], plan.load.map((b) => [b.id, b.rack, b.replicas, b.leaders]));
  return s;
}

function planJson(plan: Plan) {
  return { moves: plan.moves, brokers: plan.load, rackAware: plan.rackAware };
}

async function submit(admin: Admin, moves: readonly PartitionReassignment[]): Promise<void> {
  const results = await admin.alterPartitionReassignments(moves);
  const failed = results.find((r) => r.errorCode !== 0);
  if (failed) throw new CliError(`cannot reassign ${failed.topic}-${failed.partition}: ${failed.error}`);
}

/** Polls until none of the partitions is moving; bounded by --wait-timeout. */
async function waitDone(admin: Admin, partitions: ReadonlyArray<{ topic: string; partition: number }>, o: ReassignOptions): Promise<void> {
  const limitMs = parseDuration(o.waitTimeout ?? DEFAULT_WAIT_TIMEOUT, 'wait timeout');
  const deadline = Date.now() + limitMs;
  const byTopic = new Map<string, number[]>();
  for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
  const wanted = [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps }));
  for (;;) {
    const left = await admin.listPartitionReassignments(wanted);
    if (left.length === 0) return;
    if (Date.now() >= deadline) throw new CliError(`${left.length} partition reassignment${left.length === 1 ? '' : 's'} still in progress after ${o.waitTimeout ?? DEFAULT_WAIT_TIMEOUT} (samsa topic reassign TOPIC --status)`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Prints the plan, or submits it (and waits). */
async function runPlan(admin: Admin, plan: Plan, nothing: string, o: ReassignOptions): Promise<void> {
  const moves: PlannedMove[] = plan.moves;
  if (o.execute && moves.length > 0) {
    await submit(admin, moves.map((m) => ({ topic: m.topic, partition: m.partition, replicas: m.proposed })));
    if (o.wait) await waitDone(admin, moves, o);
  }
  if (o.format === 'json') return json({ ...planJson(plan), executed: !!o.execute && moves.length > 0, completed: !!o.execute && !!o.wait });
  out(formatPlan(plan, nothing));
  if (moves.length === 0) return;
  if (!o.execute) out(`\nplan only: run again with --execute to move ${moves.length} partition${moves.length === 1 ? '' : 's'}\n`);
  else if (o.wait) out(`\nreassignment of ${moves.length} partition${moves.length === 1 ? '' : 's'} completed\n`);
  else out(`\nreassignment of ${moves.length} partition${moves.length === 1 ? '' : 's'} started (follow it with --status)\n`);
}

function planOrFail(fn: () => Plan): Plan {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PlanError) throw new CliError(e.message);
    throw e;
  }
}

type TopicReassignOptions<O> = O & ReassignOptions & { brokerList?: string; partitions?: string; cancel?: boolean; status?: boolean };

export function addTopicReassign<O extends ReassignOptions>(topic: Command, kit: CliKit<O>): void {
  kit.withCommon(topic.command('reassign'))
    .description('move a topic\'s partitions to other brokers (plan, --execute, --status, --cancel)')
    .argument('<topic>', 'topic name')
    .option('--broker-list <ids>', 'brokers to place the replicas on, e.g. 2,3,4 (default: every broker)')
    .option('--partitions <list>', 'only these partitions, e.g. 0,1 (default: all)')
    .option('--execute', 'submit the plan (without it the plan is only printed)')
    .option('--wait', 'with --execute: wait until the data has moved')
    .option('--wait-timeout <duration>', `give up waiting after this long (default ${DEFAULT_WAIT_TIMEOUT})`)
    .option('--cancel', 'cancel the topic\'s reassignments in progress: back to the original replicas')
    .option('--status', 'the topic\'s reassignments in progress')
    .addHelpText('after', '\nExamples:\n  samsa topic reassign orders --broker-list 2,3,4\n  samsa topic reassign orders --broker-list 2,3,4 --execute --wait\n  samsa topic reassign orders --status\n')
    .action(async (name: string, o: TopicReassignOptions<O>) => {
      if ([o.cancel, o.status, o.execute].filter(Boolean).length > 1) throw new CliError('--execute, --cancel and --status go one at a time');
      if (o.wait && !o.execute && !o.cancel) throw new CliError('--wait goes with --execute or --cancel');
      // Bad input fails before any connection is made.
      const wantedPartitions = o.partitions === undefined ? null : parseIdList(o.partitions, 'partition');
      const wantedBrokers = o.brokerList === undefined ? null : parseIdList(o.brokerList, 'broker');
      if (o.waitTimeout !== undefined) parseDuration(o.waitTimeout, 'wait timeout');
      await kit.session(o, async (_client, admin) => {
        const md = await admin.cluster();
        const t = md.topics.find((x) => x.name === name && x.errorCode === 0);
        if (!t) throw new CliError(`unknown topic ${name}`);
        const count = t.partitions.length;
        const selected = wantedPartitions ?? t.partitions.map((p) => p.partition);
        const bad = selected.find((p) => p >= count);
        if (bad !== undefined) throw new CliError(`topic ${name} has no partition ${bad} (partitions 0-${count - 1})`);
        const ongoing = await admin.listPartitionReassignments([{ topic: name, partitions: t.partitions.map((p) => p.partition) }]);
        if (o.status) {
          const mine = ongoing.filter((r) => selected.includes(r.partition));
          if (o.format === 'json') return json(mine);
          if (mine.length === 0) return out(`no reassignment in progress for ${name}\n`);
          return out(table(['TOPIC', 'PARTITION', 'REPLICAS', 'ADDING', 'REMOVING'], mine.map((r) => [r.topic, r.partition, r.replicas.join(','), r.addingReplicas.join(','), r.removingReplicas.join(',')])));
        }
        if (o.cancel) {
          const mine = ongoing.filter((r) => selected.includes(r.partition));
          if (mine.length === 0) throw new CliError(`no reassignment in progress for ${name}${o.partitions ? ` partitions ${selected.join(',')}` : ''}`);
          await submit(admin, mine.map((r) => ({ topic: r.topic, partition: r.partition, replicas: null })));
          if (o.wait) await waitDone(admin, mine, o);
          if (o.format === 'json') return json({ cancelled: mine.map((r) => ({ topic: r.topic, partition: r.partition })) });
          return out(`cancelled the reassignment of ${mine.length} partition${mine.length === 1 ? '' : 's'} of ${name}\n`);
        }
        const ids = wantedBrokers ?? md.brokers.map((b) => b.nodeId);
        knownBrokers(md, ids);
        const brokers = md.brokers.filter((b) => ids.includes(b.nodeId)).map((b) => ({ id: b.nodeId, rack: b.rack }));
        const all = originals(md, ongoing, new Set([name]));
        const plan = planOrFail(() => planReassignment({ brokers, partitions: all.filter((p) => selected.includes(p.partition)), fixed: all.filter((p) => !selected.includes(p.partition)) }));
        await runPlan(admin, plan, `nothing to move: topic ${name} is already placed as planned`, o);
      });
    });
}

export function addDecommission<O extends ReassignOptions>(cluster: Command, kit: CliKit<O>): void {
  kit.withCommon(cluster.command('decommission'))
    .description('move every replica off a broker onto the others (plan, or --execute)')
    .argument('<broker>', 'the broker id to empty')
    .option('--execute', 'submit the plan (without it the plan is only printed)')
    .option('--wait', 'with --execute: wait until the data has moved')
    .option('--wait-timeout <duration>', `give up waiting after this long (default ${DEFAULT_WAIT_TIMEOUT})`)
    .addHelpText('after', '\nExample:\n  samsa cluster decommission 3 --execute --wait\n')
    .action(async (idArg: string, o: O) => {
      const id = parseIntArg(idArg, 'broker id', 0);
      if (o.wait && !o.execute) throw new CliError('--wait goes with --execute');
      if (o.waitTimeout !== undefined) parseDuration(o.waitTimeout, 'wait timeout');
      await kit.session(o, async (_client, admin) => {
        const md = await admin.cluster();
        const ongoing = await admin.listPartitionReassignments(null);
        const all = originals(md, ongoing, null);
        // A broker that is down for good still holds replicas: it can be emptied too.
        const named = new Set([...md.brokers.map((b) => b.nodeId), ...all.flatMap((p) => p.replicas)]);
        if (!named.has(id)) throw new CliError(`unknown broker ${id} (brokers: ${[...named].sort((a, b) => a - b).join(', ')})`);
        const others = md.brokers.filter((b) => b.nodeId !== id).map((b) => ({ id: b.nodeId, rack: b.rack }));
        const on = all.filter((p) => p.replicas.includes(id));
        const plan = planOrFail(() => planReassignment({ brokers: others, partitions: on, fixed: all.filter((p) => !p.replicas.includes(id)), rebalance: false }));
        await runPlan(admin, plan, `nothing to move: broker ${id} holds no replicas`, o);
      });
    });
}
