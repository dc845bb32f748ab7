import { ErrorCode } from '../protocol/errors.js';
import type { Partition } from './partition.js';

/** KIP-320: a client that names the leader epoch it knows is told when it is behind or ahead. */
export function leaderEpochError(p: Partition, currentLeaderEpoch: number): number {
  if (currentLeaderEpoch < 0 || currentLeaderEpoch === p.leaderEpoch) return ErrorCode.NONE;
  return currentLeaderEpoch < p.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
}
