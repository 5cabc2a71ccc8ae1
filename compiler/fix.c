/* SPDX-License-Identifier: MIT */
/*
 * fix.c: `check --fix` (cb_book_fix): the fixes the diagnostics suggest,
 * applied to the chapters.
 *
 * A fix is a diagnostic's "did you mean" replacing the word it is about,
 * found on its line by the same search as SARIF's fixes
 * (cb_diag_format__fix_span), so that what --fix does is exactly what a
 * code-scanning tool offers. Silenced findings are not fixed. Each file is
 * written whole or not at all: to a temporary file beside it, renamed
 * over it; every directory is opened below the project without following
 * a symbolic link (beneath.c), so a fix never writes outside the project,
 * and a file that changed on disk since it was read is left alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"
#include "ctx.h"
#include "diag_format.h"
#include "fix.h"

typedef cb_fix_edit edit;

static int cmp_edit(const void *a, const void *b) {
  const edit *x = a, *y = b;
  if (x->file != y->file)
    return x->file < y->file ? -1 : 1;
  return x->at < y->at ? -1 : x->at > y->at;
}

/* The offset of the start of line l (1-based) in f, SIZE_MAX when f has
 * fewer lines. */
static size_t line_offset(const cb_file *f, uint32_t l) {
  size_t at = 0;
  for (uint32_t k = 1; k < l; k++) {
    const char *nl = memchr(f->text + at, '\n', f->len - at);
    if (!nl)
      return SIZE_MAX;
    at = (size_t)(nl - f->text) + 1;
  }
  return at;
}

/* The file's text with its edits e[0..n) applied, into out. */
static void apply(cb_buf *out, const cb_file *f, const edit *e, size_t n) {
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    cb_buf_append(out, f->text + at, e[i].at - at);
    cb_buf_puts(out, e[i].text);
    at = e[i].at + (e[i].end - e[i].start);
  }
  cb_buf_append(out, f->text + at, f->len - at);
}

/* A unified diff of the lines the edits change, with three lines of
 * context, as `diff -u` writes it (the edits change no line count). */
static void unified(FILE *fp, const char *path, const cb_file *f,
                    const cb_buf *after, const edit *e, size_t n) {
  fprintf(fp, "--- a/%s\n+++ b/%s\n", path, path);
  size_t i = 0;
  while (i < n) {
    /* a hunk: the edits whose lines are within 6 of each other */
    uint32_t first = e[i].line, last = e[i].line;
    size_t j = i + 1;
    while (j < n && e[j].line <= last + 6)
      last = e[j++].line;
    uint32_t from = first > 3 ? first - 3 : 1, to = last + 3;
    /* lines of the old and new texts, which have the same count */
    uint32_t n_lines = 1;
    for (size_t k = 0; k < f->len; k++)
      n_lines += f->text[k] == '\n';
    if (f->len && f->text[f->len - 1] == '\n')
      n_lines--;
    if (to > n_lines)
      to = n_lines;
    fprintf(fp, "@@ -%u,%u +%u,%u @@\n", from, to - from + 1, from,
            to - from + 1);
    size_t oa = line_offset(f, from);
    cb_file nf = {NULL, after->data, after->len};
    size_t na = line_offset(&nf, from);
    for (uint32_t l = from; l <= to; l++) {
      const char *ol = f->text + oa, *oe = memchr(ol, '\n', f->len - oa);
      size_t olen = oe ? (size_t)(oe - ol) : f->len - oa;
      const char *nl = after->data + na,
                 *ne = memchr(nl, '\n', after->len - na);
      size_t nlen = ne ? (size_t)(ne - nl) : after->len - na;
      int changed = olen != nlen || memcmp(ol, nl, olen) != 0;
      if (changed) {
        fputc('-', fp);
        fwrite(ol, 1, olen, fp);
        fputs("\n+", fp);
        fwrite(nl, 1, nlen, fp);
        fputc('\n', fp);
      } else {
        fputc(' ', fp);
        fwrite(ol, 1, olen, fp);
        fputc('\n', fp);
      }
      oa += olen + 1;
      na += nlen + 1;
    }
    i = j;
  }
}

/* Writes text over the project file path (below the directory rootfd),
 * whole or not at all, if it still holds the bytes old. Returns 0, 1
 * when it changed on disk (left alone), or -1 with errno set. */
static int replace(int rootfd, const char *path, const cb_file *old,
                   const cb_buf *text) {
  const char *slash = strrchr(path, '/');
  char dir[4096];
  const char *name = path;
  int dfd;
  if (slash) {
    size_t n = (size_t)(slash - path);
    if (n >= sizeof dir) {
      errno = ENAMETOOLONG;
      return -1;
    }
    memcpy(dir, path, n);
    dir[n] = 0;
    name = slash + 1;
    dfd = cb_beneath__open(rootfd, dir, O_RDONLY | O_DIRECTORY, NULL);
  } else {
    dfd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  if (dfd < 0)
    return -1;
  /* the file as it is now: a regular file holding what was read */
  int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  int rc = -1;
  char *now = NULL;
  if (fd < 0 || fstat(fd, &st) != 0)
    goto done;
  if (!S_ISREG(st.st_mode) || (size_t)st.st_size != old->len) {
    rc = 1;
    goto done;
  }
  now = cb_malloc(old->len + 1);
  if (!now)
    goto done;
  size_t got = 0;
  while (got < old->len) {
    ssize_t k = read(fd, now + got, old->len - got);
    if (k <= 0)
      break;
    got += (size_t)k;
  }
  if (got != old->len || memcmp(now, old->text, old->len) != 0) {
    rc = 1;
    goto done;
  }
  char tmp[300];
  snprintf(tmp, sizeof tmp, ".%.200s.casebook-fix-%ld", name, (long)getpid());
  int out = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                                 O_CLOEXEC,
                   st.st_mode & 07777);
  if (out < 0)
    goto done;
  size_t put = 0;
  while (put < text->len) {
    ssize_t k = write(out, text->data + put, text->len - put);
    if (k <= 0)
      break;
    put += (size_t)k;
  }
  int ok = put == text->len && fsync(out) == 0;
  ok &= close(out) == 0;
  if (!ok || renameat(dfd, tmp, dfd, name) != 0) {
    int saved = errno;
    unlinkat(dfd, tmp, 0);
    errno = saved;
    goto done;
  }
  rc = 0;
done:
  if (rc < 0 && !errno)
    errno = EIO;
  cb_free(now);
  if (fd >= 0)
    close(fd);
  close(dfd);
  return rc;
}

int cb_fix__edits(cb_ctx *ctx, const cb_book *book, int overlapping,
                  cb_fix_edit **out, size_t *n_out) {
  cb_diag_run r;
  memset(&r, 0, sizeof r);
  r.ctx = ctx;
  r.book = book;
  r.d = cb_ctx_diags(ctx, &r.n);
  edit *e = NULL;
  size_t n = 0, cap = 0;
  *out = NULL;
  *n_out = 0;
  for (size_t i = 0; i < r.n; i++) {
    const cb_diag *g = &r.d[i];
    uint32_t start, end;
    if (g->suppressed || !g->suggestion || g->file >= book->n_files ||
        strchr(g->suggestion, '\n') ||
        !cb_diag_format__fix_span(&r, g, &start, &end))
      continue;
    size_t at = line_offset(&book->files[g->file], g->line);
    if (at == SIZE_MAX)
      continue;
    edit x = {g->file, g->line, start, end, at + start - 1, g->suggestion, g};
    if (CB_VEC_PUSH(e, n, cap, x) < 0) {
      cb_free(e);
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    }
  }
  if (n > 1)
    qsort(e, n, sizeof *e, cmp_edit);
  /* one edit per place: a second one overlapping it is left for the next
   * run (two diagnostics may suggest for the same word) */
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (!overlapping && m && e[m - 1].file == e[i].file &&
        e[i].at < e[m - 1].at + (e[m - 1].end - e[m - 1].start))
      continue;
    e[m++] = e[i];
  }
  *out = e;
  *n_out = m;
  return 0;
}

int cb_book_fix(cb_ctx *ctx, const cb_book *book, FILE *diff,
                size_t *n_fixed, size_t *n_files) {
  *n_fixed = *n_files = 0;
  edit *e = NULL;
  size_t n = 0;
  if (cb_fix__edits(ctx, book, 0, &e, &n) < 0)
    return CB_ENOMEM;
  int err = 0, rootfd = -1;
  if (!diff && n) {
    rootfd = open(book->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
      err = cb_ctx__fail(ctx, CB_EIO, "cannot open %s: %s", book->root,
                         strerror(errno));
  }
  cb_buf text = {0};
  for (size_t i = 0; i < n && !err;) {
    size_t j = i;
    while (j < n && e[j].file == e[i].file)
      j++;
    const cb_file *f = &book->files[e[i].file];
    cb_buf_reset(&text);
    apply(&text, f, e + i, j - i);
    if (text.failed) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      break;
    }
    if (diff) {
      unified(diff, f->path, f, &text, e + i, j - i);
      *n_fixed += j - i;
      (*n_files)++;
    } else {
      int rc = replace(rootfd, f->path, f, &text);
      if (rc < 0)
        err = cb_ctx__fail(ctx, CB_EIO, "cannot fix %s: %s", f->path,
                           strerror(errno));
      else if (rc > 0)
        cb_diag__report_path(ctx, CB_DIAG_WARNING, "fix-skipped", f->path, 0,
                             0, "the file changed since it was checked: "
                                "not fixed; run --fix again");
      else {
        *n_fixed += j - i;
        (*n_files)++;
      }
    }
    i = j;
  }
  cb_buf_free(&text);
  if (rootfd >= 0)
    close(rootfd);
  cb_free(e);
  return err;
}
