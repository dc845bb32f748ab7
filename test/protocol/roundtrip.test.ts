// Property-based round trip: every request and response of every version of every API, with
// random field values generated from the definitions themselves, encodes and decodes to itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isFlexible } from '../../src/protocol/codec.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../src/protocol/frame.js';
import { ALL_APIS } from '../../src/protocol/messages/index.js';
import type { RequestOf, ResponseOf } from '../../src/protocol/schema.js';
import { requestArb, responseArb, versionsOf } from './arbitrary.js';

const RUNS = 40;

for (const spec of ALL_APIS) {
  test(`${spec.name} (key ${spec.key}) v${spec.versions} round-trips`, () => {
    for (const version of versionsOf(spec)) {
      const flexible = isFlexible(spec, version);
      fc.assert(
        fc.property(
          requestArb(spec, version, flexible),
          fc.integer({ min: -2147483648, max: 2147483647 }),
          fc.option(fc.string({ unit: 'binary', maxLength: 10 }), { nil: null }),
          (body, correlationId, clientId) => {
            const header = { apiKey: spec.key, apiVersion: version, correlationId, clientId };
            const frame = encodeRequest(spec, header, body as RequestOf<typeof spec>);
            assert.equal(frame.readInt32BE(0), frame.length - 4, 'size prefix');
            const decoded = decodeRequest(spec, frame.subarray(4));
            assert.deepEqual(decoded.header, header);
            assert.deepEqual(decoded.body, body, `${spec.name} v${version} request`);
          },
        ),
        { numRuns: RUNS },
      );
      fc.assert(
        fc.property(responseArb(spec, version, flexible), fc.integer({ min: -2147483648, max: 2147483647 }), (body, correlationId) => {
          const frame = encodeResponse(spec, version, correlationId, body as ResponseOf<typeof spec>);
          assert.equal(frame.readInt32BE(0), frame.length - 4, 'size prefix');
          const decoded = decodeResponse(spec, version, frame.subarray(4));
          assert.equal(decoded.correlationId, correlationId);
          assert.deepEqual(decoded.body, body, `${spec.name} v${version} response`);
        }),
        { numRuns: RUNS },
      );
    }
  });
}
