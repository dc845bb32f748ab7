// The delayed-operation registry on simulated time: operations complete when a watched key is
// checked and they can, expire at their deadline (at most one tick late, never early), and are
// dropped without an answer when their connection closes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DelayedOperations, TICK_MS } from '../../src/broker/delayed-operations.js';
import { ManualClock } from '../../src/util/clock.js';

class FakeConnection {
  isClosed = false;
  private listeners: Array<() => void> = [];
  whenClosed(l: () => void) {
    this.listeners.push(l);
  }
  close() {
    this.isClosed = true;
    for (const l of this.listeners) l();
  }
}

function op(ready: () => boolean) {
  const events: string[] = [];
  return {
    events,
    tryComplete: () => {
      if (!ready()) return false;
      events.push('complete');
      return true;
    },
    onExpire: () => events.push('expire'),
  };
}

test('completes at once when it can, else when a watched key is checked and it can', () => {
  const clock = new ManualClock(1000);
  const d = new DelayedOperations(clock);
  let hw = 0;
  const now = op(() => true);
  assert.equal(d.tryCompleteElseWatch(now, ['a'], 500), true);
  assert.deepEqual(now.events, ['complete']);
  const later = op(() => hw >= 5);
  assert.equal(d.tryCompleteElseWatch(later, ['a', 'b'], 500), false);
  assert.equal(d.size, 1);
  hw = 3;
  d.checkAndComplete('b');
  assert.deepEqual(later.events, []);
  hw = 5;
  d.checkAndComplete('c');
  assert.deepEqual(later.events, [], 'an unwatched key does not wake it');
  d.checkAndComplete('a');
  assert.deepEqual(later.events, ['complete']);
  assert.equal(d.size, 0);
  clock.advance(1000);
  assert.deepEqual(later.events, ['complete'], 'a completed operation never expires');
  assert.equal(clock.pendingCount, 0, 'its timer is gone');
});

test('expires at its deadline on a coarse tick: never early, at most one tick late', () => {
  const clock = new ManualClock(1003);
  const d = new DelayedOperations(clock);
  const o = op(() => false);
  d.tryCompleteElseWatch(o, ['k'], 500);
  clock.advance(499);
  assert.deepEqual(o.events, []);
  clock.advance(TICK_MS);
  assert.deepEqual(o.events, ['expire']);
  // Many operations with nearby deadlines share timers.
  for (let i = 0; i < 100; i++) d.tryCompleteElseWatch(op(() => false), ['k'], 300 + (i % 5));
  assert.ok(clock.pendingCount <= 2, `${clock.pendingCount} timers for 100 operations`);
  clock.advance(400);
  assert.equal(d.size, 0);
});

test('an operation of a closed connection is dropped without completing or expiring', () => {
  const clock = new ManualClock(0);
  const d = new DelayedOperations(clock);
  const conn = new FakeConnection();
  const o = op(() => true);
  let ready = false;
  const waiting = op(() => ready);
  d.tryCompleteElseWatch(waiting, ['k'], 1000, conn);
  conn.close();
  ready = true;
  d.checkAndComplete('k');
  clock.advance(2000);
  assert.deepEqual(waiting.events, []);
  assert.equal(d.size, 0);
  assert.equal(d.tryCompleteElseWatch(op(() => false), ['k'], 1000, conn), false);
  assert.equal(d.size, 0, 'nothing is kept for a connection already closed');
  assert.deepEqual(o.events, []);
});

test('a short wait (a consumer polling with max.wait.ms 5) expires to the millisecond, not on a coarse tick', () => {
  const clock = new ManualClock(1_000_003);
  const d = new DelayedOperations(clock);
  const o = op(() => false);
  d.tryCompleteElseWatch(o, ['k'], 5);
  clock.advance(4);
  assert.deepEqual(o.events, []);
  clock.advance(1);
  assert.deepEqual(o.events, ['expire'], 'at +5 ms, where 10 ms ticks answered at +7');
});
