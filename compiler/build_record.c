/* SPDX-License-Identifier: MIT */
/*
 * build_record.c: the record of a build (build_record.h, docs/cache.md):
 * what the last build read and wrote, so that the next one into the same
 * directory can tell that nothing changed.
 *
 * An input is known by its stat and its git blob id. A stat that is the
 * same as recorded (and was not racy then) vouches for the bytes; any
 * other input is hashed, until one differs. An output is known by its
 * stat alone: a build that finds every output as the last one left it
 * need write none. The diagnostics are recorded with the paths of the
 * files they point at, which are read again to replay them.
 */
#include "build_record.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"
#include "strmap.h"

/* A file whose time stamps are this close to the start of the build (or
 * later) may have changed within one tick of the file system's clock:
 * its stat is not trusted next time, its bytes are hashed. */
#define RACY_NS 2000000000LL

void cb_build_record__free(cb_build_record *rec) {
  cb_free(rec->inputs);
  rec->inputs = NULL;
  rec->n_inputs = 0;
  if (rec->root_fd >= 0)
    close(rec->root_fd);
  rec->root_fd = -1;
}

static int is_fs(const cb_build_record *rec) {
  return rec->ctx->opts.rev == NULL;
}

/* The git blob id of data (SHA-1 of "blob LEN\0" + data): also the hash
 * of the cache's keys. */
void cb_build_record__blob_id(unsigned char out[CB_BLOB_ID_LEN],
                              const void *data, size_t n) {
  git_oid oid;
  if (git_odb_hash(&oid, data, n, GIT_OBJECT_BLOB) < 0)
    memset(out, 0, CB_BLOB_ID_LEN);
  else
    memcpy(out, oid.id, CB_BLOB_ID_LEN);
}

/* Reads the whole regular file open at fd into a cb_malloc'd buffer
 * (with a NUL after it) and closes fd; a file larger than max is not
 * read. Returns 0, -1 when it cannot be read, -2 when out of memory. */
int cb_build_record__read_fd(int fd, unsigned char **out, size_t *len,
                             uint64_t max) {
  *out = NULL;
  *len = 0;
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
      (uint64_t)st.st_size > SIZE_MAX / 2 || (uint64_t)st.st_size > max) {
    close(fd);
    return -1;
  }
  size_t n = (size_t)st.st_size, got = 0;
  unsigned char *buf = cb_malloc(n + 1);
  if (!buf) {
    close(fd);
    return -2;
  }
  while (got < n) {
    ssize_t k = read(fd, buf + got, n - got);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      break;
    got += (size_t)k;
  }
  close(fd);
  buf[got] = 0;
  *out = buf;
  *len = got;
  return 0;
}

/* Opens the project file rel (as the listing gives it) for reading, below
 * the project directory without following any link, as source.c reads
 * it: the inputs hashed for the record are project files too. Returns
 * the descriptor or -1. */
static int open_input(cb_build_record *rec, const char *rel) {
  if (rec->root_fd < 0)
    rec->root_fd =
        open(*rec->root ? rec->root : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rec->root_fd < 0)
    return -1;
  return cb_beneath__open(rec->root_fd, rel, O_RDONLY | O_NONBLOCK, NULL);
}
static int stat_equal(const cb_filestat *a, const cb_filestat *b) {
  return a->size == b->size && a->ino == b->ino && a->dev == b->dev &&
         a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns &&
         a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns;
}

static void fill_stat(cb_filestat *fs, const struct stat *st) {
  fs->size = (uint64_t)st->st_size;
  fs->ino = (uint64_t)st->st_ino;
  fs->dev = (uint64_t)st->st_dev;
  fs->mtime_s = (int64_t)st->st_mtim.tv_sec;
  fs->mtime_ns = (int64_t)st->st_mtim.tv_nsec;
  fs->ctime_s = (int64_t)st->st_ctim.tv_sec;
  fs->ctime_ns = (int64_t)st->st_ctim.tv_nsec;
}

/* Was the file touched so close to the start of the build that the
 * file system's clock cannot tell a later change apart? */
static int is_racy(const cb_build_record *rec, const cb_filestat *fs) {
  int64_t start =
      (int64_t)rec->start.tv_sec * 1000000000LL + rec->start.tv_nsec;
  int64_t m = fs->mtime_s * 1000000000LL + fs->mtime_ns;
  int64_t t = fs->ctime_s * 1000000000LL + fs->ctime_ns;
  return m >= start - RACY_NS || t >= start - RACY_NS;
}

static void put_stat(cb_codec_wr *w, const cb_filestat *fs) {
  cb_codec__put_u(w, fs->size);
  cb_codec__put_u(w, fs->ino);
  cb_codec__put_u(w, fs->dev);
  cb_codec__put_i(w, fs->mtime_s);
  cb_codec__put_i(w, fs->mtime_ns);
  cb_codec__put_i(w, fs->ctime_s);
  cb_codec__put_i(w, fs->ctime_ns);
}

static void get_stat(cb_codec_rd *r, cb_filestat *fs) {
  fs->size = cb_codec__get_u(r);
  fs->ino = cb_codec__get_u(r);
  fs->dev = cb_codec__get_u(r);
  fs->mtime_s = cb_codec__get_i(r);
  fs->mtime_ns = cb_codec__get_i(r);
  fs->ctime_s = cb_codec__get_i(r);
  fs->ctime_ns = cb_codec__get_i(r);
}

/* The output files below dir (relative to the output directory, the
 * cache left out), with their stats, in byte order of path. */
typedef struct outlist {
  cb_filestat *items;
  size_t n, cap;
  cb_arena *a;
  int failed;
} outlist;

static void walk_outputs(outlist *ol, const char *full, const char *rel,
                         int depth) {
  DIR *d = opendir(full);
  if (!d) {
    ol->failed = 1;
    return;
  }
  struct dirent *e;
  while ((e = readdir(d)) && !ol->failed) {
    const char *name = e->d_name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
        (depth == 0 && strcmp(name, ".cache") == 0))
      continue;
    char *child = *rel ? cb_arena_printf(ol->a, "%s/%s", rel, name)
                       : cb_arena_strdup(ol->a, name);
    char *child_full = cb_arena_printf(ol->a, "%s/%s", full, name);
    struct stat st;
    if (!child || !child_full || lstat(child_full, &st) < 0) {
      ol->failed = 1;
      break;
    }
    if (S_ISDIR(st.st_mode)) {
      if (depth > 64)
        ol->failed = 1;
      else
        walk_outputs(ol, child_full, child, depth + 1);
      continue;
    }
    cb_filestat fs = {0};
    fs.path = child;
    fill_stat(&fs, &st);
    if (CB_VEC_PUSH(ol->items, ol->n, ol->cap, fs) < 0)
      ol->failed = 1;
  }
  closedir(d);
}

static int cmp_filestat(const void *a, const void *b) {
  return strcmp(((const cb_filestat *)a)->path, ((const cb_filestat *)b)->path);
}

static int list_outputs(cb_build_record *rec, outlist *ol) {
  memset(ol, 0, sizeof *ol);
  ol->a = rec->ctx->arena;
  walk_outputs(ol, rec->outdir, "", 0);
  if (ol->failed) {
    cb_free(ol->items);
    memset(ol, 0, sizeof *ol);
    return -1;
  }
  if (ol->n > 1)
    qsort(ol->items, ol->n, sizeof *ol->items, cmp_filestat);
  return 0;
}

/* ---- the inputs ------------------------------------------------------- */

/* The inputs: their stats now, which the next build compares with its
 * own. A file touched within RACY_NS of the start of the build is noted
 * racy, so that its bytes are hashed then. */
int cb_build_record__list_inputs(cb_build_record *rec, cb_source *src,
                                 const char *const *paths, size_t n_paths) {
  cb_free(rec->inputs);
  rec->n_inputs = 0;
  if (!(rec->inputs = cb_calloc(n_paths + 1, sizeof *rec->inputs)))
    return CB_ENOMEM;
  rec->n_inputs = n_paths;
  for (size_t i = 0; i < n_paths; i++) {
    cb_filestat *fs = &rec->inputs[i];
    fs->path = paths[i];
    fs->racy = 1;
    if (!is_fs(rec)) {
      git_oid oid; /* in git the tree has them: no stat, no hashing */
      if (cb_source__blob_id(src, paths[i], &oid) == 0) {
        memcpy(fs->blob, oid.id, CB_BLOB_ID_LEN);
        fs->known = 1;
      }
      continue;
    }
    int fd = open_input(rec, paths[i]);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0) {
      fill_stat(fs, &st);
      fs->racy = is_racy(rec, fs);
    }
    if (fd >= 0)
      close(fd);
  }
  rec->inputs_ok = 1;
  return 0;
}

/* The blobs of the inputs the build read (chapters, manifest) are those
 * of the bytes it used, hashed already for the chapters (planned); other
 * files are hashed now, unless they changed since the build started. */
void cb_build_record__input_blobs(cb_build_record *rec, const cb_book *book,
                                  const unsigned char *const *planned) {
  cb_strmap used = {0};
  for (size_t i = 0; i < book->n_files; i++)
    if (cb_strmap_put(&used, book->files[i].path, i, NULL) < 0)
      goto done;
  for (size_t i = 0; i < rec->n_inputs; i++) {
    cb_filestat *fs = &rec->inputs[i];
    size_t k;
    if (fs->known)
      continue;
    if (cb_strmap_get(&used, fs->path, &k)) {
      if (planned && planned[k])
        memcpy(fs->blob, planned[k], CB_BLOB_ID_LEN);
      else
        cb_build_record__blob_id(fs->blob, book->files[k].text,
                                 book->files[k].len);
      fs->known = 1;
      continue;
    }
    if (!is_fs(rec))
      continue;
    int fd = open_input(rec, fs->path);
    unsigned char *data = NULL;
    size_t len = 0;
    struct stat st;
    cb_filestat after = *fs;
    if (fd >= 0 && fstat(fd, &st) == 0) {
      fill_stat(&after, &st);
      if (stat_equal(&after, fs)) {
        int rc = cb_build_record__read_fd(fd, &data, &len, CB_SOURCE_FILE_MAX);
        fd = -1; /* read_fd closed it */
        if (rc == 0) {
          cb_build_record__blob_id(fs->blob, data, len);
          fs->known = 1;
        }
      }
    }
    if (fd >= 0)
      close(fd);
    cb_free(data);
  }
done:
  cb_strmap_free(&used);
}

/* ---- reading the record ----------------------------------------------- */

/* The blob id of an input read through the source. */
static int source_blob(cb_build_record *rec, cb_source *src, cb_filestat *fs) {
  git_oid oid;
  if (!is_fs(rec) && cb_source__blob_id(src, fs->path, &oid) == 0) {
    memcpy(fs->blob, oid.id, CB_BLOB_ID_LEN);
    fs->known = 1;
    return 0;
  }
  const char *text;
  size_t len;
  int err = cb_source__read(src, fs->path, &text, &len);
  if (err == CB_ENOMEM)
    return err;
  if (err < 0)
    return 0; /* unknown: the build will say what is wrong */
  cb_build_record__blob_id(fs->blob, text, len);
  fs->known = 1;
  return 0;
}

/* Compares the inputs with the record's; fills rec->inputs. Returns 1 when
 * they are the same files with the same bytes, 0 if not, CB_ENOMEM. */
int cb_build_record__same_inputs(cb_build_record *rec, cb_codec_rd *r,
                                 cb_source *src) {
  uint64_t n = cb_codec__get_u(r);
  cb_filestat *old = NULL;
  int same = !r->bad && n == rec->n_inputs;
  if (same && !(old = cb_calloc(rec->n_inputs + 1, sizeof *old)))
    return CB_ENOMEM;
  for (size_t i = 0; same && i < rec->n_inputs; i++) {
    size_t len, blen;
    const char *path = cb_codec__get_bytes(r, &len);
    get_stat(r, &old[i]);
    old[i].racy = (int)cb_codec__get_u(r);
    old[i].known = (int)cb_codec__get_u(r);
    const char *blob = cb_codec__get_bytes(r, &blen);
    if (r->bad || !path || !blob || blen != CB_BLOB_ID_LEN ||
        strlen(rec->inputs[i].path) != len ||
        memcmp(rec->inputs[i].path, path, len) != 0) {
      same = 0;
      break;
    }
    memcpy(old[i].blob, blob, CB_BLOB_ID_LEN);
    cb_filestat *now = &rec->inputs[i];
    if (is_fs(rec) && !old[i].racy && old[i].known &&
        stat_equal(now, &old[i])) {
      memcpy(now->blob, old[i].blob, CB_BLOB_ID_LEN);
      now->known = 1;
    } else if (!is_fs(rec) && now->known &&
               (!old[i].known ||
                memcmp(now->blob, old[i].blob, CB_BLOB_ID_LEN))) {
      same = 0;
    }
  }
  /* then the bytes of those whose stat changed, until one differs */
  for (size_t i = 0; same && i < rec->n_inputs; i++) {
    cb_filestat *now = &rec->inputs[i];
    if (now->known)
      continue;
    rec->n_hashed++;
    int err = source_blob(rec, src, now);
    if (err < 0) {
      cb_free(old);
      return err;
    }
    if (!now->known || !old[i].known ||
        memcmp(now->blob, old[i].blob, CB_BLOB_ID_LEN) != 0)
      same = 0;
  }
  cb_free(old);
  return same;
}

/* Compares the outputs on disk with the record's, by stat. */
int cb_build_record__same_outputs(cb_build_record *rec, cb_codec_rd *r) {
  outlist ol;
  uint64_t n = cb_codec__get_u(r);
  if (r->bad || list_outputs(rec, &ol) < 0)
    return 0;
  int same = n == ol.n;
  for (size_t i = 0; same && i < ol.n; i++) {
    size_t len;
    const char *path = cb_codec__get_bytes(r, &len);
    cb_filestat old = {0};
    get_stat(r, &old);
    if (r->bad || !path || len != strlen(ol.items[i].path) ||
        memcmp(path, ol.items[i].path, len) != 0 ||
        !stat_equal(&old, &ol.items[i]))
      same = 0;
  }
  cb_free(ol.items);
  return same;
}

/* Puts the recorded files and diagnostics of the last build into ctx. */
int cb_build_record__replay_diags(cb_build_record *rec, cb_codec_rd *r,
                                  cb_source *src) {
  cb_ctx *ctx = rec->ctx;
  cb_book *book = &ctx->book;
  size_t n_files = cb_codec__get_count(r, cb_codec__get_u(r));
  cb_file *files = cb_arena_calloc(ctx->arena, n_files + 1, sizeof *files);
  if (!files)
    return CB_ENOMEM;
  for (size_t i = 0; i < n_files && !r->bad; i++) {
    files[i].path = cb_codec__get_s(r);
    files[i].text = "";
    files[i].len = 0;
    if (r->oom)
      return CB_ENOMEM;
  }
  size_t n = cb_codec__get_count(r, cb_codec__get_u(r));
  cb_diag *diags = cb_calloc(n + 1, sizeof *diags);
  unsigned char *used = cb_calloc(n_files + 1, 1);
  int err = 0;
  if (!diags || !used) {
    err = CB_ENOMEM;
    goto done;
  }
  for (size_t i = 0; i < n && !r->bad; i++) {
    cb_diag *d = &diags[i];
    d->level = (cb_diag_level)cb_codec__get_enum(r, CB_DIAG_ERROR);
    d->rule = cb_codec__get_s(r);
    d->message = cb_codec__get_s(r);
    d->suggestion = cb_codec__get_s(r);
    d->path = cb_codec__get_s(r);
    uint64_t file = cb_codec__get_u(r);
    d->file = file == 0 ? UINT32_MAX : (uint32_t)(file - 1);
    d->line = (uint32_t)cb_codec__get_u(r);
    d->col = (uint32_t)cb_codec__get_u(r);
    d->element = cb_codec__get_s(r);
    d->suppressed = cb_codec__get_s(r);
    if (d->file != UINT32_MAX) {
      if (d->file >= n_files)
        r->bad = 1;
      else
        used[d->file] = 1;
    }
    if (!d->rule || !d->message)
      r->bad = 1;
  }
  if (r->oom) {
    err = CB_ENOMEM;
    goto done;
  }
  if (r->bad || r->p != r->end)
    goto done; /* not replayed */
  /* the files the diagnostics quote */
  for (size_t i = 0; i < n_files; i++) {
    if (!used[i] || !files[i].path)
      continue;
    const char *text;
    size_t len;
    int e = cb_source__read(src, files[i].path, &text, &len);
    if (e == CB_ENOMEM) {
      err = e;
      goto done;
    }
    if (e < 0)
      goto done;
    files[i].text = text;
    files[i].len = len;
  }
  cb_ctx from;
  memset(&from, 0, sizeof from);
  from.diags = diags;
  from.n_diags = n;
  /* the record holds every diagnostic of the build, those reported
   * before the files were listed too */
  ctx->n_diags = 0;
  if ((err = cb_diag__merge(ctx, &from)) < 0)
    goto done;
  book->files = files;
  book->n_files = n_files;
  err = 1;
done:
  cb_free(diags);
  cb_free(used);
  return err;
}

/* ---- writing the record ----------------------------------------------- */

/* The cache's notes are about this build's cache files: not replayed. */
static int is_cache_note(const cb_diag *d) {
  return d->rule && (strcmp(d->rule, CB_NOTE_UNTRUSTED) == 0 ||
                     strcmp(d->rule, CB_NOTE_TRACKED) == 0);
}

int cb_build_record__put(cb_build_record *rec, cb_codec_wr *w,
                         const cb_book *book) {
  cb_ctx *ctx = rec->ctx;
  outlist ol;
  if (!rec->inputs_ok || list_outputs(rec, &ol) < 0)
    return -1;
  cb_codec__put_u(w, rec->n_inputs);
  for (size_t i = 0; i < rec->n_inputs; i++) {
    const cb_filestat *fs = &rec->inputs[i];
    cb_codec__put_s(w, fs->path);
    put_stat(w, fs);
    cb_codec__put_u(w, (uint64_t)fs->racy);
    cb_codec__put_u(w, (uint64_t)fs->known);
    cb_codec__put_bytes(w, (const char *)fs->blob, CB_BLOB_ID_LEN);
  }
  cb_codec__put_u(w, ol.n);
  for (size_t i = 0; i < ol.n; i++) {
    cb_codec__put_s(w, ol.items[i].path);
    put_stat(w, &ol.items[i]);
  }
  cb_free(ol.items);
  cb_codec__put_u(w, book->n_files);
  for (size_t i = 0; i < book->n_files; i++)
    cb_codec__put_s(w, book->files[i].path);
  size_t n_diags = 0;
  for (size_t i = 0; i < ctx->n_diags; i++)
    n_diags += !is_cache_note(&ctx->diags[i]);
  cb_codec__put_u(w, n_diags);
  for (size_t i = 0; i < ctx->n_diags; i++) {
    const cb_diag *d = &ctx->diags[i];
    if (is_cache_note(d))
      continue;
    cb_codec__put_u(w, (uint64_t)d->level);
    cb_codec__put_s(w, d->rule);
    cb_codec__put_s(w, d->message);
    cb_codec__put_s(w, d->suggestion);
    cb_codec__put_s(w, d->path);
    cb_codec__put_u(w, d->file == UINT32_MAX ? 0 : (uint64_t)d->file + 1);
    cb_codec__put_u(w, d->line);
    cb_codec__put_u(w, d->col);
    cb_codec__put_s(w, d->element);
    cb_codec__put_s(w, d->suppressed);
  }
  return 0;
}
