/* SPDX-License-Identifier: MIT */
/*
 * beneath.c: opening a file below a directory without following symbolic
 * links (see beneath.h): openat2() where the kernel has it, else a walk
 * of openat(O_NOFOLLOW) calls, one per component.
 */
#define _GNU_SOURCE /* syscall() */
#include "beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(SYS_openat2)
#include <linux/openat2.h>
#endif

/* Set once openat2 turned out to be missing (ENOSYS on an old kernel,
 * EPERM under a seccomp filter that does not know it): every later call
 * walks instead of asking again. */
static atomic_int no_openat2;

void cb_beneath__no_openat2(void) { atomic_store(&no_openat2, 1); }

/* The component-by-component walk: each directory is opened relative to
 * the one before with O_NOFOLLOW | O_DIRECTORY, so a link anywhere fails
 * (and a link swapped in meanwhile fails too: nothing is looked up by
 * path twice). */
static int walk_open(int dirfd, const char *path, int flags, size_t *stop) {
  char name[256];
  int cur = dirfd;
  const char *p = path;
  for (;;) {
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    int fd, saved;
    if (stop)
      *stop = (size_t)(p - path) + n;
    if (n == 0 || n >= sizeof name || (p[0] == '.' && n == 1) ||
        (p[0] == '.' && p[1] == '.' && n == 2)) {
      saved = n >= sizeof name ? ENAMETOOLONG : ENOENT;
      if (cur != dirfd)
        close(cur);
      errno = saved;
      return -1;
    }
    memcpy(name, p, n);
    name[n] = '\0';
    if (slash)
      fd = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    else
      fd = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC);
    saved = errno;
    if (fd < 0 && (saved == ENOTDIR || saved == ELOOP || saved == EMLINK)) {
      /* O_NOFOLLOW on a link gives ELOOP (EMLINK on some systems), and
       * with O_DIRECTORY possibly ENOTDIR: say which it was */
      struct stat st;
      if (fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        saved = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;
    }
    if (cur != dirfd)
      close(cur);
    if (fd < 0) {
      errno = saved;
      return -1;
    }
    if (!slash)
      return fd;
    cur = fd;
    p = slash + 1;
  }
}

/* 1 when every segment of path is a plain name (what the walk accepts). */
static int plain_path(const char *path) {
  for (const char *p = path;;) {
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    if (n == 0 || (p[0] == '.' && (n == 1 || (n == 2 && p[1] == '.'))))
      return 0;
    if (!slash)
      return 1;
    p = slash + 1;
  }
}

int cb_beneath__open(int dirfd, const char *path, int flags, size_t *stop) {
  if (stop)
    *stop = strlen(path);
#if defined(SYS_openat2)
  if (!atomic_load(&no_openat2) && plain_path(path)) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                  RESOLVE_NO_MAGICLINKS;
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (fd >= 0)
      return (int)fd;
    int saved = errno;
    if (saved == ENOSYS || saved == EPERM) {
      cb_beneath__no_openat2();
    } else {
      /* the walk says which component failed (and why, for a link,
       * which openat2 reports as ELOOP or EXDEV) */
      int again = walk_open(dirfd, path, flags, stop);
      if (again >= 0) {
        /* it worked the second time (the tree changed meanwhile): keep
         * openat2's answer rather than a file it refused */
        close(again);
        errno = saved == EXDEV ? ELOOP : saved;
      }
      return -1;
    }
  }
#endif
  return walk_open(dirfd, path, flags, stop);
}
