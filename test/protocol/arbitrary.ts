// Test helper: fast-check generators derived from an API definition, for one version.
import fc from 'fast-check';
import { defaultValue } from '../../src/protocol/codec.js';
import { inRange, parseRange, type ApiSpec, type Field, type Fields, type PrimitiveType } from '../../src/protocol/schema.js';

export interface ArbOptions {
  /** Longest generated array. */
  maxArray?: number;
  /** Longest generated string, in code points. */
  maxString?: number;
}

function primitive(type: PrimitiveType, o: Required<ArbOptions>): fc.Arbitrary<unknown> {
  switch (type) {
    case 'bool':
      return fc.boolean();
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer({ min: -2147483648, max: 2147483647 });
    case 'uint32':
      return fc.integer({ min: 0, max: 4294967295 });
    case 'int64':
      return fc.maxSafeInteger();
    case 'float64':
      return fc.double();
    case 'string':
      return fc.string({ unit: 'binary', maxLength: o.maxString });
    case 'uuid':
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64url'));
    case 'bytes':
    case 'records':
      return fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b));
  }
}

function fieldArb(field: Field, version: number, flexible: boolean, o: Required<ArbOptions>): fc.Arbitrary<unknown> {
  let arb: fc.Arbitrary<unknown>;
  if (field.kind === 'primitive') arb = primitive(field.type, o);
  else if (field.kind === 'struct') arb = structArb(field.fields, version, flexible, o);
  else {
    const elem = typeof field.of === 'string' ? primitive(field.of, o) : structArb(field.of, version, flexible, o);
    arb = fc.array(elem, { maxLength: o.maxArray });
  }
  if (field.nullable !== undefined && inRange(parseRange(field.nullable), version)) arb = fc.option(arb, { nil: null, freq: 4 });
  return arb;
}

/** Values a struct decodes to at `version`: absent fields hold their defaults; tagged fields are present or not. */
export function structArb(fields: Fields, version: number, flexible: boolean, opts: ArbOptions = {}): fc.Arbitrary<Record<string, unknown>> {
  const o: Required<ArbOptions> = { maxArray: opts.maxArray ?? 3, maxString: opts.maxString ?? 12 };
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const name in fields) {
    const field = fields[name]!;
    if (!inRange(parseRange(field.versions), version)) {
      model[name] = fc.constant(null).map(() => defaultValue(field));
      continue;
    }
    const arb = fieldArb(field, version, flexible, o);
    const tagged = flexible && field.tagged !== undefined && inRange(parseRange(field.tagged), version);
    model[name] = tagged ? fc.oneof(fc.constant(null).map(() => defaultValue(field)), arb) : arb;
  }
  // fc.record builds null-prototype objects; decoded structs are plain objects.
  return fc.record(model).map((v) => ({ ...v }));
}

export function requestArb(spec: ApiSpec, version: number, flexible: boolean, opts?: ArbOptions): fc.Arbitrary<Record<string, unknown>> {
  return structArb(spec.request, version, flexible, opts);
}

export function responseArb(spec: ApiSpec, version: number, flexible: boolean, opts?: ArbOptions): fc.Arbitrary<Record<string, unknown>> {
  return structArb(spec.response, version, flexible, opts);
}

export function versionsOf(spec: ApiSpec): number[] {
  const r = parseRange(spec.versions);
  const out: number[] = [];
  for (let v = r.min; v <= r.max; v++) out.push(v);
  return out;
}
