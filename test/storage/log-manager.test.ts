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
