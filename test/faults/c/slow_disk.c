/* A slow disk for one process, loaded with LD_PRELOAD: while the file named by FAULTS_SLOW_DISK
 * exists, every write to or sync of a regular file first waits the number of milliseconds the
 * file holds. Sockets and pipes are left alone, so only the process's storage is slow, as with a
 * failing or saturated disk. (A delay device, dm-delay, needs a kernel module that test machines
 * may lack; this needs only a compiler.)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static void wait_if_slow(int fd) {
  static const char *flag;
  if (!flag) flag = getenv("FAULTS_SLOW_DISK");
  if (!flag) return;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
  int f = open(flag, O_RDONLY | O_CLOEXEC);
  if (f < 0) return;
  char buf[16];
  ssize_t n = read(f, buf, sizeof buf - 1);
  close(f);
  if (n <= 0) return;
  buf[n] = 0;
  long ms = strtol(buf, NULL, 10);
  if (ms <= 0) return;
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  while (nanosleep(&ts, &ts) != 0) {}
}

#define NEXT(name) static __typeof__(name) *next; if (!next) next = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void *buf, size_t count) {
  NEXT(write);
  wait_if_slow(fd);
  return next(fd, buf, count);
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
  NEXT(pwrite);
  wait_if_slow(fd);
  return next(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset) {
  NEXT(pwrite64);
  wait_if_slow(fd);
  return next(fd, buf, count, offset);
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt) {
  NEXT(writev);
  wait_if_slow(fd);
  return next(fd, iov, iovcnt);
}

ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t offset) {
  NEXT(pwritev);
  wait_if_slow(fd);
  return next(fd, iov, iovcnt, offset);
}

int fsync(int fd) {
  NEXT(fsync);
  wait_if_slow(fd);
  return next(fd);
}

int fdatasync(int fd) {
  NEXT(fdatasync);
  wait_if_slow(fd);
  return next(fd);
}
