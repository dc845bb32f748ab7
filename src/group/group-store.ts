/**
 * Groups as records of __consumer_offsets (Kafka's GroupMetadataManager): committed offsets and
 * group metadata written in Kafka's formats, and the groups rebuilt from them on load. The
 * coordinator decides; this writes down what it decided and reads it back.
 */
import type { Clock } from '../util/clock.js';
import type { CoordinatorLog, TxnWrite } from './coordinator-log.js';
import { ControlType } from '../record/records.js';
import { completeTxnOffsets, splitOffsetKey, type Group } from './group.js';
import { decodeCoordinatorRecord, groupMetadataKey, groupMetadataValue, offsetCommitKey, offsetCommitValue, partitionForGroup } from './records.js';

export class GroupStore {
  constructor(
    private readonly log: CoordinatorLog,
    private readonly clock: Clock,
  ) {}

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.log.partitionCount);
  }

  /**
   * Replays every partition into `groups` (creating groups with `create`); groups left with
   * nothing (no members, offsets or protocol) are dropped.
   */
  load(groups: Map<string, Group>, create: (groupId: string) => Group, only?: readonly number[]): void {
    const partitions = only ?? Array.from({ length: this.log.partitionCount }, (_, i) => i);
    for (const p of partitions) {
      // Groups with transactional offsets pending in this partition, by producer id.
      const pendingIn = new Map<number, Set<Group>>();
      for (const rec of this.log.readAll(p)) {
        if (!rec.key) continue;
        const producerId = rec.producerId ?? -1;
        if (rec.isControl) {
          if (producerId < 0 || rec.key.length < 4) continue;
          const type = rec.key.readInt16BE(2);
          if (type !== ControlType.COMMIT && type !== ControlType.ABORT) continue;
          for (const g of pendingIn.get(producerId) ?? []) completeTxnOffsets(g, producerId, type === ControlType.COMMIT);
          pendingIn.delete(producerId);
          continue;
        }
        let r;
        try {
          r = decodeCoordinatorRecord(rec.key, rec.value);
        } catch {
          continue;
        }
        if (r.kind === 'offset') {
          const g = create(r.group);
          const k = g.offsetKey(r.topic, r.partition);
          if (rec.isTransactional && producerId >= 0) {
            if (r.value === null) continue;
            let pending = g.pendingTxnOffsets.get(producerId);
            if (!pending) g.pendingTxnOffsets.set(producerId, (pending = new Map()));
            pending.set(k, { offset: r.value.offset, leaderEpoch: r.value.leaderEpoch, metadata: r.value.metadata, commitTimestamp: r.value.commitTimestamp });
            let set = pendingIn.get(producerId);
            if (!set) pendingIn.set(producerId, (set = new Set()));
            set.add(g);
            continue;
          }
          if (r.value === null) g.offsets.delete(k);
          else g.offsets.set(k, { offset: r.value.offset, leaderEpoch: r.value.leaderEpoch, metadata: r.value.metadata, commitTimestamp: r.value.commitTimestamp });
        } else if (r.kind === 'group') {
          if (r.value === null) {
            const g = groups.get(r.group);
            if (g) {
              g.members.clear();
              g.staticMembers.clear();
              g.generationId = 0;
              g.protocolType = null;
            }
            continue;
          }
          const g = create(r.group);
          const v = r.value;
          g.generationId = v.generation;
          g.protocolType = v.protocolType === '' ? null : v.protocolType;
          g.protocolName = v.protocol;
          g.leaderId = v.leader;
          g.members.clear();
          g.staticMembers.clear();
          const now = this.clock.now();
          for (const m of v.members) {
            g.members.set(m.memberId, {
              memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
              sessionTimeoutMs: m.sessionTimeout, rebalanceTimeoutMs: m.rebalanceTimeout < 0 ? m.sessionTimeout : m.rebalanceTimeout,
              protocolType: v.protocolType, protocols: v.protocol ? [{ name: v.protocol, metadata: Buffer.from(m.subscription) }] : [],
              assignment: Buffer.from(m.assignment), deadline: now + m.sessionTimeout, awaitingJoin: null, awaitingSync: null, isNew: false,
            });
            if (m.groupInstanceId) g.staticMembers.set(m.groupInstanceId, m.memberId);
          }
          g.transition(g.members.size > 0 ? 'Stable' : 'Empty', now);
          if (v.currentStateTimestamp > 0) g.stateSince = v.currentStateTimestamp;
        }
      }
    }
    for (const [id, g] of groups) if (g.members.size === 0 && g.offsets.size === 0 && g.pendingTxnOffsets.size === 0 && g.protocolType === null) groups.delete(id);
  }

  /** Writes the commits, then records them in the group: a commit that cannot be written changes nothing. */
  /** `commitTimestamp` (OffsetCommit v1) stands for the commit time when the client gave one. */
  storeOffsets(g: Group, offsets: ReadonlyArray<{ topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string; commitTimestamp?: number }>): void {
    const now = this.clock.now();
    const at = (o: { commitTimestamp?: number }) => (o.commitTimestamp !== undefined && o.commitTimestamp >= 0 ? o.commitTimestamp : now);
    const records = offsets.map((o) => ({
      key: offsetCommitKey(g.groupId, o.topic, o.partition),
      value: offsetCommitValue({ offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: at(o) }),
    }));
    if (records.length > 0) this.log.append(this.partitionFor(g.groupId), records);
    for (const o of offsets) g.offsets.set(g.offsetKey(o.topic, o.partition), { offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: at(o) });
  }

  /**
   * TxnOffsetCommit: the offsets are written as part of the producer's transaction and stay
   * pending in the group until its marker arrives.
   */
  storeTxnOffsets(g: Group, txn: TxnWrite, offsets: ReadonlyArray<{ topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string }>): void {
    const now = this.clock.now();
    const records = offsets.map((o) => ({
      key: offsetCommitKey(g.groupId, o.topic, o.partition),
      value: offsetCommitValue({ offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: now }),
    }));
    if (records.length > 0) this.log.append(this.partitionFor(g.groupId), records, txn);
    let pending = g.pendingTxnOffsets.get(txn.producerId);
    if (!pending) g.pendingTxnOffsets.set(txn.producerId, (pending = new Map()));
    for (const o of offsets) pending.set(g.offsetKey(o.topic, o.partition), { offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: now });
  }

  /** Tombstones the given offsets (keys as Group.offsetKey) that the group has. */
  deleteOffsets(g: Group, keys: readonly string[]): void {
    const present = keys.filter((k) => g.offsets.has(k));
    if (present.length === 0) return;
    this.log.append(this.partitionFor(g.groupId), present.map((k) => {
      const { topic, partition } = splitOffsetKey(k);
      return { key: offsetCommitKey(g.groupId, topic, partition), value: null };
    }));
    for (const k of present) g.offsets.delete(k);
  }

  /** The group's membership, generation and assignments as a GroupMetadata record. */
  storeGroup(g: Group): void {
    const value = groupMetadataValue({
      protocolType: g.protocolType ?? '',
      generation: g.generationId,
      protocol: g.protocolName,
      leader: g.leaderId,
      currentStateTimestamp: this.clock.now(),
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: g.metadataFor(m),
        assignment: m.assignment,
      })),
    });
    this.log.append(this.partitionFor(g.groupId), [{ key: groupMetadataKey(g.groupId), value }]);
  }

  tombstoneGroup(groupId: string): void {
    this.log.append(this.partitionFor(groupId), [{ key: groupMetadataKey(groupId), value: null }]);
  }
}
