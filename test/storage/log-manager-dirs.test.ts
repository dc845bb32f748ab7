// The data directory's partition directories: deletion names that fit NAME_MAX whatever the
// topic name, partition.metadata and what startup does with leftovers of another topic, a
// deletion interrupted by a crash at any step, and the directory lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { LogManager, MemFileSystem, SimulatedCrash } from '../../src/storage/index.js';
import { makeBatch, splitBatches, tempDir } from './helpers.js';

const ID_A = 'AAAAAAAAAAAAAAAAAAAAAQ';
const ID_B = 'BBBBBBBBBBBBBBBBBBBBBQ';
/** Kafka's LocalLog.DELETE_DIR_PATTERN. */
const KAFKA_DELETE_DIR = /^(\S+)-(\S+)\.(\S+)-delete$/;

function fill(m: LogManager, topic: string, partitions: number, topicId?: string): void {
  for (let p = 0; p < partitions; p++) {
    const l = m.getOrCreateLog(topic, p, { 'file.delete.delay.ms': 0 }, topicId);
    for (let i = 0; i < 3; i++) l.append(makeBatch([{ value: `${topic.slice(0, 8)}-${p}-${i}` }]));
  }
}

test('a topic name of 233 to 249 characters is deleted: the -delete name fits 255 bytes as Kafka cuts it, and re-creating starts empty', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const m = LogManager.open({ dir });
    for (const len of [233, 240, 249]) {
      const topic = `${'t'.repeat(len - 3)}x.y`;
      fill(m, topic, 2);
      for (const p of [0, 1]) assert.equal(m.deleteLog(topic, p), true);
      assert.ok(!nodeFs.existsSync(path.join(dir, `${topic}-0`)));
      const left = nodeFs.readdirSync(dir).filter((n) => n.endsWith('-delete'));
      for (const n of left) {
        assert.ok(Buffer.byteLength(n) <= 255, `${n.length} bytes`);
        assert.match(n, KAFKA_DELETE_DIR);
        assert.ok(n.startsWith(topic.slice(0, 100)) && /-[01]\.[0-9a-f]{32}-delete$/.test(n), n);
      }
      await nextTurn();
      assert.deepEqual(nodeFs.readdirSync(dir).filter((n) => n.endsWith('-delete')), [], 'removed after the turn');
      const again = m.getOrCreateLog(topic, 0);
      assert.equal(again.logEndOffset, 0, 're-created empty');
      m.deleteLog(topic, 0);
    }
    m.close();
  } finally {
    cleanup();
  }
});

test('startup removes directories named as Kafka names deleted logs, however long the topic name', () => {
  const { dir, cleanup } = tempDir();
  try {
    const long = 'q'.repeat(249);
    const leftovers = [
      `${long.slice(0, 255 - '-3.0123456789abcdef0123456789abcdef-delete'.length)}-3.0123456789abcdef0123456789abcdef-delete`,
      'short-0.fedcba9876543210fedcba9876543210-delete',
      'older-1.1700000000000-delete',
    ];
    for (const n of leftovers) {
      nodeFs.mkdirSync(path.join(dir, n));
      nodeFs.writeFileSync(path.join(dir, n, '00000000000000000000.log'), '');
    }
    const m = LogManager.open({ dir });
    assert.deepEqual(m.allLogs(), []);
    assert.deepEqual(nodeFs.readdirSync(dir).filter((n) => n.endsWith('-delete')), []);
    m.close();
  } finally {
    cleanup();
  }
});

test('partition.metadata holds the topic id in Kafka format; startup removes the logs of unknown topics and of earlier topics of the same name', () => {
  let fs = new MemFileSystem();
  let m = LogManager.open({ dir: '/d', fs });
  fill(m, 'kept', 2, ID_A);
  fill(m, 'renamed', 2, ID_A);
  fill(m, 'gone', 2, ID_A);
  fill(m, 'legacy', 1);
  assert.equal(fs.fileBytes('/d/kept-1/partition.metadata')!.toString(), `version: 0\ntopic_id: ${ID_A}\n`);
  assert.equal(fs.exists('/d/legacy-0/partition.metadata'), false);
  m.close();
  fs = fs.restart('process');
  const ids: Record<string, string> = { kept: ID_A, renamed: ID_B, legacy: ID_B };
  m = LogManager.open({ dir: '/d', fs, topicIdFor: (t) => ids[t] });
  assert.deepEqual(m.allLogs().map((l) => `${l.topic}-${l.partition}`).sort(), ['kept-0', 'kept-1', 'legacy-0']);
  assert.equal(m.getLog('kept', 1)!.logEndOffset, 3);
  // a directory from before partition.metadata keeps its data and is claimed by the live topic
  assert.equal(m.getLog('legacy', 0)!.logEndOffset, 3);
  assert.equal(fs.fileBytes('/d/legacy-0/partition.metadata')!.toString(), `version: 0\ntopic_id: ${ID_B}\n`);
  for (const d of ['renamed-0', 'renamed-1', 'gone-0', 'gone-1']) assert.equal(fs.exists(`/d/${d}`), false, d);
  assert.deepEqual(fs.readdir('/d').filter((n) => n.endsWith('-delete')), []);
  // the re-created topic starts empty
  assert.equal(m.getOrCreateLog('renamed', 0, {}, ID_B).logEndOffset, 0);
  m.close();
});

test('getOrCreateLog with a new topic id replaces the log of an earlier topic of the same name', async () => {
  const fs = new MemFileSystem();
  const m = LogManager.open({ dir: '/d', fs });
  fill(m, 'reborn', 1, ID_A);
  const l = m.getOrCreateLog('reborn', 0, {}, ID_B);
  assert.equal(l.logEndOffset, 0);
  assert.equal(fs.fileBytes('/d/reborn-0/partition.metadata')!.toString(), `version: 0\ntopic_id: ${ID_B}\n`);
  // and a directory left on disk by an earlier topic (no open log for it) is not adopted either
  const m2fs = fs.restart('process');
  const m2 = LogManager.open({ dir: '/d', fs: m2fs });
  m2.getLog('reborn', 0)!.append(makeBatch([{ value: 'new' }]));
  m2.close();
  const fs3 = m2fs.restart('process');
  const m3 = LogManager.open({ dir: '/d', fs: fs3 });
  assert.equal(m3.getOrCreateLog('reborn', 0, {}, ID_A).logEndOffset, 0);
  m3.close();
  await nextTurn();
});

test('a crash at any step of deleting a topic never lets its data come back under a re-created topic of the same name', async () => {
  const PARTS = 6;
  const build = (): { fs: MemFileSystem; m: LogManager } => {
    const fs = new MemFileSystem();
    const m = LogManager.open({ dir: '/d', fs, topicIdFor: () => undefined });
    fill(m, 'doomed', PARTS, ID_A);
    fill(m, 'other', 1, ID_B);
    return { fs, m };
  };
  const deleteTopic = async (m: LogManager): Promise<void> => {
    for (let p = 0; p < PARTS; p++) m.deleteLog('doomed', p);
    await nextTurn();
  };
  const probe = build();
  const before = probe.fs.opCount;
  await deleteTopic(probe.m);
  const ops = probe.fs.opCount - before;
  assert.ok(ops >= 2 * PARTS, `deletion took ${ops} operations`);
  for (let k = 1; k <= ops + 1; k++) {
    const { fs, m } = build();
    fs.injectFault(fs.opCount + k, 'crash');
    try {
      await deleteTopic(m);
    } catch (err) {
      assert.ok(err instanceof SimulatedCrash, String(err));
    }
    // the metadata no longer has the topic (it is removed first), or has it re-created
    for (const live of [undefined, ID_B]) {
      const after = fs.restart('process');
      const m2 = LogManager.open({ dir: '/d', fs: after, topicIdFor: (t) => (t === 'other' ? ID_B : live) });
      assert.deepEqual(m2.allLogs().map((l) => l.topic), ['other'], `crash at op ${k}`);
      assert.deepEqual(after.readdir('/d').filter((n) => n.startsWith('doomed')), [], `crash at op ${k}: nothing of the old topic left`);
      for (let p = 0; p < PARTS; p++) assert.equal(m2.getOrCreateLog('doomed', p, {}, ID_B).logEndOffset, 0);
      assert.equal(m2.getLog('other', 0)!.logEndOffset, 3);
      m2.close();
    }
  }
});

test('the data directory is locked: a second LogManager on it fails naming it, a closed or crashed one frees it', () => {
  const { dir, cleanup } = tempDir();
  const saved = process.env.SAMSA_NATIVE_LOCK;
  try {
    for (const nativeLock of [undefined, '0']) {
      if (nativeLock === undefined) delete process.env.SAMSA_NATIVE_LOCK;
      else process.env.SAMSA_NATIVE_LOCK = nativeLock;
      const m = LogManager.open({ dir });
      assert.throws(() => LogManager.open({ dir }), (err: Error) => err.message.includes(dir) && !err.message.includes('\n'));
      m.close();
      const m2 = LogManager.open({ dir });
      const topic = `t${nativeLock ?? 'native'}`;
      m2.getOrCreateLog(topic, 0).append(makeBatch([{ value: 'x' }]));
      m2.close({ clean: false });
      const m3 = LogManager.open({ dir });
      assert.equal(splitBatches(m3.getLog(topic, 0)!.readBuffer(0, 1 << 20)).length, 1);
      m3.close();
    }
  } finally {
    if (saved === undefined) delete process.env.SAMSA_NATIVE_LOCK;
    else process.env.SAMSA_NATIVE_LOCK = saved;
    cleanup();
  }
});
