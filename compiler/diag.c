/* SPDX-License-Identifier: MIT */
/*
 * diag.c: the diagnostics sink of a compilation, which every stage
 * reports into, and the last environment error of a context.
 *
 * Positions are kept as file index + line + column; diag_print.c turns
 * them into a source excerpt when the diagnostics are printed. The
 * manifest's rule settings are applied when a diagnostic is reported, so
 * every producer (extractor, manifest, Lua rules) obeys them the same
 * way. The sink prints nothing and calls no printer.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"

int cb_ctx__fail(cb_ctx *ctx, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx->error, sizeof ctx->error, fmt, ap);
  va_end(ap);
  return code;
}

const char *cb_ctx_error(const cb_ctx *ctx) { return ctx->error; }

cb_severity cb_ctx__rule_severity(const cb_ctx *ctx, const char *rule) {
  const cb_manifest *m = &ctx->book.manifest;
  /* the gate on what the build trusts is not the reviewed manifest's to
   * lower (diff.h) */
  if (!rule || strcmp(rule, CB_TRUST_RULE) == 0)
    return CB_SEV_DEFAULT;
  for (size_t i = 0; i < m->n_rules; i++)
    if (m->rules[i].id && strcmp(m->rules[i].id, rule) == 0)
      return m->rules[i].severity;
  return CB_SEV_DEFAULT;
}

static const char *file_path(const cb_ctx *ctx, uint32_t file) {
  if (file >= ctx->book.n_files)
    return NULL;
  return ctx->book.files[file].path;
}

/* A project-relative path as the user named it: the project directory as
 * given on the command line, joined with path ("" is the directory). */
static const char *display_path(cb_ctx *ctx, const char *path) {
  const char *root = ctx->book.root;
  if (!root || strcmp(root, ".") == 0)
    return cb_arena_strdup(ctx->arena, *path ? path : ".");
  if (!*path)
    return cb_arena_strdup(ctx->arena, root);
  size_t n = strlen(root);
  return cb_arena_printf(ctx->arena, "%s%s%s", root,
                         n && root[n - 1] == '/' ? "" : "/", path);
}

static void push_diag(cb_ctx *ctx, cb_diag_level level, const char *rule,
                      const char *path, uint32_t file, cb_loc at,
                      const char *element, const char *suggestion,
                      const char *msg, int join) {
  cb_severity sev = cb_ctx__rule_severity(ctx, rule);
  if (sev == CB_SEV_OFF)
    return;
  if (sev != CB_SEV_DEFAULT)
    level = sev == CB_SEV_ERROR     ? CB_DIAG_ERROR
            : sev == CB_SEV_WARNING ? CB_DIAG_WARNING
                                    : CB_DIAG_NOTE;
  cb_diag d = {0};
  d.level = level;
  d.rule = rule ? cb_arena_strdup(ctx->arena, rule) : "";
  d.message = cb_arena_strdup(ctx->arena, msg);
  d.suggestion = suggestion ? cb_arena_strdup(ctx->arena, suggestion) : NULL;
  d.path = !path  ? NULL
           : join ? display_path(ctx, path)
                  : cb_arena_strdup(ctx->arena, path);
  d.file = file;
  d.line = at.line;
  d.col = at.col;
  if (at.line && at.end_line) {
    d.end_line = at.end_line;
    d.end_col = at.end_col;
  }
  d.element = element ? cb_arena_strdup(ctx->arena, element) : NULL;
  if (!d.rule || !d.message)
    return; /* out of memory: nothing better to do than drop it */
  if (CB_VEC_PUSH(ctx->diags, ctx->n_diags, ctx->cap_diags, d) == 0)
    ctx->diags_sorted = 0;
}

void cb_diag_report(cb_ctx *ctx, cb_diag_level level, const char *rule,
                    cb_loc loc, const char *element, const char *suggestion,
                    const char *fmt, ...) {
  char small[1024];
  char *msg = small;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n >= sizeof small) {
    msg = cb_malloc((size_t)n + 1);
    if (!msg)
      return;
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  const char *path = file_path(ctx, loc.file);
  cb_loc none = {UINT32_MAX, 0, 0, 0, 0};
  push_diag(ctx, level, rule, path, path ? loc.file : UINT32_MAX,
            path ? loc : none, element, suggestion, msg, 1);
  if (msg != small)
    cb_free(msg);
}

void cb_diag__report_path(cb_ctx *ctx, cb_diag_level level, const char *rule,
                          const char *path, uint32_t line, uint32_t col,
                          const char *msg) {
  cb_loc at = {UINT32_MAX, line, col, 0, 0};
  push_diag(ctx, level, rule, path, UINT32_MAX, at, NULL, NULL, msg, 1);
}

void cb_diag__report_file(cb_ctx *ctx, cb_diag_level level, const char *rule,
                          const char *path, uint32_t line, uint32_t col,
                          const char *msg) {
  cb_loc at = {UINT32_MAX, line, col, 0, 0};
  push_diag(ctx, level, rule, path, UINT32_MAX, at, NULL, NULL, msg, 0);
}

static const char *copy_or_null(cb_ctx *ctx, const char *s, int *failed) {
  if (!s)
    return NULL;
  const char *d = cb_arena_strdup(ctx->arena, s);
  if (!d)
    *failed = 1;
  return d;
}

int cb_diag__merge(cb_ctx *ctx, const cb_ctx *from) {
  int failed = 0;
  for (size_t i = 0; i < from->n_diags && !failed; i++) {
    cb_diag d = from->diags[i];
    d.rule = copy_or_null(ctx, d.rule, &failed);
    d.message = copy_or_null(ctx, d.message, &failed);
    d.suggestion = copy_or_null(ctx, d.suggestion, &failed);
    d.path = copy_or_null(ctx, d.path, &failed);
    d.element = copy_or_null(ctx, d.element, &failed);
    d.suppressed = copy_or_null(ctx, d.suppressed, &failed);
    if (failed || CB_VEC_PUSH(ctx->diags, ctx->n_diags, ctx->cap_diags, d) < 0)
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    ctx->diags_sorted = 0;
  }
  return 0;
}

/* Stable order: by path, line, column, then order of report. */
typedef struct keyed {
  cb_diag d;
  size_t seq;
} keyed;

static int cmp_diag(const void *pa, const void *pb) {
  const keyed *a = pa, *b = pb;
  const char *fa = a->d.path ? a->d.path : "", *fb = b->d.path ? b->d.path : "";
  int c = strcmp(fa, fb);
  if (c)
    return c;
  if (a->d.line != b->d.line)
    return a->d.line < b->d.line ? -1 : 1;
  if (a->d.col != b->d.col)
    return a->d.col < b->d.col ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

const cb_diag *cb_ctx_diags(cb_ctx *ctx, size_t *n) {
  if (!ctx->diags_sorted && ctx->n_diags > 1) {
    keyed *k = cb_malloc(ctx->n_diags * sizeof *k);
    if (k) {
      for (size_t i = 0; i < ctx->n_diags; i++) {
        k[i].d = ctx->diags[i];
        k[i].seq = i;
      }
      qsort(k, ctx->n_diags, sizeof *k, cmp_diag);
      for (size_t i = 0; i < ctx->n_diags; i++)
        ctx->diags[i] = k[i].d;
      cb_free(k);
    }
  }
  ctx->diags_sorted = 1;
  *n = ctx->n_diags;
  return ctx->diags;
}

size_t cb_ctx_diag_suppressed(const cb_ctx *ctx) {
  size_t n = 0;
  for (size_t i = 0; i < ctx->n_diags; i++)
    n += ctx->diags[i].suppressed != NULL;
  return n;
}

void cb_ctx_diag_counts(const cb_ctx *ctx, size_t *errors, size_t *warnings,
                        size_t *notes) {
  size_t e = 0, w = 0, o = 0;
  for (size_t i = 0; i < ctx->n_diags; i++) {
    if (ctx->diags[i].suppressed)
      continue;
    switch (ctx->diags[i].level) {
    case CB_DIAG_ERROR: e++; break;
    case CB_DIAG_WARNING: w++; break;
    default: o++; break;
    }
  }
  if (errors)
    *errors = e;
  if (warnings)
    *warnings = w;
  if (notes)
    *notes = o;
}
