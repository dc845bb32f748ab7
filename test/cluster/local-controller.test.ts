// The single-node controller: topic changes validated as Kafka's controller validates them
// (names, collisions, partition limits), one metadata write per request, and all or nothing
// when a broker cannot apply the change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalController } from '../../src/cluster/local-controller.js';
import type { MetadataStore, TopicRecord } from '../../src/cluster/metadata-store.js';
import { ErrorCode } from '../../src/protocol/errors.js';

class MemoryStore implements MetadataStore {
  readonly clusterId = 'test-cluster';
  writes = 0;
  failNext = false;
  records: TopicRecord[] = [];
  topics() {
    return this.records;
  }
  topic(name: string) {
    return this.records.find((t) => t.name === name);
  }
  topicById(id: string) {
    return this.records.find((t) => t.id === id);
  }
  createTopic(t: TopicRecord) {
    this.replaceTopics([...this.records, t]);
  }
  deleteTopic(name: string) {
    this.replaceTopics(this.records.filter((t) => t.name !== name));
  }
  updateTopic() {
    throw new Error('not used');
  }
  replaceTopics(topics: readonly TopicRecord[]) {
    if (this.failNext) {
      this.failNext = false;
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    }
    this.writes++;
    this.records = topics.map((t) => structuredClone(t));
  }
}

const SELF = { id: 0, host: '127.0.0.1', port: 9092, rack: null };
const defaults = { numPartitions: 1, replicationFactor: 1, maxPartitionsPerRequest: 10_000, maxPartitions: 20_000 };
const make = (store = new MemoryStore()) => ({ store, c: new LocalController(store, SELF, () => defaults) });

test('topics whose names differ only in . and _ collide, in one request or across requests', async () => {
  const { c } = make();
  const [a] = await c.createTopics([{ name: 'a.b', numPartitions: 1, replicationFactor: 1 }], false);
  assert.equal(a!.errorCode, ErrorCode.NONE);
  const [b] = await c.createTopics([{ name: 'a_b', numPartitions: 1, replicationFactor: 1 }], false);
  assert.equal(b!.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  assert.match(b!.message!, /collides with existing topic: a\.b/);
  const both = await c.createTopics([{ name: 'x.y', numPartitions: 1, replicationFactor: 1 }, { name: 'x_y', numPartitions: 1, replicationFactor: 1 }], false);
  assert.deepEqual(both.map((r) => r.errorCode), [ErrorCode.NONE, ErrorCode.INVALID_TOPIC_EXCEPTION]);
  assert.deepEqual([...c.image.topics()].map((t) => t.name).sort(), ['a.b', 'x.y']);
});

test('more than 10,000 partitions in one request, or beyond the broker\'s limit, is POLICY_VIOLATION before anything is placed', async () => {
  const { c, store } = make();
  const [big] = await c.createTopics([{ name: 'big', numPartitions: 100_000, replicationFactor: 1 }], false);
  assert.equal(big!.errorCode, ErrorCode.POLICY_VIOLATION);
  const split = await c.createTopics([{ name: 's1', numPartitions: 6000, replicationFactor: 1 }, { name: 's2', numPartitions: 6000, replicationFactor: 1 }], false);
  assert.deepEqual(split.map((r) => r.errorCode), [ErrorCode.NONE, ErrorCode.POLICY_VIOLATION]);
  const grow = await c.createPartitions([{ name: 's1', count: 100_000, assignments: null }], false);
  assert.equal(grow[0]!.errorCode, ErrorCode.POLICY_VIOLATION);
  assert.equal(c.image.topic('s1')!.partitions.length, 6000);
  assert.equal(c.image.topic('big'), undefined);
  assert.equal(store.writes, 1, 'one write for the one request that changed something');
});

test('a request deleting many topics writes the metadata once', async () => {
  const { c, store } = make();
  await c.createTopics(Array.from({ length: 50 }, (_, i) => ({ name: `t${i}`, numPartitions: 10, replicationFactor: 1 })), false);
  const before = store.writes;
  const out = await c.deleteTopics(Array.from({ length: 50 }, (_, i) => `t${i}`));
  assert.ok(out.every((r) => r.errorCode === ErrorCode.NONE));
  assert.equal(store.writes - before, 1);
  assert.equal(c.image.topicCount, 0);
});

test('a create that a broker cannot apply leaves nothing behind: metadata written back, delta undone', async () => {
  const { c, store } = make();
  const seen: string[] = [];
  let failOn: string | null = 'ghost';
  c.onDelta((d) => {
    for (const t of d.deletedTopics) seen.push(`-${t.name}`);
    for (const t of d.changedTopics) {
      seen.push(`+${t.name}`);
      if (t.name === failOn) {
        failOn = null;
        throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
      }
    }
  });
  const [r] = await c.createTopics([{ name: 'ghost', numPartitions: 3, replicationFactor: 1 }], false);
  assert.equal(r!.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
  assert.match(r!.message!, /EMFILE/);
  assert.equal(c.image.topic('ghost'), undefined);
  assert.equal(store.topic('ghost'), undefined);
  assert.deepEqual(seen, ['+ghost', '-ghost']);
  // The name can be created once the broker can apply it.
  const [again] = await c.createTopics([{ name: 'ghost', numPartitions: 3, replicationFactor: 1 }], false);
  assert.equal(again!.errorCode, ErrorCode.NONE);
});

test('a metadata write that fails changes nothing and publishes nothing', async () => {
  const { c, store } = make();
  let deltas = 0;
  c.onDelta(() => deltas++);
  store.failNext = true;
  const [r] = await c.createTopics([{ name: 'full', numPartitions: 1, replicationFactor: 1 }], false);
  assert.equal(r!.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
  assert.match(r!.message!, /ENOSPC/);
  assert.equal(deltas, 0);
  assert.equal(c.image.topic('full'), undefined);
});
