/**
 * A group's committed offsets against its partitions' log end offsets (the high watermark a
 * consumer reads up to): the lag `samsa group describe` prints and the web console shows.
 */
import { EARLIEST, LATEST, type Admin, type GroupDescription } from './admin.js';

export interface GroupLagRow {
  topic: string;
  partition: number;
  /** Null: the group committed nothing for this partition (it is only assigned). */
  currentOffset: number | null;
  logStartOffset: number;
  logEndOffset: number;
  lag: number | null;
  memberId: string | null;
  clientId: string | null;
  host: string | null;
}

export interface GroupLag {
  description: GroupDescription;
  rows: GroupLagRow[];
  totalLag: number;
}

/** Null when the group does not exist. Rows: every committed or assigned partition, by topic and partition. */
export async function describeGroupLag(admin: Admin, group: string): Promise<GroupLag | null> {
  const d = await admin.describeGroup(group);
  if (d.state === 'Dead') return null;
  const committed = await admin.fetchOffsets(group);
  const owner = new Map<string, { memberId: string; clientId: string; host: string }>();
  for (const m of d.members) for (const a of m.assignment) for (const p of a.partitions) owner.set(`${a.topic}/${p}`, { memberId: m.memberId, clientId: m.clientId, host: m.clientHost });
  const keys = new Map<string, { topic: string; partition: number }>();
  for (const c of committed) keys.set(`${c.topic}/${c.partition}`, { topic: c.topic, partition: c.partition });
  for (const m of d.members) for (const a of m.assignment) for (const p of a.partitions) keys.set(`${a.topic}/${p}`, { topic: a.topic, partition: p });
  const topics = [...new Set([...keys.values()].map((k) => k.topic))];
  const ends = new Map<string, number>();
  const starts = new Map<string, number>();
  for (const t of topics) {
    const ps = [...keys.values()].filter((k) => k.topic === t).map((k) => k.partition);
    const [s, e] = await Promise.all([admin.listOffsets(t, ps, EARLIEST), admin.listOffsets(t, ps, LATEST)]);
    for (const [p, off] of e) ends.set(`${t}/${p}`, off);
    for (const [p, off] of s) starts.set(`${t}/${p}`, off);
  }
  const rows = [...keys]
    .map(([k, { topic, partition }]) => {
      const c = committed.find((x) => x.topic === topic && x.partition === partition);
      const end = ends.get(k) ?? -1;
      const o = owner.get(k);
      return {
        topic,
        partition,
        currentOffset: c ? c.offset : null,
        logStartOffset: starts.get(k) ?? -1,
        logEndOffset: end,
        lag: c ? Math.max(0, end - c.offset) : null,
        memberId: o?.memberId ?? null,
        clientId: o?.clientId ?? null,
        host: o?.host ?? null,
      };
    })
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const totalLag = rows.reduce((s, r) => s + (r.lag ?? 0), 0);
  return { description: d, rows, totalLag };
}
