// A real full disk (a small tmpfs as the data directory): produce is answered
// KAFKA_STORAGE_ERROR while it is full and the connection stays open, reads keep being served,
// a topic created meanwhile exists fully or not at all (no ghost, no .tmp file), writes resume
// by themselves once space is freed, and nothing acknowledged is lost across a kill -9.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerProcess, run } from '../helpers/broker-process.js';
import { WireClient, createTopic, produceBatch, readAll } from '../helpers/wire-client.js';
import { Metadata } from '../../src/protocol/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { buildBatch } from '../../src/record/builder.js';

const root = process.getuid?.() === 0;

/** Fills the file system at `dir` until a write fails with ENOSPC; returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    // The last partial pages too.
    try {
      for (;;) writeSync(fd, chunk.subarray(0, 512));
    } catch {
      // full
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

describe('disk full', { skip: root ? false : 'mounting a tmpfs needs root' }, () => {
  const mount = mkdtempSync(join(tmpdir(), 'samsa-full-'));
  let broker: BrokerProcess;
  let c: WireClient;
  const acked: string[] = [];
  let filler = '';

  before(async () => {
    const m = await run('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mount]);
    assert.equal(m.code, 0, m.stderr);
    broker = await BrokerProcess.start({ dataDir: join(mount, 'data'), settings: { 'log.segment.bytes': '1048576', 'log.index.size.max.bytes': '65536' } });
    c = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(c, 'df', 1), 0);
    for (let i = 0; i < 20; i++) {
      const v = `before-${i}`;
      assert.equal((await produceBatch(c, 'df', 0, buildBatch([{ key: 'k', value: v }]))).errorCode, 0);
      acked.push(v);
    }
  });
  after(async () => {
    c?.close();
    if (broker?.running) await broker.kill('SIGKILL');
    broker?.cleanup();
    await run('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  });

  test('while full: KAFKA_STORAGE_ERROR, reads served, no ghost topic', async () => {
    filler = fill(mount);
    const value = 'x'.repeat(200_000);
    const r = await produceBatch(c, 'df', 0, buildBatch([{ key: 'k', value }]));
    assert.equal(r.errorCode, ErrorCode.KAFKA_STORAGE_ERROR, r.errorMessage ?? '');
    assert.equal(c.closed, false);
    assert.deepEqual((await readAll(c, 'df', 0)).map((x) => x.value), acked);
    const created = await createTopic(c, 'ghost', 4);
    assert.notEqual(created, 0, 'the topic cannot be created on a full disk');
    const md = await c.request(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    assert.equal(md.topics.some((t) => t.name === 'ghost'), false, 'no ghost in metadata');
    assert.deepEqual(readdirSync(join(mount, 'data')).filter((n) => n.endsWith('.tmp') || n.startsWith('ghost-')), []);
  });

  test('once space is freed, writes resume by themselves and the topic can be created', async () => {
    unlinkSync(filler);
    for (let i = 0; i < 5; i++) {
      const v = `after-${i}`;
      const r = await produceBatch(c, 'df', 0, buildBatch([{ key: 'k', value: v }]));
      assert.equal(r.errorCode, 0, r.errorMessage ?? '');
      acked.push(v);
    }
    assert.equal(await createTopic(c, 'ghost', 4), 0);
  });

  test('after kill -9 and restart every acknowledged record is there, in order, and the topic is whole', async () => {
    c.close();
    await broker.kill('SIGKILL');
    await broker.restart();
    c = await WireClient.connect(broker.bootstrap);
    const recs = await readAll(c, 'df', 0);
    assert.deepEqual(recs.map((x) => x.value), acked);
    assert.deepEqual(recs.map((x) => x.offset), acked.map((_, i) => i));
    const md = await c.request(Metadata, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'ghost' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    assert.equal(md.topics[0]!.partitions.length, 4);
    assert.equal((await produceBatch(c, 'ghost', 3, buildBatch([{ key: 'k', value: 'v' }]))).errorCode, 0);
  });
});
