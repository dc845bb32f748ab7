import * as path from 'node:path';
import { log as rootLog } from '../util/log.js';
import { readOffsetCheckpoint, writeOffsetCheckpoint } from './checkpoint.js';
import type { LogConfig } from './config.js';
import { realFs, writeFully, type FileSystem } from './fs.js';
import { Log } from './log.js';

export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
const DELETE_DIR_SUFFIX = '-delete';

export interface LogManagerOptions {
  /** The data directory (one of log.dirs). */
  dir: string;
  fs?: FileSystem;
  /** Topic-level config for logs found on disk at startup and for new logs without explicit config. */
  configFor?: (topic: string) => Partial<LogConfig>;
  time?: () => number;
}

export interface BackgroundIntervals {
  /** log.retention.check.interval.ms (Kafka default 300000). */
  retentionCheckMs?: number;
  /** How often flush.ms is checked (log.flush.scheduler.interval.ms). */
  flushCheckMs?: number;
  /** log.flush.offset.checkpoint.interval.ms (Kafka default 60000). */
  checkpointMs?: number;
}

function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
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
  private readonly configFor: (topic: string) => Partial<LogConfig>;
  private readonly time: () => number;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;
  private readonly logger = rootLog.child({ component: 'log-manager' });

  private constructor(opts: LogManagerOptions, clean: boolean) {
    this.dir = opts.dir;
    this.fs = opts.fs ?? realFs;
    this.configFor = opts.configFor ?? (() => ({}));
    this.time = opts.time ?? Date.now;
    this.hadCleanShutdown = clean;
  }

  static open(opts: LogManagerOptions): LogManager {
    const fs = opts.fs ?? realFs;
    fs.mkdir(opts.dir);
    const marker = path.join(opts.dir, CLEAN_SHUTDOWN_FILE);
    const clean = fs.exists(marker);
    const m = new LogManager(opts, clean);
    const recoveryPoints = readOffsetCheckpoint(fs, path.join(opts.dir, RECOVERY_POINT_CHECKPOINT));
    const startOffsets = readOffsetCheckpoint(fs, path.join(opts.dir, LOG_START_OFFSET_CHECKPOINT));
    for (const name of fs.readdir(opts.dir)) {
      const full = path.join(opts.dir, name);
      if (!fs.isDirectory(full)) continue;
      if (name.endsWith(DELETE_DIR_SUFFIX)) {
        fs.rmTree(full);
        continue;
      }
      const match = /^(.+)-(\d+)$/.exec(name);
      if (!match) continue;
      const topic = match[1]!;
      const partition = Number(match[2]);
      m.openLog(topic, partition, m.configFor(topic), recoveryPoints.get(name) ?? 0, startOffsets.get(name) ?? 0, clean);
    }
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
      // DeleteRecords must survive a restart: checkpoint right away rather than on the next tick.
      onLogStartOffsetChange: () => this.checkpointLogStartOffsets(),
    });
    this.logs.set(partitionDirName(topic, partition), l);
    return l;
  }

  getLog(topic: string, partition: number): Log | undefined {
    return this.logs.get(partitionDirName(topic, partition));
  }

  /** Opens the log, creating its directory if needed. `config` overrides configFor(topic). */
  getOrCreateLog(topic: string, partition: number, config?: Partial<LogConfig>): Log {
    const existing = this.getLog(topic, partition);
    if (existing) return existing;
    if (this.closed) throw new Error('log manager is closed');
    return this.openLog(topic, partition, config ?? this.configFor(topic), 0, 0, true);
  }

  allLogs(): Log[] {
    return [...this.logs.values()];
  }

  /**
   * Closes the log and removes its directory. The directory is first renamed to
   * `<topic>-<partition>.<ms>-delete` (finished at the next start if we crash meanwhile).
   */
  deleteLog(topic: string, partition: number): boolean {
    const name = partitionDirName(topic, partition);
    const l = this.logs.get(name);
    if (!l) return false;
    this.logs.delete(name);
    l.close({ flush: false });
    const doomed = path.join(this.dir, `${name}.${this.time()}${DELETE_DIR_SUFFIX}`);
    this.fs.rename(l.dir, doomed);
    this.fs.rmTree(doomed);
    this.checkpoint();
    return true;
  }

  checkpointRecoveryPoints(): void {
    writeOffsetCheckpoint(
      this.fs,
      path.join(this.dir, RECOVERY_POINT_CHECKPOINT),
      this.allLogs().map((l) => ({ topic: l.topic, partition: l.partition, offset: l.recoveryPoint })),
    );
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
  }

  /** One retention pass over all logs; returns segments deleted. */
  runRetention(now = this.time()): number {
    let n = 0;
    for (const l of this.logs.values()) {
      try {
        n += l.deleteOldSegments(now);
      } catch (err) {
        this.logger.error({ err, topic: l.topic, partition: l.partition }, 'retention failed');
      }
    }
    return n;
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
      const t = setInterval(() => {
        try {
          fn();
        } catch (err) {
          this.logger.error({ err }, 'background storage task failed');
        }
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(intervals.retentionCheckMs ?? 300_000, () => this.runRetention());
    every(intervals.flushCheckMs ?? 1_000, () => this.runFlush());
    every(intervals.checkpointMs ?? 60_000, () => this.checkpoint());
  }

  stopBackgroundTasks(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** Clean shutdown: flush and close every log, write checkpoints, then the marker. */
  close(): void {
    if (this.closed) return;
    this.stopBackgroundTasks();
    for (const l of this.logs.values()) l.close();
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
  }
}
