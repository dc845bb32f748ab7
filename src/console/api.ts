/**
 * The web console's JSON API. It speaks Kafka to the cluster through the project's own client
 * (bootstrapped at this broker), so what it shows is what any client sees, in a cluster as on a
 * single node, and a group's lag is the one `samsa group describe` computes (client/group-lag.ts).
 *
 *   GET    /api/cluster                      cluster id, controller, brokers, counts, read-only
 *   GET    /api/brokers/ID/configs           a broker's settings with their sources
 *   GET    /api/topics                       topics with partitions, replication, records, size
 *   POST   /api/topics                       create {name, partitions, replicationFactor, configs}
 *   GET    /api/topics/NAME                  partitions (leader, replicas, ISR, offsets, size), configs
 *   DELETE /api/topics/NAME                  delete
 *   POST   /api/topics/NAME/configs          alter {set: {k: v}, remove: [k]}
 *   GET    /api/topics/NAME/messages         browse: partition, from (start|end|offset|timestamp), at, limit, key, value, header
 *   GET    /api/groups                       groups with state, members and total lag
 *   GET    /api/groups/NAME                  members, assignments, lag per partition and total
 *   POST   /api/groups/NAME/reset            {topic, partitions?, to: start|end|offset|timestamp|shift, value?, execute}
 *   GET    /api/throughput                   this broker's traffic counters (the charts take rates from them)
 */
import { Admin, EARLIEST, LATEST, ResourceType } from '../client/admin.js';
import { KafkaClient } from '../client/client.js';
import { Fetcher, type ConsumedRecord } from '../client/consumer.js';
import { describeGroupLag } from '../client/group-lag.js';
import { ClientError, KafkaError } from '../client/util.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';

export interface ConsoleApiOptions {
  /** Where the console's client connects (this broker's advertised address). */
  bootstrap: () => { host: string; port: number };
  readOnly: boolean;
  metrics: BrokerMetrics;
  version: string;
}

/** An answer with a status other than 200. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BROWSE_LIMIT = 1000;
/** A browse reads at most this many records per partition looking for matches, and for at most BROWSE_BUDGET_MS. */
const MAX_BROWSE_SCAN = 20_000;
const BROWSE_BUDGET_MS = 3000;

export class ConsoleApi {
  private client: KafkaClient | null = null;
  private admin: Admin | null = null;

  constructor(private readonly opts: ConsoleApiOptions) {}

  private session(): { client: KafkaClient; admin: Admin } {
    if (!this.client || !this.admin) {
      const b = this.opts.bootstrap();
      this.client = new KafkaClient({ brokers: [b], clientId: 'samsa-console', requestTimeoutMs: 15_000 });
      this.admin = new Admin(this.client);
    }
    return { client: this.client, admin: this.admin };
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    this.admin = null;
    await c?.close();
  }

  /** Routes one request; returns the JSON body. */
  async handle(method: string, path: string, query: URLSearchParams, body: unknown): Promise<unknown> {
    const parts = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
    // parts[0] === 'api'
    const [, what, name, sub] = parts;
    const mutating = method !== 'GET';
    if (mutating && this.opts.readOnly) throw new ApiError(403, 'the console is read-only (console.read.only=true)');
    try {
      if (what === 'cluster' && method === 'GET' && !name) return await this.cluster();
      if (what === 'throughput' && method === 'GET') return this.throughput();
      if (what === 'brokers' && name !== undefined && sub === 'configs' && method === 'GET') return await this.brokerConfigs(name);
      if (what === 'topics') {
        if (!name && method === 'GET') return await this.topics();
        if (!name && method === 'POST') return await this.createTopic(body);
        if (name && !sub && method === 'GET') return await this.topic(name);
        if (name && !sub && method === 'DELETE') return await this.deleteTopic(name);
        if (name && sub === 'configs' && method === 'POST') return await this.alterTopic(name, body);
        if (name && sub === 'messages' && method === 'GET') return await this.messages(name, query);
      }
      if (what === 'groups') {
        if (!name && method === 'GET') return await this.groups();
        if (name && !sub && method === 'GET') return await this.group(name);
        if (name && sub === 'reset' && method === 'POST') return await this.resetGroup(name, body);
      }
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (err instanceof KafkaError) throw new ApiError(err.errorCode === 3 || err.errorCode === 69 ? 404 : 400, err.message);
      if (err instanceof ClientError) {
        // a connection that broke is made again on the next request
        if (err.retriable) await this.close();
        throw new ApiError(502, err.message);
      }
      throw err;
    }
    throw new ApiError(404, `no such API: ${method} ${path}`);
  }

  private async cluster() {
    const { admin } = this.session();
    const md = await admin.cluster();
    let partitions = 0;
    let underReplicated = 0;
    let offline = 0;
    const live = new Set(md.brokers.map((b) => b.nodeId));
    for (const t of md.topics) {
      for (const p of t.partitions) {
        partitions++;
        if (p.isr.length < p.replicas.length) underReplicated++;
        if (p.leader < 0 || !live.has(p.leader)) offline++;
      }
    }
    return {
      clusterId: md.clusterId,
      controller: md.controllerId,
      brokers: md.brokers.sort((a, b) => a.nodeId - b.nodeId).map((b) => ({ id: b.nodeId, host: b.host, port: b.port, rack: b.rack, leaderPartitions: md.topics.reduce((n, t) => n + t.partitions.filter((p) => p.leader === b.nodeId).length, 0) })),
      topics: md.topics.filter((t) => !t.internal).length,
      partitions,
      underReplicated,
      offline,
      readOnly: this.opts.readOnly,
      version: this.opts.version,
    };
  }

  private throughput() {
    let bytesIn = 0;
    let bytesOut = 0;
    let messagesIn = 0;
    let messagesOut = 0;
    for (const t of this.opts.metrics.topics.values()) {
      bytesIn += t.bytesIn;
      bytesOut += t.bytesOut;
      messagesIn += t.messagesIn;
      messagesOut += t.messagesOut;
    }
    return { at: Date.now(), bytesIn, bytesOut, messagesIn, messagesOut };
  }

  private async brokerConfigs(id: string) {
    if (!/^\d+$/.test(id)) throw new ApiError(400, `bad broker id "${id}"`);
    const { admin } = this.session();
    const configs = await admin.describeConfigs(ResourceType.BROKER, id);
    return { broker: Number(id), configs: configs.sort((a, b) => a.name.localeCompare(b.name)) };
  }

  private async topics() {
    const { admin } = this.session();
    const md = await admin.cluster();
    const topics = md.topics.filter((t) => t.errorCode === 0).sort((a, b) => a.name.localeCompare(b.name));
    const sizes = new Map<string, number>();
    try {
      for (const d of await admin.describeLogDirs(md.brokers.map((b) => b.nodeId))) {
        for (const dir of d.dirs) for (const p of dir.partitions) if (!p.future) sizes.set(p.topic, (sizes.get(p.topic) ?? 0) + p.size);
      }
    } catch {
      // sizes are left out when a broker cannot be asked
    }
    const out = [];
    for (const t of topics) {
      const ids = t.partitions.map((p) => p.partition);
      const [starts, ends] = ids.length ? await Promise.all([admin.listOffsets(t.name, ids, EARLIEST), admin.listOffsets(t.name, ids, LATEST)]) : [new Map<number, number>(), new Map<number, number>()];
      let records = 0;
      for (const p of ids) records += Math.max(0, (ends.get(p) ?? 0) - (starts.get(p) ?? 0));
      out.push({
        name: t.name,
        internal: t.internal,
        partitions: t.partitions.length,
        replicationFactor: t.partitions[0]?.replicas.length ?? 0,
        underReplicated: t.partitions.filter((p) => p.isr.length < p.replicas.length).length,
        records,
        size: sizes.get(t.name) ?? null,
      });
    }
    return { topics: out };
  }

  private async topic(name: string) {
    const { admin } = this.session();
    const [t] = await admin.describeTopics([name]);
    const info = t!;
    const ids = info.partitions.map((p) => p.partition);
    const [starts, ends] = await Promise.all([admin.listOffsets(name, ids, EARLIEST), admin.listOffsets(name, ids, LATEST)]);
    const sizes = new Map<number, number>();
    try {
      const brokers = [...new Set(info.partitions.map((p) => p.leader).filter((l) => l >= 0))];
      for (const d of await admin.describeLogDirs(brokers, [name])) {
        for (const dir of d.dirs) for (const p of dir.partitions) if (p.topic === name && !p.future && info.partitions.find((x) => x.partition === p.partition)?.leader === d.broker) sizes.set(p.partition, p.size);
      }
    } catch {
      // sizes are left out when a broker cannot be asked
    }
    const configs = await admin.describeConfigs(ResourceType.TOPIC, name);
    return {
      name,
      topicId: info.topicId,
      internal: info.internal,
      partitions: info.partitions
        .slice()
        .sort((a, b) => a.partition - b.partition)
        .map((p) => ({ partition: p.partition, leader: p.leader, replicas: p.replicas, isr: p.isr, logStartOffset: starts.get(p.partition) ?? -1, highWatermark: ends.get(p.partition) ?? -1, size: sizes.get(p.partition) ?? null })),
      configs: configs.sort((a, b) => a.name.localeCompare(b.name)),
    };
  }

  private async createTopic(body: unknown) {
    const b = asObject(body);
    const name = str(b['name'], 'name');
    const partitions = b['partitions'] === undefined ? -1 : int(b['partitions'], 'partitions');
    const replicationFactor = b['replicationFactor'] === undefined ? -1 : int(b['replicationFactor'], 'replicationFactor');
    const configs = b['configs'] === undefined ? {} : stringMap(b['configs'], 'configs');
    const { admin } = this.session();
    const [r] = await admin.createTopics([{ name, partitions, replicationFactor, configs }]);
    if (r && r.errorCode !== 0) throw new ApiError(400, `cannot create topic ${name}: ${r.error}`);
    return { created: name };
  }

  private async deleteTopic(name: string) {
    const { admin } = this.session();
    const [r] = await admin.deleteTopics([name]);
    if (r && r.errorCode !== 0) throw new ApiError(r.errorCode === 3 ? 404 : 400, `cannot delete topic ${name}: ${r.error}`);
    return { deleted: name };
  }

  private async alterTopic(name: string, body: unknown) {
    const b = asObject(body);
    const set = b['set'] === undefined ? {} : stringMap(b['set'], 'set');
    const remove = b['remove'] === undefined ? [] : stringList(b['remove'], 'remove');
    const { admin } = this.session();
    await admin.alterTopicConfigs(name, set, remove);
    return { altered: name, set, remove };
  }

  private async messages(name: string, q: URLSearchParams) {
    const { admin, client } = this.session();
    const [t] = await admin.describeTopics([name]);
    const all = t!.partitions.map((p) => p.partition).sort((a, b) => a - b);
    const pq = q.get('partition');
    const partitions = pq === null || pq === '' || pq === 'all' ? all : [int(Number(pq), 'partition')];
    for (const p of partitions) if (!all.includes(p)) throw new ApiError(404, `topic ${name} has no partition ${p}`);
    const limit = Math.min(MAX_BROWSE_LIMIT, Math.max(1, Number(q.get('limit') ?? 50) || 50));
    const from = q.get('from') ?? 'start';
    const at = Number(q.get('at') ?? 0);
    const keyFilter = q.get('key') ?? '';
    const valueFilter = q.get('value') ?? '';
    const headerFilter = q.get('header') ?? '';
    const [starts, ends] = await Promise.all([admin.listOffsets(name, partitions, EARLIEST), admin.listOffsets(name, partitions, LATEST)]);
    let positions: Map<number, number>;
    if (from === 'start') positions = new Map(starts);
    else if (from === 'end') positions = new Map(partitions.map((p) => [p, Math.max(starts.get(p) ?? 0, (ends.get(p) ?? 0) - limit)]));
    else if (from === 'offset') positions = new Map(partitions.map((p) => [p, Math.max(starts.get(p) ?? 0, Math.min(ends.get(p) ?? 0, at))]));
    else if (from === 'timestamp') {
      const byTime = await admin.listOffsets(name, partitions, at);
      positions = new Map(partitions.map((p) => [p, (byTime.get(p) ?? -1) < 0 ? (ends.get(p) ?? 0) : byTime.get(p)!]));
    } else throw new ApiError(400, `bad from "${from}": expected start, end, offset or timestamp`);
    const fetcher = new Fetcher(client, admin, { maxWaitMs: 0, minBytes: 0, autoOffsetReset: 'earliest' });
    const remaining = new Set<number>();
    for (const p of partitions) {
      if ((positions.get(p) ?? 0) < (ends.get(p) ?? 0)) {
        fetcher.assign(name, p, positions.get(p)!);
        remaining.add(p);
      }
    }
    const matches = (r: ConsumedRecord): boolean =>
      (keyFilter === '' || (r.key !== null && r.key.toString('utf8').includes(keyFilter))) &&
      (valueFilter === '' || (r.value !== null && r.value.toString('utf8').includes(valueFilter))) &&
      (headerFilter === '' || r.headers.some((h) => h.key.includes(headerFilter) || (h.value !== null && h.value.toString('utf8').includes(headerFilter))));
    const found = new Map<number, ConsumedRecord[]>(partitions.map((p) => [p, []]));
    const scanned = new Map<number, number>();
    const deadline = Date.now() + BROWSE_BUDGET_MS;
    let truncated = false;
    while (remaining.size > 0) {
      if (Date.now() > deadline) {
        truncated = true;
        break;
      }
      const batch = await fetcher.poll();
      for (const r of batch) {
        if (!remaining.has(r.partition)) continue;
        scanned.set(r.partition, (scanned.get(r.partition) ?? 0) + 1);
        const list = found.get(r.partition)!;
        if (matches(r)) list.push(r);
        const done = list.length >= limit || r.offset + 1 >= (ends.get(r.partition) ?? 0) || scanned.get(r.partition)! >= MAX_BROWSE_SCAN;
        if (done) {
          if (scanned.get(r.partition)! >= MAX_BROWSE_SCAN) truncated = true;
          remaining.delete(r.partition);
          fetcher.unassign(name, r.partition);
        }
      }
      for (const a of fetcher.assignment()) {
        if (a.offset >= (ends.get(a.partition) ?? 0)) {
          remaining.delete(a.partition);
          fetcher.unassign(name, a.partition);
        }
      }
    }
    const records = [...found.values()]
      .flatMap((l) => l.slice(0, limit))
      .sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset)
      .slice(0, limit)
      .map((r) => ({ partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: shown(r.key), value: shown(r.value), headers: r.headers.map((h) => ({ key: h.key, value: shown(h.value) })) }));
    return {
      topic: name,
      partitions: partitions.map((p) => ({ partition: p, logStartOffset: starts.get(p) ?? -1, highWatermark: ends.get(p) ?? -1, from: positions.get(p) ?? -1 })),
      records,
      truncated,
    };
  }

  private async groups() {
    const { admin } = this.session();
    const list = await admin.listGroups();
    const out = [];
    for (const g of list) {
      const lag = await describeGroupLag(admin, g.groupId).catch(() => null);
      out.push({
        groupId: g.groupId,
        protocolType: g.protocolType,
        state: lag?.description.state ?? g.state,
        coordinator: g.coordinator,
        members: lag?.description.members.length ?? 0,
        topics: lag ? [...new Set(lag.rows.map((r) => r.topic))] : [],
        totalLag: lag?.totalLag ?? null,
      });
    }
    return { groups: out };
  }

  private async group(name: string) {
    const { admin } = this.session();
    const lag = await describeGroupLag(admin, name);
    if (lag === null) throw new ApiError(404, `group ${name} does not exist`);
    const d = lag.description;
    return {
      groupId: d.groupId,
      state: d.state,
      protocolType: d.protocolType,
      protocol: d.protocol,
      coordinator: d.coordinator,
      members: d.members.map((m) => ({ memberId: m.memberId, instanceId: m.groupInstanceId, clientId: m.clientId, host: m.clientHost, assignment: m.assignment })),
      partitions: lag.rows,
      totalLag: lag.totalLag,
    };
  }

  private async resetGroup(name: string, body: unknown) {
    const b = asObject(body);
    const topic = str(b['topic'], 'topic');
    const to = str(b['to'], 'to');
    const execute = b['execute'] === true;
    const { admin } = this.session();
    const d = await admin.describeGroup(name);
    if (execute && d.members.length > 0) throw new ApiError(409, `cannot reset group ${name}: it has ${d.members.length} active member(s) (state ${d.state}); stop its consumers first`);
    const [t] = await admin.describeTopics([topic]);
    const all = t!.partitions.map((p) => p.partition).sort((x, y) => x - y);
    const partitions = b['partitions'] === undefined || b['partitions'] === null ? all : intList(b['partitions'], 'partitions');
    for (const p of partitions) if (!all.includes(p)) throw new ApiError(400, `topic ${topic} has no partition ${p}`);
    const committed = await admin.fetchOffsets(name, [{ topic, partitions }]);
    const current = new Map(committed.filter((c) => c.offset >= 0).map((c) => [c.partition, c.offset]));
    const [starts, ends] = await Promise.all([admin.listOffsets(topic, partitions, EARLIEST), admin.listOffsets(topic, partitions, LATEST)]);
    const clamp = (p: number, v: number) => Math.max(starts.get(p) ?? 0, Math.min(ends.get(p) ?? 0, v));
    const target = new Map<number, number>();
    if (to === 'start') for (const p of partitions) target.set(p, starts.get(p) ?? 0);
    else if (to === 'end') for (const p of partitions) target.set(p, ends.get(p) ?? 0);
    else if (to === 'offset') for (const p of partitions) target.set(p, clamp(p, int(b['value'], 'value')));
    else if (to === 'shift') {
      const by = int(b['value'], 'value');
      for (const p of partitions) {
        const c = current.get(p);
        if (c === undefined) throw new ApiError(400, `cannot shift ${topic}/${p}: group ${name} has no committed offset for it`);
        target.set(p, clamp(p, c + by));
      }
    } else if (to === 'timestamp') {
      const byTime = await admin.listOffsets(topic, partitions, int(b['value'], 'value'));
      for (const p of partitions) target.set(p, (byTime.get(p) ?? -1) < 0 ? (ends.get(p) ?? 0) : byTime.get(p)!);
    } else throw new ApiError(400, `bad to "${to}": expected start, end, offset, shift or timestamp`);
    const rows = partitions.map((p) => ({ topic, partition: p, currentOffset: current.get(p) ?? null, newOffset: target.get(p)! }));
    if (execute) await admin.commitOffsets(name, rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.newOffset })));
    return { group: name, executed: execute, partitions: rows };
  }
}

/** Bytes as the console shows them: UTF-8 text (JSON flagged) when they are that, else hex. */
function shown(b: Buffer | null): { text: string; json: boolean; encoding: 'utf8' } | { hex: string; encoding: 'hex' } | null {
  if (b === null) return null;
  const text = b.toString('utf8');
  // Round-trips and has no control characters other than whitespace: text.
  if (Buffer.byteLength(text) === b.length && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/.test(text)) {
    let json = false;
    const t = text.trim();
    if ((t.startsWith('{') || t.startsWith('[')) && t.length > 1) {
      try {
        JSON.parse(t);
        json = true;
      } catch {
        // text that only looks like JSON
      }
    }
    return { text, json, encoding: 'utf8' };
  }
  return { hex: b.toString('hex'), encoding: 'hex' };
}

function asObject(v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ApiError(400, 'expected a JSON object');
  return v as Record<string, unknown>;
}
function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw new ApiError(400, `${what}: expected a non-empty string`);
  return v;
}
function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ApiError(400, `${what}: expected an integer`);
  return v;
}
function intList(v: unknown, what: string): number[] {
  if (!Array.isArray(v)) throw new ApiError(400, `${what}: expected a list of integers`);
  return v.map((x) => int(x, what));
}
function stringList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ApiError(400, `${what}: expected a list of strings`);
  return v as string[];
}
function stringMap(v: unknown, what: string): Record<string, string> {
  const o = asObject(v);
  for (const [k, x] of Object.entries(o)) if (typeof x !== 'string') throw new ApiError(400, `${what}.${k}: expected a string`);
  return o as Record<string, string>;
}
