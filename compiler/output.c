/*
 * output.c: atomic output files (temporary file in the same directory,
 * then rename) and mkdir -p. See output.h for the guarantees.
 */
#include "output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define OUT_BUFSIZE (64 * 1024)

struct cb_output {
  cb_ctx *ctx;
  char *path; /* the final name */
  char *tmp;  /* the temporary file beside it, once created */
  int fd;     /* the temporary file, -1 while comparing */
  int old_fd; /* KEEP_SAME: the existing file, while it matches so far */
  unsigned long long matched; /* bytes of the existing file matched */
  int flags;
  int failed;
  size_t used;
  char buf[OUT_BUFSIZE];
  char cmp[OUT_BUFSIZE]; /* the existing file's bytes, to compare */
};

/* Distinguishes the temporary files of one process (whose threads may
 * write files at the same time). */
static atomic_ulong tmp_counter;

int cb_output__mkdirs(cb_ctx *ctx, const char *path) {
  int err = 0;
  char *copy = cb_strdup(path);
  if (!copy)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  size_t len = strlen(copy);
  while (len > 1 && copy[len - 1] == '/')
    copy[--len] = '\0';
  /* Create each prefix in turn; existing directories are fine. */
  for (char *p = copy + 1;; p++) {
    if (*p != '/' && *p != '\0')
      continue;
    char saved = *p;
    *p = '\0';
    if (mkdir(copy, 0777) < 0 && errno != EEXIST) {
      err = cb_ctx__fail(ctx, CB_EIO, "cannot create directory %s: %s", copy,
                         strerror(errno));
      goto done;
    }
    *p = saved;
    if (saved == '\0')
      break;
  }
  struct stat st;
  if (stat(copy, &st) < 0) {
    err = cb_ctx__fail(ctx, CB_EIO, "cannot create directory %s: %s", copy,
                       strerror(errno));
    goto done;
  }
  if (!S_ISDIR(st.st_mode)) {
    err = cb_ctx__fail(
        ctx, CB_EIO, "cannot create directory %s: a file is in the way", copy);
    goto done;
  }
done:
  cb_free(copy);
  return err;
}

/* Creates the temporary file: O_EXCL with a fresh name, so it gets the
 * umask's permissions (which mkstemp would not) and never clobbers
 * another build's file. */
static int create_tmp(cb_output *f) {
  const char *slash = strrchr(f->path, '/');
  size_t dirlen = slash ? (size_t)(slash - f->path) + 1 : 0;
  size_t cap = strlen(f->path) + 64;
  if (!(f->tmp = cb_malloc(cap))) {
    f->failed = 1;
    return cb_ctx__fail(f->ctx, CB_ENOMEM, "out of memory");
  }
  for (int attempt = 0; attempt < 100; attempt++) {
    snprintf(f->tmp, cap, "%.*s.%s.tmp-%ld-%lu", (int)dirlen, f->path,
             f->path + dirlen, (long)getpid(),
             atomic_fetch_add(&tmp_counter, 1) + 1);
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (f->fd >= 0 || errno != EEXIST)
      break;
  }
  if (f->fd < 0) {
    f->failed = 1;
    int err = cb_ctx__fail(f->ctx, CB_EIO, "cannot create %s: %s", f->tmp,
                           strerror(errno));
    cb_free(f->tmp);
    f->tmp = NULL;
    return err;
  }
  return 0;
}

int cb_output__open(cb_output **out, cb_ctx *ctx, const char *path, int flags) {
  int err = 0;
  cb_output *f = NULL;
  *out = NULL;

  f = cb_malloc(sizeof *f);
  if (!f || !(f->path = cb_strdup(path))) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  f->ctx = ctx;
  f->tmp = NULL;
  f->fd = f->old_fd = -1;
  f->matched = 0;
  f->flags = flags;
  f->failed = 0;
  f->used = 0;
  if (flags & CB_OUTPUT_KEEP_SAME) {
    struct stat st;
    f->old_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->old_fd >= 0 && (fstat(f->old_fd, &st) < 0 || !S_ISREG(st.st_mode))) {
      close(f->old_fd);
      f->old_fd = -1;
    }
  }
  if (f->old_fd < 0 && (err = create_tmp(f)) < 0)
    goto done;
  *out = f;
  f = NULL;
done:
  if (f) {
    cb_free(f->path);
    cb_free(f);
  }
  return err;
}

/* Writes all of data to the temporary file, retrying short writes. */
static int write_all(cb_output *f, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(f->fd, data, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      f->failed = 1;
      return cb_ctx__fail(f->ctx, CB_EIO, "cannot write %s: %s", f->path,
                          strerror(errno));
    }
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Reads up to len bytes of the existing file; returns the count (short
 * only at its end), or -1. */
static ssize_t read_old(cb_output *f, char *into, size_t len) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(f->old_fd, into + got, len - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0)
      break;
    got += (size_t)n;
  }
  return (ssize_t)got;
}

/* The new bytes differ from the existing file: start the temporary file
 * with the part that matched, and write from now on. */
static int diverge(cb_output *f) {
  int err;
  if ((err = create_tmp(f)) < 0)
    return err;
  unsigned long long left = f->matched;
  if (lseek(f->old_fd, 0, SEEK_SET) < 0)
    left = ULLONG_MAX; /* reported below */
  while (left > 0) {
    size_t want = left < sizeof f->cmp ? (size_t)left : sizeof f->cmp;
    ssize_t n = left == ULLONG_MAX ? -1 : read_old(f, f->cmp, want);
    if (n != (ssize_t)want) {
      f->failed = 1;
      return cb_ctx__fail(f->ctx, CB_EIO, "cannot read %s: %s", f->path,
                          n < 0 ? strerror(errno) : "it changed meanwhile");
    }
    if ((err = write_all(f, f->cmp, want)) < 0)
      return err;
    left -= want;
  }
  close(f->old_fd);
  f->old_fd = -1;
  return 0;
}

/* Sends data on: compared with the existing file while it matches, else
 * written to the temporary file. */
static int emit(cb_output *f, const char *data, size_t len) {
  if (f->old_fd >= 0) {
    size_t done = 0;
    while (done < len) {
      size_t want = len - done < sizeof f->cmp ? len - done : sizeof f->cmp;
      ssize_t n = read_old(f, f->cmp, want);
      if (n != (ssize_t)want || memcmp(f->cmp, data + done, want) != 0)
        break;
      done += want;
    }
    if (done == len) {
      f->matched += len;
      return 0;
    }
    int err = diverge(f);
    if (err < 0)
      return err;
  }
  return write_all(f, data, len);
}

int cb_output__write(cb_output *f, const void *data, size_t len) {
  if (f->failed)
    return CB_EIO;
  if (f->used + len > sizeof f->buf) {
    int err = emit(f, f->buf, f->used);
    f->used = 0;
    if (err < 0)
      return err;
    if (len >= sizeof f->buf)
      return emit(f, data, len);
  }
  memcpy(f->buf + f->used, data, len);
  f->used += len;
  return 0;
}

int cb_output__commit(cb_output *f) {
  int err = 0;
  if (f->failed) {
    err = CB_EIO;
    goto done;
  }
  if ((err = emit(f, f->buf, f->used)) < 0)
    goto done;
  f->used = 0;
  if (f->old_fd >= 0) {
    struct stat st;
    if (fstat(f->old_fd, &st) == 0 &&
        (unsigned long long)st.st_size == f->matched)
      goto done; /* the same bytes: leave the file alone */
    if ((err = diverge(f)) < 0)
      goto done;
  }
  if ((f->flags & CB_OUTPUT_SYNC) && fsync(f->fd) < 0) {
    err = cb_ctx__fail(f->ctx, CB_EIO, "cannot write %s: %s", f->path,
                       strerror(errno));
    goto done;
  }
  int fd = f->fd;
  f->fd = -1;
  if (close(fd) < 0) {
    err = cb_ctx__fail(f->ctx, CB_EIO, "cannot write %s: %s", f->path,
                       strerror(errno));
    goto done;
  }
  if (rename(f->tmp, f->path) < 0) {
    err = cb_ctx__fail(f->ctx, CB_EIO, "cannot rename %s to %s: %s", f->tmp,
                       f->path, strerror(errno));
    goto done;
  }
  cb_free(f->tmp);
  f->tmp = NULL;
done:
  cb_output__discard(f);
  return err;
}

void cb_output__discard(cb_output *f) {
  if (!f)
    return;
  if (f->fd >= 0)
    close(f->fd);
  if (f->old_fd >= 0)
    close(f->old_fd);
  if (f->tmp)
    unlink(f->tmp);
  cb_free(f->tmp);
  cb_free(f->path);
  cb_free(f);
}

/* ---- unchanged files and stale ones ---------------------------------- */

int cb_output__prune(cb_ctx *ctx, const char *dir, const char *suffix,
                     int (*keep)(const char *name, void *data), void *data) {
  int err = 0;
  cb_buf path = {0};
  DIR *d = opendir(dir);
  if (!d)
    return cb_ctx__fail(ctx, CB_EIO, "cannot read directory %s: %s", dir,
                        strerror(errno));
  size_t slen = strlen(suffix);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (e->d_name[0] == '.' || n <= slen ||
        memcmp(e->d_name + n - slen, suffix, slen) != 0 ||
        keep(e->d_name, data))
      continue;
    cb_buf_reset(&path);
    cb_buf_printf(&path, "%s/%s", dir, e->d_name);
    if (path.failed) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      goto done;
    }
    struct stat st;
    if (lstat(path.data, &st) < 0 || !S_ISREG(st.st_mode))
      continue;
    if (unlink(path.data) < 0) {
      err = cb_ctx__fail(ctx, CB_EIO, "cannot remove %s: %s", path.data,
                         strerror(errno));
      goto done;
    }
  }
done:
  closedir(d);
  cb_buf_free(&path);
  return err;
}

int cb_output__file(cb_ctx *ctx, const char *path, const void *data, size_t len,
                    int flags) {
  cb_output *f = NULL;
  int err = cb_output__open(&f, ctx, path, flags);
  if (err < 0)
    return err;
  if ((err = cb_output__write(f, data, len)) < 0) {
    cb_output__discard(f);
    return err;
  }
  return cb_output__commit(f);
}
