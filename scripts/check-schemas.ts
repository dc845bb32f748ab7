// check:schemas — compares every API definition in src/protocol/messages/ with Kafka's own JSON
// message definitions (../shared/kafka-protocol/messages/, or $SAMSA_KAFKA_SCHEMAS), field by field.
// Prints every difference with its path and exits 1 on any; exits 0 when the folder is absent,
// because the project must build and test without it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_APIS } from '../src/protocol/messages/index.js';
import { parseRange, type ApiSpec, type Field, type Fields } from '../src/protocol/schema.js';

interface KafkaField {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string | number | boolean;
  fields?: KafkaField[];
}

interface KafkaMessage {
  apiKey: number;
  name: string;
  validVersions: string;
  flexibleVersions: string;
  fields: KafkaField[];
  commonStructs?: { name: string; versions: string; fields: KafkaField[] }[];
}

const PRIMITIVES = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'bytes', 'records', 'uuid']);

function schemaDir(): string {
  if (process.env['SAMSA_KAFKA_SCHEMAS']) return process.env['SAMSA_KAFKA_SCHEMAS'];
  // This file runs as dist/scripts/check-schemas.js; the repository root is two levels up.
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [join(here, '../../../shared/kafka-protocol/messages'), join(here, '../../shared/kafka-protocol/messages')];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

/** Removes // comments outside of string literals, then parses. */
export function parseKafkaJson(src: string): unknown {
  let out = '';
  let inString = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += src[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      out += '\n';
    } else {
      out += c;
    }
  }
  return JSON.parse(out);
}

const lcfirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** A version range restricted to the message's valid versions, as "a-b" or "none". */
function norm(range: string | undefined, valid: { min: number; max: number }): string {
  if (range === undefined) return 'none';
  const r = parseRange(range.trim());
  const min = Math.max(r.min, valid.min);
  const max = Math.min(r.max, valid.max);
  return min > max ? 'none' : `${min}-${max}`;
}

function kafkaDefault(d: string | number | boolean, type: string): unknown {
  const s = String(d).trim();
  if (s === 'null') return null;
  if (type === 'bool') return s === 'true';
  if (type === 'string') return String(d);
  if (PRIMITIVES.has(type)) {
    const neg = s.startsWith('-');
    const n = Number(neg ? s.slice(1) : s);
    return neg ? -n : n;
  }
  return s;
}

function ourType(field: Field): string {
  if (field.kind === 'primitive') return field.type;
  if (field.kind === 'struct') return field.structName;
  return typeof field.of === 'string' ? `[]${field.of}` : `[]${field.structName ?? '?'}`;
}

class Checker {
  differences: string[] = [];
  fieldsChecked = 0;

  diff(path: string, what: string): void {
    this.differences.push(`${path}: ${what}`);
  }

  compareFields(path: string, ours: Fields, theirs: KafkaField[], common: Map<string, KafkaField[]>, valid: { min: number; max: number }): void {
    const ourNames = Object.keys(ours);
    const theirNames = theirs.map((k) => lcfirst(k.name));
    for (const n of theirNames) if (!(n in ours)) this.diff(`${path}.${n}`, 'missing in our definition');
    for (const n of ourNames) if (!theirNames.includes(n)) this.diff(`${path}.${n}`, 'not in Kafka\'s definition');
    const commonOrder = ourNames.filter((n) => theirNames.includes(n));
    const theirOrder = theirNames.filter((n) => n in ours);
    if (commonOrder.join(',') !== theirOrder.join(',')) this.diff(path, `field order ${commonOrder.join(',')} vs ${theirOrder.join(',')}`);

    for (const k of theirs) {
      const name = lcfirst(k.name);
      const o = ours[name];
      if (!o) continue;
      this.fieldsChecked++;
      const p = `${path}.${name}`;
      const ot = ourType(o);
      if (ot !== k.type) this.diff(p, `type ${ot} vs ${k.type}`);
      const cmp = (label: string, a: string | undefined, b: string | undefined): void => {
        const na = norm(a, valid);
        const nb = norm(b, valid);
        if (na !== nb) this.diff(p, `${label} ${a ?? 'none'} vs ${b ?? 'none'}`);
      };
      cmp('versions', o.versions, k.versions);
      cmp('nullableVersions', o.nullable, k.nullableVersions);
      cmp('taggedVersions', o.tagged, k.taggedVersions);
      if (k.tag !== undefined || o.tag !== undefined) {
        if (o.tag !== k.tag) this.diff(p, `tag ${o.tag ?? 'none'} vs ${k.tag ?? 'none'}`);
      }
      const baseType = k.type.startsWith('[]') ? 'array' : PRIMITIVES.has(k.type) ? k.type : 'struct';
      const theirDefault = k.default === undefined ? undefined : kafkaDefault(k.default, baseType);
      if (theirDefault !== undefined || o.default !== undefined) {
        if (!Object.is(theirDefault, o.default)) this.diff(p, `default ${JSON.stringify(o.default)} vs ${JSON.stringify(theirDefault)}`);
      }
      // Nested structs: inline fields or a common struct by name.
      const elemType = k.type.startsWith('[]') ? k.type.slice(2) : k.type;
      if (!PRIMITIVES.has(elemType)) {
        const theirFields = k.fields ?? common.get(elemType);
        const ourFields = o.kind === 'struct' ? o.fields : o.kind === 'array' && typeof o.of !== 'string' ? o.of : undefined;
        if (!theirFields) this.diff(p, `Kafka struct ${elemType} not found`);
        else if (!ourFields) this.diff(p, 'ours is not a struct');
        else this.compareFields(k.type.startsWith('[]') ? `${p}[]` : p, ourFields, theirFields, common, valid);
      }
    }
  }

  compareApi(spec: ApiSpec, side: 'request' | 'response', msg: KafkaMessage): void {
    const path = `${spec.name}.${side}`;
    if (msg.apiKey !== spec.key) this.diff(path, `api key ${spec.key} vs ${msg.apiKey}`);
    const valid = parseRange(msg.validVersions);
    const ourValid = parseRange(spec.versions);
    if (valid.min !== ourValid.min || valid.max !== ourValid.max) this.diff(path, `versions ${spec.versions} vs ${msg.validVersions}`);
    if (norm(spec.flexible, valid) !== norm(msg.flexibleVersions, valid)) this.diff(path, `flexibleVersions ${spec.flexible} vs ${msg.flexibleVersions}`);
    const common = new Map((msg.commonStructs ?? []).map((c) => [c.name, c.fields]));
    this.compareFields(path, side === 'request' ? spec.request : spec.response, msg.fields, common, valid);
  }
}

function main(): void {
  const dir = schemaDir();
  if (!existsSync(dir)) {
    console.log(`check:schemas: Kafka's message definitions not found at ${dir}; nothing to compare (set SAMSA_KAFKA_SCHEMAS)`);
    return;
  }
  const checker = new Checker();
  for (const spec of ALL_APIS) {
    for (const side of ['request', 'response'] as const) {
      const file = join(dir, `${spec.name}${side === 'request' ? 'Request' : 'Response'}.json`);
      if (!existsSync(file)) {
        checker.diff(`${spec.name}.${side}`, `${file} not found`);
        continue;
      }
      checker.compareApi(spec, side, parseKafkaJson(readFileSync(file, 'utf8')) as KafkaMessage);
    }
  }
  for (const d of checker.differences) console.log(d);
  console.log(`check:schemas: ${ALL_APIS.length} APIs, ${checker.fieldsChecked} fields checked, ${checker.differences.length} differences`);
  if (checker.differences.length > 0) process.exitCode = 1;
}

main();
