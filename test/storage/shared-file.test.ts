// A file range holds its segment's file open: deleting the segment (or the whole log) leaves the
// range's bytes readable until it is released, and only the last release closes the descriptor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { LogManager } from '../../src/storage/index.js';
import { makeBatch, tempDir } from './helpers.js';

test('a range read before its log was deleted reads the old bytes, and its release closes the file', () => {
  const { dir, cleanup } = tempDir();
  try {
    const m = LogManager.open({ dir, lock: false, configFor: () => ({ 'file.delete.delay.ms': 0 }) });
    const l = m.getOrCreateLog('gone', 0);
    const batch = makeBatch([{ value: 'old bytes' }]);
    l.append(batch);
    const r = l.read(0, 1 << 20);
    assert.equal(r.ranges.length, 1);
    const range = r.ranges[0]!;
    const fd = range.fd;
    assert.ok(m.deleteLog('gone', 0));
    // Another file opened now cannot take the descriptor number the range still holds.
    const other = m.getOrCreateLog('new', 0);
    other.append(makeBatch([{ value: 'new bytes, other file' }]));
    const buf = Buffer.alloc(range.length);
    assert.equal(fs.readSync(range.fd, buf, 0, range.length, range.position), range.length);
    assert.ok(buf.includes(Buffer.from('old bytes')), 'the deleted segment\'s bytes');
    range.release();
    assert.throws(() => fs.fstatSync(fd), /EBADF/, 'the last holder closed the file');
    range.release(); // a second release changes nothing
    m.close();
  } finally {
    cleanup();
  }
});
