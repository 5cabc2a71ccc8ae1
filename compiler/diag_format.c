/* SPDX-License-Identifier: MIT */
/*
 * diag_format.c: what the diagnostics formats share. Beside gcc and
 * JSON (diag_print.c), casebook prints SARIF 2.1.0 for code scanning
 * (diag_sarif.c), GitHub workflow commands with a job summary
 * (diag_github.c), a JUnit XML report per chapter and case
 * (diag_junit.c) and reviewdog's rdjson (diag_rdjson.c). Shared here: the
 * paths as CI tools resolve them, source lines (the gcc format's
 * excerpts too) and columns, the test for a line a CI log would read as
 * a workflow command, the span a did-you-mean replaces, and the jansson
 * helpers of the JSON formats; diag_ci.c picks the format.
 *
 * Every format reads the sorted diagnostics and the model and changes
 * neither. Everything that comes from a casebook is untrusted text: it
 * is made valid UTF-8 and shown as cb_utf8__show shows text to people
 * (bidirectional controls as "<U+202E>", "##[" as "##<U+005B>") first,
 * then written through jansson or the libxml2 writer, or through the
 * escaping the format defines (workflow command values, Markdown table
 * cells): never pasted. No line of any format can start with "::" (a
 * workflow command, should the report be printed to a CI log): JSON
 * escapes line breaks, the GitHub format escapes them and puts "./"
 * before such a path, and the JUnit report writes that ':' as a
 * character reference.
 *
 * Paths are made relative to the root of the git repository that holds
 * the project (where CI tools resolve them), which git.c finds through
 * libgit2 as it does for the build's stamp; outside a repository they
 * are printed as the other formats print them. The output depends on
 * nothing else: no time, no host name.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctx.h"
#include "diag_format.h"
#include "suggest.h"
#include "utf8.h"

const char *cb_diag_format__level_name(cb_diag_level l) {
  return l == CB_DIAG_ERROR     ? "error"
         : l == CB_DIAG_WARNING ? "warning"
                                : "note";
}

/* s made valid UTF-8 for mode and shown as cb_utf8__show shows text
 * (CB_TEXT_HTML: controls but line breaks and tabs as Control Pictures;
 * CB_TEXT_JSON: controls kept for jansson to escape), in b (reset first).
 * Borrowed from b; "" for NULL or when memory ran out. */
const char *cb_diag_format__clean(cb_buf *b, const char *s, cb_text_mode mode) {
  cb_buf_reset(b);
  if (s)
    cb_utf8__show(b, s, strlen(s),
                  mode == CB_TEXT_JSON ? CB_SHOW_JSON : CB_SHOW_LINES);
  return b->failed ? "" : cb_buf_cstr(b);
}

/* ---- paths ----------------------------------------------------------- */

/* g's path relative to the project directory ("" for the directory
 * itself), or NULL when it is not inside it. Borrowed. */
const char *cb_diag_format__project_path(const cb_diag_run *r,
                                         const cb_diag *g) {
  if (r->book && g->file < r->book->n_files)
    return r->book->files[g->file].path;
  if (!g->path)
    return NULL;
  const char *root = r->book ? r->book->root : NULL;
  if (!root || strcmp(root, ".") == 0)
    return strcmp(g->path, ".") == 0 ? "" : g->path;
  size_t n = strlen(root);
  if (strncmp(g->path, root, n) != 0)
    return NULL;
  const char *rest = g->path + n;
  if (!*rest)
    return "";
  if (n && root[n - 1] == '/')
    return rest;
  return *rest == '/' ? rest + 1 : NULL;
}

/* g's path relative to the repository root when the project is in one,
 * else as the gcc format shows it. NULL when g has no path. Borrowed or
 * in the arena. */
const char *cb_diag_format__repo_path(const cb_diag_run *r, const cb_diag *g) {
  if (!g->path)
    return NULL;
  const char *p = r->prefix ? cb_diag_format__project_path(r, g) : NULL;
  if (!p)
    return g->path;
  if (!*p) {
    size_t n = strlen(r->prefix);
    return n ? cb_arena_strndup(r->ctx->arena, r->prefix, n - 1) : ".";
  }
  const char *s = cb_arena_printf(r->ctx->arena, "%s%s", r->prefix, p);
  return s ? s : g->path;
}

/* Where g is, for the formats whose consumers want a location on every
 * finding (code scanning, reviewdog): g's path, or the project directory
 * for a diagnostic without one. repo: relative to the repository (as
 * repo_path) rather than as displayed. */
const char *cb_diag_format__located_path(const cb_diag_run *r, const cb_diag *g,
                                         int repo) {
  cb_diag at = *g;
  if (!at.path) {
    const char *root = r->book ? r->book->root : NULL;
    at.path = root && *root ? root : ".";
    at.file = UINT32_MAX;
  }
  return repo ? cb_diag_format__repo_path(r, &at) : at.path;
}

/* ---- source lines and columns ---------------------------------------- */

const char *cb_diag_format__line_at(const cb_book *book, cb_line_cursor *cur,
                                    uint32_t file, uint32_t line,
                                    size_t *len) {
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

/* The text of line g->line of g's file without its end, or NULL when g
 * has no line in a book file. */
const char *cb_diag_format__source_line(cb_diag_run *r, const cb_diag *g,
                                        size_t *len) {
  return cb_diag_format__line_at(r->book, &r->cur, g->file, g->line, len);
}

/* The 1-based column in code points of the 1-based byte column col of
 * line (len bytes); an ill-formed sequence counts as one, as its U+FFFD
 * would. */
uint32_t cb_diag_format__code_point_col(const char *line, size_t len,
                                        uint32_t col) {
  size_t target = col ? col - 1 : 0, i = 0;
  uint32_t count = 0;
  while (i < target && i < len) {
    uint32_t cp;
    i += cb_utf8__decode((const unsigned char *)line + i, len - i, &cp);
    count++;
  }
  if (target > i)
    count += (uint32_t)(target - i);
  return count + 1;
}

/* g's column in code points (SARIF, GitHub), 0 when it has none. */
uint32_t cb_diag_format__char_col(cb_diag_run *r, const cb_diag *g) {
  if (!g->line)
    return 0;
  uint32_t col = g->col ? g->col : 1;
  size_t len;
  const char *s = cb_diag_format__source_line(r, g, &len);
  return s ? cb_diag_format__code_point_col(s, len, col) : col;
}

static int word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '-' || c >= 0x80;
}

/* Where word (n bytes) stands in line at or after byte offset from, as a
 * whole word; SIZE_MAX when it does not. */
static size_t find_word(const char *line, size_t len, size_t from,
                        const char *word, size_t n) {
  for (size_t i = from; n && i + n <= len; i++) {
    if (memcmp(line + i, word, n) != 0)
      continue;
    if (word_byte((unsigned char)word[0]) && i > 0 &&
        word_byte((unsigned char)line[i - 1]))
      continue;
    if (word_byte((unsigned char)word[n - 1]) && i + n < len &&
        word_byte((unsigned char)line[i + n]))
      continue;
    return i;
  }
  return SIZE_MAX;
}

size_t cb_diag_format__command_at(const char *line, size_t len) {
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

/* The text a did-you-mean suggestion replaces. A rule says the suggested
 * word, not the span it replaces; the span is found as the word quoted
 * in the message (or a space-separated part of it) closest to the
 * suggestion by edit distance, within the distance cb_suggest allows,
 * that stands on the diagnostic's line at or after its column. Sets the
 * 1-based byte columns *start and *end (exclusive) and returns 1, or
 * returns 0 when there is no such word. */
int cb_diag_format__fix_span(cb_diag_run *r, const cb_diag *g, uint32_t *start,
                             uint32_t *end) {
  if (!g->suggestion || !g->message)
    return 0;
  size_t len;
  const char *line = cb_diag_format__source_line(r, g, &len);
  if (!line)
    return 0;
  const char *sugg = g->suggestion;
  size_t ls = strlen(sugg), from = g->col ? g->col - 1 : 0;
  size_t best_d = SIZE_MAX, best_at = SIZE_MAX, best_n = 0;
  const char *m = g->message;
  while ((m = strchr(m, '\'')) != NULL) {
    const char *q = strchr(m + 1, '\'');
    if (!q)
      break;
    /* the whole quoted text, then each space-separated part of it */
    const char *w = m + 1;
    for (int whole = 1;; whole = 0) {
      const char *we = whole ? q : w;
      if (!whole)
        while (we < q && *we != ' ')
          we++;
      size_t n = (size_t)(we - w);
      if (whole && n && g->col && (n != ls || memcmp(w, sugg, n) != 0) &&
          find_word(line, len, from, w, n) == from) {
        /* the whole quoted text stands where the diagnostic points: it
         * is what the suggestion replaces, however far it is from it
         * ('A, C, B' -> 'A > C > B') */
        best_d = 0;
        best_at = from;
        best_n = n;
      }
      if (n && (n != ls || memcmp(w, sugg, n) != 0)) {
        size_t d = cb_suggest__distance(w, n, sugg, ls);
        if (d != SIZE_MAX && d < best_d) {
          size_t at = find_word(line, len, from, w, n);
          if (at != SIZE_MAX) {
            best_d = d;
            best_at = at;
            best_n = n;
          }
        }
      }
      if (!whole) {
        if (we >= q)
          break;
        w = we + 1;
      } else if (!memchr(w, ' ', (size_t)(q - w))) {
        break;
      }
    }
    m = q + 1;
  }
  if (best_at == SIZE_MAX || best_at + best_n + 1 > UINT32_MAX)
    return 0;
  *start = (uint32_t)best_at + 1;
  *end = (uint32_t)(best_at + best_n) + 1;
  return 1;
}

/* ---- JSON (SARIF, rdjson) --------------------------------------------- */

/* A JSON string of s made valid UTF-8; NULL on failure (tmp's failure
 * is sticky, so a string lost to memory is never written as ""). */
json_t *cb_diag_format__jtext(cb_buf *tmp, const char *s) {
  const char *t = cb_diag_format__clean(tmp, s, CB_TEXT_JSON);
  return tmp->failed ? NULL : json_string(t);
}

/* o[key] = v, remembering a failure (v NULL, or out of memory). */
void cb_diag_format__put(json_t *o, const char *key, json_t *v, int *oom) {
  if (!v || json_object_set_new(o, key, v) < 0)
    *oom = 1;
}

void cb_diag_format__push(json_t *a, json_t *v, int *oom) {
  if (!v || json_array_append_new(a, v) < 0)
    *oom = 1;
}

/* Writes root and a newline to fp. json_dumpf fails alike when memory
 * runs out and when the stream does: the stream's error tells which. */
int cb_diag_format__dump(json_t *root, FILE *fp) {
  if (json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
    return ferror(fp) ? CB_EIO : CB_ENOMEM;
  return fputc('\n', fp) == EOF ? CB_EIO : 0;
}

/* ---- places for people (GitHub, JUnit) -------------------------------- */

/* "path:line:col" of g for people (with the repository-relative path). */
void cb_diag_format__place(cb_buf *out, cb_diag_run *r, const cb_diag *g) {
  const char *path = cb_diag_format__repo_path(r, g);
  if (!path) {
    cb_buf_puts(out, "casebook");
    return;
  }
  cb_buf_puts(out, path);
  if (g->line)
    cb_buf_printf(out, ":%u:%u", g->line, cb_diag_format__char_col(r, g));
}
