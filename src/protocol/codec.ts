import { DecodeError } from './decode-error.js';
import { Reader } from './reader.js';
import { inRange, parseRange, type ApiSpec, type Field, type Fields, type PrimitiveType } from './schema.js';
import { Writer, type RecordsData } from './writer.js';

/** Encoder and decoder of one struct at one version, derived from its field definitions. */
export interface StructCodec {
  /** Fewest bytes one encoded value takes (0 for a struct with no fields in this version). */
  readonly minSize: number;
  encode(w: Writer, value: object): void;
  decode(r: Reader): Record<string, unknown>;
}

type Enc = (w: Writer, v: unknown) => void;
type Dec = (r: Reader) => unknown;

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

function primitiveCodec(type: PrimitiveType, nullable: boolean, flexible: boolean): { enc: Enc; dec: Dec; min: number } {
  switch (type) {
    case 'bool':
      return { enc: (w, v) => w.bool(v as boolean), dec: (r) => r.bool(), min: 1 };
    case 'int8':
      return { enc: (w, v) => w.int8(v as number), dec: (r) => r.int8(), min: 1 };
    case 'int16':
      return { enc: (w, v) => w.int16(v as number), dec: (r) => r.int16(), min: 2 };
    case 'uint16':
      return { enc: (w, v) => w.uint16(v as number), dec: (r) => r.uint16(), min: 2 };
    case 'int32':
      return { enc: (w, v) => w.int32(v as number), dec: (r) => r.int32(), min: 4 };
    case 'uint32':
      return { enc: (w, v) => w.uint32(v as number), dec: (r) => r.uint32(), min: 4 };
    case 'int64':
      return { enc: (w, v) => w.int64(v as number), dec: (r) => r.int64(), min: 8 };
    case 'float64':
      return { enc: (w, v) => w.float64(v as number), dec: (r) => r.float64(), min: 8 };
    case 'uuid':
      return { enc: (w, v) => w.uuid(v as string), dec: (r) => r.uuid(), min: 16 };
    case 'string':
      if (flexible) {
        return nullable
          ? { enc: (w, v) => (v === null ? w.uvarint(0) : w.compactString(v as string)), dec: (r) => r.compactNullableString(), min: 1 }
          : { enc: (w, v) => w.compactString(v as string), dec: (r) => r.compactString(), min: 1 };
      }
      return nullable
        ? { enc: (w, v) => (v === null ? w.int16(-1) : w.string(v as string)), dec: (r) => r.nullableString(), min: 2 }
        : { enc: (w, v) => w.string(v as string), dec: (r) => r.string(), min: 2 };
    case 'bytes':
    case 'records': {
      const size = (v: RecordsData): number => (Buffer.isBuffer(v) ? v.length : v.size);
      const enc: Enc = flexible
        ? (w, v) => {
            if (v === null) return w.uvarint(0);
            w.uvarint(size(v as RecordsData) + 1);
            w.records(v as RecordsData);
          }
        : (w, v) => {
            if (v === null) return w.int32(-1);
            w.int32(size(v as RecordsData));
            w.records(v as RecordsData);
          };
      const dec: Dec = flexible
        ? nullable ? (r) => r.compactNullableBytes() : (r) => r.compactBytes()
        : nullable ? (r) => r.nullableBytes() : (r) => r.bytes();
      return { enc, dec, min: flexible ? 1 : 4 };
    }
  }
}

/** The value a field takes when it is absent from a version (Kafka's defaults). */
export function defaultValue(field: Field): unknown {
  if (field.default !== undefined) return field.default;
  if (field.kind === 'array') return [];
  if (field.kind === 'struct') return defaultStruct(field.fields);
  switch (field.type) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'uuid':
      return ZERO_UUID;
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return null;
    default:
      return 0;
  }
}

export function defaultStruct(fields: Fields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name in fields) out[name] = defaultValue(fields[name]!);
  return out;
}

/** Fresh default each time, so decoded values never share mutable arrays or structs. */
function defaultFactory(field: Field): () => unknown {
  if (field.default !== undefined) {
    const d = field.default;
    return () => d;
  }
  if (field.kind === 'array') return () => [];
  if (field.kind === 'struct') return () => defaultStruct(field.fields);
  if (field.type === 'bytes') return () => Buffer.alloc(0);
  const d = defaultValue(field);
  return () => d;
}

function isDefault(field: Field, v: unknown): boolean {
  if (field.kind === 'array') return field.default === null ? v === null : Array.isArray(v) && v.length === 0;
  if (field.kind === 'struct') {
    // A struct equal to its default instance is not written, so decode → encode keeps the bytes.
    if (v === null || v === undefined) return true;
    const s = v as Record<string, unknown>;
    for (const name in field.fields) if (!isDefault(field.fields[name]!, s[name])) return false;
    return true;
  }
  if (Buffer.isBuffer(v)) return v.length === 0 && field.default === undefined;
  return v === defaultValue(field);
}

function fieldCodec(field: Field, version: number, flexible: boolean): { enc: Enc; dec: Dec; min: number } {
  const nullable = field.nullable !== undefined && inRange(parseRange(field.nullable), version);
  if (field.kind === 'primitive') return primitiveCodec(field.type, nullable, flexible);
  if (field.kind === 'struct') {
    const sc = compileStruct(field.fields, version, flexible);
    if (!nullable) return { enc: (w, v) => sc.encode(w, v as object), dec: (r) => sc.decode(r), min: sc.minSize };
    // Kafka writes a nullable struct as an int8 marker: -1 for null, 1 followed by the struct.
    return {
      enc: (w, v) => {
        if (v === null || v === undefined) return w.int8(-1);
        w.int8(1);
        sc.encode(w, v as object);
      },
      dec: (r) => {
        const marker = r.int8();
        if (marker < 0) return null;
        return sc.decode(r);
      },
      min: 1,
    };
  }
  const elem =
    typeof field.of === 'string'
      ? primitiveCodec(field.of, false, flexible)
      : (() => {
          const sc = compileStruct(field.of, version, flexible);
          return { enc: (w: Writer, v: unknown) => sc.encode(w, v as object), dec: (r: Reader) => sc.decode(r), min: sc.minSize };
        })();
  const { enc: encElem, dec: decElem } = elem;
  // Like Kafka, an array may not claim more elements than bytes left, even if its elements are empty.
  const min = Math.max(1, elem.min);
  const enc: Enc = (w, v) => {
    if (v === null || v === undefined) {
      if (!nullable && v === null) throw new Error('null array in a non-nullable field');
      if (flexible) w.uvarint(0);
      else w.int32(v === null ? -1 : 0);
      return;
    }
    const arr = v as unknown[];
    if (flexible) w.uvarint(arr.length + 1);
    else w.int32(arr.length);
    for (let i = 0; i < arr.length; i++) encElem(w, arr[i]);
  };
  const dec: Dec = (r) => {
    const n = flexible ? r.compactArrayLength(min) : r.arrayLength(min);
    if (n < 0) {
      if (!nullable) throw new DecodeError('null array in a non-nullable field');
      return null;
    }
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = decElem(r);
    return out;
  };
  return { enc, dec, min: flexible ? 1 : 4 };
}

interface Tagged {
  name: string;
  tag: number;
  field: Field;
  enc: Enc;
  dec: Dec;
}

const structCache = new WeakMap<Fields, Map<string, StructCodec>>();

export function compileStruct(fields: Fields, version: number, flexible: boolean): StructCodec {
  let byVersion = structCache.get(fields);
  if (!byVersion) structCache.set(fields, (byVersion = new Map()));
  const cacheKey = `${version}:${flexible ? 1 : 0}`;
  const cached = byVersion.get(cacheKey);
  if (cached) return cached;

  const names: string[] = [];
  const encs: (Enc | null)[] = [];
  const decs: Dec[] = [];
  const tagged: Tagged[] = [];
  let minSize = flexible ? 1 : 0;
  for (const name in fields) {
    const field = fields[name]!;
    const present = inRange(parseRange(field.versions), version);
    const isTagged = present && flexible && field.tagged !== undefined && inRange(parseRange(field.tagged), version);
    if (!present) {
      names.push(name);
      encs.push(null);
      decs.push(defaultFactory(field));
      continue;
    }
    const c = fieldCodec(field, version, flexible);
    if (isTagged) {
      tagged.push({ name, tag: field.tag ?? 0, field, enc: c.enc, dec: c.dec });
      names.push(name);
      encs.push(null);
      decs.push(defaultFactory(field));
      continue;
    }
    names.push(name);
    encs.push(c.enc);
    decs.push(c.dec);
    minSize += c.min;
  }
  tagged.sort((a, b) => a.tag - b.tag);
  const taggedByTag = new Map(tagged.map((t) => [t.tag, t]));
  const n = names.length;

  const codec: StructCodec = {
    minSize,
    encode(w, value) {
      const v = value as Record<string, unknown>;
      for (let i = 0; i < n; i++) {
        const e = encs[i];
        if (e) e(w, v[names[i]!]);
      }
      if (!flexible) return;
      let count = 0;
      for (const t of tagged) if (!isDefault(t.field, v[t.name])) count++;
      w.uvarint(count);
      if (count === 0) return;
      for (const t of tagged) {
        const tv = v[t.name];
        if (isDefault(t.field, tv)) continue;
        const sub = new Writer(64);
        t.enc(sub, tv);
        const bytes = sub.finish();
        w.uvarint(t.tag);
        w.uvarint(bytes.length);
        w.raw(bytes);
      }
    },
    decode(r) {
      const out: Record<string, unknown> = {};
      // Absent and tagged fields get their defaults first so every object has the same shape.
      for (let i = 0; i < n; i++) out[names[i]!] = decs[i]!(r);
      if (flexible) readTaggedFields(r, taggedByTag, out);
      return out;
    },
  };
  byVersion.set(cacheKey, codec);
  return codec;
}

/**
 * Most tagged fields one section may carry, as Kafka 4.4 bounds them: no schema defines more than a
 * handful, and each unknown one costs a loop turn, so a frame of empty tagged fields only burns CPU.
 */
export const MAX_TAGGED_FIELDS = 10_000;

function readTaggedFields(r: Reader, known: Map<number, Tagged>, out: Record<string, unknown>): void {
  const count = r.uvarint();
  if (count > MAX_TAGGED_FIELDS) throw new DecodeError(`${count} tagged fields exceed the limit of ${MAX_TAGGED_FIELDS}`);
  if (count > r.remaining) throw new DecodeError(`${count} tagged fields exceed the frame`);
  let lastTag = -1;
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    if (tag <= lastTag && i > 0) throw new DecodeError('tagged fields out of order');
    lastTag = tag;
    const size = r.uvarint();
    if (size > r.remaining) throw new DecodeError(`tagged field of ${size} bytes exceeds the frame`);
    const t = known.get(tag);
    if (!t) {
      r.skip(size);
      continue;
    }
    const sub = new Reader(r.buf, r.pos, r.pos + size);
    out[t.name] = t.dec(sub);
    if (sub.pos !== sub.end) throw new DecodeError(`tagged field ${t.name} has trailing bytes`);
    r.skip(size);
  }
}

/** Unknown tagged fields in headers are skipped; headers define none we use. */
export function skipTaggedFields(r: Reader): void {
  readTaggedFields(r, new Map(), {});
}

export function isFlexible(spec: ApiSpec, version: number): boolean {
  return inRange(parseRange(spec.flexible), version);
}

export function supports(spec: ApiSpec, version: number): boolean {
  return inRange(parseRange(spec.versions), version);
}

export function requestCodec(spec: ApiSpec, version: number): StructCodec {
  return compileStruct(spec.request, version, isFlexible(spec, version));
}

export function responseCodec(spec: ApiSpec, version: number): StructCodec {
  return compileStruct(spec.response, version, isFlexible(spec, version));
}
