// Fuzz: for every API key, random and mutated frames (valid encodings with bytes flipped, inserted,
// deleted or cut off, plus pure noise) go to the request and response decoders. Each must end in a
// decoded value or a DecodeError, and a decoded value never holds an array longer than the frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isFlexible } from '../../src/protocol/codec.js';
import { DecodeError } from '../../src/protocol/decode-error.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../src/protocol/frame.js';
import { ALL_APIS } from '../../src/protocol/messages/index.js';
import type { ApiSpec, RequestOf, ResponseOf } from '../../src/protocol/schema.js';
import { requestArb, responseArb, versionsOf } from './arbitrary.js';

/** Frames per API key (requests; as many again go to the response decoder). */
const FRAMES = Number(process.env['SAMSA_FUZZ_FRAMES'] ?? 100_000);
const SEEDS_PER_VERSION = 6;

/** xorshift32: cheap and reproducible, so a failure can be replayed from its seed. */
class Rng {
  constructor(private s: number) {
    if (this.s === 0) this.s = 1;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  below(n: number): number {
    return this.next() % n;
  }
}

function seeds(spec: ApiSpec, side: 'request' | 'response', seed: number): { version: number; frame: Buffer }[] {
  const out: { version: number; frame: Buffer }[] = [];
  for (const version of versionsOf(spec)) {
    const flexible = isFlexible(spec, version);
    const arb = side === 'request' ? requestArb(spec, version, flexible) : responseArb(spec, version, flexible);
    for (const body of fc.sample(arb, { numRuns: SEEDS_PER_VERSION, seed: seed + version })) {
      const frame =
        side === 'request'
          ? encodeRequest(spec, { apiKey: spec.key, apiVersion: version, correlationId: 1, clientId: 'fuzz' }, body as RequestOf<typeof spec>)
          : encodeResponse(spec, version, 1, body as ResponseOf<typeof spec>);
      out.push({ version, frame: Buffer.from(frame.subarray(4)) });
    }
  }
  return out;
}

/** Bytes that make lengths and counts interesting when written over a frame. */
const SPECIAL = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe];

function mutate(rng: Rng, src: Buffer): Buffer {
  let b = Buffer.from(src);
  const n = 1 + rng.below(4);
  for (let i = 0; i < n; i++) {
    const op = rng.below(6);
    const at = b.length === 0 ? 0 : rng.below(b.length);
    if (op === 0 && b.length > 0) b[at] = b[at]! ^ (1 << rng.below(8));
    else if (op === 1 && b.length > 0) b[at] = SPECIAL[rng.below(SPECIAL.length)]!;
    else if (op === 2) {
      const ins = Buffer.alloc(1 + rng.below(4));
      for (let j = 0; j < ins.length; j++) ins[j] = rng.below(256);
      b = Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
    } else if (op === 3 && b.length > 0) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rng.below(4))]);
    else if (op === 4) b = b.subarray(0, at);
    else if (b.length > 0) b[at] = rng.below(256);
  }
  return b;
}

function noise(rng: Rng, apiKey: number, version: number): Buffer {
  const b = Buffer.allocUnsafe(rng.below(64));
  for (let i = 0; i < b.length; i++) b[i] = rng.below(256);
  // Half of the noise gets a plausible request header so it reaches the body decoder.
  if (b.length >= 4 && rng.below(2) === 0) {
    b.writeInt16BE(apiKey, 0);
    b.writeInt16BE(version, 2);
  }
  return b;
}

/** Largest array anywhere in a decoded value. */
function longestArray(v: unknown): number {
  if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return 0;
  let max = 0;
  if (Array.isArray(v)) {
    max = v.length;
    for (const e of v) max = Math.max(max, longestArray(e));
    return max;
  }
  for (const k in v) max = Math.max(max, longestArray((v as Record<string, unknown>)[k]));
  return max;
}

interface Tally {
  frames: number;
  decoded: number;
  rejected: number;
}

function feed(tally: Tally, frame: Buffer, decode: (f: Buffer) => unknown, what: string): void {
  tally.frames++;
  let value: unknown;
  try {
    value = decode(frame);
  } catch (err) {
    if (err instanceof DecodeError) {
      tally.rejected++;
      return;
    }
    assert.fail(`${what}: ${String(err)} on frame ${frame.toString('hex')}`);
  }
  tally.decoded++;
  const longest = longestArray(value);
  if (longest > frame.length) assert.fail(`${what}: array of ${longest} from a ${frame.length}-byte frame ${frame.toString('hex')}`);
}

const started = Date.now();
let totalFrames = 0;

for (const spec of ALL_APIS) {
  test(`fuzz ${spec.name} (key ${spec.key}): ${FRAMES} request and ${FRAMES} response frames`, () => {
    const rng = new Rng(0x9e3779b9 ^ (spec.key * 2654435761));
    const versions = versionsOf(spec);
    const reqSeeds = seeds(spec, 'request', spec.key * 1000);
    const resSeeds = seeds(spec, 'response', spec.key * 1000 + 500);
    const req: Tally = { frames: 0, decoded: 0, rejected: 0 };
    const res: Tally = { frames: 0, decoded: 0, rejected: 0 };
    for (let i = 0; i < FRAMES; i++) {
      const pure = rng.below(10) === 0;
      const version = versions[rng.below(versions.length)]!;
      const reqFrame = pure ? noise(rng, spec.key, version) : mutate(rng, reqSeeds[rng.below(reqSeeds.length)]!.frame);
      feed(req, reqFrame, (f) => decodeRequest(spec, f), `${spec.name} request`);
      const s = resSeeds[rng.below(resSeeds.length)]!;
      // Mostly the version the frame was encoded with, sometimes another one.
      const resVersion = rng.below(4) === 0 ? version : s.version;
      const resFrame = pure ? noise(rng, spec.key, version) : mutate(rng, s.frame);
      feed(res, resFrame, (f) => decodeResponse(spec, resVersion, f), `${spec.name} v${resVersion} response`);
    }
    totalFrames += req.frames + res.frames;
    // Mutations must not all be rejected (or all accepted): both paths are exercised.
    assert.ok(req.decoded > 0 && req.rejected > 0, JSON.stringify(req));
    assert.ok(res.decoded > 0 && res.rejected > 0, JSON.stringify(res));
  });
}

test('fuzz throughput', () => {
  const secs = (Date.now() - started) / 1000;
  console.log(`fuzz: ${totalFrames} frames in ${secs.toFixed(1)} s (${Math.round(totalFrames / secs)} frames/s)`);
});
