/* SPDX-License-Identifier: MIT */
/*
 * lsp_state.c: what the language server keeps between messages: the
 * project directory, the open documents and their changes, the book of
 * the current texts and the diagnostics published from it; and the
 * writing of messages, which the publication needs.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag_format.h"
#include "lsp.h"

void cb_lsp__say(cb_lsp *s, const char *fmt, ...) {
  if (!s->log)
    return;
  va_list ap;
  va_start(ap, fmt);
  fputs("casebook lsp: ", s->log);
  vfprintf(s->log, fmt, ap);
  fputc('\n', s->log);
  fflush(s->log);
  va_end(ap);
}

int cb_lsp__send(cb_lsp *s, json_t *msg) {
  if (!msg)
    return 0;
  if (!json_object_get(msg, "jsonrpc"))
    json_object_set_new(msg, "jsonrpc", json_string("2.0"));
  char *body = json_dumps(msg, JSON_COMPACT);
  json_decref(msg);
  if (!body) {
    cb_lsp__say(s, "out of memory writing a message");
    return 0;
  }
  char head[64];
  size_t n = strlen(body);
  int hn = snprintf(head, sizeof head, "Content-Length: %zu\r\n\r\n", n);
  int rc = 0;
  const char *parts[2] = {head, body};
  size_t lens[2] = {(size_t)hn, n};
  for (int i = 0; i < 2 && rc == 0; i++) {
    for (size_t put = 0; put < lens[i];) {
      ssize_t k = write(s->out_fd, parts[i] + put, lens[i] - put);
      if (k < 0 && errno == EINTR)
        continue;
      if (k <= 0) {
        rc = -1;
        break;
      }
      put += (size_t)k;
    }
  }
  cb_free(body);
  if (rc < 0) {
    cb_lsp__say(s, "cannot write to the client: stopping");
    s->done = 1;
  }
  return rc;
}

/* ---- documents ---------------------------------------------------------- */

lsp_doc *cb_lsp__doc(cb_lsp *s, const char *uri) {
  for (size_t i = 0; i < s->n_docs; i++)
    if (strcmp(s->docs[i].uri, uri) == 0)
      return &s->docs[i];
  return NULL;
}

/* The project-relative path of an absolute one, cb_malloc'd, or NULL. */
static char *relative(const cb_lsp *s, const char *path) {
  if (!s->root)
    return NULL;
  size_t n = strlen(s->root);
  if (strncmp(path, s->root, n) == 0 && path[n] == '/' && path[n + 1])
    return cb_strdup(path + n + 1);
  /* the root or the file named through a symbolic link */
  char *real = realpath(path, NULL);
  char *rel = NULL;
  if (real && strncmp(real, s->root, n) == 0 && real[n] == '/' && real[n + 1])
    rel = cb_strdup(real + n + 1);
  free(real);
  return rel;
}

void cb_lsp__set_root(cb_lsp *s, char *dir) {
  if (!dir)
    return;
  char *real = realpath(dir, NULL);
  if (real) {
    cb_free(dir);
    dir = cb_strdup(real);
    free(real);
    if (!dir)
      return;
  }
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/')
    dir[--n] = '\0';
  if (strcmp(dir, "/") == 0) { /* never the whole file system */
    cb_free(dir);
    return;
  }
  cb_free(s->root);
  s->root = dir;
}

/* Does dir hold a casebook.lua? */
static int has_manifest(const char *dir) {
  cb_buf m = {0};
  cb_buf_puts(&m, dir);
  cb_buf_puts(&m, "/casebook.lua");
  int found = !m.failed && access(cb_buf_cstr(&m), F_OK) == 0;
  cb_buf_free(&m);
  return found;
}

void cb_lsp__set_workspace(cb_lsp *s, char *dir) {
  if (dir && has_manifest(dir))
    cb_lsp__set_root(s, dir);
  else
    cb_free(dir);
}

/* The project of the file at path: the nearest directory above it that
 * holds casebook.lua, cb_malloc'd; NULL when there is none. */
static char *project_of(const char *path) {
  char *d = cb_strdup(path);
  char *found = NULL;
  for (char *up; d && (up = strrchr(d, '/')) && up != d;) {
    *up = '\0';
    if (has_manifest(d)) {
      found = cb_strdup(d);
      break;
    }
  }
  cb_free(d);
  return found;
}

void cb_lsp__doc_free(lsp_doc *d) {
  cb_free(d->uri);
  cb_free(d->path);
  cb_free(d->text);
}

/* The document's project path, from its URI, again (the root may have
 * become known after it was opened). */
void cb_lsp__doc_locate(cb_lsp *s, lsp_doc *d) {
  char *path = cb_lsp__uri_path(d->uri);
  cb_free(d->path);
  /* outside any project, the document is checked alone (its absolute
   * path, without the first '/', names it among the open documents) */
  d->path = !path ? NULL : s->root ? relative(s, path) : cb_strdup(path + 1);
  cb_free(path);
}

/* The project of a document being opened: the nearest directory above it
 * with a casebook.lua (the workspace folder may be a repository holding
 * the project in a subdirectory). When that changes the project, every
 * open document is located again. A document with no casebook.lua above
 * it changes nothing: no directory is read for it. */
static void project_for(cb_lsp *s, const char *uri) {
  char *path = cb_lsp__uri_path(uri);
  char *dir = path ? project_of(path) : NULL;
  cb_free(path);
  if (!dir)
    return;
  char *real = realpath(dir, NULL);
  int same = s->root && strcmp(real ? real : dir, s->root) == 0;
  free(real);
  if (same) {
    cb_free(dir);
    return;
  }
  cb_lsp__set_root(s, dir);
  for (size_t i = 0; i < s->n_docs; i++)
    cb_lsp__doc_locate(s, &s->docs[i]);
}

void cb_lsp__did_open(cb_lsp *s, json_t *params) {
  json_t *td = json_object_get(params, "textDocument");
  const char *uri = json_string_value(json_object_get(td, "uri"));
  json_t *text = json_object_get(td, "text");
  if (!uri || !json_is_string(text))
    return;
  lsp_doc *d = cb_lsp__doc(s, uri);
  if (!d) {
    lsp_doc fresh = {0};
    if (!(fresh.uri = cb_strdup(uri)) ||
        CB_VEC_PUSH(s->docs, s->n_docs, s->cap_docs, fresh) < 0) {
      cb_free(fresh.uri);
      cb_lsp__say(s, "out of memory opening a document");
      return;
    }
    d = &s->docs[s->n_docs - 1];
  }
  size_t n = json_string_length(text);
  char *copy = cb_malloc(n + 1);
  if (!copy) {
    cb_lsp__say(s, "out of memory opening a document");
    return;
  }
  memcpy(copy, json_string_value(text), n);
  copy[n] = '\0';
  cb_free(d->text);
  d->text = copy;
  d->len = n;
  project_for(s, uri);
  cb_lsp__doc_locate(s, d);
  s->stale = 1;
}

/* Applies one change of didChange: a range replaced, or the whole text
 * when there is no range. */
static int apply_change(lsp_doc *d, json_t *change) {
  json_t *text = json_object_get(change, "text");
  json_t *range = json_object_get(change, "range");
  if (!json_is_string(text))
    return -1;
  size_t from = 0, to = d->len;
  if (json_is_object(range)) {
    json_t *a = json_object_get(range, "start"),
           *b = json_object_get(range, "end");
    json_int_t al = json_integer_value(json_object_get(a, "line")),
               ac = json_integer_value(json_object_get(a, "character")),
               bl = json_integer_value(json_object_get(b, "line")),
               bc = json_integer_value(json_object_get(b, "character"));
    if (al < 0 || ac < 0 || bl < 0 || bc < 0 || al > UINT32_MAX ||
        ac > UINT32_MAX || bl > UINT32_MAX || bc > UINT32_MAX)
      return -1;
    from = cb_lsp__offset(d->text, d->len, (uint32_t)al, (uint32_t)ac);
    to = cb_lsp__offset(d->text, d->len, (uint32_t)bl, (uint32_t)bc);
    if (to < from)
      return -1;
  }
  size_t n = json_string_length(text);
  size_t len = d->len - (to - from) + n;
  char *p = cb_malloc(len + 1);
  if (!p)
    return -1;
  memcpy(p, d->text, from);
  memcpy(p + from, json_string_value(text), n);
  memcpy(p + from + n, d->text + to, d->len - to);
  p[len] = '\0';
  cb_free(d->text);
  d->text = p;
  d->len = len;
  return 0;
}

void cb_lsp__did_change(cb_lsp *s, json_t *params) {
  json_t *td = json_object_get(params, "textDocument");
  const char *uri = json_string_value(json_object_get(td, "uri"));
  lsp_doc *d = uri ? cb_lsp__doc(s, uri) : NULL;
  json_t *changes = json_object_get(params, "contentChanges");
  if (!d || !json_is_array(changes))
    return;
  size_t i;
  json_t *c;
  json_array_foreach(changes, i, c) {
    if (apply_change(d, c) < 0) {
      cb_lsp__say(s, "a change of %s that does not apply: ignored", d->uri);
      break;
    }
  }
  s->stale = 1;
}

void cb_lsp__did_close(cb_lsp *s, json_t *params) {
  json_t *td = json_object_get(params, "textDocument");
  const char *uri = json_string_value(json_object_get(td, "uri"));
  lsp_doc *d = uri ? cb_lsp__doc(s, uri) : NULL;
  if (!d)
    return;
  cb_lsp__doc_free(d);
  *d = s->docs[--s->n_docs];
  s->stale = 1; /* what the disk holds comes back */
}

uint32_t cb_lsp__file_index(const cb_lsp *s, const char *path) {
  for (size_t i = 0; s->book && path && i < s->book->n_files; i++)
    if (strcmp(s->book->files[i].path, path) == 0)
      return (uint32_t)i;
  return UINT32_MAX;
}

const char *cb_lsp__uri_of(cb_lsp *s, const char *path) {
  for (size_t i = 0; i < s->n_docs; i++)
    if (s->docs[i].path && strcmp(s->docs[i].path, path) == 0)
      return s->docs[i].uri;
  if (!s->root || !s->ctx)
    return NULL;
  cb_buf b = {0};
  cb_buf_puts(&b, s->root);
  cb_buf_putc(&b, '/');
  cb_buf_puts(&b, path);
  cb_buf u = {0};
  cb_lsp__path_uri(&u, cb_buf_cstr(&b));
  const char *uri = u.failed || b.failed
                        ? NULL
                        : cb_arena_strdup(s->ctx->arena, cb_buf_cstr(&u));
  cb_buf_free(&b);
  cb_buf_free(&u);
  return uri;
}

/* ---- diagnostics --------------------------------------------------------- */

/* Loads and checks the project with the open documents laid over it:
 * the rules alone, or with full every check `casebook check` makes (the
 * exports' too). */
static int load(cb_lsp *s, int full) {
  cb_ctx_free(s->ctx);
  s->ctx = NULL;
  s->book = NULL;
  cb_ctx *ctx = NULL;
  int err = cb_ctx_new(&ctx, NULL);
  if (err < 0)
    return err;
  s->ctx = ctx;
  cb_source_file *files = cb_calloc(s->n_docs + 1, sizeof *files);
  size_t n = 0;
  if (!files)
    return CB_ENOMEM;
  for (size_t i = 0; i < s->n_docs; i++)
    if (s->docs[i].path)
      files[n++] =
          (cb_source_file){s->docs[i].path, s->docs[i].text, s->docs[i].len};
  const cb_book *book = NULL;
  if (s->root)
    err = cb_book_load_overlay(&book, ctx, s->root, files, n);
  else
    err = cb_book_load_files(&book, ctx, files, n);
  cb_free(files);
  if (err == 0 && book)
    err = full ? cb_book_check_all(ctx, book, NULL) : cb_book_check(ctx, book);
  if (err == 0 && book)
    err = cb_book_apply_ignores(ctx, book);
  if (err < 0) {
    cb_lsp__say(s, "cannot check the project: %s",
                *cb_ctx_error(ctx) ? cb_ctx_error(ctx) : "out of memory");
    return err;
  }
  s->book = book;
  return 0;
}

/* The byte range [*from, *to) of g in text: its range when it has one,
 * else the heading or the word it starts at (the text a did-you-mean
 * replaces). */
static void diag_span(const cb_diag *g, const char *text, size_t len,
                      size_t *from, size_t *to) {
  size_t a = cb_lsp__loc_offset(text, len, g->line, g->col);
  if (a == SIZE_MAX)
    a = len;
  size_t b = a;
  if (g->line && g->end_line) {
    b = cb_lsp__loc_offset(text, len, g->end_line, g->end_col);
    b = b == SIZE_MAX || b >= len ? len : b + 1;
  } else if (g->line && a < len && text[a] == '#') {
    /* an element's heading: the whole line */
    while (b < len && text[b] != '\n' && text[b] != '\r')
      b++;
  } else if (g->line) {
    while (b < len && text[b] != '\n' && text[b] != '\r' && text[b] != ' ' &&
           text[b] != '\t' && text[b] != '|' && text[b] != ',')
      b++;
  }
  *from = a;
  *to = b < a ? a : b;
}

json_t *cb_lsp__diag_json(const cb_diag *g, const char *text, size_t len) {
  static const int severity[] = {3, 2, 1}; /* note, warning, error */
  json_t *range;
  if (text) {
    size_t from, to;
    diag_span(g, text, len, &from, &to);
    range = cb_lsp__range(text, len, from, to);
  } else {
    json_int_t l = g->line ? g->line - 1 : 0, c = g->col ? g->col - 1 : 0;
    range = json_pack("{s:{s:I,s:I},s:{s:I,s:I}}", "start", "line", l,
                      "character", c, "end", "line", l, "character", c);
  }
  return json_pack("{s:o,s:i,s:s,s:s,s:o*}", "range", range, "severity",
                   severity[g->level <= CB_DIAG_ERROR ? g->level : 2], "source",
                   "casebook", "code", g->rule ? g->rule : "", "message",
                   cb_lsp__string(g->message, strlen(g->message)));
}

static int was_published(const cb_lsp *s, const char *uri) {
  for (size_t i = 0; i < s->n_published; i++)
    if (strcmp(s->published[i], uri) == 0)
      return 1;
  return 0;
}

static void publish_one(cb_lsp *s, const char *uri, json_t *diags) {
  cb_lsp__send(s, json_pack("{s:s,s:{s:s,s:O}}", "method",
                            "textDocument/publishDiagnostics", "params", "uri",
                            uri, "diagnostics", diags));
}

/* Is g about a casebook-ignore comment that silences nothing (ignore.c's
 * rules)? After the rules alone it may be wrong: what it silences may be
 * a finding of the exports, still to come. */
static int about_ignores(const cb_diag *g) {
  return g->rule && (strcmp(g->rule, "unused-ignore") == 0 ||
                     strcmp(g->rule, "unknown-rule-in-ignore") == 0);
}

/* Publishes the diagnostics of the last load: every file that has some,
 * every open document (none is news too), and the files that had some
 * last time and have none now. complete: the load made every check (else
 * the findings about ignore comments wait for it). */
static void publish(cb_lsp *s, int complete) {
  json_t *by_uri = json_object();
  cb_diag_run r;
  memset(&r, 0, sizeof r);
  r.ctx = s->ctx;
  r.book = s->book;
  r.d = cb_ctx_diags(s->ctx, &r.n);
  for (size_t i = 0; by_uri && i < r.n; i++) {
    const cb_diag *g = &r.d[i];
    if (g->suppressed || (!complete && about_ignores(g)))
      continue;
    const char *path = NULL, *text = NULL;
    size_t len = 0;
    if (g->file < s->book->n_files) {
      const cb_file *f = &s->book->files[g->file];
      path = f->path;
      text = f->text;
      len = f->len;
    } else {
      path = cb_diag_format__project_path(&r, g);
      for (size_t k = 0; path && k < s->n_docs; k++)
        if (s->docs[k].path && strcmp(s->docs[k].path, path) == 0) {
          text = s->docs[k].text;
          len = s->docs[k].len;
        }
    }
    if (!path || !*path)
      continue; /* the project as a whole: no document to show it in */
    const char *uri = cb_lsp__uri_of(s, path);
    if (!uri)
      continue;
    json_t *list = json_object_get(by_uri, uri);
    if (!list) {
      list = json_array();
      json_object_set_new(by_uri, uri, list);
    }
    json_t *d = cb_lsp__diag_json(g, text, len);
    if (d)
      json_array_append_new(list, d);
  }
  if (!by_uri)
    return;
  const char *uri;
  json_t *list;
  json_object_foreach(by_uri, uri, list) publish_one(s, uri, list);
  json_t *none = json_array();
  for (size_t i = 0; i < s->n_published; i++)
    if (!json_object_get(by_uri, s->published[i]))
      publish_one(s, s->published[i], none);
  for (size_t i = 0; i < s->n_docs; i++)
    if (!json_object_get(by_uri, s->docs[i].uri) &&
        !was_published(s, s->docs[i].uri))
      publish_one(s, s->docs[i].uri, none);
  json_decref(none);
  for (size_t i = 0; i < s->n_published; i++)
    cb_free(s->published[i]);
  cb_free(s->published);
  s->published = NULL;
  s->n_published = 0;
  size_t n = json_object_size(by_uri);
  if (n && (s->published = cb_calloc(n, sizeof *s->published)))
    json_object_foreach(by_uri, uri, list) {
      if ((s->published[s->n_published] = cb_strdup(uri)))
        s->n_published++;
    }
  json_decref(by_uri);
}

int cb_lsp__fresh(cb_lsp *s) {
  if (!s->stale)
    return s->book ? 0 : CB_ENOTFOUND;
  s->stale = 0;
  int err = load(s, 0);
  s->full_pending = err == 0;
  if (err == 0)
    publish(s, 0);
  return err;
}

int cb_lsp__full_check(cb_lsp *s) {
  s->full_pending = 0;
  int err = load(s, 1);
  if (err == 0)
    publish(s, 1);
  return err;
}
