/**
 * Kafka's RangeAssignor: per topic, members subscribed to it sorted by member id; partitions
 * split into contiguous ranges, the first (partitions % members) members getting one extra.
 */
export function rangeAssign(
  members: { memberId: string; topics: string[] }[],
  partitionCounts: Map<string, number>,
): Map<string, Map<string, number[]>> {
  const out = new Map<string, Map<string, number[]>>();
  for (const m of members) out.set(m.memberId, new Map());
  const topics = new Set(members.flatMap((m) => m.topics));
  for (const topic of [...topics].sort()) {
    const n = partitionCounts.get(topic) ?? 0;
    const subs = members.filter((m) => m.topics.includes(topic)).map((m) => m.memberId).sort();
    if (subs.length === 0 || n === 0) continue;
    const per = Math.floor(n / subs.length);
    const extra = n % subs.length;
    let start = 0;
    subs.forEach((id, i) => {
      const len = per + (i < extra ? 1 : 0);
      if (len > 0) {
        out.get(id)!.set(topic, Array.from({ length: len }, (_, k) => start + k));
      }
      start += len;
    });
  }
  return out;
}
