/**
 * Producer-state snapshots, `<offset>.snapshot` in a partition's directory, in Kafka's format
 * (kafka-protocol/internal/ProducerSnapshot.json as ProducerStateManager writes it): version
 * int16 (1), CRC32C uint32 over everything after it, then an int32 count and per producer id its
 * epoch, last sequence, last offset, offset delta, timestamp, coordinator epoch and the first
 * offset of its ongoing transaction. The offset in the name is where the state ends: every batch
 * below it is in the snapshot, none from it on. Kafka's tools (kafka-dump-log) read them.
 */
import * as path from 'node:path';
import { readInt64, writeInt64 } from '../record/batch-header.js';
import { crc32c } from '../record/crc32c.js';
import { readWholeFile, writeFully, type FileSystem } from './fs.js';
import { segmentFileName } from './segment.js';

export const PRODUCER_SNAPSHOT_SUFFIX = '.snapshot';
const VERSION = 1;
const CRC_AT = 2;
const ENTRIES_AT = 6;
const ENTRY_SIZE = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;

/** One producer id's row; -1 where Kafka writes "none" (no batch, no transaction). */
export interface ProducerSnapshotEntry {
  producerId: number;
  epoch: number;
  lastSequence: number;
  lastOffset: number;
  /** lastOffset minus the first offset of the producer's last batch. */
  offsetDelta: number;
  timestamp: number;
  coordinatorEpoch: number;
  currentTxnFirstOffset: number;
}

/** The file is not a snapshot this version can read (torn write, bit rot, other version). */
export class CorruptSnapshotError extends Error {}

export function encodeProducerSnapshot(entries: readonly ProducerSnapshotEntry[]): Buffer {
  const buf = Buffer.alloc(ENTRIES_AT + 4 + entries.length * ENTRY_SIZE);
  buf.writeInt16BE(VERSION, 0);
  buf.writeInt32BE(entries.length, ENTRIES_AT);
  let at = ENTRIES_AT + 4;
  for (const e of entries) {
    writeInt64(buf, at, e.producerId);
    buf.writeInt16BE(e.epoch, at + 8);
    buf.writeInt32BE(e.lastSequence, at + 10);
    writeInt64(buf, at + 14, e.lastOffset);
    buf.writeInt32BE(e.offsetDelta, at + 22);
    writeInt64(buf, at + 26, e.timestamp);
    buf.writeInt32BE(e.coordinatorEpoch, at + 34);
    writeInt64(buf, at + 38, e.currentTxnFirstOffset);
    at += ENTRY_SIZE;
  }
  buf.writeUInt32BE(crc32c(buf.subarray(ENTRIES_AT)), CRC_AT);
  return buf;
}

export function decodeProducerSnapshot(buf: Buffer): ProducerSnapshotEntry[] {
  if (buf.length < ENTRIES_AT + 4) throw new CorruptSnapshotError(`snapshot of ${buf.length} bytes is shorter than its header`);
  const version = buf.readInt16BE(0);
  if (version !== VERSION) throw new CorruptSnapshotError(`unknown snapshot version ${version}`);
  const stored = buf.readUInt32BE(CRC_AT);
  const computed = crc32c(buf.subarray(ENTRIES_AT));
  if (stored !== computed) throw new CorruptSnapshotError(`snapshot CRC ${computed} does not match the stored ${stored}`);
  const count = buf.readInt32BE(ENTRIES_AT);
  if (count < 0 || ENTRIES_AT + 4 + count * ENTRY_SIZE !== buf.length) throw new CorruptSnapshotError(`snapshot claims ${count} entries in ${buf.length} bytes`);
  const out: ProducerSnapshotEntry[] = [];
  let at = ENTRIES_AT + 4;
  for (let i = 0; i < count; i++) {
    out.push({
      producerId: readInt64(buf, at),
      epoch: buf.readInt16BE(at + 8),
      lastSequence: buf.readInt32BE(at + 10),
      lastOffset: readInt64(buf, at + 14),
      offsetDelta: buf.readInt32BE(at + 22),
      timestamp: readInt64(buf, at + 26),
      coordinatorEpoch: buf.readInt32BE(at + 34),
      currentTxnFirstOffset: readInt64(buf, at + 38),
    });
    at += ENTRY_SIZE;
  }
  return out;
}

export function producerSnapshotFile(dir: string, offset: number): string {
  return path.join(dir, segmentFileName(offset, PRODUCER_SNAPSHOT_SUFFIX));
}

/** Offsets of the snapshots in `dir`, ascending. */
export function listProducerSnapshots(fs: FileSystem, dir: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdir(dir)) {
    if (!name.endsWith(PRODUCER_SNAPSHOT_SUFFIX)) continue;
    const offset = Number(name.slice(0, -PRODUCER_SNAPSHOT_SUFFIX.length));
    if (Number.isSafeInteger(offset) && offset >= 0) out.push(offset);
  }
  return out.sort((a, b) => a - b);
}

/** Null when there is no such file; throws CorruptSnapshotError when it cannot be read as one. */
export function readProducerSnapshot(fs: FileSystem, dir: string, offset: number): ProducerSnapshotEntry[] | null {
  const buf = readWholeFile(fs, producerSnapshotFile(dir, offset));
  return buf === null ? null : decodeProducerSnapshot(buf);
}

/**
 * Writes through a temporary file and a rename, so a reader sees a whole snapshot or none.
 * Without `sync` (a segment roll on the append path) the data is not fsynced: a crash may leave
 * a torn file, which its CRC reveals and loading skips for an earlier snapshot and the log.
 */
export function writeProducerSnapshot(fs: FileSystem, dir: string, offset: number, entries: readonly ProducerSnapshotEntry[], sync: boolean): void {
  const file = producerSnapshotFile(dir, offset);
  // Log.load removes stray `.tmp` files, so an interrupted write leaves nothing behind.
  const tmp = `${file}.tmp`;
  const fd = fs.open(tmp, true);
  try {
    fs.truncate(fd, 0);
    writeFully(fs, fd, encodeProducerSnapshot(entries), 0);
    if (sync) fs.fsync(fd);
  } finally {
    fs.close(fd);
  }
  fs.rename(tmp, file);
  if (sync) fs.fsyncDir(dir);
}

export function deleteProducerSnapshot(fs: FileSystem, dir: string, offset: number): void {
  const file = producerSnapshotFile(dir, offset);
  if (fs.exists(file)) fs.unlink(file);
}
