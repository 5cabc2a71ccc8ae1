/* SPDX-License-Identifier: MIT */
/*
 * diag_ci.c: the entry of the diagnostics formats for CI
 * (cb_diag__print_ci): it asks git.c where the project sits in its git
 * repository (the paths CI tools resolve are relative to its top), then
 * hands the diagnostics to the format's printer
 * (diag_sarif.c, diag_github.c, diag_junit.c, diag_rdjson.c), which use
 * the helpers of diag_format.c.
 */
#include "ctx.h"
#include "diag_format.h"
#include "git.h"

int cb_diag__print_ci(FILE *fp, cb_ctx *ctx, cb_diag_format fmt) {
  cb_diag_run r = {0};
  r.ctx = ctx;
  r.book = ctx->book_loaded ? &ctx->book : NULL;
  r.d = cb_ctx_diags(ctx, &r.n);
  r.prefix = r.book ? cb_git__workdir_prefix(ctx, r.book->root) : NULL;
  if (fmt == CB_FMT_SARIF) /* it shows silenced findings as suppressed */
    return cb_diag_format__sarif(fp, &r);
  /* the others show what counts: silenced findings are left out */
  cb_diag *active = cb_malloc((r.n ? r.n : 1) * sizeof *active);
  if (!active)
    return CB_ENOMEM;
  size_t n = 0;
  for (size_t i = 0; i < r.n; i++)
    if (!r.d[i].suppressed)
      active[n++] = r.d[i];
  r.d = active;
  r.n = n;
  int err;
  switch (fmt) {
  case CB_FMT_GITHUB:
    err = cb_diag_format__github(fp, &r);
    break;
  case CB_FMT_JUNIT:
    err = cb_diag_format__junit(fp, &r);
    break;
  case CB_FMT_RDJSON:
    err = cb_diag_format__rdjson(fp, &r);
    break;
  default:
    err = CB_EUSAGE;
    break;
  }
  cb_free(active);
  return err;
}
