// The addon's entry point: each part adds what the machine supports, and the JavaScript side
// falls back to its own path for whatever is missing.
#include "samsa_native.h"

static napi_value init(napi_env env, napi_value exports) {
  samsa_register_sendfile(env, exports);
  samsa_register_crc32c(env, exports);
  samsa_register_dup(env, exports);
  samsa_register_lock(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
