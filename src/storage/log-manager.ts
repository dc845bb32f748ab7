import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { systemClock, type Clock, type Timer } from '../util/clock.js';
import { log as rootLog } from '../util/log.js';
import { readOffsetCheckpoint, writeOffsetCheckpoint } from './checkpoint.js';
import type { LogConfig } from './config.js';
import { lockDataDir, type DirLock } from './dir-lock.js';
import { readWholeFile, realFs, writeFileAtomic, writeFully, type FileSystem } from './fs.js';
import { Log } from './log.js';

export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
/** Kafka's per-partition file naming the topic id the directory belongs to. */
export const PARTITION_METADATA_FILE = 'partition.metadata';
const DELETE_DIR_SUFFIX = '-delete';
/** Kafka's LocalLog.DELETE_DIR_PATTERN: `<topic>-<partition>.<unique id>-delete`. */
const DELETE_DIR_PATTERN = /^(\S+)-(\S+)\.(\S+)-delete$/;
const PARTITION_DIR_PATTERN = /^(.+)-(\d+)$/;
/** NAME_MAX of the file systems a data directory lives on. */
const MAX_FILE_NAME_BYTES = 255;

export interface LogManagerOptions {
  /** The data directory (one of log.dirs). */
  dir: string;
  fs?: FileSystem;
  /** Topic-level config for logs found on disk at startup and for new logs without explicit config. */
  configFor?: (topic: string) => Partial<LogConfig>;
  time?: () => number;
  /** Timers of the background tasks (retention, flush, checkpoints); the system clock by default. */
  clock?: Clock;
  /**
   * The id of the live topic with this name, undefined when no such topic exists. When given,
   * startup removes the partition directories of topics that do not exist and of earlier topics
   * of the same name (their partition.metadata names another id): what a deletion interrupted by
   * a crash leaves behind must not come back as a re-created topic's data. Directories without
   * partition.metadata (from before it was written) are kept and get one.
   */
  topicIdFor?: (topic: string) => string | undefined;
  /** Take the directory's `.lock` (Kafka's); default: when `fs` is the real file system. */
  lock?: boolean;
  /** Told how long each log flush (fsync of its unflushed segments) took, in seconds. */
  onFlush?: (seconds: number) => void;
}

export interface BackgroundIntervals {
  /** log.retention.check.interval.ms (Kafka default 300000). */
  retentionCheckMs?: number;
  /** How often flush.ms is checked (log.flush.scheduler.interval.ms). */
  flushCheckMs?: number;
  /** log.flush.offset.checkpoint.interval.ms (Kafka default 60000). */
  checkpointMs?: number;
}

/** Whether `err`, or an error it was caused by, is EMFILE. */
function outOfFiles(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === 'EMFILE') return true;
  }
  return false;
}

function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/**
 * Kafka's LocalLog.logDeleteDirName: `<topic>-<partition>.<uuid without dashes>-delete`, the
 * topic cut so that the name fits NAME_MAX (a 249-character topic name is legal).
 */
export function deleteDirName(topic: string, partition: number): string {
  const suffix = `-${partition}.${randomUUID().replace(/-/g, '')}${DELETE_DIR_SUFFIX}`;
  let prefix = topic.slice(0, Math.max(0, MAX_FILE_NAME_BYTES - suffix.length));
  while (Buffer.byteLength(prefix) + suffix.length > MAX_FILE_NAME_BYTES) prefix = prefix.slice(0, -1);
  return prefix + suffix;
}

/** Kafka's PartitionMetadataFile text. */
function partitionMetadataText(topicId: string): string {
  return `version: 0\ntopic_id: ${topicId}\n`;
}

/** The topic id in a partition.metadata, null when there is none or it cannot be parsed. */
export function readPartitionMetadata(fs: FileSystem, logDir: string): string | null {
  let buf: Buffer | null;
  try {
    buf = readWholeFile(fs, path.join(logDir, PARTITION_METADATA_FILE));
  } catch {
    return null;
  }
  if (buf === null) return null;
  const m = /^version: 0\ntopic_id: (\S+)\n?$/.exec(buf.toString('utf8'));
  return m ? m[1]! : null;
}

/**
 * All partition logs of one data directory: loading (with recovery after an unclean stop),
 * creation, deletion, checkpoints, the clean-shutdown marker and the periodic
 * retention / flush / checkpoint tasks. Kafka's LogManager for a single log dir.
 */
export class LogManager {
  readonly dir: string;
  /** Whether the previous run ended with close() (the marker existed at open). */
  readonly hadCleanShutdown: boolean;
  private readonly fs: FileSystem;
  private readonly logs = new Map<string, Log>();
  /** Topic id of each open log, where known (partition.metadata). */
  private readonly topicIds = new Map<string, string>();
  private readonly configFor: (topic: string) => Partial<LogConfig>;
  private readonly time: () => number;
  private readonly clock: Clock;
  private readonly onFlush: ((seconds: number) => void) | undefined;
  private timers: Timer[] = [];
  private closed = false;
  private dirLock: DirLock | null = null;
  /** Directories renamed to `-delete` names whose removal has not run yet. */
  private pendingRemovals: string[] = [];
  private removalScheduled = false;
  /** A log was deleted since the checkpoints were last written: they still name it. */
  private checkpointsNameDeleted = false;
  /** Inside batchLogStartCheckpoints: log start moves are written once at its end. */
  private logStartBatchDepth = 0;
  private logStartMovedInBatch = false;
  private readonly logger = rootLog.child({ component: 'log-manager' });

  private constructor(opts: LogManagerOptions, clean: boolean) {
    this.dir = opts.dir;
    this.fs = opts.fs ?? realFs;
    this.configFor = opts.configFor ?? (() => ({}));
    this.clock = opts.clock ?? systemClock;
    this.onFlush = opts.onFlush;
    this.time = opts.time ?? (() => this.clock.now());
    this.hadCleanShutdown = clean;
  }

  static open(opts: LogManagerOptions): LogManager {
    const fs = opts.fs ?? realFs;
    fs.mkdir(opts.dir);
    // Before anything is read: a second broker on the directory must not even recover it.
    const lock = (opts.lock ?? fs === realFs) ? lockDataDir(opts.dir) : null;
    try {
      return LogManager.load(opts, fs, lock);
    } catch (err) {
      lock?.release();
      throw err;
    }
  }

  private static load(opts: LogManagerOptions, fs: FileSystem, lock: DirLock | null): LogManager {
    const marker = path.join(opts.dir, CLEAN_SHUTDOWN_FILE);
    const clean = fs.exists(marker);
    const m = new LogManager(opts, clean);
    m.dirLock = lock;
    const recoveryPoints = readOffsetCheckpoint(fs, path.join(opts.dir, RECOVERY_POINT_CHECKPOINT));
    const startOffsets = readOffsetCheckpoint(fs, path.join(opts.dir, LOG_START_OFFSET_CHECKPOINT));
    for (const name of fs.readdir(opts.dir)) {
      const full = path.join(opts.dir, name);
      if (!fs.isDirectory(full)) continue;
      if (DELETE_DIR_PATTERN.test(name)) {
        fs.rmTree(full); // a deletion a stop interrupted
        continue;
      }
      const match = PARTITION_DIR_PATTERN.exec(name);
      if (!match) continue;
      const topic = match[1]!;
      const partition = Number(match[2]);
      const recorded = readPartitionMetadata(fs, full);
      let topicId = recorded ?? undefined;
      if (opts.topicIdFor) {
        topicId = opts.topicIdFor(topic);
        if (topicId === undefined || (recorded !== null && recorded !== topicId)) {
          m.logger.warn(
            { dir: name, topicId: recorded, liveTopicId: topicId ?? null },
            topicId === undefined ? 'removing the log of a topic that does not exist' : 'removing the log of an earlier topic with this name',
          );
          m.renameForDeletion(full, topic, partition);
          continue;
        }
      }
      try {
        m.openLog(topic, partition, m.configFor(topic), recoveryPoints.get(name) ?? 0, startOffsets.get(name) ?? 0, clean, topicId);
      } catch (err) {
        // Each partition keeps its active segment's .log open: no bound on the others helps here.
        const hint = outOfFiles(err) ? ` (every partition keeps one file open: ${m.logs.size + 1} partitions loaded so far; raise the open-file limit, ulimit -n)` : '';
        throw new Error(`cannot load log ${full}: ${(err as Error).message}${hint}`, { cause: err });
      }
    }
    m.removePending();
    if (clean) {
      // From here on a crash must be detected as unclean.
      fs.unlink(marker);
      fs.fsyncDir(opts.dir);
    }
    m.checkpoint();
    return m;
  }

  private openLog(
    topic: string,
    partition: number,
    config: Partial<LogConfig>,
    recoveryPoint: number,
    logStartOffset: number,
    clean: boolean,
    topicId?: string,
  ): Log {
    const l = Log.open({
      dir: path.join(this.dir, partitionDirName(topic, partition)),
      topic,
      partition,
      fs: this.fs,
      config,
      recoveryPoint,
      logStartOffset,
      hadCleanShutdown: clean,
      time: this.time,
      clock: this.clock,
      // DeleteRecords must survive a restart: checkpoint right away rather than on the next tick.
      onLogStartOffsetChange: () => this.logStartMoved(),
      ...(this.onFlush ? { onFlush: this.onFlush } : {}),
    });
    const name = partitionDirName(topic, partition);
    this.logs.set(name, l);
    if (topicId !== undefined) this.recordTopicId(l, topicId);
    return l;
  }

  /** Writes partition.metadata unless it already names `topicId`. */
  private recordTopicId(l: Log, topicId: string): void {
    const name = partitionDirName(l.topic, l.partition);
    this.topicIds.set(name, topicId);
    if (readPartitionMetadata(this.fs, l.dir) === topicId) return;
    // Not fsynced (two fsyncs per partition made creating a 2,000-partition topic take seconds):
    // the new directory itself is not fsynced either, and a file a power cut leaves empty only
    // makes the directory count as one from before partition.metadata.
    writeFileAtomic(this.fs, path.join(l.dir, PARTITION_METADATA_FILE), partitionMetadataText(topicId), { sync: false });
  }

  /** The topic id recorded for a log's directory, if any. */
  topicIdOf(topic: string, partition: number): string | undefined {
    return this.topicIds.get(partitionDirName(topic, partition));
  }

  getLog(topic: string, partition: number): Log | undefined {
    return this.logs.get(partitionDirName(topic, partition));
  }

  /**
   * Opens the log, creating its directory if needed. `config` overrides configFor(topic). With
   * `topicId` the directory's partition.metadata names it; a log open for an earlier topic of
   * the same name (another id) is deleted first, so the topic starts empty.
   */
  getOrCreateLog(topic: string, partition: number, config?: Partial<LogConfig>, topicId?: string): Log {
    const existing = this.getLog(topic, partition);
    if (existing) {
      const recorded = this.topicIdOf(topic, partition);
      if (topicId === undefined || recorded === topicId) return existing;
      if (recorded === undefined) {
        this.recordTopicId(existing, topicId);
        return existing;
      }
      this.logger.warn({ topic, partition, topicId: recorded, liveTopicId: topicId }, 'deleting the log of an earlier topic with this name');
      this.deleteLog(topic, partition);
    }
    if (this.closed) throw new Error('log manager is closed');
    this.removePending();
    const dir = path.join(this.dir, partitionDirName(topic, partition));
    if (topicId !== undefined && this.fs.isDirectory(dir)) {
      const recorded = readPartitionMetadata(this.fs, dir);
      if (recorded !== null && recorded !== topicId) {
        this.logger.warn({ topic, partition, topicId: recorded, liveTopicId: topicId }, 'removing the log of an earlier topic with this name');
        this.renameForDeletion(dir, topic, partition);
        this.removePending();
      }
    }
    const l = this.openLog(topic, partition, config ?? this.configFor(topic), 0, 0, true, topicId);
    // the checkpoints must not hand a deleted log's offsets to a new one of the same name
    if (this.checkpointsNameDeleted) this.checkpoint();
    return l;
  }

  allLogs(): Log[] {
    return [...this.logs.values()];
  }

  /**
   * Closes the log and removes its directory, as Kafka: the directory is renamed to
   * `<topic>-<partition>.<uuid>-delete` at once, and the renamed directories are removed (and
   * the checkpoints written) once the current event-loop turn is over, so deleting a topic
   * renames all its partitions before removing any. A start finishes what a crash interrupted.
   */
  deleteLog(topic: string, partition: number): boolean {
    const name = partitionDirName(topic, partition);
    const l = this.logs.get(name);
    if (!l) return false;
    this.logs.delete(name);
    this.topicIds.delete(name);
    l.close({ flush: false });
    this.renameForDeletion(l.dir, topic, partition);
    this.checkpointsNameDeleted = true;
    if (!this.removalScheduled) {
      this.removalScheduled = true;
      setImmediate(() => {
        this.removalScheduled = false;
        if (this.closed) return;
        try {
          this.removePending();
          if (this.checkpointsNameDeleted) this.checkpoint();
        } catch (err) {
          this.logger.error({ err }, 'removing deleted logs failed');
        }
      });
    }
    return true;
  }

  private renameForDeletion(dir: string, topic: string, partition: number): void {
    const doomed = path.join(this.dir, deleteDirName(topic, partition));
    this.fs.rename(dir, doomed);
    this.pendingRemovals.push(doomed);
  }

  /** Removes the directories renamed for deletion (a failure is retried by the next start). */
  private removePending(): void {
    if (this.pendingRemovals.length === 0) return;
    const doomed = this.pendingRemovals;
    this.pendingRemovals = [];
    // the renames reach the disk before any removal can
    this.fs.fsyncDir(this.dir);
    for (const d of doomed) {
      try {
        this.fs.rmTree(d);
      } catch (err) {
        this.logger.error({ err, dir: d }, 'cannot remove a deleted log; the next start retries');
      }
    }
  }

  checkpointRecoveryPoints(): void {
    writeOffsetCheckpoint(
      this.fs,
      path.join(this.dir, RECOVERY_POINT_CHECKPOINT),
      this.allLogs().map((l) => ({ topic: l.topic, partition: l.partition, offset: l.recoveryPoint })),
    );
  }

  private logStartMoved(): void {
    if (this.logStartBatchDepth > 0) this.logStartMovedInBatch = true;
    else this.checkpointLogStartOffsets();
  }

  /**
   * Runs `fn`; the log start offsets it moves are checkpointed with one write when it is done,
   * before this returns, instead of one write of the whole file per log moved (DeleteRecords or
   * retention over 5,000 partitions spent seconds in fsyncs). `checkpointed` is false when that
   * write failed (logged): the moves are in memory only, and a restart may bring records back.
   */
  batchLogStartCheckpoints<T>(fn: () => T): { result: T; checkpointed: boolean } {
    this.logStartBatchDepth++;
    let outcome: { ok: true; result: T } | { ok: false; err: unknown };
    try {
      outcome = { ok: true, result: fn() };
    } catch (err) {
      outcome = { ok: false, err };
    } finally {
      this.logStartBatchDepth--;
    }
    let checkpointed = true;
    if (this.logStartBatchDepth === 0 && this.logStartMovedInBatch) {
      this.logStartMovedInBatch = false;
      try {
        this.checkpointLogStartOffsets();
      } catch (err) {
        this.logger.error({ err }, 'writing log-start-offset-checkpoint failed');
        checkpointed = false;
      }
    }
    if (!outcome.ok) throw outcome.err;
    return { result: outcome.result, checkpointed };
  }

  checkpointLogStartOffsets(): void {
    // Kafka writes only logs whose start is above their first segment; writing all is equivalent.
    writeOffsetCheckpoint(
      this.fs,
      path.join(this.dir, LOG_START_OFFSET_CHECKPOINT),
      this.allLogs().map((l) => ({ topic: l.topic, partition: l.partition, offset: l.logStartOffset })),
    );
  }

  checkpoint(): void {
    this.checkpointRecoveryPoints();
    this.checkpointLogStartOffsets();
    this.checkpointsNameDeleted = false;
  }

  /** One retention pass over all logs; returns segments deleted. */
  runRetention(now = this.time()): number {
    return this.batchLogStartCheckpoints(() => {
      let n = 0;
      for (const l of this.logs.values()) {
        try {
          n += l.deleteOldSegments(now);
        } catch (err) {
          this.logger.error({ err, topic: l.topic, partition: l.partition }, 'retention failed');
        }
      }
      return n;
    }).result;
  }

  /** One flush.ms pass over all logs. */
  runFlush(now = this.time()): void {
    for (const l of this.logs.values()) {
      try {
        l.maybeFlush(now);
      } catch (err) {
        this.logger.error({ err, topic: l.topic, partition: l.partition }, 'flush failed');
      }
    }
  }

  startBackgroundTasks(intervals: BackgroundIntervals = {}): void {
    this.stopBackgroundTasks();
    const every = (ms: number, fn: () => void): void => {
      const slot = this.timers.length;
      const tick = (): void => {
        try {
          fn();
        } catch (err) {
          this.logger.error({ err }, 'background storage task failed');
        }
        if (this.timers[slot]) this.timers[slot] = this.clock.schedule(ms, tick);
      };
      this.timers.push(this.clock.schedule(ms, tick));
    };
    every(intervals.retentionCheckMs ?? 300_000, () => this.runRetention());
    every(intervals.flushCheckMs ?? 1_000, () => this.runFlush());
    every(intervals.checkpointMs ?? 60_000, () => this.checkpoint());
  }

  stopBackgroundTasks(): void {
    const timers = this.timers;
    this.timers = [];
    for (const t of timers) t.cancel();
  }

  /**
   * Clean shutdown: flush and close every log, finish deletions, write checkpoints, then the
   * marker, and release the directory. `clean: false` is what a crash leaves (tests): logs closed
   * unflushed, no checkpoint, no marker, only the lock released as the dying process's would be.
   */
  close(opts: { clean?: boolean } = {}): void {
    if (this.closed) return;
    this.stopBackgroundTasks();
    if (opts.clean === false) {
      for (const l of this.logs.values()) l.close({ flush: false });
      this.closed = true;
      this.releaseLock();
      return;
    }
    for (const l of this.logs.values()) l.close();
    this.removePending();
    this.checkpoint();
    this.closed = true;
    const fd = this.fs.open(path.join(this.dir, CLEAN_SHUTDOWN_FILE), true);
    try {
      writeFully(this.fs, fd, Buffer.alloc(0), 0);
      this.fs.fsync(fd);
    } finally {
      this.fs.close(fd);
    }
    this.fs.fsyncDir(this.dir);
    this.releaseLock();
  }

  private releaseLock(): void {
    const lock = this.dirLock;
    this.dirLock = null;
    try {
      lock?.release();
    } catch (err) {
      this.logger.warn({ err }, 'releasing the data directory lock failed');
    }
  }
}
