// Output helpers for the client commands: aligned tables for people, JSON for scripts, and the
// one-line error every failure ends with.

export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** Left-aligned columns separated by two spaces; headers upper case, as rpk prints them. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n') + '\n';
}

export function out(s: string): void {
  process.stdout.write(s);
}

export function json(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}

/** Parses "key=value" (the value may contain '='). */
export function parseKeyValue(s: string, what: string): [string, string] {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new CliError(`malformed ${what} "${s}": expected key=value`);
  return [s.slice(0, eq), s.slice(eq + 1)];
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseIntArg(s: string, what: string, min = 0): number {
  if (!/^-?\d+$/.test(s.trim())) throw new CliError(`bad ${what} "${s}": expected an integer`);
  const n = Number(s);
  if (n < min) throw new CliError(`bad ${what} "${s}": must be at least ${min}`);
  return n;
}

/** A duration as 500ms, 10s, 2m or a bare number of milliseconds. */
export function parseDuration(s: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s.trim());
  if (!m) throw new CliError(`bad ${what} "${s}": expected a duration such as 500ms, 10s or 2m`);
  const n = Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 1);
  if (n < 1) throw new CliError(`bad ${what} "${s}": must be at least 1ms`);
  return Math.round(n);
}
