/* SPDX-License-Identifier: MIT */
/*
 * diff_print.c: the three forms of `casebook diff` (cb_diff_print):
 *
 *   text      for a terminal: one line per change under a heading per
 *             category, coloured when asked;
 *   markdown  for a pull-request comment: a summary line and a table per
 *             category;
 *   json      the changes as data, described by schemas/diff.schema.json.
 *
 * Everything shown comes from the casebook and is untrusted: the text
 * form replaces control characters (no terminal escapes get through) and
 * invalid UTF-8; the Markdown form backslash-escapes every ASCII
 * character that could open markup, an entity, a link, an autolink or a
 * table cell (!#&()*:<>@[\]_`|~); JSON strings are written by jansson after the same cleaning as
 * the other JSON outputs.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ctx.h"
#include "diag_format.h"
#include "diff.h"
#include "model_json.h"
#include "utf8.h"

#define EXCERPT 80 /* bytes of a reworded text shown by text and markdown */

#define N_CATEGORIES 6 /* cb_change_category */

static const char *const titles[] = {"Breaking", "Gold",     "Semantic",
                                     "Additive", "Cosmetic", "Trust"};
static const char *const colors[] = {"\033[1;31m", "\033[1;35m", "\033[1;33m",
                                     "\033[1;32m", "\033[2m",    "\033[1;36m"};

/* ---- cleaning ------------------------------------------------------------ */

/* Appends s cleaned for a terminal or Markdown: invalid UTF-8 as U+FFFD,
 * control characters and line breaks as one space, bidirectional
 * controls and the '[' of "##[" as "<U+202E>" and "<U+005B>", as every
 * printer shows them (cb_utf8__escape; Markdown escapes that '[' anyway);
 * at most max bytes of s (0: no limit), then "...". md: a backslash
 * before the characters that mean something in Markdown. */
static void put_clean(cb_buf *b, const char *s, size_t max, int md) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t len = strlen((const char *)p), used = 0;
  while (used < len) {
    uint32_t cp;
    size_t n = cb_utf8__decode(p + used, len - used, &cp);
    if (max && used + n > max) {
      cb_buf_puts(b, "...");
      return;
    }
    if (cp == CB_UTF8_INVALID) {
      cb_buf_puts(b, "\xEF\xBF\xBD");
    } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
      if (!(b->len && b->data[b->len - 1] == ' '))
        cb_buf_putc(b, ' ');
    } else if (cb_utf8__bidi(cp) ||
               (!md && cp == '[' && used >= 2 && p[used - 1] == '#' &&
                p[used - 2] == '#')) {
      /* shown as cb_utf8__show shows them: "<U+202E>" */
      char esc[11];
      size_t k = cb_utf8__escape(esc, cp);
      if (md)
        cb_buf_putc(b, '\\');
      cb_buf_append(b, esc, k - 1);
      if (md)
        cb_buf_putc(b, '\\');
      cb_buf_putc(b, '>');
    } else if (md && cp < 0x80 && strchr("!#&()*:<>@[\\]_`|~", (int)cp)) {
      cb_buf_putc(b, '\\');
      cb_buf_putc(b, (char)cp);
    } else {
      cb_buf_append(b, (const char *)p + used, n);
    }
    used += n;
  }
}

/* Where two texts start to differ, backed up to a character boundary
 * a little before, so that excerpts show the change rather than the
 * shared beginning. */
static size_t excerpt_start(const char *x, const char *y) {
  size_t i = 0;
  while (x[i] && x[i] == y[i])
    i++;
  if (i <= EXCERPT / 4)
    return 0;
  i -= EXCERPT / 4;
  while (i > 0 && ((unsigned char)x[i] & 0xC0) == 0x80)
    i--;
  return i;
}

/* The before and after texts of a change, from where they differ. */
static void put_texts(cb_buf *b, const cb_change *c, const char *sep1,
                      const char *sep2, int md) {
  size_t start = excerpt_start(c->before, c->after);
  cb_buf_puts(b, sep1);
  if (start)
    cb_buf_puts(b, "...");
  put_clean(b, c->before + start, EXCERPT, md);
  cb_buf_puts(b, sep2);
  if (start)
    cb_buf_puts(b, "...");
  put_clean(b, c->after + start, EXCERPT, md);
}

/* "path:line:col", "path" (line 0) or "-" (no file); a project file that
 * is not part of the book (a template, a rule file) by its path. */
static void put_where(cb_buf *b, const cb_book *bk, const cb_change *c,
                      int md) {
  cb_loc loc = c->loc;
  if ((!bk || loc.file >= bk->n_files) && c->category == CB_CHANGE_TRUST &&
      c->element) {
    put_clean(b, c->element, 0, md);
    return;
  }
  if (!bk || loc.file >= bk->n_files) {
    cb_buf_puts(b, "-");
    return;
  }
  cb_buf path = {0};
  put_clean(&path, bk->files[loc.file].path, 0, md);
  /* a line of the text form starts with it: never as a workflow command */
  if (!md &&
      cb_diag_format__command_at(cb_buf_cstr(&path), path.len) != SIZE_MAX)
    cb_buf_puts(b, "./");
  cb_buf_append(b, cb_buf_cstr(&path), path.len);
  if (path.failed)
    b->failed = 1;
  cb_buf_free(&path);
  if (loc.line)
    cb_buf_printf(b, "%s%u%s%u", md ? "\\:" : ":", loc.line, md ? "\\:" : ":",
                  loc.col ? loc.col : 1);
}

/* Is this a reworded text whose message does not show it? */
static int shows_texts(const cb_change *c) {
  return c->category == CB_CHANGE_SEMANTIC && c->before && c->after &&
         (strstr(c->kind, "-changed") || strstr(c->kind, "section"));
}

static void counts(const cb_change *ch, size_t n, size_t out[N_CATEGORIES]) {
  memset(out, 0, N_CATEGORIES * sizeof *out);
  for (size_t i = 0; i < n; i++)
    if ((unsigned)ch[i].category < N_CATEGORIES)
      out[ch[i].category]++;
}

/* Trust changes are counted only when there are some: the summary of a
 * diff without them reads as it always did. */
static void put_summary(cb_buf *b, const size_t k[N_CATEGORIES], size_t n,
                        int md) {
  cb_buf_printf(b, "%zu change%s", n, n == 1 ? "" : "s");
  if (!n)
    return;
  cb_buf_puts(b, ": ");
  for (int c = 0; c < N_CATEGORIES; c++) {
    if (c == CB_CHANGE_TRUST && !k[c])
      continue;
    const char *name = cb_change_category_name((cb_change_category)c);
    int strong = md && (c <= CB_CHANGE_GOLD || c == CB_CHANGE_TRUST) && k[c];
    cb_buf_printf(b, "%s%s%zu %s%s", c ? ", " : "", strong ? "**" : "", k[c],
                  name, strong ? "**" : "");
  }
}

/* ---- text and markdown ---------------------------------------------------- */

/* The text and Markdown forms lay out the same things (a heading naming
 * the two sides, the summary, then a section per category with a row per
 * change) and differ only in the punctuation around them. */
typedef struct layout {
  int md;
  const char *head, *arrow, *after_labels, *after_summary;
  const char *section, *section_end; /* around "Title (N)" */
  const char *row, *kind_open, *kind_close, *was, *now, *row_end;
} layout;

static const layout text_layout = {
    .md = 0, .head = "casebook diff ", .arrow = " -> ", .after_labels = ": ",
    .after_summary = "\n", .section = "\n", .section_end = "\n",
    .row = "  ", .kind_open = ": ", .kind_close = ": ",
    .was = "\n      was: ", .now = "\n      now: ", .row_end = "\n"};

/* kinds are this compiler's own words ([a-z-] only): nothing to escape
 * between the backquotes */
static const layout markdown_layout = {
    .md = 1, .head = "### Guideline changes: ", .arrow = " → ",
    .after_labels = "\n\n", .after_summary = ".\n", .section = "\n#### ",
    .section_end = "\n\n| Where | Kind | Change |\n|---|---|---|\n",
    .row = "| ", .kind_open = " | `", .kind_close = "` | ",
    .was = "<br>was: ", .now = "<br>now: ", .row_end = " |\n"};

/* Prints the changes in layout l; color (text only) adds the terminal's
 * colours. */
static void print_human(cb_buf *b, const layout *l, const cb_change *ch,
                        size_t n, const cb_book *nb, const char *old_label,
                        const char *new_label, int color) {
  size_t k[N_CATEGORIES];
  counts(ch, n, k);
  cb_buf_puts(b, l->head);
  put_clean(b, old_label, 0, l->md);
  cb_buf_puts(b, l->arrow);
  put_clean(b, new_label, 0, l->md);
  cb_buf_puts(b, l->after_labels);
  put_summary(b, k, n, l->md);
  cb_buf_puts(b, l->after_summary);
  for (int c = 0; c < N_CATEGORIES; c++) {
    if (!k[c])
      continue;
    cb_buf_printf(b, "%s%s%s (%zu)%s%s", l->section, color ? colors[c] : "",
                  titles[c], k[c], color ? "\033[0m" : "", l->section_end);
    for (size_t i = 0; i < n; i++) {
      const cb_change *x = &ch[i];
      if ((int)x->category != c)
        continue;
      cb_buf_puts(b, l->row);
      put_where(b, nb, x, l->md);
      cb_buf_printf(b, "%s%s%s%s%s", l->kind_open, color ? "\033[1m" : "",
                    x->kind, color ? "\033[0m" : "", l->kind_close);
      put_clean(b, x->message, 0, l->md);
      if (shows_texts(x))
        put_texts(b, x, l->was, l->now, l->md);
      cb_buf_puts(b, l->row_end);
    }
  }
}

/* ---- json ----------------------------------------------------------------------- */

typedef struct jctx {
  cb_buf tmp;
  int failed;
} jctx;

static json_t *jstr(jctx *j, const char *s) {
  if (!s)
    return json_null();
  json_t *v = cb_model_json__str(&j->tmp, s, strlen(s));
  if (!v)
    j->failed = 1;
  return v;
}

static void set(jctx *j, json_t *o, const char *k, json_t *v) {
  if (!v || json_object_set_new_nocheck(o, k, v) < 0)
    j->failed = 1;
}

static json_t *side(jctx *j, const cb_book *bk, const char *label) {
  json_t *o = json_object();
  if (!o) {
    j->failed = 1;
    return NULL;
  }
  set(j, o, "label", jstr(j, label));
  set(j, o, "commit", jstr(j, bk ? bk->stamp.commit : NULL));
  set(j, o, "describe", jstr(j, bk ? bk->stamp.describe : NULL));
  set(j, o, "version", jstr(j, bk ? bk->manifest.version : NULL));
  return o;
}

static json_t *to_json(jctx *j, const cb_change *ch, size_t n,
                       const cb_book *ob, const char *old_label,
                       const cb_book *nb, const char *new_label) {
  json_t *root = json_object(), *list = json_array(), *cnt = json_object();
  if (!root || !list || !cnt) {
    json_decref(root);
    json_decref(list);
    json_decref(cnt);
    j->failed = 1;
    return NULL;
  }
  size_t k[N_CATEGORIES];
  counts(ch, n, k);
  set(j, root, "format", json_integer(1));
  set(j, root, "old", side(j, ob, old_label));
  set(j, root, "new", side(j, nb, new_label));
  for (int c = 0; c < N_CATEGORIES; c++)
    set(j, cnt, cb_change_category_name((cb_change_category)c),
        json_integer((json_int_t)k[c]));
  set(j, root, "counts", cnt);
  for (size_t i = 0; i < n && !j->failed; i++) {
    const cb_change *x = &ch[i];
    json_t *o = json_object();
    if (!o || json_array_append_new(list, o) < 0) {
      j->failed = 1;
      break;
    }
    set(j, o, "category", json_string(cb_change_category_name(x->category)));
    set(j, o, "kind", jstr(j, x->kind));
    set(j, o, "what", jstr(j, x->what));
    set(j, o, "element", jstr(j, x->element));
    set(j, o, "message", jstr(j, x->message));
    set(j, o, "before", jstr(j, x->before));
    set(j, o, "after", jstr(j, x->after));
    int has = nb && x->loc.file < nb->n_files;
    /* a template or rule file is not a file of the book: its path */
    int project = !has && x->category == CB_CHANGE_TRUST && x->element;
    set(j, o, "file", jstr(j, has       ? nb->files[x->loc.file].path
                              : project ? x->element
                                        : NULL));
    set(j, o, "line", has || project ? json_integer(x->loc.line) : json_null());
    set(j, o, "col", has || project ? json_integer(x->loc.col) : json_null());
  }
  set(j, root, "changes", list);
  return root;
}

/* ---- entry point ------------------------------------------------------------------ */

int cb_diff_print(FILE *fp, cb_ctx *ctx, const cb_change *changes, size_t n,
                  const cb_book *old_book, const char *old_label,
                  const cb_book *new_book, const char *new_label,
                  cb_diff_format fmt, int color) {
  cb_buf b = {0};
  int err = 0;
  if (fmt == CB_DIFF_JSON) {
    jctx j = {{0}, 0};
    json_t *root =
        to_json(&j, changes, n, old_book, old_label, new_book, new_label);
    char *s = root && !j.failed
                  ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
                  : NULL;
    json_decref(root);
    cb_buf_free(&j.tmp);
    if (!s)
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory writing the diff");
    cb_buf_puts(&b, s);
    cb_buf_putc(&b, '\n');
    cb_free(s);
  } else if (fmt == CB_DIFF_MARKDOWN) {
    print_human(&b, &markdown_layout, changes, n, new_book, old_label,
                new_label, 0);
  } else {
    print_human(&b, &text_layout, changes, n, new_book, old_label, new_label,
                color);
  }
  if (b.failed)
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory writing the diff");
  else if (b.len && (fwrite(b.data, 1, b.len, fp) != b.len || fflush(fp)))
    err = cb_ctx__fail(ctx, CB_EIO, "cannot write the diff");
  cb_buf_free(&b);
  return err;
}
