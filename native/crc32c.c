// CRC32C (Castagnoli) with the SSE4.2 crc32 instruction, three streams at once.
//
// One crc32 instruction has a latency of three cycles but a throughput of one per cycle, so a
// single dependent chain uses a third of what the core can do. The buffer is cut into three
// adjacent blocks whose CRCs are computed together and then joined: the CRC register is linear
// in (register, data), so the register after A||B is the register after A advanced over |B|
// zero bytes, xor the register of B alone from zero. Advancing over a fixed number of zero bytes
// is a linear map of the 32-bit register, applied with four 256-entry tables built at load time.
#include "samsa_native.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#include <string.h>

#define LONG_BLOCK 8192
#define SHORT_BLOCK 256

static uint32_t long_shift[4][256];
static uint32_t short_shift[4][256];

__attribute__((target("sse4.2"))) static uint32_t advance_over_zeros(uint32_t reg, size_t n) {
  uint64_t c = reg;
  for (; n >= 8; n -= 8) c = _mm_crc32_u64(c, 0);
  for (; n > 0; n--) c = _mm_crc32_u8((uint32_t)c, 0);
  return (uint32_t)c;
}

static void build_shift_table(uint32_t table[4][256], size_t n) {
  uint32_t basis[32];
  for (int i = 0; i < 32; i++) basis[i] = advance_over_zeros(1u << i, n);
  for (int k = 0; k < 4; k++)
    for (int v = 0; v < 256; v++) {
      uint32_t r = 0;
      for (int bit = 0; bit < 8; bit++)
        if (v & (1 << bit)) r ^= basis[8 * k + bit];
      table[k][v] = r;
    }
}

static inline uint32_t shift(uint32_t table[4][256], uint32_t reg) {
  return table[0][reg & 0xff] ^ table[1][(reg >> 8) & 0xff] ^ table[2][(reg >> 16) & 0xff] ^
         table[3][reg >> 24];
}

static inline uint64_t load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

/* Consumes whole runs of three adjacent `block`-byte blocks, CRCs computed side by side. */
__attribute__((target("sse4.2"))) static inline uint64_t three_streams(uint64_t c0, const uint8_t **pp,
                                                                      size_t *lenp, size_t block,
                                                                      uint32_t table[4][256]) {
  const uint8_t *p = *pp;
  size_t len = *lenp;
  while (len >= 3 * block) {
    uint64_t c1 = 0, c2 = 0;
    const uint8_t *end = p + block;
    do {
      c0 = _mm_crc32_u64(c0, load64(p));
      c1 = _mm_crc32_u64(c1, load64(p + block));
      c2 = _mm_crc32_u64(c2, load64(p + 2 * block));
      p += 8;
    } while (p < end);
    c0 = shift(table, (uint32_t)c0) ^ (uint32_t)c1;
    c0 = shift(table, (uint32_t)c0) ^ (uint32_t)c2;
    p += 2 * block;
    len -= 3 * block;
  }
  *pp = p;
  *lenp = len;
  return c0;
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const uint8_t *p,
                                                            size_t len) {
  uint64_t c0 = crc ^ 0xffffffffu;
  while (len > 0 && ((uintptr_t)p & 7) != 0) {
    c0 = _mm_crc32_u8((uint32_t)c0, *p++);
    len--;
  }
  c0 = three_streams(c0, &p, &len, LONG_BLOCK, long_shift);
  c0 = three_streams(c0, &p, &len, SHORT_BLOCK, short_shift);
  for (; len >= 8; len -= 8, p += 8) c0 = _mm_crc32_u64(c0, load64(p));
  for (; len > 0; len--) c0 = _mm_crc32_u8((uint32_t)c0, *p++);
  return (uint32_t)c0 ^ 0xffffffffu;
}

/* crc32c(bytes: Uint8Array, crc = 0): number; crc continues an earlier result. */
static napi_value js_crc32c(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], ret;
  NAPI_CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (argc < 1 ||
      napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "crc32c(bytes: Uint8Array, crc?: number)");
    return NULL;
  }
  uint32_t crc = 0;
  if (argc > 1) NAPI_CHECK(napi_get_value_uint32(env, argv[1], &crc));
  NAPI_CHECK(napi_create_uint32(env, crc32c_hw(crc, data, length), &ret));
  return ret;
}

int samsa_register_crc32c(napi_env env, napi_value exports) {
  if (!__builtin_cpu_supports("sse4.2")) return 0;
  build_shift_table(long_shift, LONG_BLOCK);
  build_shift_table(short_shift, SHORT_BLOCK);
  napi_property_descriptor p = {"crc32c", NULL, js_crc32c, NULL, NULL, NULL, napi_default, NULL};
  return napi_define_properties(env, exports, 1, &p) == napi_ok;
}

#else

int samsa_register_crc32c(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
  return 0;
}

#endif
