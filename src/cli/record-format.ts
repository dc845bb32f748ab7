// kcat/rpk-style format strings for `samsa consume -f`, and offset specs for `-o`.
import type { ConsumedRecord } from '../client/consumer.js';
import { CliError } from './output.js';

type Piece = string | ((r: ConsumedRecord) => Buffer | string);

const len = (b: Buffer | null): string => (b === null ? '-1' : String(b.length));
const headers = (r: ConsumedRecord): Buffer => {
  const parts: Buffer[] = [];
  r.headers.forEach((h, i) => {
    if (i > 0) parts.push(Buffer.from(','));
    parts.push(Buffer.from(`${h.key}=`));
    if (h.value) parts.push(h.value);
  });
  return Buffer.concat(parts);
};

const TOKENS: Record<string, (r: ConsumedRecord) => Buffer | string> = {
  k: (r) => r.key ?? '',
  v: (r) => r.value ?? '',
  s: (r) => r.value ?? '',
  o: (r) => String(r.offset),
  p: (r) => String(r.partition),
  t: (r) => r.topic,
  T: (r) => String(r.timestamp),
  h: headers,
  K: (r) => len(r.key),
  S: (r) => len(r.value),
};

/**
 * Compiles a format: %k key, %v (rpk) or %s (kcat) value, %o offset, %p partition, %t topic, %T timestamp (ms),
 * %h headers as k=v,k=v, %K key length, %S value length (-1 for null), %% a percent sign;
 * escapes \n \r \t \\ \0.
 */
export function compileFormat(fmt: string): (r: ConsumedRecord) => Buffer {
  const pieces: Piece[] = [];
  let lit = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c === '%' && i + 1 < fmt.length) {
      const t = fmt[++i]!;
      if (t === '%') {
        lit += '%';
        continue;
      }
      const fn = TOKENS[t];
      if (!fn) throw new CliError(`unknown format token "%${t}" (use %k %v %s %o %p %t %T %h %K %S)`);
      if (lit) pieces.push(lit);
      lit = '';
      pieces.push(fn);
    } else if (c === '\\' && i + 1 < fmt.length) {
      const e = fmt[++i]!;
      lit += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === '0' ? '\0' : e === '\\' ? '\\' : `\\${e}`;
    } else lit += c;
  }
  if (lit) pieces.push(lit);
  const compiled = pieces.map((p) => (typeof p === 'string' ? Buffer.from(p) : p));
  return (r) => {
    const bufs: Buffer[] = [];
    for (const p of compiled) {
      if (Buffer.isBuffer(p)) bufs.push(p);
      else {
        const v = p(r);
        bufs.push(typeof v === 'string' ? Buffer.from(v) : v);
      }
    }
    return Buffer.concat(bufs);
  };
}

/**
 * `--format text`: records as table rows under one header. A stream cannot know its widest
 * cell in advance, so columns grow to the widest seen so far; the value, last, is not padded.
 */
export function textRecords(): (r: ConsumedRecord) => Buffer {
  const headers = ['PARTITION', 'OFFSET', 'TIMESTAMP', 'KEY', 'VALUE'];
  const widths = headers.map((h) => h.length);
  let headed = false;
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return (r) => {
    const cells = [String(r.partition), String(r.offset), r.timestamp >= 0 ? new Date(r.timestamp).toISOString() : String(r.timestamp), r.key === null ? '-' : r.key.toString('utf8'), r.value === null ? '-' : r.value.toString('utf8')];
    cells.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i]!, c.length)));
    const row = line(cells) + '\n';
    if (headed) return Buffer.from(row);
    headed = true;
    return Buffer.from(line(headers) + '\n' + row);
  };
}

export function recordJson(r: ConsumedRecord): string {
  return JSON.stringify({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key === null ? null : r.key.toString('utf8'),
    value: r.value === null ? null : r.value.toString('utf8'),
    headers: r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : h.value.toString('utf8') })),
  });
}

export type OffsetSpec =
  | { kind: 'start' }
  | { kind: 'end' }
  | { kind: 'offset'; offset: number }
  | { kind: 'fromStart'; delta: number }
  | { kind: 'fromEnd'; delta: number }
  | { kind: 'timestamp'; timestamp: number }
  /** N:M, from N (or the start) up to M excluded (or the end offsets when the range began). */
  | { kind: 'range'; from: { kind: 'start' } | { kind: 'offset'; offset: number }; to: number | 'end' };

/**
 * start|oldest|beginning, end|newest, N, +N (after start), -N (before end), @timestamp (ms or ISO
 * date), and ranges N:M (M excluded), N: or N:end (to the end), :M (from the start).
 */
export function parseOffsetSpec(s: string): OffsetSpec {
  const v = s.trim();
  const range = /^(\d*|start):(\d*|end)$/.exec(v);
  if (range) {
    const from = range[1] === '' || range[1] === 'start' ? ({ kind: 'start' } as const) : ({ kind: 'offset', offset: Number(range[1]) } as const);
    return { kind: 'range', from, to: range[2] === '' || range[2] === 'end' ? 'end' : Number(range[2]) };
  }
  if (['start', 'oldest', 'beginning', 'earliest'].includes(v)) return { kind: 'start' };
  if (['end', 'newest', 'latest'].includes(v)) return { kind: 'end' };
  if (/^\d+$/.test(v)) return { kind: 'offset', offset: Number(v) };
  if (/^\+\d+$/.test(v)) return { kind: 'fromStart', delta: Number(v.slice(1)) };
  if (/^-\d+$/.test(v)) return { kind: 'fromEnd', delta: Number(v.slice(1)) };
  if (v.startsWith('@') && v.length > 1) {
    const rest = v.slice(1);
    const ts = /^\d+$/.test(rest) ? Number(rest) : Date.parse(rest);
    if (Number.isFinite(ts)) return { kind: 'timestamp', timestamp: ts };
  }
  throw new CliError(`bad offset "${s}": expected start, end, N, +N, -N, @timestamp or a range N:M`);
}
