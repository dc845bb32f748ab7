/**
 * The broker's own counters, written on the hot paths and read when /metrics is scraped. Kept
 * cheap on purpose: a number added to a field, one Map lookup per topic per request, typed
 * arrays indexed by API key, no object per record or per request. The Prometheus registry
 * (registry.ts) turns them into text only when scraped.
 */
import { FixedHistogram, LATENCY_BUCKETS_SECONDS } from './histogram.js';

/** Per-topic traffic, counted since the process started. */
export interface TopicCounters {
  bytesIn: number;
  messagesIn: number;
  bytesOut: number;
  /** Offsets served to consumers (a compacted topic's gaps count as served). */
  messagesOut: number;
  produceRequests: number;
  fetchRequests: number;
  /** Partition-level produce failures, by Kafka error code. */
  readonly produceErrors: Map<number, number>;
}

/** The phases of a request, as Kafka's RequestMetrics split them. */
export const REQUEST_PHASES = ['queue', 'local', 'remote', 'send', 'total'] as const;
export type RequestPhase = (typeof REQUEST_PHASES)[number];

const MAX_API_KEY = 128;

/** What the request path reports: the server after each response, handlers on their own outcome. */
export interface MetricsPort {
  /** Bytes and records appended for a client. */
  produced(topic: string, bytes: number, records: number): void;
  /** A partition of a produce request failed with this error code (topic null: no such topic). */
  produceFailed(topic: string | null, errorCode: number, message: string | null): void;
  /** Records served to a consumer's fetch (replicas are not counted). */
  fetched(topic: string, bytes: number, offsets: number): void;
  /** A response carried this non-zero error code (top level, or the handler failed). */
  requestError(apiKey: number, errorCode: number): void;
}

export class BrokerMetrics implements MetricsPort {
  readonly topics = new Map<string, TopicCounters>();
  /** Requests answered (or finished without an answer, acks=0) per API key. */
  readonly requests = new Float64Array(MAX_API_KEY);
  /** Per API key, one histogram per phase, made on the key's first request. */
  readonly latency: Array<FixedHistogram[] | undefined> = new Array(MAX_API_KEY);
  /** Error responses: apiKey * 65536 + (errorCode & 0xffff) → count. */
  readonly errors = new Map<number, number>();
  readonly logFlush = new FixedHistogram(LATENCY_BUCKETS_SECONDS);
  isrShrinks = 0;
  isrExpands = 0;
  connectionsAccepted = 0;
  connectionsClosed = 0;
  /** Called (rate-limited by the caller) when a produce partition fails: the operator's log line. */
  onProduceError: ((topic: string | null, errorCode: number, message: string | null) => void) | null = null;

  topic(name: string): TopicCounters {
    let t = this.topics.get(name);
    if (t === undefined) {
      t = { bytesIn: 0, messagesIn: 0, bytesOut: 0, messagesOut: 0, produceRequests: 0, fetchRequests: 0, produceErrors: new Map() };
      this.topics.set(name, t);
    }
    return t;
  }

  /** Forgets a deleted topic's counters (its series disappear, as Kafka removes a deleted topic's MBeans). */
  forgetTopic(name: string): void {
    this.topics.delete(name);
  }

  produced(topic: string, bytes: number, records: number): void {
    const t = this.topic(topic);
    t.bytesIn += bytes;
    t.messagesIn += records;
    t.produceRequests++;
  }

  produceFailed(topic: string | null, errorCode: number, message: string | null): void {
    this.requestError(0, errorCode);
    if (topic !== null) {
      const t = this.topic(topic);
      t.produceRequests++;
      t.produceErrors.set(errorCode, (t.produceErrors.get(errorCode) ?? 0) + 1);
    }
    this.onProduceError?.(topic, errorCode, message);
  }

  fetched(topic: string, bytes: number, offsets: number): void {
    const t = this.topic(topic);
    t.bytesOut += bytes;
    t.messagesOut += offsets;
    t.fetchRequests++;
  }

  requestError(apiKey: number, errorCode: number): void {
    const k = apiKey * 65536 + (errorCode & 0xffff);
    this.errors.set(k, (this.errors.get(k) ?? 0) + 1);
  }

  /** One request's phases in seconds; called by the server once its response was handed to the socket. */
  requestDone(apiKey: number, queue: number, local: number, remote: number, send: number): void {
    if (apiKey < 0 || apiKey >= MAX_API_KEY) return;
    this.requests[apiKey]!++;
    let h = this.latency[apiKey];
    if (h === undefined) h = this.latency[apiKey] = REQUEST_PHASES.map(() => new FixedHistogram(LATENCY_BUCKETS_SECONDS));
    h[0]!.observe(queue);
    h[1]!.observe(local);
    h[2]!.observe(remote);
    h[3]!.observe(send);
    h[4]!.observe(queue + local + remote + send);
  }
}
