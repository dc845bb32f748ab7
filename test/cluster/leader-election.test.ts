// The controller's leader choices, one rule at a time: offline (brokers gone), controlled
// shutdown, preferred, unclean, and the imbalance check behind auto.leader.rebalance.enable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.js';
import { controlledShutdownElection, imbalancedPartitions, offlineElection, preferredElection, uncleanElection } from '../../src/cluster/zk-mode/leader-election.js';

const only = (...ids: number[]) => (id: number) => ids.includes(id);

test('offline: a new partition, a dead leader, a dead follower, no eligible in-sync replica', () => {
  assert.deepEqual(offlineElection(null, [2, 1, 3], only(1, 3)), { leader: 1, leaderEpoch: 0, isr: [1, 3] });
  assert.deepEqual(offlineElection({ leader: 2, leaderEpoch: 4, isr: [2, 3, 1] }, [2, 3, 1], only(1, 3)), { leader: 3, leaderEpoch: 5, isr: [3, 1] });
  assert.deepEqual(offlineElection({ leader: 2, leaderEpoch: 4, isr: [2, 3] }, [2, 3, 1], only(2)), { leader: 2, leaderEpoch: 5, isr: [2] });
  assert.equal(offlineElection({ leader: 2, leaderEpoch: 4, isr: [2, 3] }, [2, 3, 1], only(1, 2, 3)), null);
  // The out-of-sync replica 1 is live but may not lead: no leader, the last ISR kept.
  assert.deepEqual(offlineElection({ leader: 2, leaderEpoch: 4, isr: [2] }, [2, 3, 1], only(1)), { leader: -1, leaderEpoch: 5, isr: [2] });
  // Leaderless and still nobody: nothing to write.
  assert.equal(offlineElection({ leader: -1, leaderEpoch: 5, isr: [2] }, [2, 3, 1], only(1)), null);
});

test('controlled shutdown: the broker leaves the ISR; its leadership goes to an eligible in-sync replica', () => {
  const eligible = only(2, 3);
  assert.deepEqual(controlledShutdownElection({ leader: 1, leaderEpoch: 7, isr: [1, 2, 3] }, [1, 2, 3], 1, eligible), { leader: 2, leaderEpoch: 8, isr: [2, 3] });
  assert.deepEqual(controlledShutdownElection({ leader: 3, leaderEpoch: 7, isr: [3, 1, 2] }, [3, 1, 2], 1, eligible), { leader: 3, leaderEpoch: 8, isr: [3, 2] });
  // 2 is out of sync: 1 keeps leading (reported as remaining by the controller).
  assert.equal(controlledShutdownElection({ leader: 1, leaderEpoch: 7, isr: [1] }, [1, 2], 1, eligible), null);
  // A single replica stays; a partition without the broker is untouched; an ISR of the broker alone is not emptied.
  assert.equal(controlledShutdownElection({ leader: 1, leaderEpoch: 0, isr: [1] }, [1], 1, eligible), null);
  assert.equal(controlledShutdownElection({ leader: 2, leaderEpoch: 0, isr: [2, 3] }, [2, 3], 1, eligible), null);
  // A follower out of the ISR already: nothing to change.
  assert.equal(controlledShutdownElection({ leader: 2, leaderEpoch: 3, isr: [2, 3] }, [2, 3, 1], 1, eligible), null);
});

test('preferred: the first replica when eligible and in sync; otherwise the reason', () => {
  assert.deepEqual(preferredElection({ leader: 2, leaderEpoch: 3, isr: [2, 1] }, [1, 2, 3], only(1, 2, 3)), { ok: true, next: { leader: 1, leaderEpoch: 4, isr: [2, 1] } });
  const already = preferredElection({ leader: 1, leaderEpoch: 3, isr: [1, 2] }, [1, 2, 3], only(1, 2, 3));
  assert.equal(!already.ok && already.errorCode, ErrorCode.ELECTION_NOT_NEEDED);
  const notInSync = preferredElection({ leader: 2, leaderEpoch: 3, isr: [2, 3] }, [1, 2, 3], only(1, 2, 3));
  assert.equal(!notInSync.ok && notInSync.errorCode, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
  const down = preferredElection({ leader: 2, leaderEpoch: 3, isr: [2, 1] }, [1, 2, 3], only(2, 3));
  assert.equal(!down.ok && down.errorCode, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
});

test('unclean: only without a live leader; an in-sync replica first, else any live one alone in the ISR', () => {
  const led = uncleanElection({ leader: 2, leaderEpoch: 3, isr: [2] }, [1, 2], only(1, 2));
  assert.equal(!led.ok && led.errorCode, ErrorCode.ELECTION_NOT_NEEDED);
  assert.deepEqual(uncleanElection({ leader: -1, leaderEpoch: 3, isr: [2] }, [1, 2, 3], only(1, 3)), { ok: true, next: { leader: 1, leaderEpoch: 4, isr: [1] } });
  assert.deepEqual(uncleanElection({ leader: -1, leaderEpoch: 3, isr: [3, 2] }, [1, 2, 3], only(1, 3)), { ok: true, next: { leader: 3, leaderEpoch: 4, isr: [3] } });
  const none = uncleanElection({ leader: -1, leaderEpoch: 3, isr: [2] }, [1, 2], only(3));
  assert.equal(!none.ok && none.errorCode, ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE);
});

test('imbalance: a broker not leading more than the allowed share of its preferred partitions gets them back', () => {
  // Broker 1 prefers 4 partitions and leads 3 of them (25% not led); broker 2 leads all of its 4.
  const parts = new Map([
    ['a', { replicas: [1, 2], leader: 1 }],
    ['b', { replicas: [1, 2], leader: 1 }],
    ['c', { replicas: [1, 2], leader: 1 }],
    ['d', { replicas: [1, 2], leader: 2 }],
    ['e', { replicas: [2, 1], leader: 2 }],
    ['f', { replicas: [2, 1], leader: 2 }],
    ['g', { replicas: [2, 1], leader: 2 }],
    ['h', { replicas: [2, 1], leader: 2 }],
  ]);
  assert.deepEqual(imbalancedPartitions(parts, only(1, 2), 10), ['d']);
  assert.deepEqual(imbalancedPartitions(parts, only(1, 2), 25), [], 'at the threshold, not above it');
  assert.deepEqual(imbalancedPartitions(parts, only(2), 10), [], 'a broker that is down gets nothing back');
});
