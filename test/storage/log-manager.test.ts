import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LogManager } from '../../src/storage/index.js';
import { makeBatch, splitBatches, tempDir } from './helpers.js';

test('log manager: create, checkpoints, clean-shutdown marker, delete, log start offset survives', () => {
  const { dir, cleanup } = tempDir();
  try {
    let m = LogManager.open({ dir, configFor: () => ({ 'file.delete.delay.ms': 0 }) });
    assert.equal(m.hadCleanShutdown, false);
    const a = m.getOrCreateLog('orders-events', 0, { 'segment.bytes': 200, 'file.delete.delay.ms': 0 });
    const b = m.getOrCreateLog('orders-events', 1);
    for (let i = 0; i < 10; i++) a.append(makeBatch([{ value: `a${i}` }, { value: `b${i}` }]));
    b.append(makeBatch([{ value: 'x' }]));
    assert.ok(fs.existsSync(path.join(dir, 'orders-events-0', '00000000000000000000.log')));
    a.deleteRecordsBefore(7);
    assert.match(fs.readFileSync(path.join(dir, 'log-start-offset-checkpoint'), 'utf8'), /^0\n2\n/);
    m.close();
    assert.ok(fs.existsSync(path.join(dir, '.kafka_cleanshutdown')));
    const rp = fs.readFileSync(path.join(dir, 'recovery-point-offset-checkpoint'), 'utf8');
    assert.deepEqual(rp.split('\n').slice(0, 2), ['0', '2']);
    assert.ok(rp.includes('orders-events 0 20\n') && rp.includes('orders-events 1 1\n'));

    m = LogManager.open({ dir, configFor: () => ({ 'file.delete.delay.ms': 0 }) });
    assert.equal(m.hadCleanShutdown, true);
    assert.ok(!fs.existsSync(path.join(dir, '.kafka_cleanshutdown')));
    const a2 = m.getLog('orders-events', 0)!;
    assert.equal(a2.logEndOffset, 20);
    assert.equal(a2.logStartOffset, 7);
    assert.equal(splitBatches(a2.readBuffer(7, 1)).length, 1);
    assert.ok(m.deleteLog('orders-events', 1));
    assert.ok(!fs.existsSync(path.join(dir, 'orders-events-1')));
    m.startBackgroundTasks({ retentionCheckMs: 10, flushCheckMs: 10, checkpointMs: 10 });
    m.stopBackgroundTasks();
    // unclean stop: what a crash leaves (the lock goes with the process); the next open recovers
    m.close({ clean: false });
    m = LogManager.open({ dir });
    assert.equal(m.hadCleanShutdown, false);
    assert.equal(m.getLog('orders-events', 0)!.logEndOffset, 20);
    assert.equal(m.getLog('orders-events', 0)!.logStartOffset, 7);
    assert.equal(m.getLog('orders-events', 1), undefined);
    m.close();
  } finally {
    cleanup();
  }
});

test('retention on simulated time: a segment goes once retention.ms passed its newest record and a check runs, not before', async () => {
  const { ManualClock } = await import('../../src/util/clock.js');
  const clock = new ManualClock(1_700_000_000_000);
  const { dir, cleanup } = tempDir();
  try {
    const m = LogManager.open({ dir, clock, lock: false, configFor: () => ({ 'retention.ms': 10_000, 'segment.bytes': 150, 'file.delete.delay.ms': 0 }) });
    const l = m.getOrCreateLog('ret', 0);
    for (let i = 0; i < 6; i++) l.append(makeBatch([{ value: `v${i}`, timestamp: clock.now() }]));
    l.updateHighWatermark(l.logEndOffset);
    const before = l.numberOfSegments;
    assert.ok(before >= 3, `${before} segments`);
    m.startBackgroundTasks({ retentionCheckMs: 1000, flushCheckMs: 60_000, checkpointMs: 60_000 });
    clock.advance(9_999);
    assert.equal(l.numberOfSegments, before, 'nothing is older than retention.ms yet');
    clock.advance(1_001);
    assert.equal(l.numberOfSegments, 1, 'every inactive segment went at the next check');
    assert.equal(l.logStartOffset, l.segmentBaseOffsets()[0]);
    m.stopBackgroundTasks();
    clock.advance(60_000);
    m.close();
  } finally {
    cleanup();
  }
});
