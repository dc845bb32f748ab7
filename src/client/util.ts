import { defaultValue } from '../protocol/codec.js';
import { errorInfo } from '../protocol/errors.js';
import { inRange, parseRange, type Fields, type RequestOf } from '../protocol/schema.js';

type DeepPartial<T> = T extends Buffer
  ? T
  : T extends readonly (infer U)[]
    ? DeepPartial<U>[]
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;

/** A request body where fields may be left out: they take Kafka's defaults. */
export type ReqBody<A> = DeepPartial<RequestOf<A>>;

/** Client-side failures carry a stable code; Kafka error codes from responses become KafkaError. */
export class ClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retriable = code === 'NETWORK' || code === 'REQUEST_TIMEOUT',
  ) {
    super(message);
    this.name = 'ClientError';
  }
}

/** A Kafka error code returned by a broker, with its name and whether retrying may help. */
export class KafkaError extends ClientError {
  readonly errorCode: number;
  constructor(errorCode: number, context: string, brokerMessage?: string | null) {
    const info = errorInfo(errorCode);
    super(info.name, `${context}: ${info.name}${brokerMessage ? ` (${brokerMessage})` : ` (${info.message})`}`, info.retriable);
    this.errorCode = errorCode;
    this.name = 'KafkaError';
  }
}

export function check(errorCode: number, context: string, message?: string | null): void {
  if (errorCode !== 0) throw new KafkaError(errorCode, context, message);
}

const presentCache = new WeakMap<Fields, Map<number, string[]>>();

function presentFields(fields: Fields, version: number): string[] {
  let m = presentCache.get(fields);
  if (!m) presentCache.set(fields, (m = new Map()));
  let names = m.get(version);
  if (!names) {
    names = Object.keys(fields).filter((n) => inRange(parseRange(fields[n]!.versions), version));
    m.set(version, names);
  }
  return names;
}

/** Fills every field present at `version` that the caller left out with Kafka's default. */
export function withDefaults(fields: Fields, version: number, value: object): object {
  const v = value as Record<string, unknown>;
  let out: Record<string, unknown> | null = null;
  for (const name of presentFields(fields, version)) {
    const field = fields[name]!;
    const cur = v[name];
    if (cur === undefined) {
      out ??= { ...v };
      out[name] = defaultValue(field);
      continue;
    }
    if (cur === null) continue;
    if (field.kind === 'array' && typeof field.of === 'object') {
      const of = field.of;
      const arr = cur as object[];
      let changed = false;
      const filled = arr.map((e) => {
        const f = withDefaults(of, version, e);
        if (f !== e) changed = true;
        return f;
      });
      if (changed) {
        out ??= { ...v };
        out[name] = filled;
      }
    } else if (field.kind === 'struct') {
      const f = withDefaults(field.fields, version, cur as object);
      if (f !== cur) {
        out ??= { ...v };
        out[name] = f;
      }
    }
  }
  return out ?? value;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** "host:port,host:port" → list; a bare host gets port 9092. */
export function parseBrokers(list: string): { host: string; port: number }[] {
  const out: { host: string; port: number }[] = [];
  for (const raw of list.split(',')) {
    const s = raw.trim();
    if (!s) continue;
    const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(s.replace(/^[a-zA-Z]+:\/\//, ''));
    if (!m) throw new ClientError('CONFIG', `bad broker address "${s}"`);
    const port = m[2] === undefined ? 9092 : Number(m[2]);
    if (!(port > 0 && port < 65536)) throw new ClientError('CONFIG', `bad broker port in "${s}"`);
    out.push({ host: m[1]!, port });
  }
  if (out.length === 0) throw new ClientError('CONFIG', 'no broker addresses given');
  return out;
}
