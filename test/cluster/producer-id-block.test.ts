// Producer id blocks: the single node's controller reserves blocks of 1000 in samsa-metadata.json
// before any id of them is used, so a restart (a new store over the same file) never hands out an
// id twice; files written before the field existed load and start at 0; a failed write reserves
// nothing. The broker's ProducerIdManager shares one reservation among concurrent requests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRODUCER_ID_BLOCK_SIZE } from '../../src/cluster/controller.js';
import { LocalController } from '../../src/cluster/local-controller.js';
import { LocalMetadataStore } from '../../src/cluster/local-store.js';
import { ProducerIdManager } from '../../src/txn/producer-id-manager.js';

const SELF = { id: 0, host: '127.0.0.1', port: 9092, rack: null };
const defaults = () => ({ numPartitions: 1, replicationFactor: 1, maxPartitionsPerRequest: 10_000, maxPartitions: 20_000 });
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'samsa-pid-block-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const controller = (d: string) => new LocalController(new LocalMetadataStore(d, 'cluster-a', 0), SELF, defaults);

test('blocks of 1000 are persisted before use: a restart continues after the last block handed out', async () => {
  const d = join(dir, 'restart');
  const first = new ProducerIdManager(() => controller(d).allocateProducerIdBlock(0));
  assert.deepEqual([await first.generateProducerId(), await first.generateProducerId()], [0, 1]);
  const again = new ProducerIdManager(() => controller(d).allocateProducerIdBlock(0));
  assert.equal(await again.generateProducerId(), PRODUCER_ID_BLOCK_SIZE);
  assert.equal(JSON.parse(readFileSync(join(d, 'samsa-metadata.json'), 'utf8')).nextProducerId, 2 * PRODUCER_ID_BLOCK_SIZE);
});

test('a block used up asks for the next one; concurrent requests share one reservation', async () => {
  let allocations = 0;
  let next = 0;
  const m = new ProducerIdManager(async () => {
    allocations++;
    await new Promise((r) => setImmediate(r));
    const firstProducerId = next;
    next += 3;
    return { firstProducerId, size: 3 };
  });
  const ids = await Promise.all(Array.from({ length: 7 }, () => m.generateProducerId()));
  assert.deepEqual([...ids].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(allocations, 3);
});

test('a metadata file from before producer ids loads with its topics and starts at 0', async () => {
  const d = join(dir, 'old-file');
  controller(d);
  const file = join(d, 'samsa-metadata.json');
  const old = { version: 1, clusterId: 'cluster-a', topics: [{ name: 'kept', id: 'AAAAAAAAAAAAAAAAAAAAAA', internal: false, configs: {}, partitions: [{ replicas: [0] }] }] };
  writeFileSync(file, JSON.stringify(old));
  const c = controller(d);
  assert.deepEqual([...c.image.topics()].map((t) => t.name), ['kept']);
  assert.deepEqual(await c.allocateProducerIdBlock(0), { firstProducerId: 0, size: PRODUCER_ID_BLOCK_SIZE });
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).topics[0].name, 'kept');
});

test('a block that cannot be written is not reserved', async () => {
  const d = join(dir, 'unwritable');
  const c = controller(d);
  // The temporary file the write goes through cannot be opened: the write fails as on a full disk.
  mkdirSync(join(d, 'samsa-metadata.json.tmp'));
  await assert.rejects(c.allocateProducerIdBlock(0));
  rmSync(join(d, 'samsa-metadata.json.tmp'), { recursive: true });
  assert.equal((await c.allocateProducerIdBlock(0)).firstProducerId, 0);
  assert.equal((await controller(d).allocateProducerIdBlock(0)).firstProducerId, PRODUCER_ID_BLOCK_SIZE);
});
