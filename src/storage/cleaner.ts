import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import {
  ATTRIBUTES,
  COMPRESSION_MASK,
  CONTROL_FLAG,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_FLAG,
  batchBaseSequence,
  batchBaseTimestamp,
  batchLastOffsetDelta,
  batchLeaderEpoch,
  batchMaxTimestamp,
  batchProducerEpoch,
  batchProducerId,
  setBatchMaxTimestamp,
} from '../record/batch-header.js';
import { buildBatch, TimestampType, type RecordInput } from '../record/builder.js';
import type { CompressionCodec } from '../record/compression.js';
import { type BatchRecord, maxRecordsSectionBytes, readRecords } from '../record/records.js';
import { log as rootLog } from '../util/log.js';
import type { BatchInfo } from './batch-scan.js';
import { readOffsetCheckpoint, writeOffsetCheckpoint } from './checkpoint.js';
import { realFs, writeFully, type FileSystem } from './fs.js';
import { CLEANED_SUFFIX, type Log } from './log.js';
import { LOG_SUFFIX, segmentFileName, type Segment } from './segment.js';

export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';

/** The topic settings that drive compaction of one log (Kafka's names in comments). */
export interface CleanerLogConfig {
  /** cleanup.policy contains compact. */
  compact: boolean;
  /** delete.retention.ms: how long tombstones survive once their segment is this old. */
  deleteRetentionMs: number;
  /** min.compaction.lag.ms */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms */
  maxCompactionLagMs: number;
  /** min.cleanable.dirty.ratio */
  minCleanableRatio: number;
  /** segment.bytes: cleaned segments are grouped up to this size. */
  segmentBytes: number;
  /** max.message.bytes of the topic: with the broker's message.max.bytes, bounds what one batch may take. */
  maxMessageBytes?: number;
}

export interface LogCleanerOptions {
  /** Data directory: where cleaner-offset-checkpoint lives. */
  dir: string;
  fs?: FileSystem;
  time?: () => number;
  /** Compaction settings of a log, or null when its topic is not compacted. */
  configFor: (log: Log) => CleanerLogConfig | null;
  /** Keys the offset map holds at most (Kafka's log.cleaner.dedupe.buffer.size, in entries). */
  maxMapEntries?: number;
  /** The broker's message.max.bytes (default Kafka's 1048588). */
  maxMessageBytes?: number;
}

export interface CleanStats {
  segmentsIn: number;
  segmentsOut: number;
  bytesIn: number;
  bytesOut: number;
  recordsIn: number;
  recordsOut: number;
  /** The first offset not yet cleaned (the next cleaning's dirty section starts here). */
  firstDirtyOffset: number;
}

const logKey = (l: Log) => `${l.topic}-${l.partition}`;

/** Kafka's default message.max.bytes. */
const DEFAULT_MAX_MESSAGE_BYTES = 1048588;

/** A batch the cleaner cannot read: too large for its bound, or its records do not decode. */
export class UncleanableBatchError extends Error {
  constructor(
    readonly baseOffset: number,
    readonly lastOffset: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Why a partition is skipped: the batch that failed, when one did (-1: no batch to blame). */
interface Uncleanable {
  lastOffset: number;
}

function keyHash(key: Buffer): string {
  // Kafka's SkimpyOffsetMap stores MD5 hashes of keys; short keys are kept as they are.
  return key.length <= 16 ? key.toString('latin1') : createHash('md5').update(key).digest('base64');
}

/**
 * Kafka's log cleaner for compacted topics. One pass picks the dirtiest log that is due,
 * maps key → latest offset over its dirty section (bounded by maxMapEntries), then rewrites
 * its inactive segments group by group into `.cleaned` files that replace the originals
 * through Log.replaceSegments (crash-safe swap). Offsets are kept (gaps are fine), the active
 * segment is never touched, tombstones go once their segment is older than delete.retention.ms.
 */
export class LogCleaner {
  private readonly fs: FileSystem;
  private readonly time: () => number;
  private readonly maxMapEntries: number;
  private readonly checkpointPath: string;
  private readonly firstDirty: Map<string, number>;
  private readonly maxMessageBytes: number;
  private running: Promise<CleanStats | null> | null = null;
  private readonly logger = rootLog.child({ component: 'log-cleaner' });
  /**
   * Kafka's LogCleanerManager "uncleanable partitions": a log whose cleaning failed is skipped so
   * that the others, __consumer_offsets among them, still get cleaned. Kept in memory, as Kafka
   * does: a restart tries again.
   */
  private readonly uncleanable = new Map<string, Uncleanable>();

  constructor(private readonly opts: LogCleanerOptions) {
    this.fs = opts.fs ?? realFs;
    this.time = opts.time ?? Date.now;
    this.maxMapEntries = opts.maxMapEntries ?? 1_000_000;
    this.maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.checkpointPath = path.join(opts.dir, CLEANER_OFFSET_CHECKPOINT);
    this.firstDirty = readOffsetCheckpoint(this.fs, this.checkpointPath);
  }

  /** The first uncleaned offset recorded for a log. */
  firstDirtyOffset(log: Log): number {
    return Math.max(this.firstDirty.get(logKey(log)) ?? 0, log.logStartOffset);
  }

  /** Dirty ratio and whether the log is due, or null when it has nothing cleanable. */
  private assess(log: Log, cfg: CleanerLogConfig, now: number): { ratio: number; due: boolean } | null {
    const segs = log.inactiveSegments();
    if (segs.length === 0 || log.isClosed) return null;
    const firstDirty = this.firstDirtyOffset(log);
    let cleanBytes = 0;
    let dirtyBytes = 0;
    let overdue = false;
    for (const s of segs) {
      if (s.nextOffset <= firstDirty) {
        cleanBytes += s.size;
        continue;
      }
      if (now - s.largestTimestamp() < cfg.minCompactionLagMs) break;
      dirtyBytes += s.size;
      const first = s.rollingBaseTimestamp >= 0 ? s.rollingBaseTimestamp : s.largestTimestamp();
      if (now - first > cfg.maxCompactionLagMs) overdue = true;
    }
    if (dirtyBytes === 0) return null;
    const ratio = dirtyBytes / (cleanBytes + dirtyBytes);
    return { ratio, due: overdue || ratio >= cfg.minCleanableRatio };
  }

  /**
   * One background pass: cleans the dirtiest due log among `logs`. A log that fails is marked
   * uncleanable (logged once) and the next dirtiest is tried. Null when none was cleaned.
   */
  runOnce(logs: Iterable<Log>): Promise<CleanStats | null> {
    if (this.running) return this.running;
    const now = this.time();
    const due: { log: Log; cfg: CleanerLogConfig; ratio: number }[] = [];
    for (const l of logs) {
      const cfg = this.opts.configFor(l);
      if (!cfg?.compact || this.isUncleanable(l)) continue;
      const a = this.assess(l, cfg, now);
      if (a?.due) due.push({ log: l, cfg, ratio: a.ratio });
    }
    if (due.length === 0) return Promise.resolve(null);
    due.sort((a, b) => b.ratio - a.ratio);
    this.running = this.cleanFirstCleanable(due).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async cleanFirstCleanable(due: readonly { log: Log; cfg: CleanerLogConfig }[]): Promise<CleanStats | null> {
    for (const { log, cfg } of due) {
      try {
        return await this.clean(log, cfg);
      } catch (err) {
        // A log closed meanwhile (deleted, or the broker stopping) failed for that reason alone.
        if (!log.isClosed) this.markUncleanable(log, err);
      }
    }
    return null;
  }

  private markUncleanable(log: Log, err: unknown): void {
    const lastOffset = err instanceof UncleanableBatchError ? err.lastOffset : -1;
    this.uncleanable.set(logKey(log), { lastOffset });
    this.logger.error(
      { topic: log.topic, partition: log.partition, err },
      'cannot clean this partition: marked uncleanable; the cleaner skips it (until a restart, or until its segment holding the batch is deleted) and cleans the others',
    );
  }

  /** A mark is lifted once retention or DeleteRecords removed the segment holding the batch that failed. */
  private isUncleanable(log: Log): boolean {
    const mark = this.uncleanable.get(logKey(log));
    if (!mark) return false;
    if (mark.lastOffset >= 0 && (log.segmentBaseOffsets()[0] ?? 0) > mark.lastOffset) {
      this.uncleanable.delete(logKey(log));
      return false;
    }
    return true;
  }

  /** "topic-partition" of every log marked uncleanable (Kafka's uncleanable-partitions-count). */
  uncleanablePartitions(): string[] {
    return [...this.uncleanable.keys()];
  }

  /**
   * What one batch may take in memory, stored or decompressed: Kafka's cleaner lets its buffers
   * grow to max(topic max.message.bytes, broker message.max.bytes) and refuses a larger batch.
   */
  private batchBound(cfg: CleanerLogConfig): number {
    return Math.max(cfg.maxMessageBytes ?? 0, this.maxMessageBytes);
  }

  /** Cleans one log now, whatever its dirty ratio (tests, and runOnce). */
  async clean(log: Log, cfg: CleanerLogConfig): Promise<CleanStats> {
    const now = this.time();
    const stats: CleanStats = { segmentsIn: 0, segmentsOut: 0, bytesIn: 0, bytesOut: 0, recordsIn: 0, recordsOut: 0, firstDirtyOffset: this.firstDirtyOffset(log) };
    const segs = [...log.inactiveSegments()];
    const firstDirty = this.firstDirtyOffset(log);
    const bound = this.batchBound(cfg);
    // 1. offset map over the dirty section, stopping at a segment boundary when full
    const map = new Map<string, number>();
    let mapEnd = -1;
    for (const s of segs) {
      if (s.nextOffset <= firstDirty) continue;
      if (now - s.largestTimestamp() < cfg.minCompactionLagMs) break;
      if (mapEnd >= 0 && map.size >= this.maxMapEntries) break;
      forEachBatch(s, bound, (batch, info) => {
        if ((batch.readInt16BE(ATTRIBUTES) & CONTROL_FLAG) !== 0) return;
        for (const r of decodeRecords(batch, info, bound)) if (r.key !== null) map.set(keyHash(r.key), r.offset);
      });
      mapEnd = s.nextOffset;
    }
    if (mapEnd < 0) return stats;
    // 2. rewrite every inactive segment below mapEnd, group by group
    const toClean = segs.filter((s) => s.nextOffset <= mapEnd);
    const tombstoneHorizon = now - cfg.deleteRetentionMs;
    for (const group of groupSegments(toClean, cfg.segmentBytes)) {
      if (log.isClosed) break;
      const current = log.inactiveSegments();
      const at = current.indexOf(group[0]!);
      if (at < 0 || group.some((s, i) => current[at + i] !== s)) continue; // retention removed some meanwhile
      this.cleanGroup(log, group, map, tombstoneHorizon, bound, stats);
      await yieldToLoop();
    }
    stats.firstDirtyOffset = mapEnd;
    if (!log.isClosed) {
      this.firstDirty.set(logKey(log), mapEnd);
      this.writeCheckpoint(log);
    }
    this.logger.info({ topic: log.topic, partition: log.partition, ...stats }, `compacted: removed ${stats.recordsIn - stats.recordsOut} records, ${stats.bytesIn - stats.bytesOut} bytes`);
    return stats;
  }

  private cleanGroup(log: Log, group: Segment[], map: Map<string, number>, tombstoneHorizon: number, bound: number, stats: CleanStats): void {
    const base = group[0]!.baseOffset;
    const cleanedPath = path.join(log.dir, segmentFileName(base, LOG_SUFFIX + CLEANED_SUFFIX));
    const fd = this.fs.open(cleanedPath, true);
    let written = 0;
    try {
      this.fs.truncate(fd, 0);
      for (const s of group) {
        stats.segmentsIn++;
        stats.bytesIn += s.size;
        const dropTombstones = s.largestTimestamp() < tombstoneHorizon;
        forEachBatch(s, bound, (batch, info) => {
          const out = filterBatch(batch, info, bound, map, dropTombstones, stats);
          if (out === null) return;
          writeFully(this.fs, fd, out, written);
          written += out.length;
        });
      }
      this.fs.fsync(fd);
    } catch (err) {
      // A log marked uncleanable is not cleaned again before a restart, whose recovery would be
      // the only other thing to remove the half-written file.
      try {
        this.fs.close(fd);
        this.fs.unlink(cleanedPath);
      } catch {
        // best effort: recovery removes .cleaned files too
      }
      throw err;
    }
    this.fs.close(fd);
    stats.bytesOut += written;
    // Compaction must not move the log start offset: Log.load takes the first segment's base
    // offset as a lower bound for it, so dropping the log's first segment outright would, after
    // a restart, make every offset below the next segment OFFSET_OUT_OF_RANGE (a consumer with a
    // committed offset there would reset, and with auto.offset.reset=latest skip live records).
    // Like Kafka, an emptied group that starts the log leaves an empty segment at its base.
    const startsLog = log.inactiveSegments()[0] === group[0];
    if (written === 0 && !startsLog) {
      this.fs.unlink(cleanedPath);
      log.replaceSegments(group, null);
    } else {
      log.replaceSegments(group, cleanedPath);
      stats.segmentsOut++;
    }
  }

  private writeCheckpoint(active: Log): void {
    try {
      const entries: { topic: string; partition: number; offset: number }[] = [];
      for (const [k, offset] of this.firstDirty) {
        const m = /^(.+)-(\d+)$/.exec(k);
        if (m) entries.push({ topic: m[1]!, partition: Number(m[2]), offset });
      }
      writeOffsetCheckpoint(this.fs, this.checkpointPath, entries);
    } catch (err) {
      this.logger.warn({ err, topic: active.topic }, 'could not write the cleaner checkpoint');
    }
  }

  /** Forgets a deleted log. */
  forget(topic: string, partition: number): void {
    this.firstDirty.delete(`${topic}-${partition}`);
    this.uncleanable.delete(`${topic}-${partition}`);
  }
}

/** Consecutive segments whose total size stays within segment.bytes (at least one each). */
function groupSegments(segs: Segment[], segmentBytes: number): Segment[][] {
  const groups: Segment[][] = [];
  let cur: Segment[] = [];
  let size = 0;
  for (const s of segs) {
    if (cur.length > 0 && (size + s.size > segmentBytes || s.nextOffset - 1 - cur[0]!.baseOffset > 0x7fffffff)) {
      groups.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(s);
    size += s.size;
  }
  if (cur.length > 0) groups.push(cur);
  return groups;
}

/** Reads the batches of a segment one at a time; a batch larger than `bound` is refused unread. */
function forEachBatch(s: Segment, bound: number, fn: (batch: Buffer, info: BatchInfo) => void): void {
  let pos = 0;
  while (pos < s.size) {
    const b = s.findBatch(-1, pos);
    if (!b || b.size <= 0) break;
    if (b.size > bound) {
      throw new UncleanableBatchError(b.baseOffset, b.lastOffset, `batch at offset ${b.baseOffset} is ${b.size} bytes, more than the ${bound} bytes the cleaner may read (max.message.bytes)`);
    }
    fn(s.readBatch(b), b);
    pos = b.position + b.size;
  }
}

/** The records of a batch, decompressed within the bound; any failure names the batch. */
function decodeRecords(batch: Buffer, info: BatchInfo, bound: number): BatchRecord[] {
  try {
    return readRecords(batch, 0, maxRecordsSectionBytes(bound));
  } catch (err) {
    throw new UncleanableBatchError(info.baseOffset, info.lastOffset, `batch at offset ${info.baseOffset} cannot be read`, { cause: err });
  }
}

/**
 * The batch with only the records to keep: the latest per key (by the offset map), minus
 * tombstones past the horizon. Unchanged batches are returned as they are; control batches
 * always are. Null when nothing is left.
 */
function filterBatch(batch: Buffer, info: BatchInfo, bound: number, map: Map<string, number>, dropTombstones: boolean, stats: CleanStats): Buffer | null {
  const attrs = batch.readInt16BE(ATTRIBUTES);
  if ((attrs & CONTROL_FLAG) !== 0) return batch;
  const records = decodeRecords(batch, info, bound);
  stats.recordsIn += records.length;
  const keep = records.filter((r) => {
    if (r.key === null) return true;
    const latest = map.get(keyHash(r.key));
    if (latest !== undefined && latest > r.offset) return false;
    if (r.value === null && dropTombstones) return false;
    return true;
  });
  stats.recordsOut += keep.length;
  if (keep.length === records.length) return batch;
  if (keep.length === 0) return null;
  const baseOffset = records.length > 0 ? Number(batch.readBigInt64BE(0)) : 0;
  const logAppendTime = (attrs & TIMESTAMP_TYPE_MASK) !== 0;
  const inputs: RecordInput[] = keep.map((r) => ({
    key: r.key,
    value: r.value,
    headers: r.headers,
    timestamp: r.timestamp,
    offsetDelta: r.offset - baseOffset,
  }));
  const out = buildBatch(inputs, {
    baseOffset,
    partitionLeaderEpoch: batchLeaderEpoch(batch),
    producerId: batchProducerId(batch),
    producerEpoch: batchProducerEpoch(batch),
    baseSequence: batchBaseSequence(batch),
    transactional: (attrs & TRANSACTIONAL_FLAG) !== 0,
    compression: (attrs & COMPRESSION_MASK) as CompressionCodec,
    timestampType: logAppendTime ? TimestampType.LogAppendTime : TimestampType.CreateTime,
    lastOffsetDelta: batchLastOffsetDelta(batch),
    baseTimestamp: batchBaseTimestamp(batch),
  });
  if (logAppendTime) setBatchMaxTimestamp(out, batchMaxTimestamp(batch));
  return out;
}
