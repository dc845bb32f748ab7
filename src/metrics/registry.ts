/**
 * /metrics: a prom-client registry whose metrics are read from the broker's state when scraped.
 *
 * - kafka_*: kafka_exporter's names, labels and meanings, so its Grafana dashboards work
 *   unchanged. Each series comes from the one broker that owns it, so that summing over brokers
 *   counts it once: partitions from their leader, groups from their coordinator, the cluster-wide
 *   counts (kafka_brokers, kafka_broker_info, kafka_topic_partitions) from the active controller.
 *   Consumer lag is computed here from committed offsets and high watermarks.
 * - samsa_*: the broker's own counters (broker-metrics.ts), gauges of its state, and Node's
 *   process figures (prom-client's default metrics under the samsa_ prefix: RSS, heap, event-loop lag).
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Partition } from '../broker/partition.js';
import type { MetadataImage } from '../cluster/metadata-image.js';
import type { Group } from '../group/group.js';
import { splitOffsetKey } from '../group/group.js';
import { errorInfo } from '../protocol/errors.js';
import { REQUEST_PHASES, type BrokerMetrics } from './broker-metrics.js';
import type { FixedHistogram } from './histogram.js';

/** What the registry reads at scrape time: narrow views of the node, no handles to change it. */
export interface MetricsSources {
  readonly nodeId: number;
  image(): MetadataImage;
  /** The partitions this broker hosts (leader or follower). */
  partitions(): Iterable<Partition>;
  partition(topic: string, index: number): Partition | undefined;
  /** The groups this broker coordinates. */
  groups(): Iterable<Group>;
  /** min.insync.replicas of a topic (its own setting or the broker's). */
  minInsyncReplicas(topic: string): number;
  connections(): number;
  purgatorySize(): number;
  isrShrinks(): number;
  isrExpands(): number;
  apiName(apiKey: number): string;
}

type Labels = Record<string, string | number>;
interface Value {
  value: number;
  labels?: Labels;
  metricName?: string;
}
type MetricType = 'gauge' | 'counter' | 'histogram';

/** A metric prom-client renders, whose values are computed when it is scraped. */
class ComputedMetric {
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    private readonly compute: () => Value[],
  ) {}

  get(): { name: string; help: string; type: MetricType; values: Value[]; aggregator: string } {
    return { name: this.name, help: this.help, type: this.type, values: this.compute(), aggregator: this.aggregator };
  }
}

function histogramValues(name: string, h: FixedHistogram, labels: Labels, out: Value[]): void {
  let cumulative = 0;
  for (let i = 0; i < h.bounds.length; i++) {
    cumulative += h.counts[i]!;
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: h.bounds[i]! }, value: cumulative });
  }
  cumulative += h.counts[h.bounds.length]!;
  out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: cumulative });
  out.push({ metricName: `${name}_sum`, labels, value: h.sum });
  out.push({ metricName: `${name}_count`, labels, value: h.count });
}

/** One scrape's view of the cluster: computed once and shared by the kafka_* metrics of that scrape. */
interface ClusterView {
  controller: boolean;
  led: Partition[];
  image: MetadataImage;
}

export function createRegistry(metrics: BrokerMetrics, src: MetricsSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'samsa_' });
  // The kafka_* metrics of one scrape read one view (prom-client asks each metric in turn).
  let view: ClusterView | null = null;
  let viewAt = -1;
  const cluster = (): ClusterView => {
    const now = Date.now();
    if (view === null || now - viewAt > 100) {
      const image = src.image();
      const led: Partition[] = [];
      for (const p of src.partitions()) if (p.isLeader && image.topic(p.topic)) led.push(p);
      led.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.index - b.index));
      view = { controller: image.controllerId === src.nodeId, led, image };
      viewAt = now;
    }
    return view;
  };
  const add = (name: string, help: string, type: MetricType, compute: () => Value[]): void => {
    registry.registerMetric(new ComputedMetric(name, help, type, compute) as never);
  };
  const perPartition = (f: (p: Partition) => number): Value[] => cluster().led.map((p) => ({ labels: { topic: p.topic, partition: p.index }, value: f(p) }));

  // ---- kafka_exporter's cluster view
  add('kafka_brokers', 'Number of Brokers in the Kafka Cluster.', 'gauge', () => (cluster().controller ? [{ value: cluster().image.brokers().length }] : []));
  add('kafka_broker_info', 'Information about the Kafka Broker.', 'gauge', () =>
    cluster().controller ? cluster().image.brokers().map((b) => ({ labels: { id: b.id, address: `${b.host}:${b.port}` }, value: 1 })) : [],
  );
  add('kafka_topic_partitions', 'Number of partitions for this Topic', 'gauge', () =>
    cluster().controller ? [...cluster().image.topics()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((t) => ({ labels: { topic: t.name }, value: t.partitions.length })) : [],
  );
  add('kafka_topic_partition_current_offset', 'Current Offset of a Broker at Topic/Partition', 'gauge', () => perPartition((p) => p.highWatermark));
  add('kafka_topic_partition_oldest_offset', 'Oldest Offset of a Broker at Topic/Partition', 'gauge', () => perPartition((p) => p.logStartOffset));
  add('kafka_topic_partition_leader', 'Leader Broker ID of this Topic/Partition', 'gauge', () => perPartition((p) => p.leaderId));
  add('kafka_topic_partition_replicas', 'Number of Replicas for this Topic/Partition', 'gauge', () => perPartition((p) => p.replicas.length));
  add('kafka_topic_partition_in_sync_replica', 'Number of In-Sync Replicas for this Topic/Partition', 'gauge', () => perPartition((p) => p.isr.length));
  add('kafka_topic_partition_leader_is_preferred', '1 if Topic/Partition is using the Preferred Broker', 'gauge', () => perPartition((p) => (p.replicas[0] === p.leaderId ? 1 : 0)));
  add('kafka_topic_partition_under_replicated_partition', '1 if Topic/Partition is under Replicated', 'gauge', () => perPartition((p) => (p.isr.length < p.replicas.length ? 1 : 0)));

  // Consumer groups, as kafka_exporter with offset.show-all (its default): every partition of each
  // topic a group committed to; -1 where that partition has no committed offset.
  const groupRows = (): { group: string; topic: string; partition: number; offset: number; lag: number | null }[] => {
    const image = cluster().image;
    const rows: { group: string; topic: string; partition: number; offset: number; lag: number | null }[] = [];
    const groups = [...src.groups()].filter((g) => g.state !== 'Dead').sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
    for (const g of groups) {
      const topics = new Set<string>();
      for (const k of g.offsets.keys()) topics.add(splitOffsetKey(k).topic);
      for (const topic of [...topics].sort()) {
        const t = image.topic(topic);
        if (!t) continue;
        for (let i = 0; i < t.partitions.length; i++) {
          const c = g.offsets.get(g.offsetKey(topic, i));
          const offset = c ? c.offset : -1;
          const p = src.partition(topic, i);
          // The high watermark is known where the partition is hosted; kafka_exporter too leaves out what it cannot read.
          const lag = p === undefined ? null : offset === -1 ? -1 : p.highWatermark - offset;
          rows.push({ group: g.groupId, topic, partition: i, offset, lag });
        }
      }
    }
    return rows;
  };
  add('kafka_consumergroup_current_offset', 'Current Offset of a ConsumerGroup at Topic/Partition', 'gauge', () =>
    groupRows().map((r) => ({ labels: { consumergroup: r.group, topic: r.topic, partition: r.partition }, value: r.offset })),
  );
  add('kafka_consumergroup_current_offset_sum', 'Current Offset of a ConsumerGroup at Topic for all partitions', 'gauge', () => {
    const sums = new Map<string, Value>();
    for (const r of groupRows()) {
      const k = `${r.group}\u0000${r.topic}`;
      const v = sums.get(k) ?? { labels: { consumergroup: r.group, topic: r.topic }, value: 0 };
      v.value += r.offset;
      sums.set(k, v);
    }
    return [...sums.values()];
  });
  add('kafka_consumergroup_lag', 'Current Approximate Lag of a ConsumerGroup at Topic/Partition', 'gauge', () =>
    groupRows().flatMap((r) => (r.lag === null ? [] : [{ labels: { consumergroup: r.group, topic: r.topic, partition: r.partition }, value: r.lag }])),
  );
  add('kafka_consumergroup_lag_sum', 'Current Approximate Lag of a ConsumerGroup at Topic for all partitions', 'gauge', () => {
    const sums = new Map<string, Value>();
    for (const r of groupRows()) {
      const k = `${r.group}\u0000${r.topic}`;
      const v = sums.get(k) ?? { labels: { consumergroup: r.group, topic: r.topic }, value: 0 };
      if (r.lag !== null && r.offset !== -1) v.value += r.lag;
      sums.set(k, v);
    }
    return [...sums.values()];
  });
  add('kafka_consumergroup_members', 'Amount of members in a consumer group', 'gauge', () =>
    [...src.groups()]
      .filter((g) => g.state !== 'Dead')
      .sort((a, b) => (a.groupId < b.groupId ? -1 : 1))
      .map((g) => ({ labels: { consumergroup: g.groupId }, value: g.members.size })),
  );

  // ---- the broker's own
  const perTopic = (f: (t: ReturnType<BrokerMetrics['topic']>) => number): Value[] =>
    [...metrics.topics].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([topic, t]) => ({ labels: { topic }, value: f(t) }));
  add('samsa_topic_bytes_in_total', 'Bytes of records produced to the topic on this broker', 'counter', () => perTopic((t) => t.bytesIn));
  add('samsa_topic_messages_in_total', 'Records produced to the topic on this broker', 'counter', () => perTopic((t) => t.messagesIn));
  add('samsa_topic_bytes_out_total', 'Bytes of records served to consumers from the topic on this broker (replicas not counted)', 'counter', () => perTopic((t) => t.bytesOut));
  add('samsa_topic_messages_out_total', 'Offsets served to consumers from the topic on this broker', 'counter', () => perTopic((t) => t.messagesOut));
  add('samsa_topic_produce_requests_total', 'Partition appends asked of this broker for the topic, failed ones included', 'counter', () => perTopic((t) => t.produceRequests));
  add('samsa_topic_fetch_requests_total', 'Consumer partition reads that returned records from the topic', 'counter', () => perTopic((t) => t.fetchRequests));
  add('samsa_topic_produce_errors_total', 'Partition appends of the topic that failed, by Kafka error', 'counter', () => {
    const out: Value[] = [];
    for (const [topic, t] of [...metrics.topics].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      for (const [code, n] of t.produceErrors) out.push({ labels: { topic, error: errorInfo(code).name }, value: n });
    }
    return out;
  });
  add('samsa_requests_total', 'Requests handled, by API', 'counter', () => {
    const out: Value[] = [];
    for (let k = 0; k < metrics.requests.length; k++) if (metrics.requests[k]! > 0) out.push({ labels: { api: src.apiName(k) }, value: metrics.requests[k]! });
    return out;
  });
  add('samsa_request_errors_total', 'Error codes in responses, by API and Kafka error (top level, and each failed partition of Produce)', 'counter', () =>
    [...metrics.errors].sort((a, b) => a[0] - b[0]).map(([k, n]) => ({ labels: { api: src.apiName(Math.floor(k / 65536)), error: errorInfo(((k % 65536) << 16) >> 16).name }, value: n })),
  );
  add('samsa_request_latency_seconds', 'Request time by API and phase: queue (read, waiting to be handled), local (handler), remote (waiting for replication or a long poll), send (waiting for earlier responses and the socket), total', 'histogram', () => {
    const out: Value[] = [];
    for (let k = 0; k < metrics.latency.length; k++) {
      const hs = metrics.latency[k];
      if (!hs) continue;
      REQUEST_PHASES.forEach((phase, i) => histogramValues('samsa_request_latency_seconds', hs[i]!, { api: src.apiName(k), phase }, out));
    }
    return out;
  });
  add('samsa_connections', 'Open client connections', 'gauge', () => [{ value: src.connections() }]);
  add('samsa_connections_accepted_total', 'Client connections accepted', 'counter', () => [{ value: metrics.connectionsAccepted }]);
  add('samsa_purgatory_size', 'Requests waiting for a condition (acks=all produce, long-poll fetch, DeleteRecords)', 'gauge', () => [{ value: src.purgatorySize() }]);
  add('samsa_log_size_bytes', 'Bytes of the partition\'s log on this broker', 'gauge', () =>
    [...src.partitions()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.index - b.index)).map((p) => ({ labels: { topic: p.topic, partition: p.index }, value: p.size })),
  );
  add('samsa_log_flush_latency_seconds', 'Time of a log flush (fsync of its unflushed segments)', 'histogram', () => {
    const out: Value[] = [];
    histogramValues('samsa_log_flush_latency_seconds', metrics.logFlush, {}, out);
    return out;
  });
  add('samsa_isr_shrinks_total', 'ISR shrinks of partitions this broker leads', 'counter', () => [{ value: src.isrShrinks() }]);
  add('samsa_isr_expands_total', 'ISR expansions of partitions this broker leads', 'counter', () => [{ value: src.isrExpands() }]);
  add('samsa_active_controller', '1 on the broker that is the active controller', 'gauge', () => [{ value: cluster().controller ? 1 : 0 }]);
  add('samsa_leader_partitions', 'Partitions this broker leads', 'gauge', () => [{ value: cluster().led.length }]);
  add('samsa_under_replicated_partitions', 'Partitions this broker leads whose ISR is smaller than their replicas', 'gauge', () => [{ value: cluster().led.filter((p) => p.isr.length < p.replicas.length).length }]);
  add('samsa_under_min_isr_partitions', 'Partitions this broker leads whose ISR is smaller than min.insync.replicas', 'gauge', () => [{ value: cluster().led.filter((p) => p.isr.length < src.minInsyncReplicas(p.topic)).length }]);
  add('samsa_offline_partitions', 'Partitions without a live leader (reported by the active controller)', 'gauge', () => {
    const { controller, image } = cluster();
    if (!controller) return [{ value: 0 }];
    let n = 0;
    for (const t of image.topics()) for (const s of t.partitions) if (s.leader < 0 || !image.broker(s.leader)) n++;
    return [{ value: n }];
  });
  return registry;
}
