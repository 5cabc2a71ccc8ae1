/*
 * source.c: the project's files, from the working tree, from memory or
 * from a git tree. Each backend fills a small table of operations; the
 * functions at the end dispatch through it.
 */
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct pathlist {
  const char **items;
  size_t n, cap;
} pathlist;

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

int cb_source__open_files(cb_source **out, cb_ctx *ctx,
                          const cb_source_file *files, size_t n) {
  *out = NULL;
  cb_source *src = cb_calloc(1, sizeof *src);
  cb_source_file *copy = cb_arena_calloc(ctx->arena, n + 1, sizeof *copy);
  if (!src || !copy) {
    cb_free(src);
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    copy[i].path = cb_arena_strdup(ctx->arena, files[i].path);
    copy[i].text = cb_arena_strndup(ctx->arena, files[i].text, files[i].len);
    copy[i].len = files[i].len;
    if (!copy[i].path || !copy[i].text) {
      cb_free(src);
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    }
  }
  qsort(copy, n, sizeof *copy, cmp_file);
  src->ops = &mem_ops;
  src->ctx = ctx;
  src->files = copy;
  src->n_files = n;
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
  DIR *d = opendir(root);
  if (!d)
    return cb_ctx__fail(ctx, CB_EIO, "cannot read project directory '%s': %s",
                        root, strerror(errno));
  closedir(d);
  cb_source *src = cb_calloc(1, sizeof *src);
  if (!src || !(src->root = cb_strdup(root))) {
    cb_free(src);
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  src->ops = &fs_ops;
  src->ctx = ctx;
  *out = src;
  return 0;
}

void cb_source__free(cb_source *src) {
  if (!src)
    return;
  if (src->tree) {
    cb_git__lock(src->git);
    git_tree_free(src->tree);
    cb_git__unlock(src->git);
  }
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

/* Walks dir (relative "rel", "" for the root) depth first. */
static int walk(cb_source *src, const char *rel, pathlist *pl, int depth) {
  cb_ctx *ctx = src->ctx;
  int err = 0;
  char *full = NULL;
  DIR *d = NULL;
  if (depth > 64)
    return 0; /* deeper trees are not a casebook; avoid loops */
  full = join(ctx->arena, src->root, rel);
  if (!full)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  if (!(d = opendir(full))) {
    err = cb_ctx__fail(ctx, CB_EIO, "cannot read directory '%s': %s", full,
                       strerror(errno));
    goto done;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *name = e->d_name;
    if (name[0] == '.' || name[0] == '_')
      continue;
    char *child = join(ctx->arena, rel, name);
    char *child_full = join(ctx->arena, full, name);
    if (!child || !child_full) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      goto done;
    }
    struct stat st;
    if (lstat(child_full, &st) < 0)
      continue; /* gone since readdir */
    if (S_ISLNK(st.st_mode) && stat(child_full, &st) == 0 &&
        S_ISDIR(st.st_mode))
      continue; /* links to directories are not followed (no loops) */
    if (S_ISDIR(st.st_mode)) {
      if ((err = walk(src, child, pl, depth + 1)) < 0)
        goto done;
      continue;
    }
    /* Files, and also dangling links, FIFOs and devices: listed so that
     * reading one that is a chapter fails with a clear message instead
     * of the chapter silently missing. */
    if (CB_VEC_PUSH(pl->items, pl->n, pl->cap, child) < 0) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      goto done;
    }
  }
done:
  if (d)
    closedir(d);
  return err;
}

/* ---- the working tree ---------------------------------------------------- */

static int fs_list(cb_source *src, pathlist *pl) {
  return walk(src, "", pl, 0);
}

static int fs_list_dir(cb_source *src, cb_ctx *ctx, const char *dir,
                       pathlist *pl) {
  char *full = join(ctx->arena, src->root, dir);
  if (!full)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  DIR *d = opendir(full);
  if (!d)
    return 0; /* no such directory */
  int err = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    char *path = join(ctx->arena, full, e->d_name);
    char *name = cb_arena_strdup(ctx->arena, e->d_name);
    struct stat st;
    if (!path || !name) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      break;
    }
    if (stat(path, &st) < 0 || S_ISDIR(st.st_mode))
      continue;
    if (CB_VEC_PUSH(pl->items, pl->n, pl->cap, name) < 0) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      break;
    }
  }
  closedir(d);
  return err;
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
  int fd = open(full, O_RDONLY | O_NONBLOCK);
  struct stat st;
  if (fd < 0) {
    struct stat lst;
    int dangling = errno == ENOENT && lstat(full, &lst) == 0;
    if (errno == ENOENT && !dangling && !report_missing)
      return CB_ENOTFOUND;
    return cb_ctx__fail(ctx, errno == ENOENT && !dangling ? CB_ENOTFOUND
                                                           : CB_EIO,
                        "cannot open '%s': %s", full,
                        dangling ? "a symbolic link to nothing"
                                 : strerror(errno));
  }
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    err = cb_ctx__fail(ctx, CB_EIO, "cannot read '%s': not a regular file",
                       full);
    goto done;
  }
  if (max && (size_t)st.st_size > max) {
    err = cb_ctx__fail(ctx, CB_EIO, "cannot read '%s': larger than %zu bytes",
                       full, max);
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
  for (size_t i = 0; i < src->n_files; i++)
    if (!hidden_path(src->files[i].path) &&
        CB_VEC_PUSH(pl->items, pl->n, pl->cap, src->files[i].path) < 0)
      return cb_ctx__fail(src->ctx, CB_ENOMEM, "out of memory");
  return 0;
}

static int mem_list_dir(cb_source *src, cb_ctx *ctx, const char *dir,
                        pathlist *pl) {
  size_t n = strlen(dir);
  for (size_t i = 0; i < src->n_files; i++) {
    const char *p = src->files[i].path;
    if (strncmp(p, dir, n) != 0 || p[n] != '/' || p[n + 1] == '.' ||
        strchr(p + n + 1, '/'))
      continue;
    if (CB_VEC_PUSH(pl->items, pl->n, pl->cap, p + n + 1) < 0)
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
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
  if (max && f->len > max)
    return cb_ctx__fail(ctx, CB_EIO, "cannot read '%s': larger than %zu bytes",
                        path, max);
  *out = f->text;
  *len = f->len;
  return 0;
}

static const source_ops mem_ops = {mem_list, mem_list_dir, mem_read};

/* ---- a git tree ---------------------------------------------------------- */

/* Walks tree (at relative path rel) depth first; the caller holds the
 * lock. Submodules and symbolic links are reported and left out. */
static int git_walk(cb_source *src, const git_tree *tree, const char *rel,
                    pathlist *pl, int depth) {
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
      cb_diag__report_path(ctx, CB_DIAG_WARNING, "git-symlink", child, 0, 0,
                           "a symbolic link: links are not followed when "
                           "reading a revision");
      continue;
    }
    if (mode == GIT_FILEMODE_TREE) {
      git_tree *sub = NULL;
      if (git_tree_lookup(&sub, git_tree_owner(tree), git_tree_entry_id(e)) < 0)
        return cb_ctx__fail(ctx, CB_EIO, "cannot read directory '%s': %s",
                            child, cb_git__error());
      int err = git_walk(src, sub, child, pl, depth + 1);
      git_tree_free(sub);
      if (err < 0)
        return err;
      continue;
    }
    if (CB_VEC_PUSH(pl->items, pl->n, pl->cap, child) < 0)
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  return 0;
}

static int git_list(cb_source *src, pathlist *pl) {
  cb_git__lock(src->git);
  int err = git_walk(src, src->tree, "", pl, 0);
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
    if (!copy || CB_VEC_PUSH(pl->items, pl->n, pl->cap, copy) < 0) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      break;
    }
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
  if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE) {
    err = cb_ctx__fail(ctx, CB_EIO, "cannot read '%s': not a regular file",
                       path);
    goto done;
  }
  if (git_blob_lookup(&blob, git_tree_owner(src->tree),
                      git_tree_entry_id(entry)) < 0) {
    err = cb_ctx__fail(ctx, CB_EIO, "cannot read '%s': %s", path,
                       cb_git__error());
    goto done;
  }
  git_object_size_t size = git_blob_rawsize(blob);
  if ((max && size > max) || size > (git_object_size_t)(SIZE_MAX / 2)) {
    err = cb_ctx__fail(ctx, CB_EIO, "cannot read '%s': larger than %zu bytes",
                       path, max);
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

/* Copies the sorted list into ctx's arena. */
static int finish_list(cb_ctx *ctx, pathlist *pl, int err, const char ***out,
                       size_t *n) {
  *out = NULL;
  *n = 0;
  if (err < 0)
    goto done;
  if (pl->n > 1)
    qsort(pl->items, pl->n, sizeof *pl->items, cmp_str);
  const char **arr = cb_arena_alloc(ctx->arena, (pl->n + 1) * sizeof *arr);
  if (!arr) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  if (pl->n)
    memcpy(arr, pl->items, pl->n * sizeof *arr);
  arr[pl->n] = NULL;
  *out = arr;
  *n = pl->n;
done:
  cb_free(pl->items);
  return err;
}

int cb_source__list(cb_source *src, const char ***out, size_t *n) {
  pathlist pl = {0};
  int err = src->ops->list(src, &pl);
  return finish_list(src->ctx, &pl, err, out, n);
}

int cb_source__list_dir_in(cb_source *src, cb_ctx *ctx, const char *dir,
                           const char ***out, size_t *n) {
  pathlist pl = {0};
  int err = src->ops->list_dir(src, ctx, dir, &pl);
  return finish_list(ctx, &pl, err, out, n);
}

int cb_source__read(cb_source *src, const char *path, const char **out,
                    size_t *len) {
  return src->ops->read(src, src->ctx, path, 0, 1, out, len);
}

int cb_source__read_in(cb_source *src, cb_ctx *ctx, const char *path,
                       size_t max, const char **out, size_t *len) {
  return src->ops->read(src, ctx, path, max, 0, out, len);
}
