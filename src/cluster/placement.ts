/**
 * Replica placement for new topics and partitions, as Kafka's AdminUtils places them: the first
 * replica (the preferred leader) of consecutive partitions walks the brokers round-robin, so
 * leaders are balanced; the other replicas follow at a shift that grows every full round, so
 * followers of one broker's leaders are spread too. With racks on every broker, brokers are
 * interleaved by rack and a partition's replicas go to as many racks as possible.
 */

export interface PlacementBroker {
  readonly id: number;
  readonly rack: string | null;
}

export interface PlacementRequest {
  partitions: number;
  replicationFactor: number;
  /** Index of the first partition to place (CreatePartitions continues a topic). */
  firstPartition?: number;
  /** Where in the broker list placement starts; random by default, so topics do not all start on the same broker. */
  startIndex?: number;
  /** The shift of the second replica; random by default. */
  replicaShift?: number;
}

export class PlacementError extends Error {}

/** One replica list per partition. Throws PlacementError when the request cannot be met. */
export function placeReplicas(brokers: readonly PlacementBroker[], req: PlacementRequest): number[][] {
  if (req.partitions <= 0) throw new PlacementError('Number of partitions must be larger than 0.');
  if (req.replicationFactor <= 0) throw new PlacementError('Replication factor must be larger than 0.');
  if (req.replicationFactor > brokers.length) {
    throw new PlacementError(`Replication factor: ${req.replicationFactor} larger than available brokers: ${brokers.length}.`);
  }
  const withRack = brokers.filter((b) => b.rack !== null).length;
  if (withRack > 0 && withRack < brokers.length) throw new PlacementError('Not all brokers have rack information for replica rack aware assignment.');
  const sorted = [...brokers].sort((a, b) => a.id - b.id);
  const random = (n: number) => Math.floor(Math.random() * n);
  const start = req.startIndex ?? random(sorted.length);
  const shift = req.replicaShift ?? random(sorted.length);
  return withRack === 0 ? rackUnaware(sorted, req, start, shift) : rackAware(sorted, req, start, shift);
}

/** The broker index of replica j (j = 0 is the first follower) of a partition led by `first`. */
function followerIndex(first: number, shift: number, j: number, n: number): number {
  return (first + 1 + ((shift + j) % (n - 1))) % n;
}

function rackUnaware(brokers: readonly PlacementBroker[], req: PlacementRequest, start: number, shift: number): number[][] {
  const n = brokers.length;
  const out: number[][] = [];
  let partition = Math.max(0, req.firstPartition ?? 0);
  for (let i = 0; i < req.partitions; i++, partition++) {
    if (partition > 0 && partition % n === 0) shift++;
    const first = (partition + start) % n;
    const replicas = [brokers[first]!.id];
    for (let j = 0; j < req.replicationFactor - 1; j++) replicas.push(brokers[followerIndex(first, shift, j, n)]!.id);
    out.push(replicas);
  }
  return out;
}

/** Brokers ordered rack by rack in turn (racks and brokers in sorted order): a, b, c, a, b, c, ... */
function rackAlternated(brokers: readonly PlacementBroker[]): PlacementBroker[] {
  const byRack = new Map<string, PlacementBroker[]>();
  for (const b of brokers) {
    const list = byRack.get(b.rack!) ?? [];
    list.push(b);
    byRack.set(b.rack!, list);
  }
  const racks = [...byRack.keys()].sort();
  const out: PlacementBroker[] = [];
  for (let round = 0; out.length < brokers.length; round++) {
    for (const r of racks) {
      const b = byRack.get(r)![round];
      if (b) out.push(b);
    }
  }
  return out;
}

function rackAware(brokers: readonly PlacementBroker[], req: PlacementRequest, start: number, shift: number): number[][] {
  const arranged = rackAlternated(brokers);
  const n = arranged.length;
  const numRacks = new Set(arranged.map((b) => b.rack)).size;
  const out: number[][] = [];
  let partition = Math.max(0, req.firstPartition ?? 0);
  for (let i = 0; i < req.partitions; i++, partition++) {
    if (partition > 0 && partition % n === 0) shift++;
    const first = (partition + start) % n;
    const leader = arranged[first]!;
    const replicas = [leader.id];
    const racks = new Set([leader.rack]);
    const used = new Set([leader.id]);
    let k = 0;
    for (let j = 0; j < req.replicationFactor - 1; j++) {
      for (;;) {
        const b = arranged[followerIndex(first, shift * numRacks, k++, n)]!;
        // Skip a broker whose rack already holds a replica while some rack holds none, and a
        // broker that holds one while some broker holds none.
        const rackOk = !racks.has(b.rack) || racks.size === numRacks;
        const brokerOk = !used.has(b.id) || used.size === n;
        if (rackOk && brokerOk) {
          replicas.push(b.id);
          racks.add(b.rack);
          used.add(b.id);
          break;
        }
      }
    }
    out.push(replicas);
  }
  return out;
}
