// Element-count bounds of the decoders (hardening issue, row "DescribeConfigs with 95 M empty keys,
// Produce v9 with 9 M empty topic names"): an array claiming more than a million elements and a
// tagged-field section of more than ten thousand fields are DecodeErrors, however many bytes the
// frame has; exactly the limit still decodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../src/protocol/decode-error.js';
import { decodeRequest } from '../../src/protocol/frame.js';
import { ApiVersions, DescribeConfigs, Metadata, Produce } from '../../src/protocol/messages/index.js';
import { Reader } from '../../src/protocol/reader.js';
import { Writer } from '../../src/protocol/writer.js';

// Kafka's bounds, written out here rather than imported, so that this file states them on its own.
const MAX_ARRAY_ELEMENTS = 1_000_000;
const MAX_TAGGED_FIELDS = 10_000;

/** Request header v1 (v2 adds the tag section when `flexible`), without a size prefix. */
function header(w: Writer, apiKey: number, apiVersion: number, flexible: boolean): void {
  w.int16(apiKey);
  w.int16(apiVersion);
  w.int32(7);
  w.string('limits');
  if (flexible) w.uvarint(0);
}

/** DescribeConfigs v4 (flexible): one topic resource whose key list claims `keys` empty keys, all present. */
function describeConfigsWithEmptyKeys(keys: number): Buffer {
  const w = new Writer(keys + 64);
  header(w, DescribeConfigs.key, 4, true);
  w.uvarint(1 + 1); // one resource
  w.int8(2);
  w.compactString('t');
  w.uvarint(keys + 1);
  const empty = Buffer.alloc(keys, 1); // a compact string of length 0 is the single byte 1
  w.raw(empty);
  w.uvarint(0); // resource tags
  w.bool(false);
  w.bool(false);
  w.uvarint(0);
  return w.finish();
}

/** Produce v9 (flexible) with `topics` topics of empty name and no partitions: 3 bytes each. */
function produceWithEmptyTopics(topics: number): Buffer {
  const w = new Writer(3 * topics + 64);
  header(w, Produce.key, 9, true);
  w.uvarint(0); // null transactional id
  w.int16(1);
  w.int32(1000);
  w.uvarint(topics + 1);
  const empty = Buffer.alloc(3 * topics, 1); // name "", partitions [], no tags: 01 01 00 ...
  for (let i = 2; i < empty.length; i += 3) empty[i] = 0;
  w.raw(empty);
  w.uvarint(0);
  return w.finish();
}

/** Metadata v4 (classic arrays): `topics` topics of empty name (2 bytes each). */
function metadataWithEmptyTopics(topics: number): Buffer {
  const w = new Writer(2 * topics + 64);
  header(w, Metadata.key, 4, false);
  w.int32(topics);
  w.raw(Buffer.alloc(2 * topics)); // int16 length 0
  w.bool(false);
  return w.finish();
}

/** ApiVersions v3 whose body ends with `count` empty tagged fields (tags 100, 101, …: unknown). */
function apiVersionsWithTags(count: number): Buffer {
  const w = new Writer(4 * count + 64);
  header(w, ApiVersions.key, 3, true);
  w.compactString('c');
  w.compactString('1');
  w.uvarint(count);
  for (let i = 0; i < count; i++) {
    w.uvarint(100 + i);
    w.uvarint(0);
  }
  return w.finish();
}

function assertRefused(frame: Buffer, what: RegExp, decode: (f: Buffer) => unknown): void {
  const t0 = Date.now();
  assert.throws(() => decode(frame), (err: unknown) => err instanceof DecodeError && what.test(err.message));
  assert.ok(Date.now() - t0 < 1000, `refused without decoding the elements (${Date.now() - t0} ms)`);
}

test('a compact array (DescribeConfigs v4 keys) of one more than the limit is refused; the limit decodes', () => {
  assertRefused(describeConfigsWithEmptyKeys(MAX_ARRAY_ELEMENTS + 1), /exceeds the limit/, (f) => decodeRequest(DescribeConfigs, f));
  const ok = decodeRequest(DescribeConfigs, describeConfigsWithEmptyKeys(MAX_ARRAY_ELEMENTS));
  assert.equal(ok.body.resources[0]!.configurationKeys!.length, MAX_ARRAY_ELEMENTS);
});

test('a compact array of structs (Produce v9 topics) of one more than the limit is refused; the limit decodes', () => {
  assertRefused(produceWithEmptyTopics(MAX_ARRAY_ELEMENTS + 1), /exceeds the limit/, (f) => decodeRequest(Produce, f));
  const ok = decodeRequest(Produce, produceWithEmptyTopics(MAX_ARRAY_ELEMENTS));
  assert.equal(ok.body.topicData.length, MAX_ARRAY_ELEMENTS);
});

test('a classic array (Metadata v4 topics) of one more than the limit is refused; the limit decodes', () => {
  assertRefused(metadataWithEmptyTopics(MAX_ARRAY_ELEMENTS + 1), /exceeds the limit/, (f) => decodeRequest(Metadata, f));
  const ok = decodeRequest(Metadata, metadataWithEmptyTopics(MAX_ARRAY_ELEMENTS));
  assert.equal(ok.body.topics!.length, MAX_ARRAY_ELEMENTS);
});

test('the element limit holds for arrays of fixed-size elements too, and the frame check still applies below it', () => {
  const claim = (n: number, bytes: number) => {
    const b = Buffer.alloc(4 + bytes);
    b.writeInt32BE(n, 0);
    return new Reader(b);
  };
  assert.throws(() => claim(MAX_ARRAY_ELEMENTS + 1, 4 * (MAX_ARRAY_ELEMENTS + 1)).arrayLength(4), /exceeds the limit/);
  assert.equal(claim(MAX_ARRAY_ELEMENTS, 4 * MAX_ARRAY_ELEMENTS).arrayLength(4), MAX_ARRAY_ELEMENTS);
  assert.throws(() => claim(1000, 3999).arrayLength(4), /exceeds the frame/);
  assert.equal(claim(-1, 0).arrayLength(4), -1, 'null arrays are untouched');
});

test('a tagged-field section of one more than the limit is refused; the limit decodes', () => {
  assertRefused(apiVersionsWithTags(MAX_TAGGED_FIELDS + 1), /tagged fields exceed the limit/, (f) => decodeRequest(ApiVersions, f));
  const ok = decodeRequest(ApiVersions, apiVersionsWithTags(MAX_TAGGED_FIELDS));
  assert.equal(ok.body.clientSoftwareName, 'c');
});

test('a request header with more tagged fields than the limit is refused', () => {
  const w = new Writer(64 * 1024);
  w.int16(ApiVersions.key);
  w.int16(3);
  w.int32(1);
  w.string('limits');
  w.uvarint(MAX_TAGGED_FIELDS + 1);
  for (let i = 0; i <= MAX_TAGGED_FIELDS; i++) {
    w.uvarint(i);
    w.uvarint(0);
  }
  w.compactString('c');
  w.compactString('1');
  w.uvarint(0);
  assertRefused(w.finish(), /tagged fields exceed the limit/, (f) => decodeRequest(ApiVersions, f));
});

/** DescribeConfigs v4 with `resources` topic resources of `keys` empty keys each. */
function describeConfigsNested(resources: number, keys: number): Buffer {
  const w = new Writer(resources * (keys + 8) + 64);
  header(w, DescribeConfigs.key, 4, true);
  w.uvarint(resources + 1);
  const empty = Buffer.alloc(keys, 1);
  for (let r = 0; r < resources; r++) {
    w.int8(2);
    w.compactString('t');
    w.uvarint(keys + 1);
    w.raw(empty);
    w.uvarint(0);
  }
  w.bool(false);
  w.bool(false);
  w.uvarint(0);
  return w.finish();
}

test('nested arrays share one budget per frame: 95 resources of a million empty keys each are refused', () => {
  assertRefused(describeConfigsNested(95, MAX_ARRAY_ELEMENTS), /in one frame exceed the limit/, (f) => decodeRequest(DescribeConfigs, f));
  // Three resources of a million keys (3 M elements) are within it.
  const ok = decodeRequest(DescribeConfigs, describeConfigsNested(3, MAX_ARRAY_ELEMENTS));
  assert.equal(ok.body.resources.length, 3);
});
