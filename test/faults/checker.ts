/**
 * The fault suite's history checker: what the producers were told (acknowledged partition,
 * offset and value, with the time), what the group consumer read and whether each commit was
 * acknowledged, and what a final reader found in every partition afterwards. It reports each
 * broken promise with the record it concerns:
 *
 * - lost: an acknowledged record is not in the log, or not at its acknowledged offset;
 * - duplicated: a record of an idempotent producer stored at more than one offset by the same
 *   producer session (producer id and epoch), which the broker's sequence checks exist to
 *   prevent; copies under different sessions are counted apart (resent): a producer that bumps
 *   its epoch after a timeout sends its unacknowledged records again as new ones, which
 *   idempotence does not cover;
 * - offset holes: a partition's offsets are not dense (no compaction or transactions here);
 * - phantom reads: the consumer read a record that is not at that offset in the final log;
 * - committed re-reads: the consumer was given a record below an offset whose commit had been
 *   acknowledged (committed offsets moving backwards, as a lost commit shows itself);
 * - unconsumed: an acknowledged record the group consumer never read, once everything had
 *   healed and it was given time to (a group that stopped consuming);
 *
 * - transactions: a read_committed reader sees a record of an aborted transaction, or a
 *   committed transaction other than whole and once (one whose commit went unanswered must be
 *   whole or absent);
 *
 * - a producer stopped by an error (librdkafka's idempotent producer stops, fatally, when a
 *   leader no longer has records it had acknowledged);
 *
 * and, for availability, the longest time per partition without an acknowledgement.
 */

export interface TxnOutcome {
  txn: number;
  size: number;
  outcome: 'committed' | 'aborted' | 'unknown';
}

export interface Ack {
  /** The producer's name (its values are prefixed by it). */
  producer: string;
  idempotent: boolean;
  p: number;
  o: number;
  v: string;
  /** Epoch ms at which the acknowledgement reached the producer. */
  t: number;
}

export interface StoredRecord {
  p: number;
  o: number;
  v: string;
  /** The producer session of the stored copy: producer id and epoch (-1 without idempotence). */
  pid?: number;
  epoch?: number;
}

export interface ConsumedRecord extends StoredRecord {
  /** The commit of o + 1 was acknowledged. */
  c: boolean;
  t: number;
}

export interface History {
  acks: readonly Ack[];
  /** Records whose delivery failed (the producer gave up): not a promise, but counted. */
  failed: number;
  consumed: readonly ConsumedRecord[];
  stored: readonly StoredRecord[];
  /** The transactional workload: each transaction's outcome, and what read_committed finds. */
  txns?: readonly TxnOutcome[];
  txnStored?: readonly StoredRecord[];
  /** The consume-transform-produce loop: how many inputs it had, and the output values read_committed finds. */
  eos?: { inputs: number; outputs: readonly string[] };
  /** Producers that stopped on an error before their last record (with the error). */
  stoppedProducers?: readonly string[];
  /** When the workload started and stopped (epoch ms), for availability. */
  startedAt: number;
  endedAt: number;
}

export interface CheckResult {
  acknowledged: number;
  failed: number;
  stored: number;
  consumed: number;
  lost: string[];
  duplicated: string[];
  /** Idempotent records stored again under another producer session (not an anomaly). */
  resentAcrossSessions: number;
  offsetHoles: string[];
  phantomReads: string[];
  committedRereads: string[];
  unconsumed: string[];
  /** Transactions: committed, aborted and unknown ones, and what broke their promise. */
  transactions: { committed: number; aborted: number; unknown: number };
  transactionAnomalies: string[];
  /** Consume-transform-produce: inputs missing from the output or there more than once. */
  exactlyOnceAnomalies: string[];
  stoppedProducers: string[];
  /** Per partition, the longest stretch without an acknowledgement (ms). */
  longestUnavailableMs: Record<number, number>;
  anomalies: number;
}

const LIST_MAX = 20;
const push = (list: string[], s: string) => {
  if (list.length < LIST_MAX) list.push(s);
};

export function check(h: History): CheckResult {
  const at = new Map<string, string>();
  const offsetsOf = new Map<string, number[]>();
  const sessionsOf = new Map<string, string[]>();
  const byPartition = new Map<number, number[]>();
  for (const r of h.stored) {
    at.set(`${r.p}/${r.o}`, r.v);
    let l = offsetsOf.get(r.v);
    if (!l) offsetsOf.set(r.v, (l = []));
    l.push(r.o);
    let ss = sessionsOf.get(r.v);
    if (!ss) sessionsOf.set(r.v, (ss = []));
    ss.push(`${r.pid ?? -1}/${r.epoch ?? -1}`);
    let ps = byPartition.get(r.p);
    if (!ps) byPartition.set(r.p, (ps = []));
    ps.push(r.o);
  }
  const lost: string[] = [];
  const duplicated: string[] = [];
  const offsetHoles: string[] = [];
  const phantomReads: string[] = [];
  const committedRereads: string[] = [];
  const counts = { lost: 0, duplicated: 0, holes: 0, phantom: 0, reread: 0, unconsumed: 0, txn: 0 };
  let resentAcrossSessions = 0;

  for (const a of h.acks) {
    if (at.get(`${a.p}/${a.o}`) === a.v) continue;
    counts.lost++;
    const elsewhere = offsetsOf.get(a.v);
    push(lost, `${a.v} acknowledged at ${a.p}/${a.o}${elsewhere ? `, stored at offsets ${elsewhere.join(',')}` : ', not stored'}`);
  }
  const idempotent = new Set(h.acks.filter((a) => a.idempotent).map((a) => a.producer));
  for (const [v, offsets] of offsetsOf) {
    if (offsets.length < 2) continue;
    const producer = h.acks.find((a) => a.v === v)?.producer ?? v.slice(0, v.indexOf('v-'));
    if (!idempotent.has(producer)) continue;
    const sessions = sessionsOf.get(v)!;
    if (new Set(sessions).size === sessions.length) {
      resentAcrossSessions++;
      continue;
    }
    counts.duplicated++;
    push(duplicated, `${v} stored at offsets ${offsets.join(',')} (producer/epoch ${sessions.join(',')})`);
  }
  for (const [p, offsets] of byPartition) {
    offsets.sort((a, b) => a - b);
    for (let i = 1; i < offsets.length; i++) {
      if (offsets[i] === offsets[i - 1]! + 1) continue;
      counts.holes++;
      push(offsetHoles, `partition ${p}: ${offsets[i - 1]} then ${offsets[i]}`);
    }
  }
  const committed = new Map<number, number>();
  for (const r of h.consumed) {
    const stored = at.get(`${r.p}/${r.o}`);
    if (stored !== r.v) {
      counts.phantom++;
      push(phantomReads, `${r.v} read at ${r.p}/${r.o}, the log has ${stored ?? 'nothing'} there`);
    }
    const c = committed.get(r.p) ?? 0;
    if (r.o < c) {
      counts.reread++;
      push(committedRereads, `${r.p}/${r.o} read after offset ${c} was committed`);
    }
    if (r.c) committed.set(r.p, Math.max(c, r.o + 1));
  }
  const unconsumed: string[] = [];
  const read = new Set(h.consumed.map((r) => r.v));
  for (const a of h.acks) {
    if (read.has(a.v)) continue;
    counts.unconsumed++;
    push(unconsumed, `${a.v} (acknowledged at ${a.p}/${a.o}) was never read by the group`);
  }
  const transactionAnomalies: string[] = [];
  const outcomes = new Map((h.txns ?? []).map((t) => [t.txn, t]));
  const seenOf = new Map<number, Map<number, number>>();
  for (const r of h.txnStored ?? []) {
    const m = /^t(\d+)-(\d+)$/.exec(r.v);
    if (!m) continue;
    const txn = Number(m[1]);
    let s = seenOf.get(txn);
    if (!s) seenOf.set(txn, (s = new Map()));
    s.set(Number(m[2]), (s.get(Number(m[2])) ?? 0) + 1);
  }
  for (const [txn, seen] of seenOf) {
    const o = outcomes.get(txn);
    if (o?.outcome === 'aborted') {
      counts.txn++;
      push(transactionAnomalies, `t${txn} was aborted, read_committed shows ${seen.size} of its records`);
    }
  }
  for (const o of outcomes.values()) {
    const seen = seenOf.get(o.txn);
    const whole = seen !== undefined && seen.size === o.size && [...seen.values()].every((n) => n === 1);
    if (o.outcome === 'committed' && !whole) {
      counts.txn++;
      push(transactionAnomalies, `t${o.txn} was committed, read_committed shows ${seen ? [...seen.values()].reduce((a, b) => a + b, 0) : 0} records of ${o.size}`);
    }
    if (o.outcome === 'unknown' && seen !== undefined && !whole) {
      counts.txn++;
      push(transactionAnomalies, `t${o.txn} (commit unanswered) is partly visible: ${seen.size} of ${o.size}`);
    }
  }
  const exactlyOnceAnomalies: string[] = [];
  if (h.eos) {
    const times = new Map<string, number>();
    for (const v of h.eos.outputs) times.set(v, (times.get(v) ?? 0) + 1);
    for (let i = 0; i < h.eos.inputs; i++) {
      const n = times.get(`out-e-${i}`) ?? 0;
      if (n === 1) continue;
      counts.txn++;
      push(exactlyOnceAnomalies, `input e-${i} is in the output ${n} times`);
    }
    for (const v of times.keys()) {
      const m = /^out-e-(\d+)$/.exec(v);
      if (m && Number(m[1]) < h.eos.inputs) continue;
      counts.txn++;
      push(exactlyOnceAnomalies, `${v} in the output comes from no input`);
    }
  }
  const longestUnavailableMs: Record<number, number> = {};
  const partitions = new Set([...byPartition.keys(), ...h.acks.map((a) => a.p)]);
  for (const p of partitions) {
    const times = h.acks.filter((a) => a.p === p).map((a) => a.t).sort((a, b) => a - b);
    let longest = 0;
    let prev = h.startedAt;
    for (const t of [...times, h.endedAt]) {
      longest = Math.max(longest, t - prev);
      prev = Math.max(prev, t);
    }
    longestUnavailableMs[p] = Math.round(longest);
  }
  return {
    acknowledged: h.acks.length,
    failed: h.failed,
    stored: h.stored.length,
    consumed: h.consumed.length,
    lost,
    duplicated,
    resentAcrossSessions,
    offsetHoles,
    phantomReads,
    committedRereads,
    unconsumed,
    transactions: {
      committed: [...outcomes.values()].filter((o) => o.outcome === 'committed').length,
      aborted: [...outcomes.values()].filter((o) => o.outcome === 'aborted').length,
      unknown: [...outcomes.values()].filter((o) => o.outcome === 'unknown').length,
    },
    transactionAnomalies,
    exactlyOnceAnomalies,
    stoppedProducers: [...(h.stoppedProducers ?? [])],
    longestUnavailableMs,
    anomalies: counts.lost + counts.duplicated + counts.holes + counts.phantom + counts.reread + counts.unconsumed + counts.txn + (h.stoppedProducers?.length ?? 0),
  };
}
