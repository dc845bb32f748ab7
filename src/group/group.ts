import type { Timer } from '../util/clock.js';

/** The classic group states, named as Kafka names them in DescribeGroups and ListGroups. */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolName: string | null;
  protocolType: string | null;
  leader: string;
  memberId: string;
  skipAssignment: boolean;
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  /** Supported protocols in the member's order of preference. */
  protocols: Array<{ name: string; metadata: Buffer }>;
  assignment: Buffer;
  /** Session deadline; refreshed by heartbeats, joins, syncs and commits. */
  deadline: number;
  /** The member's parked JoinGroup while a rebalance gathers members. */
  awaitingJoin: ((r: JoinResult) => void) | null;
  awaitingSync: ((r: SyncResult) => void) | null;
  /** Joined in the current rebalance as a new member (Kafka's isNew: expires faster if it never syncs). */
  isNew: boolean;
}

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
}

/** Applies (commit) or drops (abort) one producer's pending transactional offsets of `g`. */
export function completeTxnOffsets(g: Group, producerId: number, commit: boolean): void {
  const pending = g.pendingTxnOffsets.get(producerId);
  if (!pending) return;
  g.pendingTxnOffsets.delete(producerId);
  if (commit) for (const [k, o] of pending) g.offsets.set(k, o);
}

export class Group {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** Members told MEMBER_ID_REQUIRED who have not yet joined with their id: id → deadline. */
  readonly pendingMembers = new Map<string, number>();
  readonly staticMembers = new Map<string, string>();
  /**
   * Offsets committed inside transactions (TxnOffsetCommit), by producer id, until the
   * transaction's marker reaches this group's __consumer_offsets partition: a commit marker makes
   * them the group's offsets, an abort marker drops them (Kafka's pendingTransactionalOffsetCommits).
   */
  readonly pendingTxnOffsets = new Map<number, Map<string, CommittedOffset>>();
  readonly offsets = new Map<string, CommittedOffset>();
  /** When the group entered its current state (Empty: offsets expire from here). */
  stateSince: number;
  /** The timer that ends the join phase of a rebalance. */
  joinTimer: Timer | null = null;
  /** The timer for the group's earliest session, pending-member or sync deadline, and when it fires. */
  expiryTimer: Timer | null = null;
  expiryAt = 0;
  /** The join phase may not end before this (group.initial.rebalance.delay.ms for a new group). */
  joinNotBefore = 0;
  joinDeadline = 0;
  /** Members that sent SyncGroup in the current CompletingRebalance phase, and when that phase times out. */
  readonly synced = new Set<string>();
  syncDeadline = 0;

  constructor(readonly groupId: string, now: number) {
    this.stateSince = now;
  }

  transition(to: GroupState, now: number): void {
    this.state = to;
    this.stateSince = now;
  }

  /** The earliest instant at which a session, a pending member id or the sync phase runs out. */
  nextExpiry(): number {
    let at = Infinity;
    // Members parked in a join or waiting for their assignment are kept alive.
    for (const m of this.members.values()) if (!m.awaitingJoin && !m.awaitingSync && m.deadline < at) at = m.deadline;
    for (const d of this.pendingMembers.values()) if (d < at) at = d;
    if (this.state === 'CompletingRebalance' && this.syncDeadline < at) at = this.syncDeadline;
    return at;
  }

  cancelTimers(): void {
    this.joinTimer?.cancel();
    this.joinTimer = null;
    this.expiryTimer?.cancel();
    this.expiryTimer = null;
  }

  is(...states: GroupState[]): boolean {
    return states.includes(this.state);
  }

  /** The protocol every member supports, chosen by votes from each member's preference order. */
  selectProtocol(): string | null {
    const members = [...this.members.values()];
    if (members.length === 0) return null;
    const candidates = members[0]!.protocols.map((p) => p.name).filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)));
    if (candidates.length === 0) return null;
    const votes = new Map<string, number>();
    for (const m of members) {
      const pick = m.protocols.find((p) => candidates.includes(p.name))!.name;
      votes.set(pick, (votes.get(pick) ?? 0) + 1);
    }
    let best = candidates[0]!;
    for (const c of candidates) if ((votes.get(c) ?? 0) > (votes.get(best) ?? 0)) best = c;
    return best;
  }

  /** Whether a joining member's protocols could be served together with the current members'. */
  supportsProtocols(protocolType: string, names: string[]): boolean {
    if (this.members.size === 0) return names.length > 0 && protocolType !== '';
    if (this.protocolType !== null && this.protocolType !== protocolType) return false;
    return names.some((n) => [...this.members.values()].every((m) => m.protocols.some((p) => p.name === n)));
  }

  metadataFor(m: Member): Buffer {
    return m.protocols.find((p) => p.name === this.protocolName)?.metadata ?? Buffer.alloc(0);
  }

  offsetKey(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }
}

export function splitOffsetKey(key: string): { topic: string; partition: number } {
  const i = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}
