/** Per-log configuration under Kafka's topic-level config names, with Kafka's defaults. */
export interface LogConfig {
  'segment.bytes': number;
  'segment.ms': number;
  /** -1: keep forever. */
  'retention.ms': number;
  /** -1: no size limit. */
  'retention.bytes': number;
  'index.interval.bytes': number;
  'segment.index.bytes': number;
  'flush.messages': number;
  'flush.ms': number;
  'message.timestamp.type': 'CreateTime' | 'LogAppendTime';
  /** Deleted segments stay open this long so in-flight reads (sendfile) of them finish. */
  'file.delete.delay.ms': number;
}

/** Kafka's Long.MAX_VALUE defaults, clamped to what a JS number holds exactly. */
const NEVER = Number.MAX_SAFE_INTEGER;

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  'segment.bytes': 1024 * 1024 * 1024,
  'segment.ms': 7 * 24 * 3600 * 1000,
  'retention.ms': 7 * 24 * 3600 * 1000,
  'retention.bytes': -1,
  'index.interval.bytes': 4096,
  'segment.index.bytes': 10 * 1024 * 1024,
  'flush.messages': NEVER,
  'flush.ms': NEVER,
  'message.timestamp.type': 'CreateTime',
  'file.delete.delay.ms': 60_000,
});

export function makeLogConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  const cfg: LogConfig = { ...DEFAULT_LOG_CONFIG };
  for (const [k, v] of Object.entries(overrides)) {
    if (v !== undefined) (cfg as unknown as Record<string, unknown>)[k] = v;
  }
  return cfg;
}
