import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/errors.js';
import { systemClock, type Clock, type Timer } from '../util/clock.js';
import { log as rootLog } from '../util/log.js';
import type { CoordinatorLog, CoordinatorSettings } from './coordinator-log.js';
import { Group, completeTxnOffsets, type JoinResult, type Member, type SyncResult } from './group.js';
import { GroupStore } from './group-store.js';

export interface JoinRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Array<{ name: string; metadata: Buffer }>;
  clientId: string;
  clientHost: string;
  /** JoinGroup v4+: an unknown member first gets MEMBER_ID_REQUIRED and a member id. */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+ (KIP-814): a rejoining static leader may skip computing assignments. */
  supportsSkipAssignment: boolean;
}

function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, generationId: -1, protocolName: null, protocolType: null, leader: '', memberId, skipAssignment: false, members: [] };
}

function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
}

/**
 * The classic consumer group coordinator (Kafka's GroupCoordinator): membership, rebalances,
 * session expiry and committed offsets, persisted in __consumer_offsets with Kafka's formats.
 * Every method runs on the event loop, so group state needs no locking.
 */
export class GroupCoordinator {
  readonly groups = new Map<string, Group>();
  private offsetsTimer: Timer | null = null;
  private readonly log = rootLog.child({ component: 'group-coordinator' });

  private readonly store: GroupStore;

  constructor(
    log: CoordinatorLog,
    readonly settings: CoordinatorSettings,
    private readonly clock: Clock = systemClock,
  ) {
    this.store = new GroupStore(log, clock);
  }

  partitionFor(groupId: string): number {
    return this.store.partitionFor(groupId);
  }

  /**
   * Which __consumer_offsets partitions this broker leads (cluster mode): a group whose partition
   * is led elsewhere is answered NOT_COORDINATOR. Unset on a single node, which leads them all.
   */
  ownsPartition: ((partition: number) => boolean) | null = null;

  /** False when another broker coordinates the group (clients then look the coordinator up again). */
  isCoordinatorFor(groupId: string): boolean {
    return this.ownsPartition === null || this.ownsPartition(this.partitionFor(groupId));
  }

  /** Rebuilds groups and offsets from every partition of __consumer_offsets. */
  load(): void {
    this.store.load(this.groups, (id) => this.getOrCreate(id));
    this.log.info({ groups: this.groups.size }, 'loaded group metadata');
  }

  /** This broker became the leader of one __consumer_offsets partition: its groups are read back (Kafka's onElection). */
  loadPartition(partition: number): void {
    const before = new Set(this.groups.keys());
    this.store.load(this.groups, (id) => this.getOrCreate(id), [partition]);
    let n = 0;
    for (const g of this.groups.values()) {
      if (before.has(g.groupId) || this.partitionFor(g.groupId) !== partition) continue;
      n++;
      if (this.offsetsTimer) this.armExpiry(g);
    }
    this.log.info({ partition, groups: n }, 'loaded group metadata of a partition');
  }

  /** Another broker leads the partition now: its groups are forgotten here (Kafka's onResignation). */
  unloadPartition(partition: number): void {
    for (const [id, g] of this.groups) {
      if (this.partitionFor(id) !== partition) continue;
      g.cancelTimers();
      this.groups.delete(id);
    }
  }

  /** Arms every loaded group's session timers and the periodic offsets expiry. */
  start(): void {
    for (const g of this.groups.values()) this.armExpiry(g);
    const interval = Math.min(60_000, this.settings.offsetsRetentionMs);
    const tick = (): void => {
      try {
        this.expireOffsets(this.clock.now());
      } catch (err) {
        this.log.error({ err }, 'offsets expiry failed');
      }
      this.offsetsTimer = this.clock.schedule(interval, tick);
    };
    this.offsetsTimer = this.clock.schedule(interval, tick);
  }

  stop(): void {
    this.offsetsTimer?.cancel();
    this.offsetsTimer = null;
    for (const g of this.groups.values()) g.cancelTimers();
  }

  group(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  /**
   * Kafka's validateCurrentMember: a group instance id must be registered to this member id
   * (FENCED_INSTANCE_ID when it belongs to another, UNKNOWN_MEMBER_ID when it is not registered);
   * otherwise the member id must be in the group.
   */
  private validateMember(g: Group, memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const current = g.staticMembers.get(groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (current !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    return g.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  private getOrCreate(groupId: string): Group {
    let g = this.groups.get(groupId);
    if (!g) this.groups.set(groupId, (g = new Group(groupId, this.clock.now())));
    return g;
  }

  // ---- membership -------------------------------------------------------------------------

  join(req: JoinRequest): Promise<JoinResult> | JoinResult {
    if (req.groupId === '') return joinError(req.memberId, ErrorCode.INVALID_GROUP_ID);
    if (!this.isCoordinatorFor(req.groupId)) return joinError(req.memberId, ErrorCode.NOT_COORDINATOR);
    if (req.sessionTimeoutMs < this.settings.minSessionTimeoutMs || req.sessionTimeoutMs > this.settings.maxSessionTimeoutMs) {
      return joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    const existing = this.groups.get(req.groupId);
    if (req.memberId !== '' && !existing) return joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID);
    const g = existing ?? this.getOrCreate(req.groupId);
    if (g.state === 'Dead') return joinError(req.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (!g.supportsProtocols(req.protocolType, req.protocols.map((p) => p.name))) return joinError(req.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const result = req.memberId === '' ? this.joinUnknownMember(g, req) : this.joinKnownMember(g, req);
    this.armExpiry(g);
    return result;
  }

  private newMemberId(clientId: string, instanceId: string | null): string {
    return `${instanceId ?? clientId}-${randomUUID()}`;
  }

  private joinUnknownMember(g: Group, req: JoinRequest): Promise<JoinResult> | JoinResult {
    const memberId = this.newMemberId(req.clientId, req.groupInstanceId);
    if (req.groupInstanceId !== null) {
      const oldId = g.staticMembers.get(req.groupInstanceId);
      if (oldId && g.members.has(oldId)) return this.replaceStaticMember(g, oldId, memberId, req);
    } else if (req.requireKnownMemberId) {
      g.pendingMembers.set(memberId, this.clock.now() + req.sessionTimeoutMs);
      return joinError(memberId, ErrorCode.MEMBER_ID_REQUIRED);
    }
    if (g.members.size >= this.settings.maxGroupSize) return joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED);
    return this.addMemberAndRebalance(g, memberId, req);
  }

  private joinKnownMember(g: Group, req: JoinRequest): Promise<JoinResult> | JoinResult {
    if (g.pendingMembers.has(req.memberId)) {
      g.pendingMembers.delete(req.memberId);
      if (g.members.size >= this.settings.maxGroupSize) return joinError(req.memberId, ErrorCode.GROUP_MAX_SIZE_REACHED);
      return this.addMemberAndRebalance(g, req.memberId, req);
    }
    const invalid = this.validateMember(g, req.memberId, req.groupInstanceId);
    if (invalid !== ErrorCode.NONE) return joinError(req.memberId, invalid);
    const m = g.members.get(req.memberId)!;
    m.deadline = this.clock.now() + m.sessionTimeoutMs;
    const changed = !sameProtocols(m.protocols, req.protocols);
    switch (g.state) {
      case 'PreparingRebalance':
        this.updateMember(m, req);
        return this.parkJoin(g, m);
      case 'CompletingRebalance':
        if (!changed) return this.joinResultFor(g, m);
        this.updateMember(m, req);
        this.prepareRebalance(g, 'member changed its protocols during sync');
        return this.parkJoin(g, m);
      case 'Stable':
        if (!changed && m.memberId !== g.leaderId) return this.joinResultFor(g, m);
        this.updateMember(m, req);
        this.prepareRebalance(g, m.memberId === g.leaderId ? 'leader rejoined' : 'member changed its protocols');
        return this.parkJoin(g, m);
      default:
        return joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  /** A restarted static member takes its old identity's place without a rebalance when nothing changed. */
  private replaceStaticMember(g: Group, oldId: string, newId: string, req: JoinRequest): Promise<JoinResult> | JoinResult {
    const old = g.members.get(oldId)!;
    const changed = !sameProtocols(old.protocols, req.protocols);
    g.members.delete(oldId);
    old.awaitingJoin?.(joinError(oldId, ErrorCode.FENCED_INSTANCE_ID));
    old.awaitingSync?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    const m: Member = { ...old, memberId: newId, awaitingJoin: null, awaitingSync: null, clientId: req.clientId, clientHost: req.clientHost, deadline: this.clock.now() + req.sessionTimeoutMs, sessionTimeoutMs: req.sessionTimeoutMs, rebalanceTimeoutMs: req.rebalanceTimeoutMs };
    g.members.set(newId, m);
    g.staticMembers.set(req.groupInstanceId!, newId);
    const wasLeader = g.leaderId === oldId;
    if (wasLeader) g.leaderId = newId;
    this.log.info({ group: g.groupId, instance: req.groupInstanceId, member: newId }, 'static member rejoined');
    if (g.state === 'Stable' && !changed) {
      this.persistGroup(g);
      const result = this.joinResultFor(g, m);
      // KIP-814: the leader learns the members but need not reassign (v9+); older leaders reassign the same way.
      if (wasLeader) return { ...result, skipAssignment: req.supportsSkipAssignment, members: this.memberList(g) };
      return result;
    }
    this.updateMember(m, req);
    if (g.state !== 'PreparingRebalance') this.prepareRebalance(g, 'static member rejoined with changes');
    return this.parkJoin(g, m);
  }

  private addMemberAndRebalance(g: Group, memberId: string, req: JoinRequest): Promise<JoinResult> {
    const m: Member = {
      memberId, groupInstanceId: req.groupInstanceId, clientId: req.clientId, clientHost: req.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs, rebalanceTimeoutMs: req.rebalanceTimeoutMs, protocolType: req.protocolType,
      protocols: req.protocols, assignment: Buffer.alloc(0), deadline: this.clock.now() + req.sessionTimeoutMs,
      awaitingJoin: null, awaitingSync: null, isNew: true,
    };
    if (g.members.size === 0) g.protocolType = req.protocolType;
    g.members.set(memberId, m);
    if (req.groupInstanceId !== null) g.staticMembers.set(req.groupInstanceId, memberId);
    const p = this.parkJoin(g, m);
    if (g.state !== 'PreparingRebalance') this.prepareRebalance(g, `member ${memberId} joined`);
    else this.maybeCompleteJoin(g);
    return p;
  }

  private updateMember(m: Member, req: JoinRequest): void {
    m.protocols = req.protocols;
    m.sessionTimeoutMs = req.sessionTimeoutMs;
    m.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    m.clientId = req.clientId;
    m.clientHost = req.clientHost;
  }

  private parkJoin(g: Group, m: Member): Promise<JoinResult> {
    return new Promise((resolve) => {
      // A second join from the same member replaces the first, which learns it was superseded.
      m.awaitingJoin?.(joinError(m.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      m.awaitingJoin = resolve;
      queueMicrotask(() => this.maybeCompleteJoin(g));
    });
  }

  private memberList(g: Group): JoinResult['members'] {
    return [...g.members.values()].map((x) => ({ memberId: x.memberId, groupInstanceId: x.groupInstanceId, metadata: g.metadataFor(x) }));
  }

  private joinResultFor(g: Group, m: Member): JoinResult {
    return {
      errorCode: ErrorCode.NONE,
      generationId: g.generationId,
      protocolName: g.protocolName,
      protocolType: g.protocolType,
      leader: g.leaderId ?? '',
      memberId: m.memberId,
      skipAssignment: false,
      members: m.memberId === g.leaderId ? this.memberList(g) : [],
    };
  }

  prepareRebalance(g: Group, reason: string): void {
    // Members waiting for their assignment must rejoin first.
    for (const m of g.members.values()) {
      if (m.awaitingSync) {
        m.awaitingSync(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        m.awaitingSync = null;
      }
    }
    const now = this.clock.now();
    const rebalanceTimeout = Math.max(0, ...[...g.members.values()].map((m) => m.rebalanceTimeoutMs));
    const initial = g.state === 'Empty';
    g.transition('PreparingRebalance', this.clock.now());
    g.joinDeadline = now + rebalanceTimeout;
    g.joinNotBefore = initial ? now + this.settings.initialRebalanceDelayMs : 0;
    this.log.info({ group: g.groupId, generation: g.generationId, reason }, 'preparing rebalance');
    this.scheduleJoinCheck(g);
  }

  private scheduleJoinCheck(g: Group): void {
    g.joinTimer?.cancel();
    const now = this.clock.now();
    const at = g.joinNotBefore > now ? Math.min(g.joinNotBefore, g.joinDeadline) : g.joinDeadline;
    g.joinTimer = this.clock.schedule(at - now, () => {
      g.joinTimer = null;
      this.safely(g, () => this.maybeCompleteJoin(g, this.clock.now() >= g.joinDeadline));
    });
  }

  /** The join phase ends when every member has rejoined (after the initial delay) or at the rebalance timeout. */
  private maybeCompleteJoin(g: Group, timedOut = false): void {
    if (g.state !== 'PreparingRebalance') return;
    const now = this.clock.now();
    const allJoined = [...g.members.values()].every((m) => m.awaitingJoin !== null) && g.pendingMembers.size === 0;
    if (!timedOut && (!allJoined || now < g.joinNotBefore)) {
      if (!g.joinTimer) this.scheduleJoinCheck(g);
      return;
    }
    g.joinTimer?.cancel();
    g.joinTimer = null;
    for (const m of [...g.members.values()]) {
      if (m.awaitingJoin === null) this.removeMember(g, m, 'did not rejoin in time', false);
    }
    g.pendingMembers.clear();
    g.generationId++;
    if (g.members.size === 0) {
      g.protocolName = null;
      g.leaderId = null;
      g.transition('Empty', this.clock.now());
      this.persistGroup(g);
      this.log.info({ group: g.groupId, generation: g.generationId }, 'group is empty');
      this.armExpiry(g);
      return;
    }
    g.protocolName = g.selectProtocol();
    if (!g.leaderId || !g.members.has(g.leaderId)) g.leaderId = g.members.keys().next().value!;
    g.transition('CompletingRebalance', this.clock.now());
    // Members that never send SyncGroup (a leader that died after joining) must not hold the group.
    g.syncDeadline = now + Math.max(0, ...[...g.members.values()].map((m) => m.rebalanceTimeoutMs));
    g.synced.clear();
    this.log.info({ group: g.groupId, generation: g.generationId, members: g.members.size, protocol: g.protocolName }, 'rebalance: members joined');
    for (const m of g.members.values()) {
      const resolve = m.awaitingJoin!;
      m.awaitingJoin = null;
      m.deadline = now + m.sessionTimeoutMs;
      resolve(this.joinResultFor(g, m));
    }
    this.armExpiry(g);
  }

  sync(req: { groupId: string; memberId: string; generationId: number; groupInstanceId: string | null; protocolType: string | null; protocolName: string | null; assignments: Array<{ memberId: string; assignment: Buffer }> }): Promise<SyncResult> | SyncResult {
    if (req.groupId === '') return syncError(ErrorCode.INVALID_GROUP_ID);
    if (!this.isCoordinatorFor(req.groupId)) return syncError(ErrorCode.NOT_COORDINATOR);
    const g = this.groups.get(req.groupId);
    if (!g) return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    if (g.state === 'Dead') return syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const invalid = this.validateMember(g, req.memberId, req.groupInstanceId);
    if (invalid !== ErrorCode.NONE) return syncError(invalid);
    const m = g.members.get(req.memberId)!;
    if (req.generationId !== g.generationId) return syncError(ErrorCode.ILLEGAL_GENERATION);
    if ((req.protocolType !== null && req.protocolType !== g.protocolType) || (req.protocolName !== null && req.protocolName !== g.protocolName)) {
      return syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    m.deadline = this.clock.now() + m.sessionTimeoutMs;
    switch (g.state) {
      case 'Empty':
        return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
      case 'PreparingRebalance':
        return syncError(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        return { errorCode: ErrorCode.NONE, protocolType: g.protocolType, protocolName: g.protocolName, assignment: m.assignment };
      case 'CompletingRebalance':
        break;
    }
    g.synced.add(m.memberId);
    const p = new Promise<SyncResult>((resolve) => {
      m.awaitingSync?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      m.awaitingSync = resolve;
    });
    if (req.memberId === g.leaderId) {
      const given = new Map(req.assignments.map((a) => [a.memberId, a.assignment]));
      const previous = new Map([...g.members.values()].map((m) => [m.memberId, m.assignment]));
      for (const member of g.members.values()) {
        // Assignments are relayed as opaque bytes, so every client-side assignor works.
        member.assignment = Buffer.from(given.get(member.memberId) ?? Buffer.alloc(0));
      }
      try {
        this.persistGroup(g);
      } catch (err) {
        // Kafka's resetAndPropagateAssignmentError: the assignment could not be stored (too large
        // for __consumer_offsets, say), so every waiting member learns it and the group rebalances.
        this.log.warn({ group: g.groupId, err: (err as Error).message }, 'could not store the group assignment');
        for (const member of g.members.values()) member.assignment = previous.get(member.memberId) ?? Buffer.alloc(0);
        for (const member of g.members.values()) {
          const resolve = member.awaitingSync;
          member.awaitingSync = null;
          resolve?.(syncError(ErrorCode.UNKNOWN_SERVER_ERROR));
        }
        this.prepareRebalance(g, 'the assignment could not be stored');
        this.armExpiry(g);
        return p;
      }
      for (const member of g.members.values()) member.isNew = false;
      g.transition('Stable', this.clock.now());
      for (const member of g.members.values()) {
        if (member.awaitingSync) {
          const resolve = member.awaitingSync;
          member.awaitingSync = null;
          resolve({ errorCode: ErrorCode.NONE, protocolType: g.protocolType, protocolName: g.protocolName, assignment: member.assignment });
        }
      }
    }
    this.armExpiry(g);
    return p;
  }

  heartbeat(req: { groupId: string; memberId: string; generationId: number; groupInstanceId: string | null }): number {
    if (req.groupId === '') return ErrorCode.INVALID_GROUP_ID;
    if (!this.isCoordinatorFor(req.groupId)) return ErrorCode.NOT_COORDINATOR;
    const g = this.groups.get(req.groupId);
    if (!g) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (g.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const invalid = this.validateMember(g, req.memberId, req.groupInstanceId);
    if (invalid !== ErrorCode.NONE) return invalid;
    const m = g.members.get(req.memberId)!;
    if (req.generationId !== g.generationId) return ErrorCode.ILLEGAL_GENERATION;
    m.deadline = this.clock.now() + m.sessionTimeoutMs;
    this.armExpiry(g);
    if (g.state === 'PreparingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  /** LeaveGroup for one member (by member id, or by instance id for static members). */
  leave(groupId: string, memberId: string, groupInstanceId: string | null): number {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    if (!this.isCoordinatorFor(groupId)) return ErrorCode.NOT_COORDINATOR;
    const g = this.groups.get(groupId);
    if (!g) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (g.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (g.pendingMembers.delete(memberId)) return ErrorCode.NONE;
    let m: Member | undefined;
    if (groupInstanceId !== null) {
      const id = g.staticMembers.get(groupInstanceId);
      if (!id) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (memberId !== '' && memberId !== id) return ErrorCode.FENCED_INSTANCE_ID;
      m = g.members.get(id);
    } else {
      m = g.members.get(memberId);
    }
    if (!m) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.removeMember(g, m, 'left the group', true);
    this.armExpiry(g);
    return ErrorCode.NONE;
  }

  private removeMember(g: Group, m: Member, reason: string, rebalance: boolean): void {
    g.members.delete(m.memberId);
    if (m.groupInstanceId !== null && g.staticMembers.get(m.groupInstanceId) === m.memberId) g.staticMembers.delete(m.groupInstanceId);
    m.awaitingJoin?.(joinError(m.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    m.awaitingSync?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    m.awaitingJoin = null;
    m.awaitingSync = null;
    this.log.info({ group: g.groupId, member: m.memberId, reason }, 'member removed');
    if (!rebalance) return;
    if (g.state === 'Stable' || g.state === 'CompletingRebalance') this.prepareRebalance(g, `member ${m.memberId} ${reason}`);
    else if (g.state === 'PreparingRebalance') this.maybeCompleteJoin(g);
  }

  /** The sync phase timed out: members that did not send SyncGroup leave, the rest rejoin. */
  private expirePendingSync(g: Group): void {
    for (const m of [...g.members.values()]) {
      if (!g.synced.has(m.memberId)) this.removeMember(g, m, 'did not sync in time', false);
    }
    if (g.members.size === 0) {
      g.transition('Empty', this.clock.now());
      g.protocolName = null;
      g.leaderId = null;
      this.persistGroup(g);
      return;
    }
    this.prepareRebalance(g, 'members did not sync before the rebalance timeout');
  }

  /**
   * Keeps one timer per group at its earliest deadline, so every member expires at its own
   * session deadline. A timer due no later than the earliest deadline is kept: a heartbeat that
   * only moves a deadline later costs a comparison, and the timer re-arms when it fires.
   */
  private armExpiry(g: Group): void {
    const at = g.nextExpiry();
    if (g.expiryTimer && g.expiryAt <= at) return;
    g.expiryTimer?.cancel();
    g.expiryTimer = null;
    if (at === Infinity || this.groups.get(g.groupId) !== g) return;
    g.expiryAt = at;
    g.expiryTimer = this.clock.schedule(at - this.clock.now(), () => {
      g.expiryTimer = null;
      this.safely(g, () => this.expire(g));
    });
  }

  /**
   * Runs a timer's work: a failure (the group's record cannot be stored while the disk is full,
   * say) is logged and the group's timers re-armed, never thrown into the event loop.
   */
  private safely(g: Group, work: () => void): void {
    try {
      work();
    } catch (err) {
      this.log.error({ group: g.groupId, err }, 'group timer failed');
      this.armExpiry(g);
    }
  }

  /** Removes members whose session ran out and pending member ids never used; ends a timed-out sync phase. */
  private expire(g: Group): void {
    const now = this.clock.now();
    for (const [id, deadline] of g.pendingMembers) if (deadline <= now) g.pendingMembers.delete(id);
    // As in Kafka, sessions run out in every state, during a rebalance too (a member that went
    // silent must not hold the group until the rebalance timeout).
    for (const m of [...g.members.values()]) {
      if (m.awaitingJoin || m.awaitingSync || m.deadline > now) continue;
      this.removeMember(g, m, 'session timed out', true);
    }
    if (g.state === 'PreparingRebalance') this.maybeCompleteJoin(g);
    else if (g.state === 'CompletingRebalance' && now >= g.syncDeadline) this.expirePendingSync(g);
    this.armExpiry(g);
  }

  // ---- offsets ----------------------------------------------------------------------------

  /** Checks that a commit may be made; ErrorCode.NONE when it may. */
  commitAllowed(groupId: string, memberId: string, generationId: number, groupInstanceId: string | null): number {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    if (!this.isCoordinatorFor(groupId)) return ErrorCode.NOT_COORDINATOR;
    const g = this.groups.get(groupId);
    if (!g) return generationId < 0 ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    if (g.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    // Commits without a generation come from tools and standalone consumers: only into groups without members.
    if (generationId < 0 && g.state === 'Empty') return ErrorCode.NONE;
    const invalid = this.validateMember(g, memberId, groupInstanceId);
    if (invalid !== ErrorCode.NONE) return invalid;
    const m = g.members.get(memberId)!;
    if (generationId !== g.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (g.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    m.deadline = this.clock.now() + m.sessionTimeoutMs;
    this.armExpiry(g);
    return ErrorCode.NONE;
  }

  commitOffsets(groupId: string, offsets: Array<{ topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string; commitTimestamp?: number }>): void {
    this.store.storeOffsets(this.getOrCreate(groupId), offsets);
  }

  /**
   * TxnOffsetCommit (KIP-447): a member id and generation, when given, must be the group's
   * current ones; without them (generation -1) any group may be written to, as Kafka allows.
   */
  txnCommitAllowed(groupId: string, memberId: string, generationId: number, groupInstanceId: string | null): number {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    // Not ILLEGAL_GENERATION for a group this broker no longer has: clients look the coordinator
    // up again only on NOT_COORDINATOR, and would otherwise retry here for ever.
    if (!this.isCoordinatorFor(groupId)) return ErrorCode.NOT_COORDINATOR;
    const g = this.groups.get(groupId);
    if (!g) return generationId < 0 ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    if (g.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generationId < 0 && memberId === '') return ErrorCode.NONE;
    if (groupInstanceId !== null && g.staticMembers.get(groupInstanceId) !== undefined && g.staticMembers.get(groupInstanceId) !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    if (!g.members.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== g.generationId) return ErrorCode.ILLEGAL_GENERATION;
    return ErrorCode.NONE;
  }

  /** Writes offsets into the producer's transaction; they count once its commit marker arrives. */
  commitTxnOffsets(groupId: string, txn: { producerId: number; producerEpoch: number }, offsets: Array<{ topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string }>): void {
    this.store.storeTxnOffsets(this.getOrCreate(groupId), txn, offsets);
  }

  /**
   * A marker of `producerId` was written to __consumer_offsets partition `partition` (Kafka's
   * onTransactionCompleted): the transaction's offsets of the groups stored there become
   * committed offsets, or are dropped.
   */
  onTxnCompleted(producerId: number, partition: number, commit: boolean): void {
    for (const g of this.groups.values()) {
      if (g.pendingTxnOffsets.has(producerId) && this.partitionFor(g.groupId) === partition) completeTxnOffsets(g, producerId, commit);
    }
  }

  /** Whether an offset of the group waits for a transaction's end (OffsetFetch answers UNSTABLE_OFFSET_COMMIT for it when asked for stable offsets). */
  hasPendingTxnOffset(g: Group, key: string): boolean {
    for (const pending of g.pendingTxnOffsets.values()) if (pending.has(key)) return true;
    return false;
  }

  deleteOffsets(g: Group, keys: string[]): void {
    this.store.deleteOffsets(g, keys);
  }

  /** DeleteGroups: only a group without members; writes tombstones for its offsets and metadata. */
  deleteGroup(groupId: string): number {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    if (!this.isCoordinatorFor(groupId)) return ErrorCode.NOT_COORDINATOR;
    const g = this.groups.get(groupId);
    if (!g || g.state === 'Dead') return ErrorCode.GROUP_ID_NOT_FOUND;
    if (g.state !== 'Empty') return ErrorCode.NON_EMPTY_GROUP;
    this.store.deleteOffsets(g, [...g.offsets.keys()]);
    this.store.tombstoneGroup(groupId);
    g.transition('Dead', this.clock.now());
    g.cancelTimers();
    this.groups.delete(groupId);
    return ErrorCode.NONE;
  }

  /** offsets.retention.minutes: offsets of a group that has been empty that long expire, then the group. */
  private expireOffsets(now: number): void {
    const retention = this.settings.offsetsRetentionMs;
    for (const g of [...this.groups.values()]) {
      if (g.state !== 'Empty') continue;
      const expired = [...g.offsets.entries()]
        .filter(([, o]) => (g.protocolType === null ? o.commitTimestamp : Math.max(g.stateSince, o.commitTimestamp)) + retention <= now)
        .map(([k]) => k);
      if (expired.length > 0) {
        this.store.deleteOffsets(g, expired);
        this.log.info({ group: g.groupId, expired: expired.length }, 'expired committed offsets');
      }
      if (g.offsets.size === 0 && g.members.size === 0 && g.pendingTxnOffsets.size === 0) {
        this.store.tombstoneGroup(g.groupId);
        g.transition('Dead', this.clock.now());
        g.cancelTimers();
        this.groups.delete(g.groupId);
      }
    }
  }

  private persistGroup(g: Group): void {
    this.store.storeGroup(g);
  }
}

function sameProtocols(a: Array<{ name: string; metadata: Buffer }>, b: Array<{ name: string; metadata: Buffer }>): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));
}
