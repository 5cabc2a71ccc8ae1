/* SPDX-License-Identifier: MIT */
/*
 * diag.c: the diagnostics sink of a compilation, and how diagnostics are
 * printed: gcc style with the source line and a caret, or JSON.
 *
 * Positions are kept as file index + line + column and turned into a
 * source excerpt only when printed. The manifest's rule settings are
 * applied when a diagnostic is reported, so every producer (extractor,
 * manifest, Lua rules) obeys them the same way.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "diag_format.h"
#include "diff.h"
#include "utf8.h"

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
                      const char *path, uint32_t file, uint32_t line,
                      uint32_t col, const char *element,
                      const char *suggestion, const char *msg) {
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
  d.path = path ? display_path(ctx, path) : NULL;
  d.file = file;
  d.line = line;
  d.col = col;
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
  push_diag(ctx, level, rule, path, path ? loc.file : UINT32_MAX,
            path ? loc.line : 0, path ? loc.col : 0, element, suggestion,
            msg);
  if (msg != small)
    cb_free(msg);
}

void cb_diag__report_path(cb_ctx *ctx, cb_diag_level level, const char *rule,
                          const char *path, uint32_t line, uint32_t col,
                          const char *msg) {
  push_diag(ctx, level, rule, path, UINT32_MAX, line, col, NULL, NULL, msg);
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

void cb_ctx_diag_counts(const cb_ctx *ctx, size_t *errors, size_t *warnings,
                        size_t *notes) {
  size_t e = 0, w = 0, o = 0;
  for (size_t i = 0; i < ctx->n_diags; i++) {
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

/* ---- did you mean ---------------------------------------------------- */

static int fold(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Only the cells within cap of the diagonal can hold a distance of at
 * most cap (each step off the diagonal costs one), so a row is computed
 * over that band only, and the search stops as soon as a whole band
 * exceeds cap: O(la * cap), whatever lb is. */
size_t cb_diag__distance(const char *a, size_t la, const char *b,
                         size_t lb) {
  size_t cap = la <= 3 ? 1 : la <= 6 ? 2 : 3;
  if (la > 64 || lb > 64)
    return SIZE_MAX;
  if ((la > lb ? la - lb : lb - la) > cap)
    return SIZE_MAX;
  const size_t far = cap + 1; /* any value past cap: "too far" */
  size_t row[65];
  for (size_t j = 0; j <= lb; j++)
    row[j] = j <= cap ? j : far;
  for (size_t i = 1; i <= la; i++) {
    size_t lo = i > cap ? i - cap : 1, hi = i + cap < lb ? i + cap : lb;
    /* row[lo - 1] holds the previous row's cell left of the band: the
     * diagonal neighbour of the band's first cell */
    size_t diag = row[lo - 1];
    size_t best = far;
    row[lo - 1] = lo - 1 == 0 && i <= cap ? i : far;
    if (lo - 1 == 0 && i <= cap)
      best = i;
    for (size_t j = lo; j <= hi; j++) {
      size_t up = row[j];
      size_t v = diag + (fold((unsigned char)a[i - 1]) !=
                         fold((unsigned char)b[j - 1]));
      if (up + 1 < v)
        v = up + 1;
      if (row[j - 1] + 1 < v)
        v = row[j - 1] + 1;
      if (v > far)
        v = far;
      row[j] = v;
      diag = up;
      if (v < best)
        best = v;
    }
    if (hi < lb)
      row[hi + 1] = far; /* the cell right of the band, read next row */
    if (best > cap) /* no later row has a smaller one */
      return SIZE_MAX;
  }
  return row[lb] <= cap ? row[lb] : SIZE_MAX;
}

/* Compares at most this many candidates: one suggestion takes a bounded
 * time however long the list (only candidates within the allowed
 * distance in length are compared at all, so on any ordinary list every
 * one that could win is). */
#define SUGGEST_MAX_COMPARED 2000

const char *cb_suggest(const char *word, const char *const *candidates,
                       size_t n) {
  size_t len = strlen(word);
  size_t cap = len <= 3 ? 1 : len <= 6 ? 2 : 3;
  const char *best = NULL;
  size_t best_d = SIZE_MAX, compared = 0;
  if (len > 64)
    return NULL;
  for (size_t i = 0; i < n && compared < SUGGEST_MAX_COMPARED; i++) {
    const char *c = candidates[i];
    if (!c)
      continue;
    size_t lc = strnlen(c, 65);
    if (lc > 64 || (lc > len ? lc - len : len - lc) > cap ||
        strcmp(c, word) == 0)
      continue;
    compared++;
    size_t d = cb_diag__distance(word, len, c, lc);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

/* ---- printing -------------------------------------------------------- */

static const char *level_name(cb_diag_level l) {
  return l == CB_DIAG_ERROR ? "error" : l == CB_DIAG_WARNING ? "warning" : "note";
}

static const char *level_color(cb_diag_level l) {
  return l == CB_DIAG_ERROR ? "\033[1;31m"
         : l == CB_DIAG_WARNING ? "\033[1;35m"
                                : "\033[1;36m";
}

const char *cb_diag__source_line(const cb_book *book, cb_line_cursor *cur,
                                 uint32_t file, uint32_t line, size_t *len) {
  if (!book || file >= book->n_files || line == 0)
    return NULL;
  const cb_file *f = &book->files[file];
  const char *end = f->text + f->len;
  const char *p = f->text;
  uint32_t l = 1;
  if (cur->line && cur->file == file) {
    p = cur->at;
    l = cur->line;
    /* a few lines back: walked back rather than from the top */
    while (l > line && l - line <= 64) {
      const char *q = p - 1; /* the '\n' ending line l - 1 */
      while (q > f->text && q[-1] != '\n')
        q--;
      p = q;
      l--;
    }
    if (l > line) {
      p = f->text;
      l = 1;
    }
  }
  for (; l < line; l++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl)
      return NULL;
    p = nl + 1;
  }
  cur->file = file;
  cur->line = l;
  cur->at = p;
  const char *nl = memchr(p, '\n', (size_t)(end - p));
  const char *e = nl ? nl : end;
  if (e > p && e[-1] == '\r')
    e--;
  *len = (size_t)(e - p);
  return p;
}

/* Prints s for a terminal or a CI log, as cb_utf8__show shows one line:
 * control characters (an escape sequence in a hostile casebook would
 * drive the terminal) as their Control Pictures, bidirectional controls
 * (which would reorder the line) as "<U+202E>", C1 controls and invalid
 * UTF-8 as U+FFFD. tmp is scratch space. */
static void put_text(FILE *fp, cb_buf *tmp, const char *s) {
  cb_buf_reset(tmp);
  cb_utf8__show(tmp, s, strlen(s), CB_SHOW_LINE);
  if (tmp->failed) /* out of memory: nothing of s rather than raw bytes */
    return;
  fwrite(tmp->data ? tmp->data : "", 1, tmp->len, fp);
}

void cb_print_text(FILE *fp, const char *s) {
  cb_buf tmp = {0};
  put_text(fp, &tmp, s ? s : "");
  cb_buf_free(&tmp);
}

size_t cb_diag__command_at(const char *line, size_t len) {
  const unsigned char *p = (const unsigned char *)line, *end = p + len;
  while (p < end) {
    uint32_t cp;
    size_t n = cb_utf8__decode(p, (size_t)(end - p), &cp);
    /* what .NET's TrimStart removes: Unicode's White_Space */
    if (!(cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0x85 ||
          cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
          cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
          cp == 0x3000))
      break;
    p += n;
  }
  if (end - p >= 2 && p[0] == ':' && p[1] == ':')
    return (size_t)(p - (const unsigned char *)line);
  return SIZE_MAX;
}

/* Prints a path at the start of a line: as put_text, after "./" when it
 * would start a workflow command (a file named "::stop-commands::x" in a
 * project checked with `casebook check .`). */
static void put_path(FILE *fp, cb_buf *tmp, const char *path) {
  if (cb_diag__command_at(path, strlen(path)) != SIZE_MAX)
    fputs("./", fp);
  put_text(fp, tmp, path);
}

/* Prints a source line for a terminal and, under it, the caret at byte
 * column col. NUL, control bytes and invalid UTF-8 are shown as U+FFFD or
 * a space; bidirectional controls and the '[' of "##[" escaped as
 * cb_utf8__show does ("<U+202E>"); wide characters take two cells, so the
 * caret lines up. */
static void print_excerpt(FILE *fp, const char *s, size_t len, uint32_t col,
                          int color) {
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  size_t shown = 0, target = col ? col - 1 : 0;
  cb_buf pad = {0};
  while (p < end && shown < 400) {
    size_t off = (size_t)(p - (const unsigned char *)s);
    uint32_t cp;
    size_t n = cb_utf8__seq(p, end, &cp);
    int cells = 1;
    int tab = 0;
    if (n == 0 || cp == 0) {
      fputs("\xEF\xBF\xBD", fp);
      n = 1;
    } else if (cp == '\t') {
      fputc('\t', fp);
      tab = 1;
    } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
      fputc(' ', fp);
    } else if (cb_utf8__bidi(cp) ||
               (cp == '[' && off >= 2 && s[off - 1] == '#' &&
                s[off - 2] == '#')) {
      char esc[11];
      size_t k = cb_utf8__escape(esc, cp);
      fwrite(esc, 1, k, fp);
      cells = (int)k;
    } else {
      fwrite(p, 1, n, fp);
      cells = cb_utf8__width(cp);
    }
    if (off < target) {
      if (tab)
        cb_buf_putc(&pad, '\t');
      else
        for (int k = 0; k < cells; k++)
          cb_buf_putc(&pad, ' ');
    }
    p += n;
    shown++;
  }
  if (p < end)
    fputs(" ...", fp);
  fputc('\n', fp);
  fputs("     | ", fp);
  fputs(cb_buf_cstr(&pad), fp);
  fputs(color ? "\033[1;32m^\033[0m\n" : "^\n", fp);
  cb_buf_free(&pad);
}

static int print_gcc(FILE *fp, cb_ctx *ctx, int color) {
  size_t n;
  const cb_diag *d = cb_ctx_diags(ctx, &n);
  cb_line_cursor cur = {0, 0, NULL};
  cb_buf tmp = {0};
  for (size_t i = 0; i < n; i++) {
    const cb_diag *g = &d[i];
    if (color)
      fputs("\033[1m", fp);
    if (g->path) {
      put_path(fp, &tmp, g->path);
      if (g->line)
        fprintf(fp, ":%u:%u", g->line, g->col ? g->col : 1);
      fputs(": ", fp);
    } else {
      fputs("casebook: ", fp);
    }
    if (color)
      fprintf(fp, "\033[0m%s%s:\033[0m\033[1m ", level_color(g->level),
              level_name(g->level));
    else
      fprintf(fp, "%s: ", level_name(g->level));
    put_text(fp, &tmp, g->message);
    if (color)
      fputs("\033[0m", fp);
    if (g->rule && *g->rule) {
      fputs(" [", fp);
      put_text(fp, &tmp, g->rule);
      fputc(']', fp);
    }
    fputc('\n', fp);
    size_t len;
    const char *src = cb_diag__source_line(&ctx->book, &cur, g->file, g->line, &len);
    if (src) {
      fprintf(fp, "%4u | ", g->line);
      print_excerpt(fp, src, len, g->col ? g->col : 1, color);
    }
    if (g->suggestion) {
      fputs("    = help: did you mean '", fp);
      put_text(fp, &tmp, g->suggestion);
      fputs("'?\n", fp);
    }
  }
  cb_buf_free(&tmp);
  size_t e, w, o;
  cb_ctx_diag_counts(ctx, &e, &w, &o);
  if (n)
    fprintf(fp, "%zu error%s, %zu warning%s, %zu note%s\n", e,
            e == 1 ? "" : "s", w, w == 1 ? "" : "s", o, o == 1 ? "" : "s");
  return 0;
}

/* A JSON string of s (NULL: null) as cb_utf8__show shows it in JSON:
 * invalid UTF-8 as U+FFFD, bidirectional controls as "<U+202E>". */
static json_t *json_str(const char *s) {
  if (!s)
    return json_null();
  cb_buf b = {0};
  cb_utf8__show(&b, s, strlen(s), CB_SHOW_JSON);
  json_t *j = b.failed ? NULL : json_stringn(b.data ? b.data : "", b.len);
  cb_buf_free(&b);
  return j;
}

static int print_json(FILE *fp, cb_ctx *ctx) {
  size_t n;
  const cb_diag *d = cb_ctx_diags(ctx, &n);
  json_t *arr = json_array();
  if (!arr)
    return CB_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    const cb_diag *g = &d[i];
    json_t *o = json_object();
    json_object_set_new(o, "file", json_str(g->path));
    json_object_set_new(o, "line", json_integer(g->line));
    json_object_set_new(o, "column", json_integer(g->col));
    json_object_set_new(o, "severity", json_string(level_name(g->level)));
    json_object_set_new(o, "rule", json_str(g->rule));
    json_object_set_new(o, "message", json_str(g->message));
    json_object_set_new(o, "suggestion", json_str(g->suggestion));
    json_object_set_new(o, "element", json_str(g->element));
    json_array_append_new(arr, o);
  }
  size_t e, w, o;
  cb_ctx_diag_counts(ctx, &e, &w, &o);
  json_t *root = json_pack("{s:o, s:{s:I, s:I, s:I}}", "diagnostics", arr,
                           "summary", "errors", (json_int_t)e, "warnings",
                           (json_int_t)w, "notes", (json_int_t)o);
  if (!root)
    return CB_ENOMEM;
  int rc = json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  fputc('\n', fp);
  json_decref(root);
  return rc < 0 ? CB_EIO : 0;
}

int cb_diag_print(FILE *fp, cb_ctx *ctx, cb_diag_format fmt, int color) {
  if (fmt != CB_FMT_GCC && fmt != CB_FMT_JSON)
    return cb_diag__print_ci(fp, ctx, fmt); /* diag_format.c */
  return fmt == CB_FMT_JSON ? print_json(fp, ctx) : print_gcc(fp, ctx, color);
}
