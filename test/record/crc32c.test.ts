import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { crc32c as portableCrc32c } from '@node-rs/crc32';
import { loadNative } from '../../src/native/index.js';
import { crc32c, crc32cImplementation, jsCrc32c } from '../../src/record/crc32c.js';

// Lengths around the native loop's block edges (3 × 8192 and 3 × 256 bytes, 8-byte words).
const EDGES = [0, 1, 7, 8, 9, 255, 256, 767, 768, 769, 1000, 24575, 24576, 24577, 25343, 25344, 49152, 100_003, 1 << 20];

test('crc32c matches the standard check value', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
  assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
});

test('crc32c in use agrees with @node-rs/crc32 at every block edge and alignment', () => {
  for (const len of EDGES)
    for (const misalign of [0, 1, 3, 5, 7]) {
      const b = randomBytes(len + misalign).subarray(misalign);
      assert.equal(crc32c(b), portableCrc32c(b) >>> 0, `length ${len}, offset ${misalign} (${crc32cImplementation})`);
    }
});

test('the native crc32c, when built, agrees with @node-rs/crc32 and continues from an earlier CRC', (t) => {
  const native = loadNative()?.crc32c;
  if (!native) {
    // Without SSE4.2 or a build toolchain the portable path is the one in use and is covered above.
    assert.equal(crc32cImplementation, 'portable');
    return;
  }
  assert.equal(crc32cImplementation, process.env.SAMSA_NATIVE_CRC === '0' ? 'portable' : 'native');
  for (let i = 0; i < 300; i++) {
    const len = Math.floor(Math.random() ** 2 * 200_000);
    const b = randomBytes(len);
    const whole = portableCrc32c(b) >>> 0;
    assert.equal(native(b), whole);
    const cut = Math.floor(Math.random() * (len + 1));
    assert.equal(native(b.subarray(cut), native(b.subarray(0, cut))), whole, `cut at ${cut} of ${len}`);
  }
  assert.throws(() => native('not bytes' as unknown as Uint8Array), TypeError);
  t.diagnostic(`crc32c implementation: ${crc32cImplementation}`);
});

test('the JavaScript crc32c (for platforms without @node-rs/crc32) agrees with @node-rs/crc32', () => {
  assert.equal(jsCrc32c(Buffer.from('123456789')), 0xe3069283);
  for (const len of EDGES)
    for (const misalign of [0, 3]) {
      const b = randomBytes(len + misalign).subarray(misalign);
      assert.equal(jsCrc32c(b), portableCrc32c(b) >>> 0, `length ${len}, offset ${misalign}`);
    }
});
