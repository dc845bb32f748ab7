/**
 * The controller's leader choices (Kafka's PartitionLeaderElectionAlgorithms), pure so that each
 * rule is read and tested on its own. "Eligible" is a broker that is registered and not shutting
 * down: Kafka's liveBrokerIds, which leave controlled-shutdown brokers out of every election.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { sameIds } from '../metadata-image.js';

export interface LeaderIsr {
  leader: number;
  leaderEpoch: number;
  isr: number[];
}

export type Eligible = (brokerId: number) => boolean;

/**
 * A partition after brokers came or went: a new partition gets its first eligible replica as
 * leader with every eligible replica in sync; a partition whose leader is gone gets the first
 * eligible in-sync replica (none: no leader, the last ISR kept, as without unclean election);
 * gone followers leave the ISR. Null when nothing changes.
 */
export function offlineElection(cur: LeaderIsr | null, replicas: readonly number[], eligible: Eligible): LeaderIsr | null {
  if (!cur) {
    const isr = replicas.filter(eligible);
    return { leader: isr[0] ?? -1, leaderEpoch: 0, isr };
  }
  const liveIsr = cur.isr.filter(eligible);
  if (cur.leader < 0 || !eligible(cur.leader)) {
    const leader = replicas.find((r) => eligible(r) && cur.isr.includes(r)) ?? -1;
    const isr = leader >= 0 ? liveIsr : cur.isr;
    if (leader === cur.leader && sameIds(isr, cur.isr)) return null;
    return { leader, leaderEpoch: cur.leaderEpoch + 1, isr };
  }
  if (liveIsr.length === cur.isr.length) return null;
  return { leader: cur.leader, leaderEpoch: cur.leaderEpoch + 1, isr: liveIsr };
}

/**
 * ControlledShutdown of `broker` (Kafka's ControlledShutdownPartitionLeaderElectionStrategy plus
 * the OfflineReplica transition): the broker leaves the ISR, and where it leads, the first
 * eligible in-sync replica takes over. A single-replica partition stays as it is; one with no
 * other in-sync replica keeps its leader (the caller reports it as remaining).
 */
export function controlledShutdownElection(cur: LeaderIsr, replicas: readonly number[], broker: number, eligible: Eligible): LeaderIsr | null {
  if (replicas.length <= 1 || !replicas.includes(broker)) return null;
  const isr = cur.isr.filter((r) => r !== broker);
  if (cur.leader === broker) {
    const leader = replicas.find((r) => r !== broker && eligible(r) && isr.includes(r));
    if (leader === undefined) return null;
    return { leader, leaderEpoch: cur.leaderEpoch + 1, isr };
  }
  if (isr.length === cur.isr.length || isr.length === 0) return null;
  return { leader: cur.leader, leaderEpoch: cur.leaderEpoch + 1, isr };
}

export type ElectionOutcome = { ok: true; next: LeaderIsr } | { ok: false; errorCode: number; message: string };

/** ElectLeaders PREFERRED: the first replica, when it is eligible and in sync. */
export function preferredElection(cur: LeaderIsr, replicas: readonly number[], eligible: Eligible): ElectionOutcome {
  const preferred = replicas[0];
  if (preferred === undefined) return { ok: false, errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, message: 'the partition has no replicas' };
  if (cur.leader === preferred) return { ok: false, errorCode: ErrorCode.ELECTION_NOT_NEEDED, message: `broker ${preferred} already leads` };
  if (!eligible(preferred) || !cur.isr.includes(preferred)) {
    return { ok: false, errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, message: `preferred replica ${preferred} is ${eligible(preferred) ? 'not in the ISR' : 'not live'}` };
  }
  return { ok: true, next: { leader: preferred, leaderEpoch: cur.leaderEpoch + 1, isr: cur.isr } };
}

/**
 * ElectLeaders UNCLEAN: only for a partition without a live leader; an eligible in-sync replica
 * if there is one, else any eligible replica, which becomes the whole ISR (what it lacks is lost).
 */
export function uncleanElection(cur: LeaderIsr, replicas: readonly number[], eligible: Eligible): ElectionOutcome {
  if (cur.leader >= 0 && eligible(cur.leader)) return { ok: false, errorCode: ErrorCode.ELECTION_NOT_NEEDED, message: `broker ${cur.leader} leads` };
  const clean = replicas.find((r) => eligible(r) && cur.isr.includes(r));
  if (clean !== undefined) return { ok: true, next: { leader: clean, leaderEpoch: cur.leaderEpoch + 1, isr: cur.isr.filter(eligible) } };
  const any = replicas.find(eligible);
  if (any === undefined) return { ok: false, errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, message: 'no replica is live' };
  return { ok: true, next: { leader: any, leaderEpoch: cur.leaderEpoch + 1, isr: [any] } };
}

export interface PartitionLeadership {
  replicas: readonly number[];
  leader: number;
}

/**
 * Kafka's checkAndTriggerAutoLeaderRebalance: per preferred broker, the share of its preferred
 * partitions it does not lead; above `maxImbalancePercent`, those partitions are returned for a
 * preferred election (the caller skips the ones whose preferred replica cannot take over).
 */
export function imbalancedPartitions<K>(partitions: ReadonlyMap<K, PartitionLeadership>, eligible: Eligible, maxImbalancePercent: number): K[] {
  const byPreferred = new Map<number, { total: number; notLed: K[] }>();
  for (const [key, p] of partitions) {
    const preferred = p.replicas[0];
    if (preferred === undefined) continue;
    let e = byPreferred.get(preferred);
    if (!e) byPreferred.set(preferred, (e = { total: 0, notLed: [] }));
    e.total++;
    if (p.leader !== preferred) e.notLed.push(key);
  }
  const out: K[] = [];
  for (const [broker, e] of byPreferred) {
    if (!eligible(broker) || e.notLed.length === 0) continue;
    if (e.notLed.length / e.total > maxImbalancePercent / 100) out.push(...e.notLed);
  }
  return out;
}
