// Kafka's default partitioner: murmur2 of the key bytes, made positive, modulo the partition count
// (Utils.murmur2 / toPositive in the Java client, librdkafka's "murmur2_random"). Records without a
// key stick to one partition per batch and move on when a batch is sent (KIP-480 sticky).

/** Kafka's murmur2 (seed 0x9747b28c), returning a signed 32-bit int like the Java client. */
export function murmur2(data: Buffer): number {
  const length = data.length;
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  let h = (seed ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4]! & 0xff) | ((data[i4 + 1]! & 0xff) << 8) | ((data[i4 + 2]! & 0xff) << 16) | ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rem = length & 3;
  const base = length & ~3;
  if (rem === 3) h ^= (data[base + 2]! & 0xff) << 16;
  if (rem >= 2) h ^= (data[base + 1]! & 0xff) << 8;
  if (rem >= 1) {
    h ^= data[base]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

export const toPositive = (n: number): number => n & 0x7fffffff;

/** Partition for a keyed record, as Kafka's DefaultPartitioner / BuiltInPartitioner. */
export function partitionForKey(key: Buffer, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions;
}

/** Sticky choice for null keys: one partition until told a batch was completed. */
export class StickyPartitioner {
  private current = new Map<string, number>();

  partition(topic: string, numPartitions: number): number {
    let p = this.current.get(topic);
    if (p === undefined || p >= numPartitions) {
      p = Math.floor(Math.random() * numPartitions);
      this.current.set(topic, p);
    }
    return p;
  }

  /** A batch for `topic` was closed: move to another partition. */
  next(topic: string, numPartitions: number): void {
    if (numPartitions <= 1) return;
    const cur = this.current.get(topic) ?? 0;
    let p = Math.floor(Math.random() * (numPartitions - 1));
    if (p >= cur) p++;
    this.current.set(topic, p);
  }
}
