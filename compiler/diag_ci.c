/* SPDX-License-Identifier: MIT */
/*
 * diag_ci.c: the entry of the diagnostics formats for CI
 * (cb_diag__print_ci): it finds where the project sits in its git
 * repository, then hands the diagnostics to the format's printer
 * (diag_sarif.c, diag_github.c, diag_junit.c, diag_rdjson.c), which use
 * the helpers of diag_format.c.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctx.h"
#include "diag_format.h"

/* The project directory relative to the root of the git repository that
 * holds it ("" when it is the root, else ending in '/'), in ctx's arena;
 * NULL when the project is in no repository or is not a directory. */
static const char *find_prefix(cb_ctx *ctx, const char *root) {
  if (!root)
    return NULL;
  char *abs = realpath(root, NULL);
  if (!abs)
    return NULL;
  const char *out = NULL;
  size_t len = strlen(abs);
  cb_buf probe = {0};
  for (;;) {
    struct stat st;
    cb_buf_reset(&probe);
    cb_buf_append(&probe, abs, len);
    cb_buf_puts(&probe, len == 1 ? ".git" : "/.git");
    if (probe.failed)
      break;
    if (stat(cb_buf_cstr(&probe), &st) == 0) {
      const char *rest = abs + len;
      if (*rest == '/')
        rest++;
      out = *rest ? cb_arena_printf(ctx->arena, "%s/", rest) : "";
      break;
    }
    if (len <= 1)
      break;
    while (len > 1 && abs[len - 1] != '/')
      len--;
    if (len > 1)
      len--; /* the slash, unless it is the root's */
  }
  cb_buf_free(&probe);
  free(abs); /* realpath's */
  return out;
}

int cb_diag__print_ci(FILE *fp, cb_ctx *ctx, cb_diag_format fmt) {
  cb_diag_run r = {0};
  r.ctx = ctx;
  r.book = ctx->book_loaded ? &ctx->book : NULL;
  r.d = cb_ctx_diags(ctx, &r.n);
  r.prefix = r.book ? find_prefix(ctx, r.book->root) : NULL;
  switch (fmt) {
  case CB_FMT_SARIF:
    return cb_diag_format__sarif(fp, &r);
  case CB_FMT_GITHUB:
    return cb_diag_format__github(fp, &r);
  case CB_FMT_JUNIT:
    return cb_diag_format__junit(fp, &r);
  case CB_FMT_RDJSON:
    return cb_diag_format__rdjson(fp, &r);
  default:
    return CB_EUSAGE;
  }
}
