/** Client-side commands (topic, produce, consume, group, cluster, perf), in the manner of rpk. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { Admin, EARLIEST, LATEST, ResourceType, type ConfigEntry } from '../client/admin.js';
import { KafkaClient, type ClusterMetadata, type TopicInfo } from '../client/client.js';
import { Fetcher, type ConsumedRecord } from '../client/consumer.js';
import { GroupConsumer } from '../client/group.js';
import { describeGroupLag } from '../client/group-lag.js';
import { Producer } from '../client/producer.js';
import { ClientError } from '../client/util.js';
import { ErrorCode } from '../protocol/errors.js';
import type { CompressionName } from '../record/compression.js';
import { CliError, collect, json, out, parseDuration, parseIntArg, parseKeyValue, table } from './output.js';
import { effectiveSettings, parseSettings, PROFILE_KEYS, profileCommands } from './profiles.js';
import { explainConnectError, securityOptions, withSecurityFlags, type SecurityFlags } from './connect-options.js';
import { securityCommands } from './security.js';
import { consumeSummaryLine, perfConsume, perfProduce, produceSummaryLine } from './perf.js';
import { addDecommission, addTopicReassign, type CliKit } from './reassign.js';
import { compileFormat, decodeInput, ENCODINGS, parseOffsetSpec, recordJson, textRecords, type Encoding, type OffsetSpec } from './record-format.js';

const DEFAULT_BROKERS = '127.0.0.1:9092';
/** Like kcat, which gives up on a silent broker in about ten seconds. */
const DEFAULT_TIMEOUT = '10s';

export interface Common extends SecurityFlags {
  brokers?: string;
  format?: string;
  timeout?: string;
  profile?: string;
  configOption?: string[];
}

/** The options every command that talks to brokers takes: where they are and how long to wait. */
function withBrokers(cmd: Command): Command {
  withSecurityFlags(cmd);
  return cmd
    .option('-b, --brokers <list>', `comma-separated bootstrap brokers (env SAMSA_BROKERS, default ${DEFAULT_BROKERS})`)
    .option('--timeout <duration>', `give up on a broker that does not connect or answer within this time (500ms, 10s, 2m; default ${DEFAULT_TIMEOUT})`)
    .option('--profile <name>', 'connection settings from this profile (default: the current one; samsa profile)')
    .option('-X, --config-option <key=value>', `a connection setting, repeatable, over the profile's (${Object.keys(PROFILE_KEYS).join(', ')})`, collect, []);
}

export function withCommon(cmd: Command, formatOption = true): Command {
  withBrokers(cmd);
  if (formatOption) cmd.addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'));
  return cmd;
}

export async function session<T>(o: Common, fn: (client: KafkaClient, admin: Admin) => Promise<T>): Promise<T> {
  // As rpk: flags, then -X, then the environment, then the profile.
  const settings = effectiveSettings(o.profile, o.configOption);
  const x = parseSettings(o.configOption);
  const brokers = o.brokers ?? x.brokers ?? process.env.SAMSA_BROKERS ?? settings.brokers ?? DEFAULT_BROKERS;
  const timeoutMs = parseDuration(o.timeout ?? settings.timeout ?? DEFAULT_TIMEOUT, 'timeout');
  const { tls, sasl } = securityOptions(o, settings);
  const client = new KafkaClient({ brokers, clientId: 'samsa-cli', retries: 2, retryBackoffMs: 100, connectTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs, tls, sasl });
  try {
    return await fn(client, new Admin(client));
  } catch (e) {
    throw explainConnectError(e);
  } finally {
    await client.close();
  }
}

export const isJson = (o: Common) => o.format === 'json';

const kit: CliKit<Common> = { withCommon: (cmd) => withCommon(cmd), session };

function parseConfigs(list: string[] = []): Record<string, string> {
  return Object.fromEntries(list.map((s) => parseKeyValue(s, 'config')));
}

function parseAcks(s: string): 0 | 1 | -1 {
  if (s === 'all' || s === '-1') return -1;
  if (s === '0') return 0;
  if (s === '1') return 1;
  throw new CliError(`bad acks "${s}": expected all, -1, 0 or 1`);
}

function parseCompression(s: string): CompressionName {
  if (['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(s)) return s as CompressionName;
  throw new CliError(`bad compression "${s}": expected none, gzip, snappy, lz4 or zstd`);
}

// ---------------------------------------------------------------- topic

/** -r: each argument a regular expression that must match a topic's whole name, as Kafka's pattern subscriptions. */
function compilePatterns(list: string[]): RegExp[] {
  return list.map((p) => {
    try {
      return new RegExp(`^(?:${p})$`);
    } catch (e) {
      throw new CliError(`bad regular expression "${p}": ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
    }
  });
}

function matchingTopics(topics: TopicInfo[], patterns: RegExp[]): TopicInfo[] {
  return topics.filter((t) => patterns.some((re) => re.test(t.name))).sort((a, b) => a.name.localeCompare(b.name));
}

async function describeTopic(client: KafkaClient, admin: Admin, name: string): Promise<Record<string, unknown>> {
  const [t] = await admin.describeTopics([name]);
  const info = t as TopicInfo;
  const [starts, ends] = await Promise.all([admin.listOffsets(name, null, EARLIEST), admin.listOffsets(name, null, LATEST)]);
  let configs: ConfigEntry[] | null = null;
  try {
    configs = await admin.describeConfigs(ResourceType.TOPIC, name);
  } catch (e) {
    if (!(e instanceof ClientError && e.code === 'UNSUPPORTED_VERSION')) throw e;
  }
  return {
    name,
    topicId: info.topicId,
    internal: info.internal,
    partitions: info.partitions.map((p) => ({
      partition: p.partition,
      leader: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicas: p.replicas,
      isr: p.isr,
      logStartOffset: starts.get(p.partition) ?? -1,
      logEndOffset: ends.get(p.partition) ?? -1,
    })),
    configs: configs?.map((c) => ({ name: c.name, value: c.value, source: c.source, readOnly: c.readOnly, sensitive: c.sensitive })) ?? null,
  };
}

function topicCommands(): Command {
  const topic = new Command('topic').description('create, list, describe, delete and configure topics');

  withCommon(topic.command('create'))
    .description('create topics')
    .argument('<topics...>', 'topic names')
    .option('-p, --partitions <n>', 'partitions (default: the broker\'s num.partitions)')
    .option('-r, --replicas <n>', 'replication factor (default: the broker\'s default.replication.factor)')
    .option('-c, --config <key=value>', 'topic config, repeatable', collect, [])
    .option('--dry-run', 'validate only')
    .option('--if-not-exists', 'a topic that already exists is not an error (its settings are left as they are)')
    .addHelpText('after', '\nExample:\n  samsa topic create orders -p 6 -r 1 -c retention.ms=86400000\n')
    .action(async (names: string[], o: Common & { partitions?: string; replicas?: string; config: string[]; dryRun?: boolean; ifNotExists?: boolean }) => {
      const partitions = o.partitions === undefined ? -1 : parseIntArg(o.partitions, 'partition count', 1);
      const replicationFactor = o.replicas === undefined ? -1 : parseIntArg(o.replicas, 'replication factor', 1);
      const configs = parseConfigs(o.config);
      await session(o, async (_c, admin) => {
        const res = await admin.createTopics(names.map((name) => ({ name, partitions, replicationFactor, configs })), !!o.dryRun);
        const existed = (r: { errorCode: number }) => !!o.ifNotExists && r.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS;
        const failed = res.find((r) => r.errorCode !== 0 && !existed(r));
        if (isJson(o)) json(res.map((r) => (existed(r) ? { topic: r.name, error: null, existed: true } : { topic: r.name, error: r.error })));
        else if (!failed) out(table(['TOPIC', 'STATUS'], res.map((r) => [r.name, existed(r) ? 'EXISTS' : o.dryRun ? 'OK (dry run)' : 'OK'])));
        if (failed) throw new CliError(`cannot create topic ${failed.name}: ${failed.error}`);
      });
    });

  withCommon(topic.command('list'))
    .alias('ls')
    .description('list topics (all, or those named or matching -r)')
    .argument('[topics...]', 'topic names, or regular expressions with -r (default: every topic)')
    .option('-r, --regex', 'the topics are regular expressions matched against every topic\'s whole name')
    .option('-i, --internal', 'include internal topics')
    .addHelpText('after', '\nExamples:\n  samsa topic list --format json\n  samsa topic list -r \'orders-.*\' \'payments\'\n')
    .action(async (names: string[], o: Common & { internal?: boolean; regex?: boolean }) => {
      const patterns = o.regex ? compilePatterns(names) : null;
      await session(o, async (_c, admin) => {
        let topics = await admin.listTopics(!!o.internal);
        if (patterns) topics = matchingTopics(topics, patterns);
        else if (names.length) topics = topics.filter((t) => names.includes(t.name));
        const rows = topics.map((t) => ({ name: t.name, partitions: t.partitions.length, replicas: t.partitions[0]?.replicas.length ?? 0, internal: t.internal }));
        if (isJson(o)) json(rows);
        else out(table(['NAME', 'PARTITIONS', 'REPLICAS'], rows.map((r) => [r.name, r.partitions, r.replicas])));
      });
    });

  withCommon(topic.command('describe'))
    .description('partitions (leader, replicas, ISR, log start and end offsets) and configs of topics')
    .argument('<topics...>', 'topic names (regular expressions with -r)')
    .option('-r, --regex', 'the topics are regular expressions matched against every topic\'s whole name (internal topics left out)')
    .addHelpText('after', '\nExamples:\n  samsa topic describe orders payments\n  samsa topic describe -r \'orders-.*\' --format json\n')
    .action(async (given: string[], o: Common & { regex?: boolean }) => {
      const patterns = o.regex ? compilePatterns(given) : null;
      await session(o, async (client, admin) => {
        const names = patterns ? matchingTopics(await admin.listTopics(false), patterns).map((t) => t.name) : given;
        if (names.length === 0) throw new CliError(`no topic matches ${given.join(', ')}`);
        const all = [];
        for (const n of names) all.push(await describeTopic(client, admin, n));
        if (isJson(o)) return json(names.length === 1 && !patterns ? all[0] : all);
        all.forEach((d, i) => {
          const parts = d.partitions as { partition: number; leader: number; leaderEpoch: number; replicas: number[]; isr: number[]; logStartOffset: number; logEndOffset: number }[];
          if (i > 0) out('\n');
          out('SUMMARY\n=======\n');
          out(table(['NAME', 'ID', 'PARTITIONS', 'REPLICAS', 'INTERNAL'], [[d.name as string, d.topicId as string, parts.length, parts[0]?.replicas.length ?? 0, String(d.internal)]]));
          out('\nCONFIGS\n=======\n');
          const configs = d.configs as { name: string; value: string | null; source: string }[] | null;
          if (configs === null) out('(the broker does not support DescribeConfigs)\n');
          else out(table(['KEY', 'VALUE', 'SOURCE'], configs.map((c) => [c.name, c.value, c.source])));
          out('\nPARTITIONS\n==========\n');
          out(
            table(
              ['PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR', 'LOG-START-OFFSET', 'HIGH-WATERMARK'],
              parts.map((p) => [p.partition, p.leader, p.leaderEpoch, p.replicas.join(','), p.isr.join(','), p.logStartOffset, p.logEndOffset]),
            ),
          );
        });
      });
    });

  withCommon(topic.command('delete'))
    .alias('rm')
    .description('delete topics')
    .argument('<topics...>', 'topic names')
    .addHelpText('after', '\nExample:\n  samsa topic delete orders\n')
    .action(async (names: string[], o: Common) => {
      await session(o, async (_c, admin) => {
        const res = await admin.deleteTopics(names);
        const failed = res.find((r) => r.errorCode !== 0);
        if (isJson(o)) json(res.map((r) => ({ topic: r.name, error: r.error })));
        else if (!failed) out(table(['TOPIC', 'STATUS'], res.map((r) => [r.name, 'OK'])));
        if (failed) throw new CliError(`cannot delete topic ${failed.name}: ${failed.error}`);
      });
    });

  withCommon(topic.command('alter-config'))
    .description('set or delete topic configs')
    .argument('<topic>', 'topic name')
    .option('-s, --set <key=value>', 'config to set, repeatable', collect, [])
    .option('-d, --delete <key>', 'config to reset to its default, repeatable', collect, [])
    .option('--dry-run', 'validate only')
    .addHelpText('after', '\nExample:\n  samsa topic alter-config orders --set retention.ms=3600000 --delete cleanup.policy\n')
    .action(async (name: string, o: Common & { set: string[]; delete: string[]; dryRun?: boolean }) => {
      const set = parseConfigs(o.set);
      if (Object.keys(set).length === 0 && o.delete.length === 0) throw new CliError('nothing to change: give --set key=value or --delete key');
      await session(o, async (_c, admin) => {
        await admin.alterTopicConfigs(name, set, o.delete, !!o.dryRun);
        const rows = [...Object.entries(set).map(([k, v]) => [k, v, 'set']), ...o.delete.map((k) => [k, null, 'deleted'])];
        if (isJson(o)) json({ topic: name, set, deleted: o.delete, dryRun: !!o.dryRun });
        else out(table(['KEY', 'VALUE', 'ACTION'], rows));
      });
    });

  withCommon(topic.command('add-partitions'))
    .description('add partitions to a topic')
    .argument('<topic>', 'topic name')
    .option('-n, --num <n>', 'partitions to add')
    .option('-t, --total <n>', 'total partitions after the change')
    .addHelpText('after', '\nExample:\n  samsa topic add-partitions orders --num 3\n')
    .action(async (name: string, o: Common & { num?: string; total?: string }) => {
      if ((o.num === undefined) === (o.total === undefined)) throw new CliError('give exactly one of --num or --total');
      const add = o.num !== undefined ? parseIntArg(o.num, 'partition count', 1) : 0;
      const total = o.total !== undefined ? parseIntArg(o.total, 'partition count', 1) : 0;
      await session(o, async (client, admin) => {
        const before = (await client.topic(name, true)).partitions.length;
        const target = o.num !== undefined ? before + add : total;
        await admin.createPartitions(name, target);
        if (isJson(o)) json({ topic: name, partitionsBefore: before, partitions: target });
        else out(table(['TOPIC', 'PARTITIONS-BEFORE', 'PARTITIONS'], [[name, before, target]]));
      });
    });

  withCommon(topic.command('delete-records'))
    .description('delete the records before an offset (moves the log start offset; Kafka\'s kafka-delete-records)')
    .argument('<topic>', 'topic name')
    .requiredOption('--before <offset>', 'an offset, or end (the high watermark: every record so far)')
    .option('-p, --partition <list>', 'comma-separated partitions (default: all)')
    .addHelpText('after', '\nExample:\n  samsa topic delete-records orders --before 1000 -p 0,1\n')
    .action(async (name: string, o: Common & { before: string; partition?: string }) => {
      // DeleteRecords takes -1 for the high watermark.
      const before = o.before === 'end' ? -1 : parseIntArg(o.before, 'offset', 0);
      await session(o, async (client, admin) => {
        const t = await client.topic(name);
        const partitions = o.partition === undefined ? t.partitions.map((p) => p.partition) : o.partition.split(',').map((x) => parseIntArg(x, 'partition', 0));
        for (const p of partitions) if (p >= t.partitions.length) throw new CliError(`topic ${name} has no partition ${p}`);
        const low = await admin.deleteRecords(name, new Map(partitions.map((p) => [p, before])));
        const rows = partitions.map((p) => ({ partition: p, logStartOffset: low.get(p) ?? -1 }));
        if (isJson(o)) json({ topic: name, partitions: rows });
        else out(table(['TOPIC', 'PARTITION', 'LOG-START-OFFSET'], rows.map((r) => [name, r.partition, r.logStartOffset])));
      });
    });

  withCommon(topic.command('describe-producers'))
    .description('idempotent producers writing to a topic\'s partitions (id, epoch, last sequence, last batch time)')
    .argument('<topic>', 'topic name')
    .option('-p, --partitions <list>', 'comma-separated partitions (default: all)')
    .addHelpText('after', '\nExample:\n  samsa topic describe-producers orders -p 0,1\n')
    .action(async (name: string, o: Common & { partitions?: string }) => {
      const partitions = o.partitions === undefined ? null : o.partitions.split(',').map((x) => parseIntArg(x.trim(), 'partition', 0));
      await session(o, async (_c, admin) => {
        const byPartition = await admin.describeProducers(name, partitions);
        const rows = [...byPartition].flatMap(([partition, producers]) => producers.map((p) => ({ partition, ...p })));
        if (isJson(o)) return json(rows);
        out(
          table(
            ['PARTITION', 'PRODUCER-ID', 'EPOCH', 'LAST-SEQUENCE', 'LAST-TIMESTAMP', 'COORDINATOR-EPOCH', 'TXN-START-OFFSET'],
            rows.map((r) => [r.partition, r.producerId, r.producerEpoch, r.lastSequence, r.lastTimestamp >= 0 ? new Date(r.lastTimestamp).toISOString() : r.lastTimestamp, r.coordinatorEpoch, r.currentTxnStartOffset]),
          ),
        );
      });
    });
  addTopicReassign(topic, kit);
  return topic;
}

// ---------------------------------------------------------------- produce

function splitLines(data: Buffer, delimiter = 0x0a): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (;;) {
    const i = data.indexOf(delimiter, start);
    if (i < 0) break;
    lines.push(data.subarray(start, i));
    start = i + 1;
  }
  if (start < data.length) lines.push(data.subarray(start));
  return lines;
}

async function readInput(file?: string): Promise<Buffer> {
  if (file) {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function produceCommand(): Command {
  return withCommon(new Command('produce'))
    .description('produce records read line by line from stdin or a file')
    .argument('<topic>', 'topic name')
    .option('-F, --file <path>', 'read records from this file instead of stdin')
    .option('-k, --key-delimiter <delim>', 'split each line into key and value at the first occurrence of delim')
    .option('--key <key>', 'the key of every record')
    .option('-Z, --null-empty', 'send an empty value as null, a tombstone on compacted topics (as kcat -Z)')
    .option('-H, --header <key=value>', 'header added to every record, repeatable', collect, [])
    .addOption(new Option('--encoding <encoding>', 'each line\'s key and value are written as hex or base64 (binary data), or as they are').choices([...ENCODINGS]).default('text'))
    .option('-p, --partition <n>', 'partition (default: murmur2 of the key, sticky for null keys)')
    .option('-z, --compression <codec>', 'none, gzip, snappy, lz4 or zstd', 'none')
    .option('--acks <acks>', 'all (-1), 1 or 0', 'all')
    .option('--linger-ms <ms>', 'producer linger.ms', '5')
    .addHelpText('after', '\nExamples:\n  printf "k1:hello\\nk2:world\\n" | samsa produce orders -k : -H source=cli -z zstd\n  printf "k1:\\n" | samsa produce compacted -k : -Z     # a tombstone for k1\n')
    .action(async (topic: string, o: Common & { file?: string; keyDelimiter?: string; key?: string; nullEmpty?: boolean; header: string[]; encoding: Encoding; partition?: string; compression: string; acks: string; lingerMs: string }) => {
      const headers = o.header.map((h) => {
        const [key, value] = parseKeyValue(h, 'header');
        return { key, value };
      });
      const partition = o.partition === undefined ? undefined : parseIntArg(o.partition, 'partition', 0);
      const compression = parseCompression(o.compression);
      const acks = parseAcks(o.acks);
      const lingerMs = parseIntArg(o.lingerMs, 'linger.ms', 0);
      const delim = o.keyDelimiter === undefined ? null : Buffer.from(o.keyDelimiter.replace(/\\t/g, '\t'));
      if (delim && delim.length === 0) throw new CliError('the key delimiter must not be empty');
      if (delim && o.key !== undefined) throw new CliError('give --key or --key-delimiter, not both');
      const fixedKey = o.key === undefined ? null : decodeInput(Buffer.from(o.key), o.encoding, 'key');
      await session(o, async (client) => {
        await client.topic(topic);
        const data = await readInput(o.file);
        const lines = splitLines(data);
        const lineNo = (i: number) => `line ${i + 1}`;
        // Every line is decoded before anything is sent: a bad line sends nothing.
        const records = lines.map((line, n) => {
          let key: Buffer | null = fixedKey;
          let value: Buffer | null = line;
          if (delim) {
            const i = line.indexOf(delim);
            if (i >= 0) {
              key = decodeInput(line.subarray(0, i), o.encoding, `key on ${lineNo(n)}`);
              value = line.subarray(i + delim.length);
            }
          }
          value = decodeInput(value, o.encoding, `value on ${lineNo(n)}`);
          if (o.nullEmpty && value.length === 0) value = null;
          return { topic, key, value, headers, partition };
        });
        const producer = new Producer(client, { acks, compression, lingerMs });
        const results = await producer.sendAll(records);
        await producer.close();
        const byPartition = new Map<number, { first: number; last: number; count: number }>();
        for (const r of results) {
          const e = byPartition.get(r.partition);
          if (!e) byPartition.set(r.partition, { first: r.offset, last: r.offset, count: 1 });
          else {
            e.last = Math.max(e.last, r.offset);
            e.first = Math.min(e.first, r.offset);
            e.count++;
          }
        }
        const rows = [...byPartition].sort((a, b) => a[0] - b[0]).map(([p, e]) => ({ partition: p, records: e.count, firstOffset: e.first, lastOffset: e.last }));
        if (isJson(o)) json({ topic, records: results.length, partitions: rows });
        else out(table(['PARTITION', 'RECORDS', 'FIRST-OFFSET', 'LAST-OFFSET'], rows.map((r) => [r.partition, r.records, r.firstOffset, r.lastOffset])));
      });
    });
}

// ---------------------------------------------------------------- consume

async function resolveStart(admin: Admin, topic: string, partitions: number[], spec: OffsetSpec): Promise<Map<number, number>> {
  const [starts, ends] = await Promise.all([admin.listOffsets(topic, partitions, EARLIEST), admin.listOffsets(topic, partitions, LATEST)]);
  const clamp = (p: number, v: number) => Math.max(starts.get(p) ?? 0, Math.min(ends.get(p) ?? 0, v));
  const out = new Map<number, number>();
  if (spec.kind === 'timestamp') return admin.listOffsets(topic, partitions, spec.timestamp);
  if (spec.kind === 'range') return resolveStart(admin, topic, partitions, spec.from);
  if (spec.kind === 'timeRange') return resolveStart(admin, topic, partitions, spec.from === null ? { kind: 'start' } : { kind: 'timestamp', timestamp: spec.from });
  for (const p of partitions) {
    const s = starts.get(p) ?? 0;
    const e = ends.get(p) ?? 0;
    switch (spec.kind) {
      case 'start':
        out.set(p, s);
        break;
      case 'end':
        out.set(p, e);
        break;
      case 'offset':
        out.set(p, clamp(p, spec.offset));
        break;
      case 'fromStart':
        out.set(p, clamp(p, s + spec.delta));
        break;
      case 'fromEnd':
        out.set(p, clamp(p, e - spec.delta));
        break;
    }
  }
  return out;
}

function consumeCommand(): Command {
  return withBrokers(new Command('consume'))
    .description('print records of topics; follows new records until interrupted unless -n or --exit')
    .argument('<topics...>', 'topic names (regular expressions with -r)')
    .option('-r, --regex', 'the topics are regular expressions matched against every topic\'s whole name (internal topics left out)')
    .option('-o, --offset <spec>', 'start|end|N|+N|-N|@timestamp (ms, a date, -1h for an hour ago), a range N:M (M excluded), N:end, :M, or times @A:B, @A:, @:B', 'start')
    .option('-n, --num <count>', 'exit after this many records')
    .option('-e, --exit', 'exit when the end of every partition is reached')
    .option('-p, --partition <list>', 'comma-separated partitions of each topic (default: all)')
    .option('-g, --group <id>', 'consume as a member of this group (commits offsets)')
    .option('-f, --format <fmt>', 'kcat-style format (%k %v %o %p %t %T %h %K %S, %v{hex} %k{base64}, \\n \\t), "text" (a table) or "json"', '%v\\n')
    .addOption(new Option('--encoding <encoding>', 'keys, values and header values in text and json output').choices([...ENCODINGS]).default('text'))
    .addHelpText('after', '\nExamples:\n  samsa consume orders -o -10 -e -f "%p/%o %k=%v\\n"\n  samsa consume orders -o 10:20 -p 0\n  samsa consume orders payments -o @-1h -e\n  samsa consume -r \'orders-.*\' -g billing --format json --encoding base64\n')
    .action(async (names: string[], o: Common & { regex?: boolean; offset: string; num?: string; exit?: boolean; partition?: string; group?: string; format: string; encoding: Encoding }) => {
      const spec = parseOffsetSpec(o.offset);
      if ((spec.kind === 'range' || spec.kind === 'timeRange') && o.group) throw new CliError('a range (-o N:M or @A:B) reads partitions by offset; it cannot be combined with -g');
      const limit = o.num === undefined ? Infinity : parseIntArg(o.num, 'count', 1);
      const render = o.format === 'json' ? (r: ConsumedRecord) => Buffer.from(recordJson(r, o.encoding) + '\n') : o.format === 'text' ? textRecords(o.encoding) : compileFormat(o.format);
      const wanted = o.partition === undefined ? null : o.partition.split(',').map((s) => parseIntArg(s, 'partition', 0));
      const patterns = o.regex ? compilePatterns(names) : null;
      await session(o, async (client, admin) => {
        const topics = patterns ? matchingTopics(await admin.listTopics(false), patterns).map((t) => t.name) : [...new Set(names)];
        if (topics.length === 0) throw new CliError(`no topic matches ${names.join(', ')}`);
        const selected: { topic: string; partitions: number[] }[] = [];
        for (const topic of topics) {
          const t = await client.topic(topic);
          const partitions = wanted ?? t.partitions.map((p) => p.partition);
          for (const p of partitions) if (p >= t.partitions.length) throw new CliError(`topic ${topic} has no partition ${p}`);
          selected.push({ topic, partitions });
        }
        let stop = false;
        const onSig = () => {
          stop = true;
        };
        process.once('SIGINT', onSig);
        process.once('SIGTERM', onSig);
        let printed = 0;
        /** Prints up to the limit; returns the records left unprinted. */
        const write = async (recs: ConsumedRecord[]): Promise<ConsumedRecord[]> => {
          const bufs: Buffer[] = [];
          let i = 0;
          for (; i < recs.length && printed < limit; i++) {
            bufs.push(render(recs[i]!));
            printed++;
          }
          if (bufs.length && !process.stdout.write(Buffer.concat(bufs))) await new Promise((r) => process.stdout.once('drain', r));
          return recs.slice(i);
        };
        try {
          if (o.group) {
            const reset = spec.kind === 'end' ? 'latest' : 'earliest';
            const gc = new GroupConsumer(client, { groupId: o.group, topics, autoOffsetReset: reset, maxWaitMs: 300, autoCommitIntervalMs: 1000 });
            try {
              while (!stop && printed < limit) {
                const unprinted = await write(await gc.poll());
                // The fetch went past what -n let through: move back to the first record not
                // printed in each partition, so that the commit on close covers exactly what was
                // printed (as kcat -c does).
                const back = new Map<string, ConsumedRecord>();
                for (const r of unprinted) if (!back.has(`${r.topic}/${r.partition}`)) back.set(`${r.topic}/${r.partition}`, r);
                for (const r of back.values()) gc.fetcher.seek(r.topic, r.partition, r.offset);
                if (o.exit && gc.fetcher.caughtUp()) break;
              }
            } finally {
              await gc.close();
            }
            return;
          }
          const f = new Fetcher(client, new Admin(client), { maxWaitMs: 300 });
          // Where each partition stops (excluded): its end offset now with -e or an open range,
          // the range's end, whichever comes first; absent: it follows until interrupted.
          const stops = new Map<string, number>();
          for (const { topic, partitions } of selected) {
            const starts = await resolveStart(admin, topic, partitions, spec);
            for (const p of partitions) f.assign(topic, p, starts.get(p) ?? 0);
            const openEnd = (spec.kind === 'range' && spec.to === 'end') || (spec.kind === 'timeRange' && spec.to === null);
            if (!o.exit && !openEnd && spec.kind !== 'range' && spec.kind !== 'timeRange') continue;
            const ends = o.exit || openEnd ? await admin.listOffsets(topic, partitions, LATEST) : null;
            const to = spec.kind === 'range' && spec.to !== 'end' ? spec.to : Infinity;
            // The first offset at or after the end time (the end offset when no record is that late).
            const toTime = spec.kind === 'timeRange' && spec.to !== null ? await admin.listOffsets(topic, partitions, spec.to) : null;
            for (const p of partitions) stops.set(`${topic}/${p}`, Math.min(ends?.get(p) ?? Infinity, to, toTime?.get(p) ?? Infinity));
          }
          const following = stops.size === 0;
          const finished = new Set<string>();
          const done = () => {
            if (following) return false;
            for (const { topic, partitions } of selected) {
              for (const p of partitions) {
                const k = `${topic}/${p}`;
                if (finished.has(k) || (f.position(topic, p) ?? 0) < stops.get(k)!) continue;
                // Nothing more is wanted from it: stop fetching it.
                finished.add(k);
                f.unassign(topic, p);
              }
            }
            return finished.size === stops.size;
          };
          while (!stop && printed < limit && !done()) {
            const recs = await f.poll();
            await write(following ? recs : recs.filter((r) => r.offset < stops.get(`${r.topic}/${r.partition}`)!));
          }
        } finally {
          process.off('SIGINT', onSig);
          process.off('SIGTERM', onSig);
        }
      });
    });
}

// ---------------------------------------------------------------- group

async function groupLag(admin: Admin, group: string) {
  const lag = await describeGroupLag(admin, group);
  if (lag === null) throw new CliError(`group ${group} does not exist`);
  return lag;
}

// ---------------------------------------------------------------- txn

function txnCommands(): Command {
  const txn = new Command('txn').description('list, describe and abort transactions');

  withCommon(txn.command('list'))
    .alias('ls')
    .description('list transactional ids and the state of their transactions')
    .option('-s, --state <list>', 'comma-separated states (Ongoing, PrepareCommit, CompleteCommit, ...)')
    .addHelpText('after', '\nExample:\n  samsa txn list -s Ongoing\n')
    .action(async (o: Common & { state?: string }) => {
      await session(o, async (_c, admin) => {
        const list = await admin.listTransactions(o.state ? o.state.split(',').map((x) => x.trim()) : []);
        if (isJson(o)) json(list);
        else out(table(['TRANSACTIONAL-ID', 'COORDINATOR', 'PRODUCER-ID', 'STATE'], list.map((t) => [t.transactionalId, t.coordinator, t.producerId, t.state])));
      });
    });

  withCommon(txn.command('describe'))
    .description('state, producer id and epoch, timeout, start time and partitions of a transactional id')
    .argument('<transactional-id>', 'transactional id')
    .addHelpText('after', '\nExample:\n  samsa txn describe orders-tx\n')
    .action(async (id: string, o: Common) => {
      await session(o, async (_c, admin) => {
        const t = await admin.describeTransaction(id);
        if (isJson(o)) return json(t);
        out(
          table(
            ['TRANSACTIONAL-ID', 'COORDINATOR', 'PRODUCER-ID', 'EPOCH', 'STATE', 'TIMEOUT-MS', 'START', 'PARTITIONS'],
            [[t.transactionalId, t.coordinator, t.producerId, t.producerEpoch, t.transactionState, t.transactionTimeoutMs, t.transactionStartTimeMs >= 0 ? new Date(t.transactionStartTimeMs).toISOString() : '-', t.topics.map((x) => `${x.topic}:${x.partitions.join(',')}`).join(' ') || '-']],
          ),
        );
      });
    });

  withCommon(txn.command('abort'))
    .description('abort a producer\'s open (hanging) transaction on one partition with an abort marker')
    .requiredOption('-t, --topic <topic>', 'topic')
    .requiredOption('-p, --partition <n>', 'partition')
    .requiredOption('--producer-id <id>', 'producer id (see samsa topic describe-producers)')
    .addHelpText('after', '\nExample:\n  samsa txn abort -t orders -p 0 --producer-id 4001\n')
    .action(async (o: Common & { topic: string; partition: string; producerId: string }) => {
      await session(o, async (_c, admin) => {
        const partition = parseIntArg(o.partition, 'partition', 0);
        const producerId = parseIntArg(o.producerId, 'producer id', 0);
        const r = await admin.abortTransaction(o.topic, partition, producerId);
        if (isJson(o)) return json({ topic: o.topic, partition, producerId, ...r });
        out(`aborted the transaction of producer ${producerId} (epoch ${r.producerEpoch}) on ${o.topic}/${partition} begun at offset ${r.startOffset}\n`);
      });
    });
  return txn;
}

function groupCommands(): Command {
  const group = new Command('group').description('list, describe, seek and delete consumer groups');

  withCommon(group.command('list'))
    .alias('ls')
    .description('list groups')
    .addHelpText('after', '\nExample:\n  samsa group list\n')
    .action(async (o: Common) => {
      await session(o, async (_c, admin) => {
        const groups = await admin.listGroups();
        if (isJson(o)) json(groups);
        else out(table(['GROUP', 'COORDINATOR', 'STATE', 'PROTOCOL-TYPE'], groups.map((g) => [g.groupId, g.coordinator, g.state || '-', g.protocolType])));
      });
    });

  withCommon(group.command('describe'))
    .description('members, assignments, committed offsets and lag of groups')
    .argument('<groups...>', 'group ids')
    .addHelpText('after', '\nExample:\n  samsa group describe billing shipping\n')
    .action(async (ids: string[], o: Common) => {
      await session(o, async (_c, admin) => {
        const all = [];
        for (const id of ids) all.push(await groupLag(admin, id));
        if (isJson(o)) {
          const docs = all.map(({ description: d, rows, totalLag }) => ({
            group: d.groupId,
            coordinator: d.coordinator,
            state: d.state,
            protocolType: d.protocolType,
            protocol: d.protocol,
            members: d.members.map((m) => ({ memberId: m.memberId, instanceId: m.groupInstanceId, clientId: m.clientId, host: m.clientHost, assignment: m.assignment })),
            partitions: rows,
            totalLag,
          }));
          return json(ids.length === 1 ? docs[0] : docs);
        }
        all.forEach(({ description: d, rows, totalLag }, i) => {
          if (i > 0) out('\n');
          out(table(['GROUP', 'COORDINATOR', 'STATE', 'PROTOCOL', 'MEMBERS', 'TOTAL-LAG'], [[d.groupId, d.coordinator, d.state, d.protocol || '-', d.members.length, totalLag]]));
          out('\n');
          out(
            table(
              ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-START-OFFSET', 'LOG-END-OFFSET', 'LAG', 'MEMBER-ID', 'CLIENT-ID', 'HOST'],
              rows.map((r) => [r.topic, r.partition, r.currentOffset, r.logStartOffset, r.logEndOffset, r.lag, r.memberId, r.clientId, r.host]),
            ),
          );
        });
      });
    });

  withCommon(group.command('seek'))
    .description('reset a group\'s committed offsets (dry run unless --execute; the group must have no members)')
    .argument('<group>', 'group id')
    .option('--to <where>', 'start, end, an offset, or @timestamp (ms, a date, -1h)')
    .option('--to-group <group>', 'the offsets another group committed (of the topics it committed, or those of --topic)')
    .option('--shift-by <n>', 'move each committed offset by n (negative: back), kept within the log')
    .option('-t, --topic <topic[:p,p]>', 'topics (and partitions) to reset, repeatable (default: every topic the group committed)', collect, [])
    .option('--execute', 'apply the change (default: only show it)')
    .addHelpText('after', '\nExamples:\n  samsa group seek billing --to @1700000000000 --topic orders --execute\n  samsa group seek billing --shift-by -100 --execute\n  samsa group seek billing-copy --to-group billing --execute\n')
    .action(async (id: string, o: Common & { to?: string; toGroup?: string; shiftBy?: string; topic: string[]; execute?: boolean }) => {
      const given = [o.to, o.toGroup, o.shiftBy].filter((x) => x !== undefined).length;
      if (given !== 1) throw new CliError('give exactly one of --to, --to-group or --shift-by');
      const spec = o.to === undefined ? null : parseOffsetSpec(o.to);
      if (spec && (spec.kind === 'fromStart' || spec.kind === 'fromEnd' || spec.kind === 'range' || spec.kind === 'timeRange')) throw new CliError(`bad --to "${o.to}": expected start, end, an offset or @timestamp`);
      const shift = o.shiftBy === undefined ? null : parseIntArg(o.shiftBy, 'shift', -Number.MAX_SAFE_INTEGER);
      const targets = o.topic.map((s) => {
        const [topic, parts] = s.split(':');
        return { topic: topic!, partitions: parts ? parts.split(',').map((p) => parseIntArg(p, 'partition', 0)) : null };
      });
      await session(o, async (client, admin) => {
        const d = await admin.describeGroup(id);
        if (o.execute && d.members.length > 0) throw new CliError(`cannot seek group ${id}: it has ${d.members.length} active member(s) (state ${d.state}); stop its consumers first`);
        const committed = await admin.fetchOffsets(id);
        // Where the offsets come from: this group's commits, or with --to-group the other group's.
        const source = o.toGroup === undefined ? committed : await admin.fetchOffsets(o.toGroup);
        if (o.toGroup !== undefined && source.length === 0) throw new CliError(`group ${o.toGroup} has no committed offsets`);
        const sel: { topic: string; partitions: number[] }[] = [];
        if (targets.length) {
          for (const t of targets) {
            const all = o.toGroup === undefined ? (await client.topic(t.topic)).partitions.map((p) => p.partition) : source.filter((c) => c.topic === t.topic).map((c) => c.partition);
            sel.push({ topic: t.topic, partitions: t.partitions ?? all });
          }
        } else {
          for (const topic of new Set(source.map((c) => c.topic))) sel.push({ topic, partitions: source.filter((c) => c.topic === topic).map((c) => c.partition) });
        }
        if (sel.every((s) => s.partitions.length === 0)) throw new CliError(o.toGroup === undefined ? `group ${id} has no committed offsets; name topics with --topic` : `group ${o.toGroup} has no committed offsets for ${targets.map((t) => t.topic).join(', ')}`);
        const commitOf = (list: typeof committed, topic: string, p: number) => list.find((c) => c.topic === topic && c.partition === p)?.offset;
        const rows: { topic: string; partition: number; currentOffset: number | null; newOffset: number }[] = [];
        for (const s of sel) {
          let offs: Map<number, number>;
          if (spec) offs = await resolveStart(admin, s.topic, s.partitions, spec);
          else {
            offs = new Map();
            for (const p of s.partitions) {
              const base = commitOf(source, s.topic, p);
              if (base === undefined) {
                throw new CliError(o.toGroup === undefined ? `cannot shift ${s.topic}/${p}: group ${id} has no committed offset for it` : `group ${o.toGroup} has no committed offset for ${s.topic}/${p}`);
              }
              offs.set(p, base + (shift ?? 0));
            }
            // Kept within the log, as Kafka's --shift-by and a copied offset the log no longer has.
            const [starts, ends] = await Promise.all([admin.listOffsets(s.topic, s.partitions, EARLIEST), admin.listOffsets(s.topic, s.partitions, LATEST)]);
            for (const [p, v] of offs) offs.set(p, Math.max(starts.get(p) ?? 0, Math.min(ends.get(p) ?? 0, v)));
          }
          for (const p of s.partitions) rows.push({ topic: s.topic, partition: p, currentOffset: commitOf(committed, s.topic, p) ?? null, newOffset: offs.get(p) ?? 0 });
        }
        if (o.execute) await admin.commitOffsets(id, rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.newOffset })));
        if (isJson(o)) return json({ group: id, executed: !!o.execute, partitions: rows });
        out(table(['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'NEW-OFFSET'], rows.map((r) => [r.topic, r.partition, r.currentOffset, r.newOffset])));
        if (!o.execute) out('\nDry run: nothing changed. Add --execute to apply.\n');
      });
    });

  withCommon(group.command('delete'))
    .alias('rm')
    .description('delete groups (they must have no members)')
    .argument('<groups...>', 'group ids')
    .addHelpText('after', '\nExample:\n  samsa group delete billing\n')
    .action(async (ids: string[], o: Common) => {
      await session(o, async (_c, admin) => {
        const res = await admin.deleteGroups(ids);
        const failed = res.find((r) => r.errorCode !== 0);
        if (isJson(o)) json(res.map((r) => ({ group: r.groupId, error: r.error })));
        else if (!failed) out(table(['GROUP', 'STATUS'], res.map((r) => [r.groupId, 'OK'])));
        if (failed) throw new CliError(`cannot delete group ${failed.groupId}: ${failed.error}`);
      });
    });

  withCommon(group.command('offset-delete'))
    .description('delete a group\'s committed offsets of a topic (the group must not be consuming it)')
    .argument('<group>', 'group id')
    .requiredOption('-t, --topic <topic[:p,p]>', 'the topic, and optionally which partitions (default: every partition the group committed)')
    .addHelpText('after', '\nExample:\n  samsa group offset-delete billing --topic orders:0,1\n')
    .action(async (id: string, o: Common & { topic: string }) => {
      const [topic, parts] = o.topic.split(':');
      if (!topic) throw new CliError(`bad --topic "${o.topic}": expected topic or topic:p,p`);
      await session(o, async (_c, admin) => {
        const partitions = parts
          ? parts.split(',').map((p) => parseIntArg(p, 'partition', 0))
          : (await admin.fetchOffsets(id)).filter((c) => c.topic === topic).map((c) => c.partition);
        if (partitions.length === 0) throw new CliError(`group ${id} has no committed offsets for ${topic}`);
        const res = await admin.deleteOffsets(id, topic, partitions);
        const failed = res.find((r) => r.errorCode !== 0);
        if (isJson(o)) json({ group: id, topic, partitions: res.map((r) => ({ partition: r.partition, error: r.error })) });
        else if (!failed) out(table(['TOPIC', 'PARTITION', 'STATUS'], res.map((r) => [topic, r.partition, 'DELETED'])));
        if (failed) throw new CliError(`cannot delete the offset of group ${id} for ${topic}/${failed.partition}: ${failed.error}`);
      });
    });
  return group;
}

// ---------------------------------------------------------------- dev

function devCommands(): Command {
  const dev = new Command('dev').description('local setups for development: a whole cluster on this machine');
  dev.command('cluster')
    .description('start ZooKeeper and N brokers on this machine, data under one folder; Ctrl-C stops them all')
    .option('--brokers <n>', 'number of brokers (ids 1..n)', '3')
    .option('--dir <path>', 'folder for every broker\'s data, ZooKeeper\'s and the logs', './samsa-cluster')
    .option('--port <port>', 'port of broker 1; broker N listens on port + N - 1', '9092')
    .option('--host <host>', 'address the brokers and ZooKeeper listen on', '127.0.0.1')
    .option('--zookeeper-port <port>', 'port of the ZooKeeper started', '2181')
    .option('--admin-port <port>', 'metrics and console port of broker 1; broker N uses port + N - 1 (0: ephemeral)', '9644')
    .option('--zookeeper <host:port>', 'use this running ZooKeeper (with an optional /chroot) instead of starting one')
    .addHelpText('after', '\nExample:\n  samsa dev cluster --brokers 3\n  kcat -b 127.0.0.1:9092 -L\n')
    .action(async (o: { brokers: string; dir: string; port: string; host: string; zookeeperPort: string; adminPort: string; zookeeper?: string }) => {
      const { runDevCluster, DevClusterError } = await import('./dev-cluster.js');
      const int = (v: string, name: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new CliError(`${name} must be a port or count, got "${v}"`);
        return n;
      };
      try {
        const adminPort = o.adminPort === '0' ? 0 : int(o.adminPort, '--admin-port');
        const code = await runDevCluster({ brokers: int(o.brokers, '--brokers'), dir: o.dir, port: int(o.port, '--port'), host: o.host, zookeeperPort: int(o.zookeeperPort, '--zookeeper-port'), adminPort, ...(o.zookeeper ? { zookeeper: o.zookeeper } : {}) }, (l) => out(l + '\n'));
        if (code !== 0) throw new CliError('a broker of the cluster stopped');
      } catch (err) {
        if (err instanceof DevClusterError) throw new CliError(err.message);
        throw err;
      }
    });
  return dev;
}

// ---------------------------------------------------------------- cluster

function clusterCommands(): Command {
  const cluster = new Command('cluster').description('cluster information, health, log directories and broker configs');
  withCommon(cluster.command('info'))
    .description('cluster id, brokers (controller marked) and topics')
    .addHelpText('after', '\nExample:\n  samsa cluster info --format json\n')
    .action(async (o: Common) => {
      await session(o, async (_c, admin) => {
        const md = await admin.cluster();
        const topics = md.topics.filter((t) => t.errorCode === 0);
        const brokers = md.brokers.map((b) => ({ ...b, controller: b.nodeId === md.controllerId }));
        if (isJson(o)) {
          return json({
            clusterId: md.clusterId,
            controllerId: md.controllerId,
            brokers,
            topics: topics.map((t) => ({ name: t.name, partitions: t.partitions.length, replicas: t.partitions[0]?.replicas.length ?? 0, internal: t.internal })),
          });
        }
        out('CLUSTER\n=======\n');
        out(table(['CLUSTER-ID', 'CONTROLLER', 'BROKERS', 'TOPICS', 'PARTITIONS'], [[md.clusterId, md.controllerId, brokers.length, topics.length, topics.reduce((s, t) => s + t.partitions.length, 0)]]));
        out('\nBROKERS\n=======\n');
        out(table(['ID', 'HOST', 'PORT', 'RACK'], brokers.map((b) => [b.controller ? `${b.nodeId}*` : String(b.nodeId), b.host, b.port, b.rack])));
        out('\nTOPICS\n======\n');
        out(table(['NAME', 'PARTITIONS', 'REPLICAS'], topics.map((t) => [t.name, t.partitions.length, t.partitions[0]?.replicas.length ?? 0])));
      });
    });

  withCommon(cluster.command('health'))
    .description('whether the cluster is healthy: controller, brokers down, leaderless and under-replicated partitions')
    .option('--exit-status', 'exit 1 when the cluster is not healthy (default: 0 once it answered, as rpk)')
    .addHelpText('after', '\nExample:\n  samsa cluster health --format json\n')
    .action(async (o: Common & { exitStatus?: boolean }) => {
      await session(o, async (_c, admin) => {
        const h = clusterHealth(await admin.cluster());
        if (isJson(o)) json(h);
        else {
          out('CLUSTER HEALTH OVERVIEW\n=======================\n');
          const list = (xs: (string | number)[]) => `[${xs.join(' ')}]`;
          const pairs: [string, string][] = [
            ['Healthy:', String(h.healthy)],
            ['Unhealthy reasons:', list(h.unhealthyReasons)],
            ['Controller ID:', String(h.controllerId)],
            ['All nodes:', list(h.allNodes)],
            ['Nodes down:', list(h.nodesDown)],
            [`Leaderless partitions (${h.leaderlessPartitions.length}):`, list(h.leaderlessPartitions)],
            [`Under-replicated partitions (${h.underReplicatedPartitions.length}):`, list(h.underReplicatedPartitions)],
          ];
          const w = Math.max(...pairs.map(([k]) => k.length));
          out(pairs.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n');
        }
        if (o.exitStatus && !h.healthy) throw new CliError(`the cluster is not healthy: ${h.unhealthyReasons.join(', ')}`);
      });
    });

  addDecommission(cluster, kit);

  withCommon(cluster.command('logdirs'))
    .description('each broker\'s log directories: the size of every partition, total and usable bytes')
    .option('-t, --topic <topic>', 'only these topics, repeatable', collect, [])
    .option('-B, --broker <id>', 'only these brokers, repeatable (default: every broker)', collect, [])
    .addHelpText('after', '\nExample:\n  samsa cluster logdirs -t orders\n')
    .action(async (o: Common & { topic: string[]; broker: string[] }) => {
      await session(o, async (_c, admin) => {
        const md = await admin.cluster();
        const ids = o.broker.length ? o.broker.map((x) => parseIntArg(x, 'broker id', 0)) : md.brokers.map((b) => b.nodeId);
        for (const id of ids) if (!md.brokers.some((b) => b.nodeId === id)) throw new CliError(`no broker ${id} in the cluster (brokers: ${md.brokers.map((b) => b.nodeId).join(', ')})`);
        const all = await admin.describeLogDirs(ids, o.topic.length ? o.topic : null);
        if (isJson(o)) return json(all);
        const rowsOut = all.flatMap((b) => b.dirs.flatMap((d) => d.partitions.map((p) => [b.broker, d.dir, p.topic, p.partition, p.size, d.error ?? '-'])));
        out(table(['BROKER', 'DIR', 'TOPIC', 'PARTITION', 'SIZE', 'ERROR'], rowsOut));
        out('\n');
        out(table(['BROKER', 'DIR', 'PARTITIONS', 'SIZE', 'TOTAL-BYTES', 'USABLE-BYTES'], all.flatMap((b) => b.dirs.map((d) => [b.broker, d.dir, d.partitions.length, d.partitions.reduce((s, p) => s + p.size, 0), d.totalBytes, d.usableBytes]))));
      });
    });

  withCommon(cluster.command('elect-leaders'))
    .description('leader election on the controller: preferred replicas lead again (default), or an unclean election for leaderless partitions')
    .option('--type <type>', 'preferred or unclean', 'preferred')
    .option('-t, --topic <topic>', 'only this topic (default: every partition of every topic)')
    .option('-p, --partitions <list>', 'with --topic: only these partitions, comma-separated')
    .addHelpText('after', '\nExamples:\n  samsa cluster elect-leaders\n  samsa cluster elect-leaders --type unclean -t orders -p 0,3\n')
    .action(async (o: Common & { type: string; topic?: string; partitions?: string }) => {
      if (o.type !== 'preferred' && o.type !== 'unclean') throw new CliError(`--type must be preferred or unclean, not "${o.type}"`);
      if (o.partitions !== undefined && o.topic === undefined) throw new CliError('--partitions needs --topic');
      await session(o, async (_c, admin) => {
        let partitions: Array<{ topic: string; partition: number }> | null = null;
        if (o.topic !== undefined) {
          const [t] = await admin.describeTopics([o.topic]);
          if (!t || t.errorCode !== 0) throw new CliError(`no topic ${o.topic}`);
          const all = t.partitions.map((p) => p.partition);
          const wanted = o.partitions === undefined ? all : o.partitions.split(',').map((x) => parseIntArg(x.trim(), 'partition', 0));
          for (const p of wanted) if (!all.includes(p)) throw new CliError(`topic ${o.topic} has no partition ${p} (partitions 0-${all.length - 1})`);
          partitions = wanted.map((partition) => ({ topic: o.topic!, partition }));
        }
        const results = await admin.electLeaders(o.type as 'preferred' | 'unclean', partitions);
        if (isJson(o)) return json(results);
        if (results.length === 0) return out('every partition is led by its preferred replica already\n');
        out(table(['TOPIC', 'PARTITION', 'RESULT'], results.map((r) => [r.topic, r.partition, r.error ?? 'elected'])));
      });
    });

  const config = cluster.command('config').description('broker configs: read them, or change the dynamic ones');
  withCommon(config.command('get'))
    .description('broker configs with their values and sources (all, or the keys given)')
    .argument('[keys...]', 'config names (default: every config)')
    .option('-B, --broker <id>', 'the broker to ask (default: the controller); "default" for the cluster-wide dynamic defaults')
    .addHelpText('after', '\nExample:\n  samsa cluster config get log.retention.ms message.max.bytes\n')
    .action(async (keys: string[], o: Common & { broker?: string }) => {
      await session(o, async (_c, admin) => {
        const broker = await brokerResource(admin, o.broker);
        const configs = await admin.describeConfigs(ResourceType.BROKER, broker, keys.length ? keys : null);
        // The cluster-wide defaults list only what was set, so a key missing there is not unknown.
        const missing = broker === '' ? [] : keys.filter((k) => !configs.some((c) => c.name === k));
        if (missing.length) throw new CliError(`unknown broker config${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
        if (isJson(o)) return json(configs.map((c) => ({ name: c.name, value: c.value, source: c.source, readOnly: c.readOnly, sensitive: c.sensitive })));
        out(table(['KEY', 'VALUE', 'SOURCE', 'READ-ONLY'], configs.map((c) => [c.name, c.sensitive ? '(sensitive)' : c.value, c.source, String(c.readOnly)])));
      });
    });
  withCommon(config.command('set'))
    .description('set or reset dynamic broker configs, of one broker or the cluster-wide default')
    .argument('[key=value...]', 'configs to set')
    .option('-d, --delete <key>', 'config to reset (its static or default value returns), repeatable', collect, [])
    .option('-B, --broker <id>', 'one broker\'s own value (default: the cluster-wide default every broker takes, as kafka-configs --entity-default)')
    .option('--dry-run', 'validate only')
    .addHelpText('after', '\nExample:\n  samsa cluster config set log.retention.ms=86400000 --delete message.max.bytes\n')
    .action(async (pairs: string[], o: Common & { delete: string[]; broker?: string; dryRun?: boolean }) => {
      const set = parseConfigs(pairs);
      if (Object.keys(set).length === 0 && o.delete.length === 0) throw new CliError('nothing to change: give key=value or --delete key');
      await session(o, async (_c, admin) => {
        const broker = o.broker === undefined ? '' : await brokerResource(admin, o.broker);
        await admin.alterBrokerConfigs(broker, set, o.delete, !!o.dryRun);
        const target = broker === '' ? 'default' : broker;
        if (isJson(o)) return json({ broker: target, set, deleted: o.delete, dryRun: !!o.dryRun });
        out(table(['BROKER', 'KEY', 'VALUE', 'ACTION'], [...Object.entries(set).map(([k, v]) => [target, k, v, o.dryRun ? 'set (dry run)' : 'set']), ...o.delete.map((k) => [target, k, null, o.dryRun ? 'deleted (dry run)' : 'deleted'])]));
      });
    });
  return cluster;
}

/** -B: a broker id, "default" (the cluster-wide dynamic defaults, resource name '') or, unset, the controller. */
async function brokerResource(admin: Admin, given: string | undefined): Promise<string> {
  if (given === 'default') return '';
  if (given !== undefined) return String(parseIntArg(given, 'broker id', 0));
  const md = await admin.cluster();
  return String(md.controllerId >= 0 ? md.controllerId : md.brokers[0]?.nodeId ?? 0);
}

/** rpk's health overview from one Metadata answer. */
export function clusterHealth(md: ClusterMetadata) {
  const allNodes = md.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  const up = new Set(allNodes);
  const down = new Set<number>();
  const leaderless: string[] = [];
  const under: string[] = [];
  for (const t of md.topics) {
    if (t.errorCode !== 0) continue;
    for (const p of t.partitions) {
      for (const r of p.replicas) if (!up.has(r)) down.add(r);
      if (p.leader < 0 || !up.has(p.leader)) leaderless.push(`${t.name}/${p.partition}`);
      else if (p.isr.length < p.replicas.length) under.push(`${t.name}/${p.partition}`);
    }
  }
  const reasons: string[] = [];
  if (md.controllerId < 0) reasons.push('no_controller');
  if (down.size) reasons.push('nodes_down');
  if (leaderless.length) reasons.push('leaderless_partitions');
  if (under.length) reasons.push('under_replicated_partitions');
  return {
    healthy: reasons.length === 0,
    unhealthyReasons: reasons,
    controllerId: md.controllerId,
    allNodes,
    nodesDown: [...down].sort((a, b) => a - b),
    leaderlessPartitions: leaderless,
    underReplicatedPartitions: under,
  };
}

// ---------------------------------------------------------------- perf

/** perf took --json before every other command's --format json; both are kept. */
const perfJson = (o: Common & { json?: boolean }): boolean => !!o.json || o.format === 'json';

function perfCommands(): Command {
  const perf = new Command('perf').description('produce and consume load tests');
  withBrokers(perf.command('produce'))
    .description('produce records as fast as possible (or at --throughput) and report rate and latency percentiles')
    .argument('<topic>', 'topic name (must exist)')
    .option('--num-records <n>', 'records to send', '1000000')
    .option('--record-size <bytes>', 'value size', '100')
    .option('--throughput <n>', 'cap in records/s (-1: no cap)', '-1')
    .option('--acks <acks>', 'all (-1), 1 or 0', '1')
    .option('-z, --compression <codec>', 'none, gzip, snappy, lz4 or zstd', 'none')
    .option('--batch-size <bytes>', 'producer batch.size', '65536')
    .option('--linger-ms <ms>', 'producer linger.ms', '5')
    .addOption(new Option('--format <format>', 'summary format').choices(['text', 'json']).default('text'))
    .option('--json', 'the same as --format json')
    .addHelpText('after', '\nExample:\n  samsa perf produce bench --num-records 1000000 --record-size 100 --throughput 200000\n')
    .action(async (topic: string, o: Common & { numRecords: string; recordSize: string; throughput: string; acks: string; compression: string; batchSize: string; lingerMs: string; json?: boolean }) => {
      const opts = {
        topic,
        numRecords: parseIntArg(o.numRecords, 'record count', 1),
        recordSize: parseIntArg(o.recordSize, 'record size', 0),
        throughput: parseIntArg(o.throughput, 'throughput', -1),
        acks: parseAcks(o.acks),
        compression: parseCompression(o.compression),
        batchSize: parseIntArg(o.batchSize, 'batch size', 1),
        lingerMs: parseIntArg(o.lingerMs, 'linger.ms', 0),
        json: perfJson(o),
      };
      await session(o, async (client) => {
        const r = await perfProduce(client, opts);
        if (opts.json) out(JSON.stringify(r) + '\n');
        else out(produceSummaryLine(r));
      });
    });
  withBrokers(perf.command('consume'))
    .description('consume records from the start of every partition and report the rate')
    .argument('<topic>', 'topic name')
    .option('--num-records <n>', 'records to read', '1000000')
    .option('--timeout-ms <ms>', 'end the run after this long without records (not counted in the rate)', '10000')
    .addOption(new Option('--format <format>', 'summary format').choices(['text', 'json']).default('text'))
    .option('--json', 'the same as --format json')
    .addHelpText('after', '\nExample:\n  samsa perf consume bench --num-records 1000000\n')
    .action(async (topic: string, o: Common & { numRecords: string; timeoutMs: string; json?: boolean }) => {
      const opts = { topic, numRecords: parseIntArg(o.numRecords, 'record count', 1), timeoutMs: parseIntArg(o.timeoutMs, 'timeout', 1), json: perfJson(o) };
      await session(o, async (client, admin) => {
        const r = await perfConsume(client, admin, opts);
        if (opts.json) out(JSON.stringify(r) + '\n');
        else out(consumeSummaryLine(r));
      });
    });
  return perf;
}

// ---------------------------------------------------------------- entry

function program(): Command {
  const p = new Command('samsa')
    .description('Samsa, a Kafka-compatible broker, and the tools to use it')
    .version(packageVersion(), '-V, --version', 'print the version')
    .addHelpText('after', '\nRun a broker with `samsa start` (see samsa start --help).\n\nExample:\n  samsa topic create orders -p 3 && echo hi | samsa produce orders && samsa consume orders -n 1\n')
    .showSuggestionAfterError(true);
  p.addCommand(new Command('start').description('run a broker (samsa start --help)'));
  p.addCommand(topicCommands());
  p.addCommand(produceCommand());
  p.addCommand(consumeCommand());
  p.addCommand(groupCommands());
  p.addCommand(txnCommands());
  p.addCommand(clusterCommands());
  p.addCommand(perfCommands());
  for (const c of securityCommands()) p.addCommand(c);
  p.addCommand(profileCommands());
  p.addCommand(devCommands());
  const configure = (c: Command) => {
    c.exitOverride();
    // A stray word is more often a mistake (a second topic where one is taken, a value without
    // its flag) than something to drop silently.
    c.allowExcessArguments(false);
    c.configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`samsa: ${s.replace(/^error: /, '').trim()}\n`),
    });
    for (const sub of c.commands) configure(sub);
  };
  configure(p);
  // Computed when help is shown, so that a command added anywhere above is listed too.
  p.addHelpText('after', () => `Every command:\n${commandIndex(p)}`);
  return p;
}

/** Every leaf command as "topic create  create topics", for the top-level help. */
function commandIndex(p: Command): string {
  const rows: [string, string][] = [];
  const walk = (c: Command, path: string[]) => {
    const subs = c.commands.filter((x) => x.name() !== 'help');
    if (subs.length === 0) rows.push([path.join(' '), c.description()]);
    for (const sub of subs) walk(sub, [...path, sub.name()]);
  };
  for (const c of p.commands) walk(c, [c.name()]);
  const width = Math.max(...rows.map(([n]) => n.length));
  return rows.map(([n, d]) => `  ${n.padEnd(width)}  ${d}`).join('\n') + '\n';
}

/** The version in the package.json three levels up from dist/src/cli/ (the package root). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function message(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0]!;
  return String(e);
}

export async function runCli(args: string[]): Promise<number> {
  const p = program();
  if (args.length === 0) {
    p.outputHelp();
    return 1;
  }
  try {
    await p.parseAsync(args, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander already printed its one line (or the help, exit code 0).
      return e.exitCode === 0 ? 0 : 1;
    }
    process.stderr.write(`samsa: ${message(e)}\n`);
    return 1;
  }
}
