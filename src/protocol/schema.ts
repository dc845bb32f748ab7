import type { RecordsData } from './writer.js';

/**
 * The project's own declarative format for Kafka messages. Each API is one `api({...})` value;
 * fields are listed in wire order as object keys (camelCase of Kafka's names). Version ranges use
 * Kafka's notation: "3+", "1-4", "none". Encoders and decoders are derived from these values
 * (codec.ts); types are inferred from them (`RequestOf<typeof X>`), so nothing is written twice.
 */

export type PrimitiveType =
  | 'bool' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'float64'
  | 'string' | 'bytes' | 'records' | 'uuid';

export interface FieldOptions {
  /** Versions in which the field may be null. */
  readonly nullable?: string;
  /** Tagged-field versions and tag number. */
  readonly tagged?: string;
  readonly tag?: number;
  /** Default value when absent (as Kafka's "default"); null only for nullable fields. */
  readonly default?: number | boolean | string | null;
}

interface FieldBase<T> extends FieldOptions {
  readonly versions: string;
  /** Phantom: the JS type of the decoded value. */
  readonly __type?: T;
}

export interface PrimitiveField<T> extends FieldBase<T> {
  readonly kind: 'primitive';
  readonly type: PrimitiveType;
}

export interface ArrayField<T> extends FieldBase<T> {
  readonly kind: 'array';
  /** A primitive element type, or the fields of a struct element. */
  readonly of: PrimitiveType | Fields;
  /** Kafka's struct name, kept for readable errors and the schema check. */
  readonly structName?: string;
}

export interface StructField<T> extends FieldBase<T> {
  readonly kind: 'struct';
  readonly fields: Fields;
  readonly structName: string;
}

export type Field<T = unknown> = PrimitiveField<T> | ArrayField<T> | StructField<T>;
export type Fields = { readonly [name: string]: Field };

/** The decoded JS value of a struct. */
export type Infer<F extends Fields> = { -readonly [K in keyof F]: F[K] extends Field<infer T> ? T : never };

type N<O, T> = O extends { nullable: string } ? T | null : T;

function prim<T>(type: PrimitiveType) {
  return <const O extends FieldOptions = {}>(versions: string, opts?: O): PrimitiveField<N<O, T>> => ({
    kind: 'primitive',
    type,
    versions,
    ...(opts ?? {}),
  });
}

type PrimJs<P extends PrimitiveType> = P extends 'bool'
  ? boolean
  : P extends 'string' | 'uuid'
    ? string
    : P extends 'bytes'
      ? Buffer
      : P extends 'records'
        ? RecordsData | null
        : number;

export const f = {
  bool: prim<boolean>('bool'),
  int8: prim<number>('int8'),
  int16: prim<number>('int16'),
  uint16: prim<number>('uint16'),
  int32: prim<number>('int32'),
  uint32: prim<number>('uint32'),
  int64: prim<number>('int64'),
  float64: prim<number>('float64'),
  string: prim<string>('string'),
  bytes: prim<Buffer>('bytes'),
  /** Record batches: always nullable on the wire in Kafka's JSON terms when marked so. */
  records: prim<RecordsData | null>('records'),
  uuid: prim<string>('uuid'),

  /** Array of a primitive type, e.g. f.array('0+', 'int32'). */
  array<const P extends PrimitiveType, const O extends FieldOptions = {}>(
    versions: string,
    of: P,
    opts?: O,
  ): ArrayField<N<O, PrimJs<P>[]>> {
    return { kind: 'array', of, versions, ...(opts ?? {}) };
  },

  /** Array of structs, e.g. f.structs('0+', 'MetadataRequestTopic', { ... }). */
  structs<const F extends Fields, const O extends FieldOptions = {}>(
    versions: string,
    structName: string,
    fields: F,
    opts?: O,
  ): ArrayField<N<O, Infer<F>[]>> {
    return { kind: 'array', of: fields, structName, versions, ...(opts ?? {}) };
  },

  /** A single nested struct. */
  struct<const F extends Fields, const O extends FieldOptions = {}>(
    versions: string,
    structName: string,
    fields: F,
    opts?: O,
  ): StructField<N<O, Infer<F>>> {
    return { kind: 'struct', fields, structName, versions, ...(opts ?? {}) };
  },
};

export interface ApiSpec<Req extends Fields = Fields, Res extends Fields = Fields> {
  readonly key: number;
  /** Kafka's API name without the Request/Response suffix, e.g. "Metadata". */
  readonly name: string;
  /** Versions this definition covers (Kafka's validVersions). */
  readonly versions: string;
  readonly flexible: string;
  readonly request: Req;
  readonly response: Res;
}

export function api<const Req extends Fields, const Res extends Fields>(spec: ApiSpec<Req, Res>): ApiSpec<Req, Res> {
  return spec;
}

export type RequestOf<A> = A extends ApiSpec<infer Req, Fields> ? Infer<Req> : never;
export type ResponseOf<A> = A extends ApiSpec<Fields, infer Res> ? Infer<Res> : never;

export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

const NONE: VersionRange = { min: 1, max: 0 };

export function parseRange(s: string): VersionRange {
  if (s === 'none') return NONE;
  if (s.endsWith('+')) return { min: Number(s.slice(0, -1)), max: 0x7fff };
  const dash = s.indexOf('-');
  if (dash < 0) {
    const v = Number(s);
    return { min: v, max: v };
  }
  return { min: Number(s.slice(0, dash)), max: Number(s.slice(dash + 1)) };
}

export function inRange(r: VersionRange, v: number): boolean {
  return v >= r.min && v <= r.max;
}
