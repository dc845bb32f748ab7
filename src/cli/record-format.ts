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

/** How keys, values and header values are printed: as they are (text), or as hex or base64. */
export type Encoding = 'text' | 'hex' | 'base64';
export const ENCODINGS: readonly Encoding[] = ['text', 'hex', 'base64'];

const encode = (b: Buffer, e: Encoding): string => (e === 'text' ? b.toString('utf8') : b.toString(e));
const encodeOrNull = (b: Buffer | null, e: Encoding): string | null => (b === null ? null : encode(b, e));

/**
 * Compiles a format: %k key, %v (rpk) or %s (kcat) value, %o offset, %p partition, %t topic, %T timestamp (ms),
 * %h headers as k=v,k=v, %K key length, %S value length (-1 for null), %% a percent sign;
 * %k, %v and %s take {hex} or {base64} as rpk does (%v{hex}); escapes \n \r \t \\ \0.
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
      const modifier = /^\{([a-z0-9]+)\}/.exec(fmt.slice(i + 1));
      if (modifier && 'kvs'.includes(t)) {
        const e = modifier[1] as Encoding;
        if (e !== 'hex' && e !== 'base64') throw new CliError(`unknown encoding "%${t}{${modifier[1]}}" (use {hex} or {base64})`);
        i += modifier[0].length;
        const field = t === 'k' ? (r: ConsumedRecord) => r.key : (r: ConsumedRecord) => r.value;
        pieces.push((r) => encode(field(r) ?? Buffer.alloc(0), e));
      } else pieces.push(fn);
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
export function textRecords(encoding: Encoding = 'text'): (r: ConsumedRecord) => Buffer {
  const headers = ['PARTITION', 'OFFSET', 'TIMESTAMP', 'KEY', 'VALUE'];
  const widths = headers.map((h) => h.length);
  let headed = false;
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return (r) => {
    const cells = [String(r.partition), String(r.offset), r.timestamp >= 0 ? new Date(r.timestamp).toISOString() : String(r.timestamp), encodeOrNull(r.key, encoding) ?? '-', encodeOrNull(r.value, encoding) ?? '-'];
    cells.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i]!, c.length)));
    const row = line(cells) + '\n';
    if (headed) return Buffer.from(row);
    headed = true;
    return Buffer.from(line(headers) + '\n' + row);
  };
}

/** One record as a JSON line; keys, values and header values in the encoding (binary data survives hex and base64). */
export function recordJson(r: ConsumedRecord, encoding: Encoding = 'text'): string {
  return JSON.stringify({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: encodeOrNull(r.key, encoding),
    value: encodeOrNull(r.value, encoding),
    headers: r.headers.map((h) => ({ key: h.key, value: encodeOrNull(h.value, encoding) })),
  });
}

/** The inverse for produce --encoding: a line's key or value as hex or base64 text; one clear line when it is not. */
export function decodeInput(b: Buffer, encoding: Encoding, what: string): Buffer {
  if (encoding === 'text') return b;
  const s = b.toString('latin1').trim();
  const ok = encoding === 'hex' ? /^([0-9a-fA-F]{2})*$/.test(s) : /^[A-Za-z0-9+/_-]*={0,2}$/.test(s) && s.replace(/=+$/, '').length % 4 !== 1;
  if (!ok) throw new CliError(`bad ${what} "${s.length > 40 ? s.slice(0, 40) + '...' : s}": not ${encoding}`);
  return Buffer.from(s, encoding === 'hex' ? 'hex' : 'base64');
}

export type OffsetSpec =
  | { kind: 'start' }
  | { kind: 'end' }
  | { kind: 'offset'; offset: number }
  | { kind: 'fromStart'; delta: number }
  | { kind: 'fromEnd'; delta: number }
  | { kind: 'timestamp'; timestamp: number }
  /** N:M, from N (or the start) up to M excluded (or the end offsets when the range began). */
  | { kind: 'range'; from: { kind: 'start' } | { kind: 'offset'; offset: number }; to: number | 'end' }
  /** @A:B, the records from the first at or after time A (or the start) to the first at or after B, excluded (or the end). */
  | { kind: 'timeRange'; from: number | null; to: number | null };

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** 90s, 1h30m, 2d: a positive duration in milliseconds, or null. */
export function parseSpan(s: string): number | null {
  if (!/^(\d+(?:\.\d+)?(ms|s|m|h|d))+$/.test(s)) return null;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Math.round(total);
}

/**
 * A point in time as rpk takes it: milliseconds since the epoch, a date or RFC 3339 time, or a
 * duration before now (-1h). With `after` (the end of a range), a duration without a sign or with
 * + is counted from the range's start, as in rpk's @T:1h.
 */
function parseTime(s: string, now: number, after?: number | null): number | null {
  if (/^\d+$/.test(s)) return Number(s);
  if (s.startsWith('-')) {
    const span = parseSpan(s.slice(1));
    return span === null ? null : now - span;
  }
  if (after !== undefined) {
    const span = parseSpan(s.replace(/^\+/, ''));
    if (span !== null) return (after ?? now) + span;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(s)) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : null;
}

/** @A, @A:B, @:B and @A: with the times of parseTime (an RFC 3339 time has colons of its own). */
function parseTimeSpec(v: string, now: number): OffsetSpec | null {
  const single = parseTime(v, now);
  if (single !== null) return { kind: 'timestamp', timestamp: single };
  for (let i = v.indexOf(':'); i >= 0; i = v.indexOf(':', i + 1)) {
    const a = v.slice(0, i);
    const b = v.slice(i + 1);
    const from = a === '' ? null : parseTime(a, now);
    if (from === null && a !== '') continue;
    const to = b === '' ? null : parseTime(b, now, from);
    if (to === null && b !== '') continue;
    if (from === null && to === null) return null;
    return { kind: 'timeRange', from, to };
  }
  return null;
}

/**
 * start|oldest|beginning, end|newest, N, +N (after start), -N (before end), @timestamp (ms, a date
 * or RFC 3339 time, or -1h: an hour ago), ranges N:M (M excluded), N: or N:end (to the end), :M
 * (from the start), and time ranges @A:B, @A: and @:B (B may also be a duration after A: @-2h:1h).
 */
export function parseOffsetSpec(s: string, now = Date.now()): OffsetSpec {
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
    const spec = parseTimeSpec(v.slice(1), now);
    if (spec) return spec;
  }
  throw new CliError(`bad offset "${s}": expected start, end, N, +N, -N, @timestamp (ms, a date, -1h), a range N:M or @A:B`);
}
