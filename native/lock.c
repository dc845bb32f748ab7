// An exclusive, advisory lock on an open file, for the data directory's `.lock` (Kafka's
// FileLock). Open-file-description locks (F_OFD_SETLK) are taken where the kernel has them: they
// belong to the open file, not the process, so two opens in one process exclude each other (as
// two brokers in one test process must), the kernel drops them when the process dies (kill -9
// included), and they conflict with the POSIX record locks Java's FileChannel.tryLock takes, so a
// Kafka broker on the same directory is excluded too. Older kernels get flock(2).
#define _GNU_SOURCE
#include "samsa_native.h"

#if defined(__unix__)
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>

/* tryLockFile(fd: number): number. 0 when locked; EAGAIN (or EACCES, EWOULDBLOCK) when another
 * open file holds it; another errno on failure. Never blocks. */
static napi_value js_try_lock_file(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], ret;
  int32_t fd;
  NAPI_CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "tryLockFile(fd: number)");
    return NULL;
  }
  int err = 0;
  int done = 0;
#ifdef F_OFD_SETLK
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET; /* l_start = l_len = 0: the whole file, however long it grows */
  if (fcntl(fd, F_OFD_SETLK, &fl) == 0) {
    done = 1;
  } else if (errno != EINVAL) { /* EINVAL: a kernel without OFD locks */
    err = errno;
    done = 1;
  }
#endif
  if (!done && flock(fd, LOCK_EX | LOCK_NB) != 0) err = errno;
  NAPI_CHECK(napi_create_int32(env, err, &ret));
  return ret;
}

int samsa_register_lock(napi_env env, napi_value exports) {
  napi_property_descriptor p = {"tryLockFile", NULL, js_try_lock_file, NULL, NULL, NULL, napi_default, NULL};
  return napi_define_properties(env, exports, 1, &p) == napi_ok;
}

#else

int samsa_register_lock(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
  return 0;
}

#endif
