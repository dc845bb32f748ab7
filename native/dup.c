// dup(2) for sockets: a connection accepted by net.Server is re-wrapped, on a duplicate fd, in a
// net.Socket that reads into memory the broker chooses (`onread`), and the original closes. No
// FIN or RST goes out: the duplicate still holds the socket.
#include "samsa_native.h"

#if defined(__unix__)
#include <errno.h>
#include <fcntl.h>
#include <string.h>

/* dup(fd: number): number; throws on failure. */
static napi_value js_dup(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], ret;
  int32_t fd;
  NAPI_CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "dup(fd: number)");
    return NULL;
  }
  int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (d < 0) {
    napi_throw_error(env, NULL, strerror(errno));
    return NULL;
  }
  NAPI_CHECK(napi_create_int32(env, d, &ret));
  return ret;
}

int samsa_register_dup(napi_env env, napi_value exports) {
  napi_property_descriptor p = {"dup", NULL, js_dup, NULL, NULL, NULL, napi_default, NULL};
  return napi_define_properties(env, exports, 1, &p) == napi_ok;
}

#else

int samsa_register_dup(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
  return 0;
}

#endif
