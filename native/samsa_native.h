// What each part of the native addon registers on its exports object.
#ifndef SAMSA_NATIVE_H
#define SAMSA_NATIVE_H
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

#define NAPI_CHECK(call)                                              \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "samsa_native: bad arguments");     \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

/* Each returns nonzero when it added its functions. */
int samsa_register_sendfile(napi_env env, napi_value exports);
int samsa_register_crc32c(napi_env env, napi_value exports);
int samsa_register_dup(napi_env env, napi_value exports);
int samsa_register_lock(napi_env env, napi_value exports);

#endif
