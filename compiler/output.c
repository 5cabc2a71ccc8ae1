/* SPDX-License-Identifier: MIT */
/*
 * output.c: atomic output files (temporary file in the same directory,
 * then rename), mkdir -p, and the output directory of a build: opened
 * once, locked, and the only way in for every file written below it.
 * See output.h for the guarantees.
 */
#define _DEFAULT_SOURCE /* flock */
#include "output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "beneath.h"

#define OUT_BUFSIZE (64 * 1024)

struct cb_output {
  cb_ctx *ctx;
  char *path; /* the final name */
  char *tmp;  /* the temporary file beside it, once created */
  const char *name, *tmp_name; /* their last components */
  int dir_fd; /* the directory holding both */
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

/* ---- the output directories of builds -------------------------------- */

/* An output directory opened by cb_output__begin. Every context writes
 * through it (the emitters run on several threads with contexts of their
 * own), so the roots are kept here, found by the path they were opened
 * with, and released by the context that opened them. */
typedef struct out_root {
  struct out_root *next;
  const cb_ctx *owner;
  char *path; /* as given, without trailing '/' */
  size_t len;
  int fd, lock_fd;
  dev_t dev;
  ino_t ino;
} out_root;

static out_root *roots;
static pthread_mutex_t roots_mutex = PTHREAD_MUTEX_INITIALIZER;

/* Where path lies: below an open output directory (*rel the part after
 * it, "" for the directory itself; the descriptor stays open while its
 * owner lives), or not (-1). The longest match wins. */
static int locate(const char *path, const char **rel) {
  int fd = -1;
  size_t best = 0;
  pthread_mutex_lock(&roots_mutex);
  for (const out_root *r = roots; r; r = r->next) {
    if (r->len < best || strncmp(path, r->path, r->len) != 0 ||
        (path[r->len] != '/' && path[r->len] != '\0'))
      continue;
    best = r->len;
    fd = r->fd;
    const char *p = path + r->len;
    while (*p == '/')
      p++;
    *rel = p;
  }
  pthread_mutex_unlock(&roots_mutex);
  return fd;
}

/* The message for a symbolic link met where casebook writes: path is
 * what was to be written, link the link (its first n bytes). */
static int link_in_the_way(cb_ctx *ctx, const char *what, const char *path,
                           const char *link, size_t n) {
  if (link == path && n == strlen(path))
    return cb_ctx__fail(ctx, CB_EIO,
                        "cannot %s %s: it is a symbolic link, and casebook "
                        "never writes through a link in its output directory",
                        what, path);
  return cb_ctx__fail(ctx, CB_EIO,
                      "cannot %s %s: %.*s is a symbolic link, and casebook "
                      "never writes through a link in its output directory",
                      what, path, (int)n, link);
}

/* Opens the directory dir for writing into it: below an output directory
 * without following any link (dir is the whole path, for messages), else
 * as named. Returns the descriptor, or a negative code with ctx's error
 * set (what: "create", "write", "read directory" in the message). */
static int open_dir(cb_ctx *ctx, const char *dir, const char *what,
                    const char *path) {
  const char *rel = NULL;
  int root = locate(dir, &rel);
  int fd;
  size_t stop = 0;
  if (root < 0)
    fd = open(*dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  else if (!*rel)
    fd = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  else
    fd = cb_beneath__open(root, rel, O_RDONLY | O_DIRECTORY, &stop);
  if (fd >= 0)
    return fd;
  if (root >= 0 && errno == ELOOP)
    return link_in_the_way(ctx, what, path, dir,
                           (size_t)(rel - dir) + stop);
  return cb_ctx__fail(ctx, CB_EIO, "cannot %s %s: %s", what, path,
                      strerror(errno));
}

/* 1 when name is one of our temporary files, ".NAME.tmp-PID-N". */
int cb_output__is_tmp_name(const char *name) {
  if (name[0] != '.')
    return 0;
  const char *t = NULL;
  for (const char *p = strstr(name, ".tmp-"); p; p = strstr(p + 1, ".tmp-"))
    t = p;
  if (!t || t < name + 2)
    return 0;
  const char *p = t + 5;
  size_t digits = 0;
  for (; *p >= '0' && *p <= '9'; p++)
    digits++;
  if (!digits || *p++ != '-')
    return 0;
  for (digits = 0; *p >= '0' && *p <= '9'; p++)
    digits++;
  return digits && !*p;
}

/* Removes our temporary files left below the directory open at fd by a
 * build that was killed (SIGKILL runs no cleanup); fd is closed. Only
 * regular files of that name, links not followed; best effort. */
static void remove_stale(int fd, int depth) {
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *name = e->d_name;
    struct stat st;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
      continue;
    int tmp = cb_output__is_tmp_name(name);
    if (!tmp && e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
      continue;
    if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    if (S_ISDIR(st.st_mode) && depth < 64) {
      int sub = openat(dirfd(d), name,
                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0)
        remove_stale(sub, depth + 1);
    } else if (tmp && S_ISREG(st.st_mode)) {
      unlinkat(dirfd(d), name, 0);
    }
  }
  closedir(d);
}

/* Takes the lock of the output directory, waiting for another build
 * into it to finish (saying so once). */
static int take_lock(cb_ctx *ctx, out_root *r) {
  r->lock_fd = openat(r->fd, CB_OUTPUT_LOCK_NAME,
                      O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
  struct stat st;
  if (r->lock_fd < 0 && errno == ELOOP)
    return cb_ctx__fail(ctx, CB_EIO,
                        "cannot lock %s/%s: a symbolic link, and casebook "
                        "never writes through a link in its output "
                        "directory",
                        r->path, CB_OUTPUT_LOCK_NAME);
  if (r->lock_fd < 0 || fstat(r->lock_fd, &st) < 0 || !S_ISREG(st.st_mode))
    return cb_ctx__fail(ctx, CB_EIO, "cannot lock %s/%s: %s", r->path,
                        CB_OUTPUT_LOCK_NAME,
                        r->lock_fd < 0 ? strerror(errno)
                                       : "not a regular file");
  if (flock(r->lock_fd, LOCK_EX | LOCK_NB) == 0)
    return 0;
  if (errno != EWOULDBLOCK)
    return cb_ctx__fail(ctx, CB_EIO, "cannot lock %s/%s: %s", r->path,
                        CB_OUTPUT_LOCK_NAME, strerror(errno));
  if (!ctx->opts.quiet)
    fprintf(stderr,
            "casebook: waiting for another build into %s to finish\n",
            r->path);
  while (flock(r->lock_fd, LOCK_EX) < 0)
    if (errno != EINTR)
      return cb_ctx__fail(ctx, CB_EIO, "cannot lock %s/%s: %s", r->path,
                          CB_OUTPUT_LOCK_NAME, strerror(errno));
  return 0;
}

static void root_free(out_root *r) {
  if (!r)
    return;
  if (r->lock_fd >= 0)
    close(r->lock_fd); /* releases the lock */
  if (r->fd >= 0)
    close(r->fd);
  cb_free(r->path);
  cb_free(r);
}

int cb_output__begin(cb_ctx *ctx, const char *outdir) {
  int err = 0;
  out_root *r = cb_calloc(1, sizeof *r);
  if (!r || !(r->path = cb_strdup(outdir))) {
    cb_free(r);
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  r->owner = ctx;
  r->fd = r->lock_fd = -1;
  r->len = strlen(r->path);
  while (r->len > 1 && r->path[r->len - 1] == '/')
    r->path[--r->len] = '\0';
  /* already open for this context (cb_build_lock, then cb_book_emit) */
  pthread_mutex_lock(&roots_mutex);
  int known = 0;
  for (const out_root *o = roots; o && !known; o = o->next)
    known = o->owner == ctx && strcmp(o->path, r->path) == 0;
  pthread_mutex_unlock(&roots_mutex);
  if (known)
    goto done;

  /* The directories above are the user's (a link there is the user's
   * choice); the output directory itself must not be a link. */
  char *slash = strrchr(r->path, '/');
  if (slash && slash > r->path) {
    *slash = '\0';
    err = cb_output__mkdirs(ctx, r->path);
    *slash = '/';
    if (err < 0)
      goto done;
  }
  if (mkdir(r->path, 0777) < 0 && errno != EEXIST) {
    err = cb_ctx__fail(ctx, CB_EIO, "cannot create directory %s: %s", r->path,
                       strerror(errno));
    goto done;
  }
  r->fd = open(r->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (r->fd < 0) {
    int saved = errno;
    if (lstat(r->path, &st) == 0 && S_ISLNK(st.st_mode))
      err = cb_ctx__fail(ctx, CB_EIO,
                         "the output directory %s is a symbolic link, and "
                         "casebook never writes through a link: remove it "
                         "or choose another directory",
                         r->path);
    else if (saved == ENOTDIR)
      err = cb_ctx__fail(ctx, CB_EIO,
                         "cannot create directory %s: a file is in the way",
                         r->path);
    else
      err = cb_ctx__fail(ctx, CB_EIO, "cannot open directory %s: %s", r->path,
                         strerror(saved));
    goto done;
  }
  if (fstat(r->fd, &st) < 0) {
    err = cb_ctx__fail(ctx, CB_EIO, "cannot open directory %s: %s", r->path,
                       strerror(errno));
    goto done;
  }
  r->dev = st.st_dev;
  r->ino = st.st_ino;
  /* another context of this process holds it: its lock would never be
   * released while this one waits (flock locks open files, not
   * processes) */
  pthread_mutex_lock(&roots_mutex);
  int busy = 0, alias = 0;
  for (const out_root *o = roots; o; o = o->next)
    if (o->dev == r->dev && o->ino == r->ino) {
      busy |= o->owner != ctx;
      alias |= o->owner == ctx; /* the same directory by another name */
    }
  pthread_mutex_unlock(&roots_mutex);
  if (busy) {
    err = cb_ctx__fail(ctx, CB_EIO,
                       "%s is the output directory of another build of this "
                       "process",
                       r->path);
    goto done;
  }
  if (!alias) {
    if ((err = take_lock(ctx, r)) < 0)
      goto done;
    /* under the lock, no other build is writing here: every temporary
     * file of ours is a leftover */
    int stale = openat(r->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (stale >= 0)
      remove_stale(stale, 0);
  }
  pthread_mutex_lock(&roots_mutex);
  r->next = roots;
  roots = r;
  pthread_mutex_unlock(&roots_mutex);
  r = NULL;
done:
  root_free(r);
  return err;
}

void cb_output__end(const cb_ctx *ctx) {
  out_root *mine = NULL;
  pthread_mutex_lock(&roots_mutex);
  for (out_root **p = &roots; *p;) {
    out_root *r = *p;
    if (r->owner == ctx) {
      *p = r->next;
      r->next = mine;
      mine = r;
    } else {
      p = &r->next;
    }
  }
  pthread_mutex_unlock(&roots_mutex);
  while (mine) {
    out_root *next = mine->next;
    root_free(mine);
    mine = next;
  }
}

int cb_output__root_id(const cb_ctx *ctx, dev_t *dev, ino_t *ino) {
  int found = CB_ENOTFOUND;
  pthread_mutex_lock(&roots_mutex);
  for (const out_root *r = roots; r; r = r->next)
    if (r->owner == ctx) {
      *dev = r->dev;
      *ino = r->ino;
      found = 0;
      break;
    }
  pthread_mutex_unlock(&roots_mutex);
  return found;
}

/* mkdir -p below an output directory (open at root; rel the part of
 * path below it): one component at a time, each opened relative to the
 * one before, a link anywhere refused. */
static int mkdirs_beneath(cb_ctx *ctx, const char *path, int root,
                          const char *rel) {
  int cur = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;
  char name[256];
  if (cur < 0)
    return cb_ctx__fail(ctx, CB_EIO, "cannot create directory %s: %s", path,
                        strerror(errno));
  for (const char *p = rel; *p;) {
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    const char *next = slash ? slash + 1 : p + n;
    if (n == 0) {
      p = next; /* "a//b", or a trailing '/' */
      continue;
    }
    if (n >= sizeof name || (p[0] == '.' && (n == 1 || (n == 2 && p[1] == '.')))) {
      err = cb_ctx__fail(ctx, CB_EIO, "cannot create directory %s: %s", path,
                         n >= sizeof name ? strerror(ENAMETOOLONG)
                                          : "'.' or '..' in the path");
      break;
    }
    memcpy(name, p, n);
    name[n] = '\0';
    if (mkdirat(cur, name, 0777) < 0 && errno != EEXIST) {
      err = cb_ctx__fail(ctx, CB_EIO, "cannot create directory %.*s: %s",
                         (int)(p + n - path), path, strerror(errno));
      break;
    }
    int fd = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      struct stat st;
      int saved = errno;
      if (fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(st.st_mode))
        err = link_in_the_way(ctx, "create directory", path, path,
                              (size_t)(p + n - path));
      else if (saved == ENOTDIR)
        err = cb_ctx__fail(ctx, CB_EIO,
                           "cannot create directory %.*s: a file is in the "
                           "way",
                           (int)(p + n - path), path);
      else
        err = cb_ctx__fail(ctx, CB_EIO, "cannot create directory %.*s: %s",
                           (int)(p + n - path), path, strerror(saved));
      break;
    }
    close(cur);
    cur = fd;
    p = next;
  }
  close(cur);
  return err;
}

int cb_output__mkdirs(cb_ctx *ctx, const char *path) {
  int err = 0;
  if (ctx->no_output)
    return 0;
  const char *rel = NULL;
  int root = locate(path, &rel);
  if (root >= 0)
    return mkdirs_beneath(ctx, path, root, rel);
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
 * another build's file (nor follows a link: O_EXCL does not). */
static int create_tmp(cb_output *f) {
  size_t dirlen = (size_t)(f->name - f->path);
  size_t cap = strlen(f->path) + 64;
  if (!(f->tmp = cb_malloc(cap))) {
    f->failed = 1;
    return cb_ctx__fail(f->ctx, CB_ENOMEM, "out of memory");
  }
  f->tmp_name = f->tmp + dirlen;
  for (int attempt = 0; attempt < 100; attempt++) {
    snprintf(f->tmp, cap, "%.*s.%s.tmp-%ld-%lu", (int)dirlen, f->path,
             f->name, (long)getpid(), atomic_fetch_add(&tmp_counter, 1) + 1);
    f->fd = openat(f->dir_fd, f->tmp_name,
                   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
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
  f->tmp_name = NULL;
  f->dir_fd = f->fd = f->old_fd = -1;
  f->matched = 0;
  f->flags = flags;
  f->failed = 0;
  f->used = 0;
  if (ctx->no_output) {
    *out = f; /* a file that drops what it is given */
    return 0;
  }
  /* the directory is opened once (below an output directory, without
   * following any link) and everything else happens relative to it */
  char *slash = strrchr(f->path, '/');
  f->name = slash ? slash + 1 : f->path;
  if (slash)
    *slash = '\0';
  f->dir_fd = open_dir(ctx, slash ? (slash == f->path ? "/" : f->path) : "",
                       "write", path);
  if (slash)
    *slash = '/';
  if (f->dir_fd < 0) {
    err = f->dir_fd == CB_ENOMEM ? CB_ENOMEM : CB_EIO;
    f->dir_fd = -1;
    goto done;
  }
  struct stat st;
  if (fstatat(f->dir_fd, f->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      S_ISLNK(st.st_mode)) {
    err = link_in_the_way(ctx, "write", path, path, strlen(path));
    goto done;
  }
  if (flags & CB_OUTPUT_KEEP_SAME) {
    f->old_fd = openat(f->dir_fd, f->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
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
    if (f->dir_fd >= 0)
      close(f->dir_fd);
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
  if (f->ctx->no_output)
    return 0;
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
  if (f->ctx->no_output)
    goto done;
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
  if (renameat(f->dir_fd, f->tmp_name, f->dir_fd, f->name) < 0) {
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
    unlinkat(f->dir_fd, f->tmp_name, 0);
  if (f->dir_fd >= 0)
    close(f->dir_fd);
  cb_free(f->tmp);
  cb_free(f->path);
  cb_free(f);
}

/* ---- unchanged files and stale ones ---------------------------------- */

int cb_output__prune(cb_ctx *ctx, const char *dir, const char *suffix,
                     int (*keep)(const char *name, void *data), void *data) {
  int err = 0;
  if (ctx->no_output)
    return 0;
  int fd = open_dir(ctx, dir, "read directory", dir);
  if (fd < 0)
    return fd == CB_ENOMEM ? CB_ENOMEM : CB_EIO;
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return cb_ctx__fail(ctx, CB_EIO, "cannot read directory %s: %s", dir,
                        strerror(errno));
  }
  size_t slen = strlen(suffix);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (e->d_name[0] == '.' || n <= slen ||
        memcmp(e->d_name + n - slen, suffix, slen) != 0 ||
        keep(e->d_name, data))
      continue;
    /* regular files only, examined and removed relative to the directory
     * (never through a link) */
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
        !S_ISREG(st.st_mode))
      continue;
    if (unlinkat(dirfd(d), e->d_name, 0) < 0) {
      err = cb_ctx__fail(ctx, CB_EIO, "cannot remove %s/%s: %s", dir,
                         e->d_name, strerror(errno));
      goto done;
    }
  }
done:
  closedir(d);
  return err;
}

int cb_output__read_fd(cb_ctx *ctx, const char *path) {
  const char *rel = NULL;
  int root = locate(path, &rel);
  size_t stop = 0;
  int fd = root < 0 ? open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
                    : cb_beneath__open(root, rel, O_RDONLY, &stop);
  if (fd >= 0)
    return fd;
  if (errno == ENOENT)
    return CB_ENOTFOUND;
  if (root >= 0 && errno == ELOOP)
    return link_in_the_way(ctx, "read", path, path,
                           (size_t)(rel - path) + stop);
  return cb_ctx__fail(ctx, CB_EIO, "cannot read %s: %s", path,
                      strerror(errno));
}

int cb_output__remove(cb_ctx *ctx, const char *path) {
  if (ctx->no_output)
    return 0;
  const char *slash = strrchr(path, '/');
  char *dir = slash ? cb_strdup(path) : NULL;
  if (slash && !dir)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  if (dir)
    dir[slash == path ? 1 : slash - path] = '\0';
  const char *name = slash ? slash + 1 : path;
  int fd = open_dir(ctx, dir ? dir : "", "remove", path), err = 0;
  cb_free(dir);
  if (fd < 0)
    return fd == CB_ENOMEM ? CB_ENOMEM : CB_EIO;
  struct stat st;
  if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
      unlinkat(fd, name, 0) < 0)
    err = cb_ctx__fail(ctx, CB_EIO, "cannot remove %s: %s", path,
                       strerror(errno));
  close(fd);
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
