// The "consumer" embedded protocol carried in JoinGroup/SyncGroup/DescribeGroups bytes
// (Kafka's ConsumerProtocolSubscription / ConsumerProtocolAssignment, versions 0-3, not flexible).
// Described with the project's schema format and encoded by the same derived codecs; the client
// builds and reads them, the broker reads subscriptions (OffsetDelete).
import { compileStruct } from './codec.js';
import { Reader } from './reader.js';
import { f, type Infer } from './schema.js';
import { Writer } from './writer.js';

const Subscription = {
  topics: f.array('0+', 'string'),
  userData: f.bytes('0+', { nullable: '0+', default: null }),
  ownedPartitions: f.structs('1+', 'TopicPartition', {
    topic: f.string('1+'),
    partitions: f.array('1+', 'int32'),
  }),
  generationId: f.int32('2+', { default: -1 }),
  rackId: f.string('3+', { nullable: '3+', default: null }),
};

const Assignment = {
  assignedPartitions: f.structs('0+', 'TopicPartition', {
    topic: f.string('0+'),
    partitions: f.array('0+', 'int32'),
  }),
  userData: f.bytes('0+', { nullable: '0+', default: null }),
};

export type ConsumerSubscription = Infer<typeof Subscription>;
export type ConsumerAssignment = Infer<typeof Assignment>;

const MAX_VERSION = 3;

function encode(fields: typeof Subscription | typeof Assignment, version: number, value: object): Buffer {
  const w = new Writer(128);
  w.int16(version);
  compileStruct(fields, version, false).encode(w, value);
  return w.finish();
}

function decode<T>(fields: typeof Subscription | typeof Assignment, data: Buffer | null): T | null {
  if (!data || data.length < 2) return null;
  const r = new Reader(data);
  const version = r.int16();
  // Newer versions only append fields: decode what we know, ignore the rest.
  return compileStruct(fields, Math.min(Math.max(version, 0), MAX_VERSION), false).decode(r) as T;
}

export function encodeSubscription(topics: string[], version = 0): Buffer {
  return encode(Subscription, version, { topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null });
}

export function decodeSubscription(data: Buffer | null): ConsumerSubscription | null {
  try {
    return decode<ConsumerSubscription>(Subscription, data);
  } catch {
    return null;
  }
}

export function encodeAssignment(assigned: Map<string, number[]>, version = 0): Buffer {
  return encode(Assignment, version, {
    assignedPartitions: [...assigned].map(([topic, partitions]) => ({ topic, partitions })),
    userData: null,
  });
}

export function decodeAssignment(data: Buffer | null): ConsumerAssignment | null {
  try {
    return decode<ConsumerAssignment>(Assignment, data);
  } catch {
    return null;
  }
}
