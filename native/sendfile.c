// Zero-copy fetch: sendfile(2) from segment files to a (non-blocking, libuv-owned) socket.
//
// sendfile(sock, regions, cb): sends what the socket takes now, on the calling thread. Whatever
// it cannot take yet (EAGAIN) waits on the event loop for the socket to become writable (a
// uv_poll on a duplicate of the socket's fd) and continues there, so a slow consumer never
// holds a thread-pool thread that fsyncs and other work need. Returns 0 when all was sent at
// once, a positive errno on a failure, or -1 when the rest is pending: cb(errno, bytesSentInTotal)
// is then called on the loop. The caller must not write to the socket (and libuv must have
// nothing queued for it) until then; file fds are dup'ed for the pending part, so segments may
// close meanwhile. Kafka's network threads call transferTo the same way.
#define _GNU_SOURCE
#include "samsa_native.h"

#if defined(__linux__)
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define MAX_CHUNK 0x7ffff000

typedef struct {
  int fd;
  int64_t pos;
  int64_t len;
} region_t;

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref cb;
  napi_async_context ctx;
  int sock;
  region_t *regions;
  size_t n, idx;
  int64_t sent;
  int err;
  int dupped;
} job_t;

/* Sends until done, EAGAIN (the socket is full) or an error; never waits. */
static int pump(job_t *j) {
  while (j->idx < j->n) {
    region_t *r = &j->regions[j->idx];
    if (r->len <= 0) {
      j->idx++;
      continue;
    }
    off_t off = (off_t)r->pos;
    size_t chunk = r->len > MAX_CHUNK ? MAX_CHUNK : (size_t)r->len;
    ssize_t k = sendfile(j->sock, r->fd, &off, chunk);
    if (k > 0) {
      r->pos += k;
      r->len -= k;
      j->sent += k;
      continue;
    }
    if (k == 0) return ENODATA; /* the file is shorter than the region: truncated underneath */
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return EAGAIN;
    return errno;
  }
  return 0;
}

static void free_job(job_t *j) {
  if (j->dupped) {
    close(j->sock);
    for (size_t i = j->idx; i < j->n; i++)
      if (j->regions[i].fd >= 0) close(j->regions[i].fd);
  }
  free(j->regions);
  free(j);
}

/* The poll handle is closed: report to JavaScript, then free everything. */
static void on_closed(uv_handle_t *h) {
  job_t *j = h->data;
  napi_env env = j->env;
  napi_handle_scope scope;
  napi_value cb, recv, argv[2];
  if (napi_open_handle_scope(env, &scope) == napi_ok) {
    napi_get_reference_value(env, j->cb, &cb);
    /* napi_make_callback wants an object as the receiver. */
    napi_get_global(env, &recv);
    napi_create_int32(env, j->err, &argv[0]);
    napi_create_double(env, (double)j->sent, &argv[1]);
    napi_make_callback(env, j->ctx, recv, cb, 2, argv, NULL);
    napi_close_handle_scope(env, scope);
  }
  napi_delete_reference(env, j->cb);
  napi_async_destroy(env, j->ctx);
  free_job(j);
}

static void on_writable(uv_poll_t *p, int status, int events) {
  (void)events;
  job_t *j = p->data;
  int err = status < 0 ? -status : pump(j);
  if (err == EAGAIN) return; /* still full: wait for the next writable event */
  j->err = err;
  uv_poll_stop(&j->poll);
  uv_close((uv_handle_t *)&j->poll, on_closed);
}

/* sendfile(sockFd: number, regions: number[] (fd, position, length)*, cb): number */
static napi_value js_sendfile(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], ret;
  NAPI_CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "sendfile(sockFd, regions, cb)");
    return NULL;
  }
  int32_t sock;
  uint32_t len;
  NAPI_CHECK(napi_get_value_int32(env, argv[0], &sock));
  NAPI_CHECK(napi_get_array_length(env, argv[1], &len));
  job_t *j = calloc(1, sizeof(job_t));
  if (!j) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  j->sock = sock;
  j->n = len / 3;
  j->regions = calloc(j->n ? j->n : 1, sizeof(region_t));
  for (size_t i = 0; i < j->n; i++) {
    napi_value v;
    int32_t fd;
    double pos, l;
    NAPI_CHECK(napi_get_element(env, argv[1], (uint32_t)(3 * i), &v));
    NAPI_CHECK(napi_get_value_int32(env, v, &fd));
    NAPI_CHECK(napi_get_element(env, argv[1], (uint32_t)(3 * i + 1), &v));
    NAPI_CHECK(napi_get_value_double(env, v, &pos));
    NAPI_CHECK(napi_get_element(env, argv[1], (uint32_t)(3 * i + 2), &v));
    NAPI_CHECK(napi_get_value_double(env, v, &l));
    j->regions[i].fd = fd;
    j->regions[i].pos = (int64_t)pos;
    j->regions[i].len = (int64_t)l;
  }
  int err = pump(j);
  if (err != EAGAIN) {
    free_job(j);
    NAPI_CHECK(napi_create_int32(env, err, &ret));
    return ret;
  }
  /* The rest waits for the socket on private copies of the file descriptors (of the socket
     too: if libuv closes its fd meanwhile, the number cannot be reused under us, and the poll
     is registered on a descriptor libuv does not know). */
  int s2 = fcntl(sock, F_DUPFD_CLOEXEC, 0);
  if (s2 < 0) {
    int e = errno;
    free_job(j);
    NAPI_CHECK(napi_create_int32(env, e, &ret));
    return ret;
  }
  for (size_t i = j->idx; i < j->n; i++) {
    int d = fcntl(j->regions[i].fd, F_DUPFD_CLOEXEC, 0);
    if (d < 0) {
      int e = errno;
      for (size_t k = j->idx; k < i; k++) close(j->regions[k].fd);
      close(s2);
      free(j->regions);
      free(j);
      NAPI_CHECK(napi_create_int32(env, e, &ret));
      return ret;
    }
    j->regions[i].fd = d;
  }
  j->sock = s2;
  j->dupped = 1;
  j->env = env;
  uv_loop_t *loop;
  napi_value name;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &j->poll, s2) != 0) {
    free_job(j);
    NAPI_CHECK(napi_create_int32(env, EIO, &ret));
    return ret;
  }
  j->poll.data = j;
  NAPI_CHECK(napi_create_reference(env, argv[2], 1, &j->cb));
  NAPI_CHECK(napi_create_string_utf8(env, "samsa:sendfile", NAPI_AUTO_LENGTH, &name));
  NAPI_CHECK(napi_async_init(env, NULL, name, &j->ctx));
  uv_poll_start(&j->poll, UV_WRITABLE, on_writable);
  NAPI_CHECK(napi_create_int32(env, -1, &ret));
  return ret;
}

/* shutdown(sockFd): unblocks a pending sendfile when the connection is being closed. */
static napi_value js_shutdown(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t sock;
  NAPI_CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  NAPI_CHECK(napi_get_value_int32(env, argv[0], &sock));
  shutdown(sock, SHUT_RDWR);
  return NULL;
}

int samsa_register_sendfile(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sendfile", NULL, js_sendfile, NULL, NULL, NULL, napi_default, NULL},
      {"shutdown", NULL, js_shutdown, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, 2, props) == napi_ok;
}

#else

int samsa_register_sendfile(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
  return 0;
}

#endif
