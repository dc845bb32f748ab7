import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
/** Fields every line carries, left out of the pretty form. */
const QUIET = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/**
 * SAMSA_LOG_FORMAT=pretty: one line for people per record — time, level, component, message,
 * then the other fields as key=value (objects as JSON) — instead of a JSON line.
 */
export function prettyLine(json: string, color: boolean): string {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : json + '\n';
  }
  const level = typeof r['level'] === 'number' ? r['level'] : 30;
  const time = typeof r['time'] === 'number' ? new Date(r['time']).toISOString().slice(11, 23) : '';
  const name = (LEVELS[level] ?? String(level)).padEnd(5);
  const tag = color ? `\x1b[${COLORS[level] ?? '0'}m${name}\x1b[0m` : name;
  const component = typeof r['component'] === 'string' ? `[${r['component']}] ` : '';
  const rest: string[] = [];
  for (const [k, v] of Object.entries(r)) {
    if (QUIET.has(k) || k === 'component') continue;
    if (k === 'err' && v && typeof v === 'object') {
      const e = v as { message?: string; stack?: string };
      rest.push(`err=${JSON.stringify(e.message ?? '')}`);
      if (e.stack && level >= 50) rest.push(`\n${e.stack}`);
      continue;
    }
    rest.push(`${k}=${typeof v === 'string' && !/[\s"=]/.test(v) ? v : JSON.stringify(v)}`);
  }
  return `${time} ${tag} ${component}${String(r['msg'] ?? '')}${rest.length ? '  ' + rest.join(' ') : ''}\n`;
}

function destination(): DestinationStream {
  const out = pino.destination({ dest: 2, sync: false });
  if (process.env.SAMSA_LOG_FORMAT !== 'pretty') return out;
  const color = process.stderr.isTTY === true && process.env.NO_COLOR === undefined;
  return Object.assign(Object.create(null) as object, {
    write: (line: string) => void out.write(prettyLine(line, color)),
    flush: (cb?: (err?: Error) => void) => out.flush(cb),
  }) as DestinationStream;
}

/**
 * The one logger of the process. Level from SAMSA_LOG_LEVEL (default info); JSON lines on
 * stderr, or lines for people with SAMSA_LOG_FORMAT=pretty.
 */
export const log: Logger = pino({ level: process.env.SAMSA_LOG_LEVEL ?? 'info', base: { pid: process.pid } }, destination());
