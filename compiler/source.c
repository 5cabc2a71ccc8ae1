/* SPDX-License-Identifier: MIT */
/*
 * source.c: the project's files, from the working tree, from memory or
 * from a git tree. Each backend fills a small table of operations; the
 * functions at the end dispatch through it.
 *
 * The listing is the gate of the project: symbolic links (which could
 * lead anywhere), files over the size limit and the output directory of
 * the build are left out of it with a diagnostic, and a later read of a
 * path the listing left out finds nothing. Reads of the working tree go
 * through beneath.h, which refuses a link in any component, so a link
 * swapped in after the listing is refused too.
 */
#include "source.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"
#include "output.h"

/* A listed path and its size in bytes (for the limits). */
typedef struct listed {
  const char *path;
  uint64_t size;
} listed;

typedef struct pathlist {
  listed *items;
  size_t n, cap;
} pathlist;

/* The directories being walked, from the root down: a directory seen
 * again below itself (a bind mount) is a loop and is not entered. */
typedef struct dirchain {
  const struct dirchain *up;
  dev_t dev;
  ino_t ino;
} dirchain;

/* What a backend does. list: every project file (hidden ones skipped);
 * list_dir: the files directly in dir; read: one file's bytes in ctx's
 * arena (missing: CB_ENOTFOUND, with ctx's error set only when
 * report_missing). */
typedef struct source_ops {
  int (*list)(cb_source *src, pathlist *pl);
  int (*list_dir)(cb_source *src, cb_ctx *ctx, const char *dir, pathlist *pl);
  int (*read)(cb_source *src, cb_ctx *ctx, const char *path, size_t max,
              int report_missing, const char **out, size_t *len);
} source_ops;

struct cb_source {
  const source_ops *ops;
  cb_ctx *ctx;             /* the context the source was opened with */
  char *root;              /* fs: the working tree */
  int root_fd;             /* fs: the working tree, opened once */
  dev_t root_dev, skip_dev; /* fs: the root, and a directory left out */
  ino_t root_ino, skip_ino;
  int has_skip;
  /* What the last cb_source__list gave (sorted, in ctx's arena): paths
   * that could be listed and are not there are not read. */
  const char **listed;
  size_t n_listed;
  cb_source_file *files;   /* memory: in the arena, sorted by path */
  size_t n_files;
  cb_git *git;             /* git: borrowed */
  git_tree *tree;          /* git: the project directory's tree */
};

static const source_ops fs_ops, mem_ops, git_ops;

static int cmp_file(const void *a, const void *b) {
  return strcmp(((const cb_source_file *)a)->path,
                ((const cb_source_file *)b)->path);
}

/* Does a segment of path start with '.' or '_'? Such files and folders
 * are not part of the project (as in the working-tree walk). */
static int hidden_path(const char *path) {
  for (const char *p = path; p; p = strchr(p, '/'), p = p ? p + 1 : NULL)
    if (*p == '.' || *p == '_')
      return 1;
  return 0;
}

/* files copied into ctx's arena, sorted by path, into src. */
static int copy_files(cb_source *src, cb_ctx *ctx, const cb_source_file *files,
                      size_t n) {
  cb_source_file *copy = cb_arena_calloc(ctx->arena, n + 1, sizeof *copy);
  if (!copy)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    copy[i].path = cb_arena_strdup(ctx->arena, files[i].path);
    copy[i].text = cb_arena_strndup(ctx->arena, files[i].text, files[i].len);
    copy[i].len = files[i].len;
    if (!copy[i].path || !copy[i].text)
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  qsort(copy, n, sizeof *copy, cmp_file);
  src->files = copy;
  src->n_files = n;
  return 0;
}

int cb_source__open_files(cb_source **out, cb_ctx *ctx,
                          const cb_source_file *files, size_t n) {
  *out = NULL;
  cb_source *src = cb_calloc(1, sizeof *src);
  if (!src)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  int err = copy_files(src, ctx, files, n);
  if (err < 0) {
    cb_free(src);
    return err;
  }
  src->ops = &mem_ops;
  src->ctx = ctx;
  *out = src;
  return 0;
}

int cb_source__open_fs(cb_source **out, cb_ctx *ctx, const char *root) {
  struct stat st;
  *out = NULL;
  if (stat(root, &st) < 0)
    return cb_ctx__fail(ctx, errno == ENOENT ? CB_ENOTFOUND : CB_EIO,
                        "cannot open project directory '%s': %s", root,
                        strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return cb_ctx__fail(ctx, CB_EIO, "'%s' is not a directory", root);
  /* The root as the user named it (a link there is the user's choice);
   * everything below it is opened relative to this descriptor. */
  int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd < 0 ? NULL
                  : fdopendir(openat(fd, ".", O_RDONLY | O_DIRECTORY |
                                                  O_CLOEXEC));
  if (!d || fstat(fd, &st) < 0) {
    int saved = errno;
    if (d)
      closedir(d);
    if (fd >= 0)
      close(fd);
    return cb_ctx__fail(ctx, CB_EIO, "cannot read project directory '%s': %s",
                        root, strerror(saved));
  }
  closedir(d);
  cb_source *src = cb_calloc(1, sizeof *src);
  if (!src || !(src->root = cb_strdup(root))) {
    cb_free(src);
    close(fd);
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  src->ops = &fs_ops;
  src->ctx = ctx;
  src->root_fd = fd;
  src->root_dev = st.st_dev;
  src->root_ino = st.st_ino;
  *out = src;
  return 0;
}

int cb_source__exclude_dir(cb_source *src, dev_t dev, ino_t ino) {
  if (src->ops != &fs_ops)
    return 0;
  if (dev == src->root_dev && ino == src->root_ino)
    return cb_ctx__fail(src->ctx, CB_EUSAGE,
                        "the output directory is the project directory '%s' "
                        "itself: choose another one (the default is "
                        "'%s/_build')",
                        src->root, src->root);
  src->skip_dev = dev;
  src->skip_ino = ino;
  src->has_skip = 1;
  return 0;
}

int cb_source__overlay(cb_source *src, const cb_source_file *files,
                       size_t n) {
  assert(src->ops == &fs_ops && !src->files);
  return copy_files(src, src->ctx, files, n);
}

void cb_source__free(cb_source *src) {
  if (!src)
    return;
  if (src->tree) {
    cb_git__lock(src->git);
    git_tree_free(src->tree);
    cb_git__unlock(src->git);
  }
  if (src->ops == &fs_ops)
    close(src->root_fd);
  cb_free(src->root);
  cb_free(src);
}

/* dir and name joined with '/' in a, an empty one left out (printf is
 * slow, and a project has thousands of files); NULL when out of memory. */
static char *join(cb_arena *a, const char *dir, const char *name) {
  size_t nd = strlen(dir), nn = strlen(name);
  char *s = cb_arena_alloc(a, nd + nn + 2), *p = s;
  if (!s)
    return NULL;
  memcpy(p, dir, nd);
  p += nd;
  if (nd && nn)
    *p++ = '/';
  memcpy(p, name, nn);
  p[nn] = '\0';
  return s;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Adds path (of size bytes) to the listing. */
static int push(cb_ctx *ctx, pathlist *pl, const char *path, uint64_t size) {
  listed l = {path, size};
  if (CB_VEC_PUSH(pl->items, pl->n, pl->cap, l) < 0)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  return 0;
}

/* The one refusal of a link, for the working tree and for a revision. */
static void report_link(cb_ctx *ctx, const char *path) {
  cb_diag__report_path(ctx, CB_DIAG_WARNING, "symlink", path, 0, 0,
                       "a symbolic link: links are not followed (they "
                       "could lead out of the project), and it is not read");
}

/* ---- the working tree ---------------------------------------------------- */

/* Is the directory (st) the one the source leaves out, or one holding a
 * build's lock file, that is an output directory of casebook? */
static int output_dir(const cb_source *src, int fd, const struct stat *st) {
  struct stat lock;
  if (src->has_skip && st->st_dev == src->skip_dev &&
      st->st_ino == src->skip_ino)
    return 1;
  return fstatat(fd, CB_OUTPUT_LOCK_NAME, &lock, AT_SYMLINK_NOFOLLOW) == 0 &&
         S_ISREG(lock.st_mode);
}

/* Walks the directory open at fd (relative "rel", "" for the root) depth
 * first; fd is closed. Nothing is looked up by path: each entry is
 * examined and opened relative to its directory, links are not
 * followed. */
static int walk(cb_source *src, int fd, const char *rel, pathlist *pl,
                const dirchain *up, int depth) {
  cb_ctx *ctx = src->ctx;
  int err = 0;
  DIR *d = fdopendir(fd);
  if (!d) {
    err = cb_ctx__fail(ctx, CB_EIO, "cannot read directory '%s%s%s': %s",
                       src->root, *rel ? "/" : "", rel, strerror(errno));
    close(fd);
    return err;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *name = e->d_name;
    if (name[0] == '.' || name[0] == '_')
      continue;
    char *child = join(ctx->arena, rel, name);
    if (!child) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      goto done;
    }
    struct stat st;
    if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue; /* gone since readdir */
    if (S_ISLNK(st.st_mode)) {
      report_link(ctx, child);
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      if (depth >= 64)
        continue; /* deeper trees are not a casebook */
      int loop = 0;
      for (const dirchain *c = up; c && !loop; c = c->up)
        loop = c->dev == st.st_dev && c->ino == st.st_ino;
      if (loop)
        continue;
      int sub = openat(dirfd(d), name,
                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0)
        continue; /* replaced since fstatat, or unreadable: not listed */
      if (output_dir(src, sub, &st)) {
        close(sub);
        continue;
      }
      dirchain here = {up, st.st_dev, st.st_ino};
      if ((err = walk(src, sub, child, pl, &here, depth + 1)) < 0)
        goto done;
      continue;
    }
    /* Files, and also FIFOs and devices: listed so that reading one that
     * is a chapter fails with a clear message instead of the chapter
     * silently missing. */
    if ((err = push(ctx, pl, child,
                    S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0)) < 0)
      goto done;
  }
done:
  closedir(d);
  return err;
}

/* A descriptor of the root of its own (a dup() would share the read
 * offset of the directory with every other one). */
static int reopen_root(const cb_source *src) {
  return openat(src->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int fs_list(cb_source *src, pathlist *pl) {
  int fd = reopen_root(src);
  if (fd < 0)
    return cb_ctx__fail(src->ctx, CB_EIO, "cannot read directory '%s': %s",
                        src->root, strerror(errno));
  dirchain root = {NULL, src->root_dev, src->root_ino};
  return walk(src, fd, "", pl, &root, 0);
}

/* Opens the directory rel of the working tree (links refused); -1 when
 * there is no such directory, or it is the one left out. */
static int open_dir(cb_source *src, const char *rel) {
  int fd = *rel ? cb_beneath__open(src->root_fd, rel, O_RDONLY | O_DIRECTORY,
                                   NULL)
                : reopen_root(src);
  struct stat st;
  if (fd >= 0 && *rel && (fstat(fd, &st) < 0 || output_dir(src, fd, &st))) {
    close(fd);
    fd = -1;
  }
  return fd;
}

static int fs_list_dir(cb_source *src, cb_ctx *ctx, const char *dir,
                       pathlist *pl) {
  int fd = open_dir(src, dir);
  if (fd < 0)
    return 0; /* no such directory */
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return 0;
  }
  int err = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    struct stat st;
    if (e->d_name[0] == '.' ||
        fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
        S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode))
      continue;
    char *name = cb_arena_strdup(ctx->arena, e->d_name);
    if (!name) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      break;
    }
    if ((err = push(ctx, pl, name, (uint64_t)st.st_size)) < 0)
      break;
  }
  closedir(d);
  return err;
}

/* The limit of one read: the caller's max, and never more than the
 * project's limit per file. */
static uint64_t read_limit(size_t max) {
  return max && (uint64_t)max < CB_SOURCE_FILE_MAX ? (uint64_t)max
                                                    : CB_SOURCE_FILE_MAX;
}

static int too_large(cb_ctx *ctx, const char *path, uint64_t size,
                     uint64_t max) {
  return cb_ctx__fail(ctx, CB_EIO,
                      "cannot read '%s': %" PRIu64 " bytes, larger than %" PRIu64
                      " bytes",
                      path, size, max);
}

static int fs_read(cb_source *src, cb_ctx *ctx, const char *path, size_t max,
                   int report_missing, const char **out, size_t *len) {
  int err = 0;
  char *full = join(ctx->arena, src->root, path);
  *out = NULL;
  *len = 0;
  if (!full)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  /* O_NONBLOCK: opening a FIFO must not wait for a writer */
  size_t stop = 0;
  int fd = cb_beneath__open(src->root_fd, path, O_RDONLY | O_NONBLOCK, &stop);
  struct stat st;
  if (fd < 0) {
    if (errno == ELOOP)
      return cb_ctx__fail(ctx, CB_EIO,
                          "cannot read '%s': '%s/%.*s' is a symbolic link, "
                          "and links are not followed",
                          full, src->root, (int)stop, path);
    if (errno == ENOENT && !report_missing)
      return CB_ENOTFOUND;
    return cb_ctx__fail(ctx, errno == ENOENT ? CB_ENOTFOUND : CB_EIO,
                        "cannot open '%s': %s", full, strerror(errno));
  }
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    err = cb_ctx__fail(ctx, CB_EIO, "cannot read '%s': not a regular file",
                       full);
    goto done;
  }
  uint64_t limit = read_limit(max);
  if ((uint64_t)st.st_size > limit) {
    err = too_large(ctx, full, (uint64_t)st.st_size, limit);
    goto done;
  }
  /* A regular file: O_NONBLOCK changes nothing for its reads, which go
   * straight into the arena (no stdio buffer, a few system calls per
   * file of a project with thousands). */
  size_t cap = (size_t)st.st_size, got = 0;
  char *data = cb_arena_alloc(ctx->arena, cap + 1);
  if (!data) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory reading '%s'", full);
    goto done;
  }
  while (got < cap) {
    ssize_t n = read(fd, data + got, cap - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      err = cb_ctx__fail(ctx, CB_EIO, "cannot read '%s': %s", full,
                         strerror(errno));
      goto done;
    }
    if (n == 0)
      break; /* shorter than when it was looked at */
    got += (size_t)n;
  }
  data[got] = '\0';
  *out = data;
  *len = got;
done:
  close(fd);
  return err;
}

static const source_ops fs_ops = {fs_list, fs_list_dir, fs_read};

/* ---- memory -------------------------------------------------------------- */

static int mem_list(cb_source *src, pathlist *pl) {
  int err = 0;
  for (size_t i = 0; i < src->n_files && err == 0; i++)
    if (!hidden_path(src->files[i].path))
      err = push(src->ctx, pl, src->files[i].path, src->files[i].len);
  return err;
}

static int mem_list_dir(cb_source *src, cb_ctx *ctx, const char *dir,
                        pathlist *pl) {
  size_t n = strlen(dir);
  for (size_t i = 0; i < src->n_files; i++) {
    const char *p = src->files[i].path;
    if (strncmp(p, dir, n) != 0 || p[n] != '/' || p[n + 1] == '.' ||
        strchr(p + n + 1, '/'))
      continue;
    int err = push(ctx, pl, p + n + 1, src->files[i].len);
    if (err < 0)
      return err;
  }
  return 0;
}

static int mem_read(cb_source *src, cb_ctx *ctx, const char *path, size_t max,
                    int report_missing, const char **out, size_t *len) {
  cb_source_file key = {path, NULL, 0};
  const cb_source_file *f =
      bsearch(&key, src->files, src->n_files, sizeof key, cmp_file);
  (void)report_missing;
  *out = NULL;
  *len = 0;
  if (!f)
    return CB_ENOTFOUND;
  if ((uint64_t)f->len > read_limit(max))
    return too_large(ctx, path, f->len, read_limit(max));
  *out = f->text;
  *len = f->len;
  return 0;
}

static const source_ops mem_ops = {mem_list, mem_list_dir, mem_read};

/* ---- a git tree ---------------------------------------------------------- */

/* The size of the blob id from its header, without inflating it (a
 * 500 MB chapter compresses to a few MB); 0 when unknown (the read then
 * says what is wrong). */
static uint64_t blob_size(git_odb *odb, const git_oid *id) {
  size_t size = 0;
  git_object_t type;
  if (!odb || git_odb_read_header(&size, &type, odb, id) < 0)
    return 0;
  return (uint64_t)size;
}

/* Walks tree (at relative path rel) depth first; the caller holds the
 * lock. Submodules and symbolic links are reported and left out. */
static int git_walk(cb_source *src, git_odb *odb, const git_tree *tree,
                    const char *rel, pathlist *pl, int depth) {
  cb_ctx *ctx = src->ctx;
  if (depth > 64)
    return 0;
  size_t n = git_tree_entrycount(tree);
  for (size_t i = 0; i < n; i++) {
    const git_tree_entry *e = git_tree_entry_byindex(tree, i);
    const char *name = git_tree_entry_name(e);
    if (name[0] == '.' || name[0] == '_')
      continue;
    char *child = join(ctx->arena, rel, name);
    if (!child)
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    git_filemode_t mode = git_tree_entry_filemode(e);
    if (mode == GIT_FILEMODE_COMMIT) {
      cb_diag__report_path(ctx, CB_DIAG_WARNING, "git-submodule", child, 0, 0,
                           "a submodule: its files are not part of this "
                           "revision and are not read");
      continue;
    }
    if (mode == GIT_FILEMODE_LINK) {
      report_link(ctx, child);
      continue;
    }
    if (mode == GIT_FILEMODE_TREE) {
      git_tree *sub = NULL;
      if (git_tree_lookup(&sub, git_tree_owner(tree), git_tree_entry_id(e)) < 0)
        return cb_ctx__fail(ctx, CB_EIO, "cannot read directory '%s': %s",
                            child, cb_git__error());
      int err = git_walk(src, odb, sub, child, pl, depth + 1);
      git_tree_free(sub);
      if (err < 0)
        return err;
      continue;
    }
    int err = push(ctx, pl, child, blob_size(odb, git_tree_entry_id(e)));
    if (err < 0)
      return err;
  }
  return 0;
}

static int git_list(cb_source *src, pathlist *pl) {
  git_odb *odb = NULL;
  cb_git__lock(src->git);
  if (git_repository_odb(&odb, git_tree_owner(src->tree)) < 0)
    odb = NULL;
  int err = git_walk(src, odb, src->tree, "", pl, 0);
  git_odb_free(odb);
  cb_git__unlock(src->git);
  return err;
}

static int git_list_dir(cb_source *src, cb_ctx *ctx, const char *dir,
                        pathlist *pl) {
  git_tree_entry *entry = NULL;
  git_tree *sub = NULL;
  int err = 0;
  cb_git__lock(src->git);
  if (git_tree_entry_bypath(&entry, src->tree, dir) < 0 ||
      git_tree_entry_type(entry) != GIT_OBJECT_TREE ||
      git_tree_lookup(&sub, git_tree_owner(src->tree),
                      git_tree_entry_id(entry)) < 0)
    goto done; /* no such directory */
  size_t n = git_tree_entrycount(sub);
  for (size_t i = 0; i < n; i++) {
    const git_tree_entry *e = git_tree_entry_byindex(sub, i);
    const char *name = git_tree_entry_name(e);
    git_filemode_t mode = git_tree_entry_filemode(e);
    if (name[0] == '.' || (mode != GIT_FILEMODE_BLOB &&
                           mode != GIT_FILEMODE_BLOB_EXECUTABLE))
      continue;
    char *copy = cb_arena_strdup(ctx->arena, name);
    if (!copy) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      break;
    }
    if ((err = push(ctx, pl, copy, 0)) < 0)
      break;
  }
done:
  git_tree_free(sub);
  git_tree_entry_free(entry);
  cb_git__unlock(src->git);
  return err;
}

static int git_read(cb_source *src, cb_ctx *ctx, const char *path, size_t max,
                    int report_missing, const char **out, size_t *len) {
  git_tree_entry *entry = NULL;
  git_blob *blob = NULL;
  int err = 0;
  *out = NULL;
  *len = 0;
  cb_git__lock(src->git);
  int e = git_tree_entry_bypath(&entry, src->tree, path);
  if (e == GIT_ENOTFOUND) {
    err = report_missing
              ? cb_ctx__fail(ctx, CB_ENOTFOUND, "no file '%s' in the revision",
                             path)
              : CB_ENOTFOUND;
    goto done;
  }
  if (e < 0) {
    err = cb_ctx__fail(ctx, CB_EIO, "cannot read '%s': %s", path,
                       cb_git__error());
    goto done;
  }
  git_filemode_t mode = git_tree_entry_filemode(entry);
  if (mode == GIT_FILEMODE_LINK) {
    err = cb_ctx__fail(ctx, CB_EIO,
                       "cannot read '%s': a symbolic link, and links are not "
                       "followed",
                       path);
    goto done;
  }
  if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE) {
    err = cb_ctx__fail(ctx, CB_EIO, "cannot read '%s': not a regular file",
                       path);
    goto done;
  }
  /* the size from the object's header first: a blob is inflated whole
   * by git_blob_lookup, and a small repository can hold a huge one */
  git_odb *odb = NULL;
  size_t hsize = 0;
  git_object_t htype;
  uint64_t limit = read_limit(max);
  if (git_repository_odb(&odb, git_tree_owner(src->tree)) == 0 &&
      git_odb_read_header(&hsize, &htype, odb, git_tree_entry_id(entry)) ==
          0 &&
      (uint64_t)hsize > limit) {
    git_odb_free(odb);
    err = too_large(ctx, path, hsize, limit);
    goto done;
  }
  git_odb_free(odb);
  if (git_blob_lookup(&blob, git_tree_owner(src->tree),
                      git_tree_entry_id(entry)) < 0) {
    err = cb_ctx__fail(ctx, CB_EIO, "cannot read '%s': %s", path,
                       cb_git__error());
    goto done;
  }
  git_object_size_t size = git_blob_rawsize(blob);
  if ((uint64_t)size > limit || size > (git_object_size_t)(SIZE_MAX / 2)) {
    err = too_large(ctx, path, size, limit);
    goto done;
  }
  char *data = cb_arena_alloc(ctx->arena, (size_t)size + 1);
  if (!data) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory reading '%s'", path);
    goto done;
  }
  if (size)
    memcpy(data, git_blob_rawcontent(blob), (size_t)size);
  data[size] = '\0';
  *out = data;
  *len = (size_t)size;
done:
  git_blob_free(blob);
  git_tree_entry_free(entry);
  cb_git__unlock(src->git);
  return err;
}

static const source_ops git_ops = {git_list, git_list_dir, git_read};

int cb_source__open_git(cb_source **out, cb_ctx *ctx, cb_git *git,
                        const char *rev, git_commit **commit_out) {
  git_commit *commit = NULL;
  git_tree *tree = NULL;
  *out = NULL;
  if (commit_out)
    *commit_out = NULL;
  cb_git__lock(git);
  int err = cb_git__resolve(git, ctx, rev, &commit, &tree);
  cb_git__unlock(git);
  if (err < 0)
    return err;
  cb_source *src = cb_calloc(1, sizeof *src);
  if (!src) {
    git_tree_free(tree);
    git_commit_free(commit);
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  src->ops = &git_ops;
  src->ctx = ctx;
  src->git = git;
  src->tree = tree;
  if (commit_out)
    *commit_out = commit;
  else
    git_commit_free(commit);
  *out = src;
  return 0;
}

int cb_source__blob_id(cb_source *src, const char *path, git_oid *out) {
  git_tree_entry *entry = NULL;
  if (src->ops != &git_ops)
    return CB_ENOTFOUND;
  cb_git__lock(src->git);
  int e = git_tree_entry_bypath(&entry, src->tree, path);
  if (e == 0)
    git_oid_cpy(out, git_tree_entry_id(entry));
  git_tree_entry_free(entry);
  cb_git__unlock(src->git);
  return e == 0 ? 0 : CB_ENOTFOUND;
}

/* ---- dispatch ------------------------------------------------------------ */

static int cmp_listed(const void *a, const void *b) {
  return strcmp(((const listed *)a)->path, ((const listed *)b)->path);
}

/* Copies the sorted paths into ctx's arena. */
static int finish_list(cb_ctx *ctx, pathlist *pl, int err, const char ***out,
                       size_t *n) {
  *out = NULL;
  *n = 0;
  if (err < 0)
    goto done;
  if (pl->n > 1)
    qsort(pl->items, pl->n, sizeof *pl->items, cmp_listed);
  const char **arr = cb_arena_alloc(ctx->arena, (pl->n + 1) * sizeof *arr);
  if (!arr) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < pl->n; i++)
    arr[i] = pl->items[i].path;
  arr[pl->n] = NULL;
  *out = arr;
  *n = pl->n;
done:
  cb_free(pl->items);
  return err;
}

/* The limits of docs/limits.md on a whole listing: a file over the limit
 * per file is an error at that file and is left out; files that total
 * more than the limit of a project stop the build. */
static int apply_limits(cb_ctx *ctx, pathlist *pl) {
  uint64_t total = 0;
  size_t k = 0;
  for (size_t i = 0; i < pl->n; i++) {
    const listed *l = &pl->items[i];
    if (l->size > CB_SOURCE_FILE_MAX) {
      char msg[200];
      snprintf(msg, sizeof msg,
               "%" PRIu64 " bytes: larger than the limit of %" PRIu64
               " bytes (%" PRIu64 " MiB) for one project file; it is not read",
               l->size, CB_SOURCE_FILE_MAX, CB_SOURCE_FILE_MAX >> 20);
      cb_diag__report_path(ctx, CB_DIAG_ERROR, "file-too-large", l->path, 0,
                           0, msg);
      continue;
    }
    total += l->size;
    pl->items[k++] = *l;
  }
  pl->n = k;
  if (total > CB_SOURCE_TOTAL_MAX)
    return cb_ctx__fail(ctx, CB_EIO,
                        "the project's files total %" PRIu64
                        " bytes: larger than the limit of %" PRIu64
                        " bytes (%" PRIu64 " MiB) for a project",
                        total, CB_SOURCE_TOTAL_MAX, CB_SOURCE_TOTAL_MAX >> 20);
  return 0;
}

/* The file of an overlay (cb_source__overlay) at path, or NULL. */
static const cb_source_file *overlay_file(const cb_source *src,
                                          const char *path) {
  if (src->ops != &fs_ops || !src->n_files)
    return NULL;
  cb_source_file key = {path, NULL, 0};
  return bsearch(&key, src->files, src->n_files, sizeof key, cmp_file);
}

/* Adds the overlay's files that are in dir (NULL: anywhere) and not in pl
 * yet: an unsaved buffer of a file the disk does not hold. */
static int overlay_list(cb_source *src, cb_ctx *ctx, const char *dir,
                        pathlist *pl) {
  size_t n_disk = pl->n, dn = dir ? strlen(dir) : 0;
  for (size_t i = 0; src->ops == &fs_ops && i < src->n_files; i++) {
    const char *p = src->files[i].path;
    if (dir) {
      if (strncmp(p, dir, dn) != 0 || p[dn] != '/' || p[dn + 1] == '.' ||
          strchr(p + dn + 1, '/'))
        continue;
      p += dn + 1;
    } else if (hidden_path(p)) {
      continue;
    }
    size_t k = 0;
    while (k < n_disk && strcmp(pl->items[k].path, p) != 0)
      k++;
    if (k < n_disk) {
      pl->items[k].size = src->files[i].len;
      continue;
    }
    int err = push(ctx, pl, p, src->files[i].len);
    if (err < 0)
      return err;
  }
  return 0;
}

int cb_source__list(cb_source *src, const char ***out, size_t *n) {
  pathlist pl = {0};
  int err = src->ops->list(src, &pl);
  if (err == 0)
    err = overlay_list(src, src->ctx, NULL, &pl);
  if (err == 0)
    err = apply_limits(src->ctx, &pl);
  err = finish_list(src->ctx, &pl, err, out, n);
  if (err == 0) {
    src->listed = *out;
    src->n_listed = *n;
  }
  return err;
}

int cb_source__list_dir_in(cb_source *src, cb_ctx *ctx, const char *dir,
                           const char ***out, size_t *n) {
  pathlist pl = {0};
  int err = src->ops->list_dir(src, ctx, dir, &pl);
  if (err == 0)
    err = overlay_list(src, ctx, dir, &pl);
  return finish_list(ctx, &pl, err, out, n);
}

/* 0 when path may be read: a path the listing would show must be in it
 * (a link, a file over the limit, the output directory were left out
 * there, with a diagnostic); CB_ENOTFOUND if not. */
static int admitted(const cb_source *src, const char *path) {
  if (!src->listed || hidden_path(path))
    return 0;
  return bsearch(&path, src->listed, src->n_listed, sizeof *src->listed,
                 cmp_str)
             ? 0
             : CB_ENOTFOUND;
}

/* One file's bytes: the overlay's when it has path, else the backend's. */
static int read_file(cb_source *src, cb_ctx *ctx, const char *path,
                     size_t max, int report_missing, const char **out,
                     size_t *len) {
  const cb_source_file *f = overlay_file(src, path);
  if (!f)
    return src->ops->read(src, ctx, path, max, report_missing, out, len);
  if ((uint64_t)f->len > read_limit(max))
    return too_large(ctx, path, f->len, read_limit(max));
  *out = f->text;
  *len = f->len;
  return 0;
}

int cb_source__read(cb_source *src, const char *path, const char **out,
                    size_t *len) {
  *out = NULL;
  *len = 0;
  if (admitted(src, path) < 0)
    return cb_ctx__fail(src->ctx, CB_ENOTFOUND, "no file '%s' in the project",
                        path);
  return read_file(src, src->ctx, path, 0, 1, out, len);
}

int cb_source__read_in(cb_source *src, cb_ctx *ctx, const char *path,
                       size_t max, const char **out, size_t *len) {
  *out = NULL;
  *len = 0;
  if (admitted(src, path) < 0)
    return CB_ENOTFOUND;
  return read_file(src, ctx, path, max, 0, out, len);
}
