/* SPDX-License-Identifier: MIT */
/*
 * serve_watch.c: the watcher of a project's files for `casebook serve`
 * (casebook/serve.h), on Linux's inotify.
 *
 * Every folder of the project a build may read is watched (inotify does
 * not recurse: a folder that appears is added as it comes). A change is
 * a file written and closed, created, moved in or out, or removed;
 * changes come in bursts (an editor's save writes a temporary file,
 * renames the old one away, renames the new one in place and deletes
 * the old one), so cb_watch_wait returns only once the burst is over: no
 * change for QUIET_MS, or LINGER_MS when the last change took a file
 * away (the next step of a save brings it back), and at the latest
 * BURST_MS after the first. What a build never reads is not a change:
 * hidden names ('.' or '_' first, as source.c leaves them out, which
 * takes in .git, _build, vim's .NAME.swp and emacs' .#NAME), the output
 * directory, links, and the backup and temporary files editors leave
 * beside a file.
 */
#define _DEFAULT_SOURCE /* d_type */
#include "casebook/serve.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "output.h"

#define QUIET_MS 40
#define LINGER_MS 300
#define BURST_MS 1000
/* Folders deeper than this are not watched. */
#define WATCH_DEPTH 64

#define DIR_EVENTS                                                       \
  (IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | \
   IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW |          \
   IN_EXCL_UNLINK)

/* A watched folder: its watch descriptor and its path below the root
 * ("" for the root). */
typedef struct watched {
  int wd;
  char *rel;
} watched;

struct cb_watch {
  int fd;      /* inotify */
  int stop[2]; /* cb_watch_stop writes to stop[1] */
  volatile sig_atomic_t stopped;
  char *root;
  char *outdir; /* NULL for none */
  watched *dirs;
  size_t n_dirs, cap_dirs;
};

/* 1 for a name no build reads: hidden, or an editor's backup, swap or
 * temporary file. */
static int ignored_name(const char *name) {
  static const char *const suffixes[] = {
      "~",   ".swp", ".swo",         ".swx",        ".swpx",
      ".bak", ".kate-swp", "___jb_tmp___", "___jb_old___", ".crswap"};
  size_t n = strlen(name);
  if (n == 0 || name[0] == '.' || name[0] == '_')
    return 1;
  if (n > 1 && name[0] == '#' && name[n - 1] == '#') /* emacs' autosave */
    return 1;
  if (strcmp(name, "4913") == 0) /* vim's test that it may write here */
    return 1;
  for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
    size_t k = strlen(suffixes[i]);
    if (n > k && strcmp(name + n - k, suffixes[i]) == 0)
      return 1;
  }
  return 0;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *join(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 2;
  char *s = cb_malloc(n);
  if (s)
    snprintf(s, n, "%s%s%s", a, *a && *b ? "/" : "", b);
  return s;
}

static const watched *find_wd(const cb_watch *w, int wd) {
  for (size_t i = 0; i < w->n_dirs; i++)
    if (w->dirs[i].wd == wd)
      return &w->dirs[i];
  return NULL;
}

static void forget_wd(cb_watch *w, int wd) {
  for (size_t i = 0; i < w->n_dirs; i++)
    if (w->dirs[i].wd == wd) {
      cb_free(w->dirs[i].rel);
      w->dirs[i] = w->dirs[--w->n_dirs];
      return;
    }
}

/* 1 when the folder at path (st its lstat) is an output directory: the
 * build's own (looked up again, as it may have been made anew), or one
 * holding the lock file of builds, which the project never reads. */
static int output_dir(const cb_watch *w, const char *path,
                      const struct stat *st) {
  struct stat os;
  if (w->outdir && stat(w->outdir, &os) == 0 && os.st_dev == st->st_dev &&
      os.st_ino == st->st_ino)
    return 1;
  char *lock = join(path, CB_OUTPUT_LOCK_NAME);
  int held = lock && lstat(lock, &os) == 0;
  cb_free(lock);
  return held;
}

/* Watches the folder rel (below the root) and the folders below it. A
 * folder gone meanwhile is skipped; the root failing is an error. */
static int add_tree(cb_watch *w, cb_ctx *ctx, const char *rel, int depth) {
  char *path = *rel ? join(w->root, rel) : cb_strdup(w->root);
  if (!path)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  struct stat st;
  int err = 0, found = lstat(path, &st) == 0;
  if (!found || !S_ISDIR(st.st_mode) || (*rel && output_dir(w, path, &st))) {
    if (!*rel) /* the project itself */
      err = cb_ctx__fail(ctx, !found && errno == ENOENT ? CB_ENOTFOUND
                                                         : CB_EIO,
                         "cannot watch %s: %s", path,
                         !found ? strerror(errno) : "not a directory");
    cb_free(path);
    return err;
  }
  int wd = inotify_add_watch(w->fd, path, DIR_EVENTS);
  if (wd < 0) {
    int e = errno;
    /* a folder removed since it was listed is no error */
    if (*rel && (e == ENOENT || e == ENOTDIR || e == ELOOP)) {
      cb_free(path);
      return 0;
    }
    err = cb_ctx__fail(ctx, CB_EIO, "cannot watch %s: %s%s", path,
                       strerror(e),
                       e == ENOSPC ? " (the limit of inotify watches: "
                                     "fs.inotify.max_user_watches)"
                                   : "");
    cb_free(path);
    return err;
  }
  if (!find_wd(w, wd)) {
    char *copy = cb_strdup(rel);
    if (!copy || cb_vec_grow((void **)&w->dirs, &w->cap_dirs, w->n_dirs + 1,
                             sizeof *w->dirs) < 0) {
      cb_free(copy);
      cb_free(path);
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    }
    w->dirs[w->n_dirs].wd = wd;
    w->dirs[w->n_dirs++].rel = copy;
  }
  DIR *d = depth < WATCH_DEPTH ? opendir(path) : NULL;
  cb_free(path);
  struct dirent *e;
  while (d && err == 0 && (e = readdir(d))) {
    if (ignored_name(e->d_name) ||
        (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
      continue;
    char *sub = join(rel, e->d_name);
    err = sub ? add_tree(w, ctx, sub, depth + 1)
              : cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    cb_free(sub);
  }
  if (d)
    closedir(d);
  return err;
}

int cb_watch_new(cb_watch **out, cb_ctx *ctx, const char *dir,
                 const char *outdir) {
  *out = NULL;
  cb_watch *w = cb_calloc(1, sizeof *w);
  if (!w || !(w->root = cb_strdup(dir))) {
    cb_free(w);
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  w->fd = w->stop[0] = w->stop[1] = -1;
  if (outdir && !(w->outdir = cb_strdup(outdir))) {
    cb_watch_free(w);
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  int err = 0;
  w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (w->fd < 0 || pipe(w->stop) < 0) {
    err = cb_ctx__fail(ctx, CB_EIO, "cannot watch %s: %s", dir,
                       strerror(errno));
  } else {
    for (int i = 0; i < 2; i++) {
      fcntl(w->stop[i], F_SETFD, FD_CLOEXEC);
      fcntl(w->stop[i], F_SETFL, O_NONBLOCK);
    }
    err = add_tree(w, ctx, "", 0);
  }
  if (err < 0) {
    cb_watch_free(w);
    return err;
  }
  *out = w;
  return 0;
}

/* Reads the events there are. Returns 0 (none that counts), 1 (a
 * change), 2 (a change that took a file away) or a negative code. */
static int read_events(cb_watch *w, cb_ctx *ctx) {
  /* aligned as inotify's records are */
  _Alignas(struct inotify_event)
      char buf[16 * (sizeof(struct inotify_event) + NAME_MAX + 1)];
  int changed = 0;
  for (;;) {
    ssize_t n = read(w->fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      return changed;
    if (n <= 0)
      return cb_ctx__fail(ctx, CB_EIO, "cannot watch %s: %s", w->root,
                          n < 0 ? strerror(errno) : "end of events");
    for (char *p = buf; p < buf + n;) {
      const struct inotify_event *ev = (const struct inotify_event *)p;
      p += sizeof *ev + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        /* events were lost: anything may have changed, folders too */
        int err = add_tree(w, ctx, "", 0);
        if (err < 0)
          return err;
        changed = 1;
        continue;
      }
      if (ev->mask & IN_IGNORED) {
        forget_wd(w, ev->wd);
        continue;
      }
      if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
        const watched *d = find_wd(w, ev->wd);
        if (d && !*d->rel) /* the project itself went away */
          changed = 2;
        continue; /* a folder below: its parent says so */
      }
      const watched *d = find_wd(w, ev->wd);
      if (!d || !ev->len || ignored_name(ev->name))
        continue;
      if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && (ev->mask & IN_ISDIR)) {
        char *rel = join(d->rel, ev->name);
        int err = rel ? add_tree(w, ctx, rel, 1)
                      : cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
        cb_free(rel);
        if (err < 0)
          return err;
      }
      if (ev->mask & (IN_DELETE | IN_MOVED_FROM))
        changed = 2;
      else if (changed == 0 || (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)))
        changed = 1;
    }
  }
}

int cb_watch_wait(cb_watch *w, cb_ctx *ctx) {
  long long first = 0, last = 0;
  int pending = 0; /* 0, or what read_events said last */
  for (;;) {
    if (w->stopped)
      return 0;
    int timeout = -1;
    if (pending) {
      long long t = now_ms();
      long long quiet = (pending == 2 ? LINGER_MS : QUIET_MS) - (t - last);
      long long burst = BURST_MS - (t - first);
      long long left = quiet < burst ? quiet : burst;
      if (left <= 0)
        return 1;
      timeout = (int)left;
    }
    struct pollfd fds[2] = {{w->fd, POLLIN, 0}, {w->stop[0], POLLIN, 0}};
    int n = poll(fds, 2, timeout);
    if (n < 0 && errno != EINTR)
      return cb_ctx__fail(ctx, CB_EIO, "cannot watch %s: %s", w->root,
                          strerror(errno));
    if (n <= 0)
      continue;
    if (fds[1].revents) {
      char c;
      while (read(w->stop[0], &c, 1) > 0)
        ;
    }
    if (fds[0].revents) {
      int got = read_events(w, ctx);
      if (got < 0)
        return got;
      if (got) {
        last = now_ms();
        if (!pending)
          first = last;
        pending = got;
      }
    }
  }
}

void cb_watch_stop(cb_watch *w) {
  if (!w)
    return;
  int saved = errno; /* a signal handler leaves errno as it found it */
  w->stopped = 1;
  if (w->stop[1] >= 0) {
    ssize_t n = write(w->stop[1], "x", 1);
    (void)n;
  }
  errno = saved;
}

void cb_watch_free(cb_watch *w) {
  if (!w)
    return;
  if (w->fd >= 0)
    close(w->fd);
  for (int i = 0; i < 2; i++)
    if (w->stop[i] >= 0)
      close(w->stop[i]);
  for (size_t i = 0; i < w->n_dirs; i++)
    cb_free(w->dirs[i].rel);
  cb_free(w->dirs);
  cb_free(w->root);
  cb_free(w->outdir);
  cb_free(w);
}
