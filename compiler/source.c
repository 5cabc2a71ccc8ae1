/*
 * source.c: the project's files, from the working tree or from memory.
 */
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cb_source {
  cb_ctx *ctx;
  char *root;              /* the working tree, or NULL */
  cb_source_file *files;   /* in memory (arena), sorted by path */
  size_t n_files;
};

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
  src->ctx = ctx;
  *out = src;
  return 0;
}

void cb_source__free(cb_source *src) {
  if (!src)
    return;
  cb_free(src->root);
  cb_free(src);
}

typedef struct pathlist {
  const char **items;
  size_t n, cap;
} pathlist;

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
  full = *rel ? cb_arena_printf(ctx->arena, "%s/%s", src->root, rel)
              : cb_arena_strdup(ctx->arena, src->root);
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
    char *child = *rel ? cb_arena_printf(ctx->arena, "%s/%s", rel, name)
                       : cb_arena_strdup(ctx->arena, name);
    char *child_full = cb_arena_printf(ctx->arena, "%s/%s", full, name);
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

int cb_source__list(cb_source *src, const char ***out, size_t *n) {
  pathlist pl = {0};
  int err = 0;
  if (src->root) {
    err = walk(src, "", &pl, 0);
  } else {
    for (size_t i = 0; i < src->n_files && err == 0; i++)
      if (!hidden_path(src->files[i].path) &&
          CB_VEC_PUSH(pl.items, pl.n, pl.cap, src->files[i].path) < 0)
        err = cb_ctx__fail(src->ctx, CB_ENOMEM, "out of memory");
  }
  *out = NULL;
  *n = 0;
  if (err < 0)
    goto done;
  if (pl.n > 1)
    qsort(pl.items, pl.n, sizeof *pl.items, cmp_str);
  const char **arr = cb_arena_alloc(src->ctx->arena, (pl.n + 1) * sizeof *arr);
  if (!arr) {
    err = cb_ctx__fail(src->ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  if (pl.n)
    memcpy(arr, pl.items, pl.n * sizeof *arr);
  *out = arr;
  *n = pl.n;
done:
  cb_free(pl.items);
  return err;
}

int cb_source__read(cb_source *src, const char *path, const char **out,
                    size_t *len) {
  cb_ctx *ctx = src->ctx;
  int err = 0;
  FILE *fp = NULL;
  if (!src->root) {
    cb_source_file key = {path, NULL, 0};
    const cb_source_file *f =
        bsearch(&key, src->files, src->n_files, sizeof key, cmp_file);
    *out = f ? f->text : NULL;
    *len = f ? f->len : 0;
    return f ? 0 : CB_ENOTFOUND;
  }
  char *full = cb_arena_printf(ctx->arena, "%s/%s", src->root, path);
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
    err = cb_ctx__fail(ctx, errno == ENOENT && !dangling ? CB_ENOTFOUND
                                                          : CB_EIO,
                       "cannot open '%s': %s", full,
                       dangling ? "a symbolic link to nothing"
                                : strerror(errno));
    goto done;
  }
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    err = cb_ctx__fail(ctx, CB_EIO, "cannot read '%s': not a regular file",
                       full);
    goto done;
  }
  if (fcntl(fd, F_SETFL, 0) < 0 || !(fp = fdopen(fd, "rb"))) {
    close(fd);
    err = cb_ctx__fail(ctx, CB_EIO, "cannot read '%s': %s", full,
                       strerror(errno));
    goto done;
  }
  size_t cap = (size_t)st.st_size;
  char *data = cb_arena_alloc(ctx->arena, cap + 1);
  if (!data) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory reading '%s'", full);
    goto done;
  }
  size_t got = fread(data, 1, cap, fp);
  if (ferror(fp)) {
    err = cb_ctx__fail(ctx, CB_EIO, "cannot read '%s': %s", full,
                       strerror(errno));
    goto done;
  }
  data[got] = '\0';
  *out = data;
  *len = got;
done:
  if (fp)
    fclose(fp);
  return err;
}
