/* SPDX-License-Identifier: MIT */
/*
 * diag_print.c: how the diagnostics are printed: gcc style with the
 * source line and a caret, or JSON; the CI formats are handed to
 * diag_ci.c. cb_diag_print is the one entry for every format.
 *
 * Positions are kept by the sink (diag.c) as file index + line + column
 * and turned into a source excerpt only here, when printed.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "diag_format.h"
#include "utf8.h"

static const char *level_name(cb_diag_level l) {
  return l == CB_DIAG_ERROR ? "error" : l == CB_DIAG_WARNING ? "warning" : "note";
}

static const char *level_color(cb_diag_level l) {
  return l == CB_DIAG_ERROR ? "\033[1;31m"
         : l == CB_DIAG_WARNING ? "\033[1;35m"
                                : "\033[1;36m";
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

/* Prints a path at the start of a line: as put_text, after "./" when it
 * would start a workflow command (a file named "::stop-commands::x" in a
 * project checked with `casebook check .`). */
static void put_path(FILE *fp, cb_buf *tmp, const char *path) {
  if (cb_diag_format__command_at(path, strlen(path)) != SIZE_MAX)
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
  size_t shown = 0;
  for (size_t i = 0; i < n; i++) {
    const cb_diag *g = &d[i];
    if (g->suppressed)
      continue; /* silenced with a reason: JSON and SARIF show it */
    shown++;
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
    const char *src =
        cb_diag_format__line_at(&ctx->book, &cur, g->file, g->line, &len);
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
  size_t e, w, o, s = cb_ctx_diag_suppressed(ctx);
  cb_ctx_diag_counts(ctx, &e, &w, &o);
  if (shown || s)
    fprintf(fp, "%zu error%s, %zu warning%s, %zu note%s", e,
            e == 1 ? "" : "s", w, w == 1 ? "" : "s", o, o == 1 ? "" : "s");
  if (s)
    fprintf(fp, " (%zu silenced by casebook-ignore)", s);
  if (shown || s)
    fputc('\n', fp);
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
    if (g->suppressed)
      json_object_set_new(o, "suppressed",
                          json_pack("{s:s,s:o}", "kind", "inSource",
                                    "justification", json_str(g->suppressed)));
    json_array_append_new(arr, o);
  }
  size_t e, w, o;
  cb_ctx_diag_counts(ctx, &e, &w, &o);
  json_t *root = json_pack("{s:o, s:{s:I, s:I, s:I, s:I}}", "diagnostics",
                           arr, "summary", "errors", (json_int_t)e,
                           "warnings", (json_int_t)w, "notes", (json_int_t)o,
                           "suppressed",
                           (json_int_t)cb_ctx_diag_suppressed(ctx));
  if (!root)
    return CB_ENOMEM;
  int rc = json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  fputc('\n', fp);
  json_decref(root);
  return rc < 0 ? CB_EIO : 0;
}

int cb_diag_print(FILE *fp, cb_ctx *ctx, cb_diag_format fmt, int color) {
  /* SARIF lists every rule with its help: the registry the check left in
   * ctx->rules. Printed without a check (or cb_rules_list) before, the
   * registry is listed here, so SARIF says the same either way. */
  if (fmt == CB_FMT_SARIF && !ctx->rules) {
    const cb_rule_info *info = NULL;
    size_t n_info = 0;
    int err = cb_rules_list(&info, &n_info, ctx,
                            ctx->book_loaded ? &ctx->book : NULL);
    if (err < 0)
      return err; /* Lua could not start: out of memory */
  }
  if (fmt != CB_FMT_GCC && fmt != CB_FMT_JSON)
    return cb_diag__print_ci(fp, ctx, fmt); /* diag_ci.c */
  return fmt == CB_FMT_JSON ? print_json(fp, ctx) : print_gcc(fp, ctx, color);
}
