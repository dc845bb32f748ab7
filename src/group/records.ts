import { compileStruct } from '../protocol/codec.js';
import { Reader } from '../protocol/reader.js';
import { f, type Infer } from '../protocol/schema.js';
import { Writer } from '../protocol/writer.js';

/**
 * Kafka's own record formats for __consumer_offsets, so tools that read that topic directly
 * (lag monitors, dump tools) understand Samsa's. Keys and values start with an int16 version;
 * key versions 0-1 are offset commits, 2 is group metadata. A null value is a tombstone.
 */
const OffsetCommitKey = {
  group: f.string('0-1'),
  topic: f.string('0-1'),
  partition: f.int32('0-1'),
};

const OffsetCommitValue = {
  offset: f.int64('0+'),
  leaderEpoch: f.int32('3+', { default: -1 }),
  metadata: f.string('0+'),
  commitTimestamp: f.int64('0+'),
  expireTimestamp: f.int64('1', { default: -1 }),
};

const GroupMetadataKey = {
  group: f.string('2'),
};

const GroupMetadataValue = {
  protocolType: f.string('0+'),
  generation: f.int32('0+'),
  protocol: f.string('0+', { nullable: '0+' }),
  leader: f.string('0+', { nullable: '0+' }),
  currentStateTimestamp: f.int64('2+', { default: -1 }),
  members: f.structs('0+', 'MemberMetadata', {
    memberId: f.string('0+'),
    groupInstanceId: f.string('3+', { nullable: '3+', default: null }),
    clientId: f.string('0+'),
    clientHost: f.string('0+'),
    rebalanceTimeout: f.int32('1+', { default: -1 }),
    sessionTimeout: f.int32('0+'),
    subscription: f.bytes('0+'),
    assignment: f.bytes('0+'),
  }),
};

export type OffsetCommitValueData = Infer<typeof OffsetCommitValue>;
export type GroupMetadataValueData = Infer<typeof GroupMetadataValue>;

/** Versions written, as Kafka 3.x writes them (non-flexible). */
const OFFSET_KEY_VERSION = 1;
const OFFSET_VALUE_VERSION = 3;
const GROUP_KEY_VERSION = 2;
const GROUP_VALUE_VERSION = 3;

function encode(version: number, fields: Parameters<typeof compileStruct>[0], value: object, flexible = false): Buffer {
  const w = new Writer(128);
  w.int16(version);
  compileStruct(fields, version, flexible).encode(w, value);
  return Buffer.from(w.finish());
}

export function offsetCommitKey(group: string, topic: string, partition: number): Buffer {
  return encode(OFFSET_KEY_VERSION, OffsetCommitKey, { group, topic, partition });
}

export function offsetCommitValue(v: { offset: number; leaderEpoch: number; metadata: string; commitTimestamp: number }): Buffer {
  return encode(OFFSET_VALUE_VERSION, OffsetCommitValue, { ...v, expireTimestamp: -1 });
}

export function groupMetadataKey(group: string): Buffer {
  return encode(GROUP_KEY_VERSION, GroupMetadataKey, { group });
}

export function groupMetadataValue(v: GroupMetadataValueData): Buffer {
  return encode(GROUP_VALUE_VERSION, GroupMetadataValue, v);
}

export type CoordinatorRecord =
  | { kind: 'offset'; group: string; topic: string; partition: number; value: OffsetCommitValueData | null }
  | { kind: 'group'; group: string; value: GroupMetadataValueData | null }
  | { kind: 'unknown' };

/** Decodes one record of __consumer_offsets (any version Kafka writes). */
export function decodeCoordinatorRecord(key: Buffer, value: Buffer | null): CoordinatorRecord {
  const kr = new Reader(key);
  const kv = kr.int16();
  if (kv === 0 || kv === 1) {
    const k = compileStruct(OffsetCommitKey, kv, false).decode(kr) as { group: string; topic: string; partition: number };
    if (value === null) return { kind: 'offset', ...k, value: null };
    const vr = new Reader(value);
    const vv = vr.int16();
    const v = compileStruct(OffsetCommitValue, vv, vv >= 4).decode(vr) as OffsetCommitValueData;
    return { kind: 'offset', ...k, value: v };
  }
  if (kv === 2) {
    const k = compileStruct(GroupMetadataKey, kv, false).decode(kr) as { group: string };
    if (value === null) return { kind: 'group', group: k.group, value: null };
    const vr = new Reader(value);
    const vv = vr.int16();
    const v = compileStruct(GroupMetadataValue, vv, vv >= 4).decode(vr) as GroupMetadataValueData;
    return { kind: 'group', group: k.group, value: v };
  }
  return { kind: 'unknown' };
}

/** Kafka's partitionFor: Utils.abs(groupId.hashCode) % partitions, with Java's String.hashCode. */
export function partitionForGroup(groupId: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < groupId.length; i++) h = (Math.imul(h, 31) + groupId.charCodeAt(i)) | 0;
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % partitions;
}
