/*
 * book.c: the compilation context and the front of the pipeline,
 * source -> parse -> extract -> resolve, that builds the model.
 */
#include <fnmatch.h>
#include <jansson.h>
#include <libxml/xmlmemory.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctx.h"
#include "extract.h"
#include "manifest.h"
#include "parse.h"
#include "resolve.h"
#include "source.h"
#include "strmap.h"

/* Routes libxml2's and jansson's allocations through cb_malloc, so that a
 * test that fails the N-th allocation reaches them too. Once per process,
 * before either library allocates. */
static void route_allocations(void) {
  static int done;
  if (done)
    return;
  done = 1;
  xmlMemSetup(cb_free, cb_malloc, cb_realloc, cb_strdup);
  json_set_alloc_funcs(cb_malloc, cb_free);
}

int cb_ctx_new(cb_ctx **out, const cb_options *opts) {
  *out = NULL;
  route_allocations();
  cb_ctx *ctx = cb_calloc(1, sizeof *ctx);
  if (!ctx)
    return CB_ENOMEM;
  if (!(ctx->arena = cb_arena_new())) {
    cb_free(ctx);
    return CB_ENOMEM;
  }
  if (opts)
    ctx->opts = *opts;
  *out = ctx;
  return 0;
}

void cb_ctx_free(cb_ctx *ctx) {
  if (!ctx)
    return;
  cb_free(ctx->diags);
  cb_free(ctx->rules);
  cb_arena_free(ctx->arena);
  cb_free(ctx);
}

const char *cb_qtype_name(cb_qtype t) {
  static const char *const names[] = {"choice", "multi", "scale",
                                      "rank",   "pairwise", "text"};
  return (unsigned)t < 6 ? names[t] : "choice";
}

const char *cb_input_kind_name(cb_input_kind k) {
  static const char *const names[] = {"prompt", "response", "system",
                                      "context", "user", "assistant"};
  return (unsigned)k < 6 ? names[k] : "prompt";
}

const char *cb_status_name(cb_status s) {
  static const char *const names[] = {"final", "draft", "disputed"};
  return (unsigned)s < 3 ? names[s] : "final";
}

const cb_question *cb_book_question(const cb_book *book, const char *id) {
  for (size_t i = 0; i < book->n_questions; i++)
    if (strcmp(book->questions[i].id, id) == 0)
      return &book->questions[i];
  return NULL;
}

const cb_criterion *cb_book_criterion(const cb_book *book, const char *id) {
  for (size_t i = 0; i < book->n_criteria; i++)
    if (strcmp(book->criteria[i].id, id) == 0)
      return &book->criteria[i];
  return NULL;
}

const cb_case *cb_book_case(const cb_book *book, const char *id) {
  for (size_t i = 0; i < book->n_cases; i++)
    if (strcmp(book->cases[i].id, id) == 0)
      return &book->cases[i];
  return NULL;
}

const cb_option *cb_question_option(const cb_question *q, const char *id) {
  for (size_t i = 0; i < q->n_options; i++)
    if (strcmp(q->options[i].id, id) == 0)
      return &q->options[i];
  return NULL;
}

/* ---- choosing the chapters -------------------------------------------- */

static int is_chapter_file(const char *path) {
  size_t n = strlen(path);
  if (n < 3 || strcasecmp(path + n - 3, ".md") != 0)
    return 0;
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  return strcasecmp(base, "README.md") != 0;
}

static int matches_any(const cb_strlist *globs, const char *path) {
  for (size_t i = 0; i < globs->n; i++)
    if (fnmatch(globs->items[i], path, 0) == 0)
      return 1;
  return 0;
}

static const char *const reserved_pages[] = {"index", "print", "search",
                                             "cases", "tags", "style"};

/* The output page name of a chapter: its path without ".md", '/' and
 * other ASCII punctuation read as '-', unique in the book. */
static const char *chapter_slug(cb_ctx *ctx, cb_strmap *seen,
                                const char *path) {
  size_t n = strlen(path) - 3;
  char *s = cb_arena_strndup(ctx->arena, path, n);
  if (!s)
    return NULL;
  for (char *p = s; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c < 0x80 && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') &&
        !(c >= 'A' && c <= 'Z') && c != '.' && c != '_' && c != '-')
      *p = '-';
  }
  for (size_t i = 0; i < sizeof reserved_pages / sizeof *reserved_pages; i++)
    if (strcasecmp(s, reserved_pages[i]) == 0)
      s = cb_arena_printf(ctx->arena, "%s-chapter", s);
  const char *slug = s;
  for (int k = 2; slug && cb_strmap_get(seen, slug, NULL); k++)
    slug = cb_arena_printf(ctx->arena, "%s-%d", s, k);
  if (slug && cb_strmap_put(seen, slug, 0, NULL) < 0)
    return NULL;
  return slug;
}

/* The position of needle in the manifest (the first occurrence, quoted
 * when quoted), else line 1: manifest values carry no positions of their
 * own once Lua has run. */
static cb_loc manifest_loc(const cb_ctx *ctx, uint32_t file,
                           const char *needle, int quoted) {
  cb_loc loc = {file, 1, 1};
  if (file >= ctx->book.n_files)
    return loc;
  const cb_file *f = &ctx->book.files[file];
  size_t n = strlen(needle);
  for (const char *p = f->text; p + n <= f->text + f->len; p++) {
    if (memcmp(p, needle, n) != 0)
      continue;
    if (quoted && (p == f->text || (p[-1] != '"' && p[-1] != '\'') ||
                   (p[n] != '"' && p[n] != '\'')))
      continue;
    const char *q = quoted ? p - 1 : p;
    for (const char *r = f->text; r < q; r++)
      if (*r == '\n') {
        loc.line++;
        loc.col = 1;
      } else {
        loc.col++;
      }
    return loc;
  }
  return loc;
}

/* Orders the chapter paths: the manifest's chapters list first (each
 * pattern in turn, matches in path order), then the rest by path. */
static size_t order_chapters(cb_ctx *ctx, const char **paths, size_t n,
                             const char **out, uint32_t manifest_file) {
  const cb_manifest *m = &ctx->book.manifest;
  unsigned char *taken = cb_calloc(n + 1, 1);
  size_t k = 0;
  if (!taken)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!is_chapter_file(paths[i]) || matches_any(&m->exclude, paths[i]))
      taken[i] = 1;
  for (size_t g = 0; g < m->chapters.n; g++) {
    size_t hits = 0;
    for (size_t i = 0; i < n; i++) {
      if (fnmatch(m->chapters.items[g], paths[i], 0) != 0)
        continue;
      hits++;
      if (!taken[i]) {
        taken[i] = 1;
        out[k++] = paths[i];
      }
    }
    if (!hits) {
      cb_loc loc = manifest_loc(ctx, manifest_file, m->chapters.items[g], 1);
      cb_diag_report(ctx, CB_DIAG_WARNING, "manifest-chapters", loc, NULL,
                     NULL, "chapters entry '%s' matches no file",
                     m->chapters.items[g]);
    }
  }
  for (size_t i = 0; i < n; i++) {
    if (taken[i])
      continue;
    if (m->chapters.n) {
      cb_loc loc = manifest_loc(ctx, manifest_file, "chapters", 0);
      cb_diag_report(ctx, CB_DIAG_WARNING, "manifest-chapters", loc, NULL,
                     NULL,
                     "'%s' is not in the manifest's chapters list; it is "
                     "compiled after the listed chapters",
                     paths[i]);
    }
    out[k++] = paths[i];
  }
  cb_free(taken);
  return k;
}

/* ---- loading ----------------------------------------------------------- */

static int load(const cb_book **out, cb_ctx *ctx, cb_source *src,
                const char *dir) {
  cb_book *book = &ctx->book;
  cb_builder b;
  cb_strmap slugs = {0};
  cb_parse_queue *queue = NULL;
  uint32_t *order = NULL;
  const char **paths = NULL, **chapter_paths = NULL;
  size_t n_paths = 0, n_chapters = 0;
  int err;
  *out = NULL;
  cb_extract__init(&b, ctx, &book->manifest);
  if ((err = cb_source__list(src, &paths, &n_paths)) < 0)
    goto done;
  book->root = dir ? cb_arena_strdup(ctx->arena, dir) : NULL;
  book->files = cb_arena_calloc(ctx->arena, n_paths + 1, sizeof *book->files);
  chapter_paths = cb_arena_calloc(ctx->arena, n_paths + 1, sizeof *paths);
  if ((dir && !book->root) || !book->files || !chapter_paths) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }

  /* the manifest first: it says which files are chapters and how */
  uint32_t manifest_file = UINT32_MAX;
  const char *mtext = NULL;
  size_t mlen = 0;
  err = cb_source__read(src, "casebook.lua", &mtext, &mlen);
  if (err == 0) {
    manifest_file = (uint32_t)book->n_files;
    cb_file f = {"casebook.lua", mtext, mlen};
    book->files[book->n_files++] = f;
  } else if (err != CB_ENOTFOUND) {
    goto done;
  }
  if ((err = cb_manifest__load(ctx, &book->manifest, manifest_file, mtext,
                               mlen)) < 0)
    goto done;
  book->stamp.version = book->manifest.version;

  n_chapters = order_chapters(ctx, paths, n_paths, chapter_paths,
                              manifest_file);
  book->chapters = cb_arena_calloc(ctx->arena, n_chapters + 1,
                                   sizeof *book->chapters);
  if (!book->chapters) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < n_chapters; i++) {
    cb_file f = {chapter_paths[i], NULL, 0};
    if ((err = cb_source__read(src, f.path, &f.text, &f.len)) < 0)
      goto done;
    cb_chapter *ch = &book->chapters[i];
    ch->file = (uint32_t)book->n_files;
    ch->path = f.path;
    if (!(ch->slug = chapter_slug(ctx, &slugs, f.path))) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      goto done;
    }
    book->files[book->n_files++] = f;
    cb_extract__prescan(&b, f.text, f.len);
  }
  book->n_chapters = n_chapters;
  if (n_chapters == 0) {
    cb_diag__report_path(ctx, CB_DIAG_WARNING, "empty-project",
                         dir ? "" : NULL, 0, 0,
                         "no chapters: the project has no *.md file other "
                         "than README.md");
  }

  order = cb_calloc(n_chapters + 1, sizeof *order);
  if (!order) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < n_chapters; i++)
    order[i] = book->chapters[i].file;
  if ((err = cb_parse__start(&queue, book->files, order, n_chapters)) < 0) {
    cb_ctx__fail(ctx, err, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < n_chapters; i++) {
    cb_chapter *ch = &book->chapters[i];
    const cb_file *f = &book->files[ch->file];
    cb_parse__check_bytes(ctx, ch->file, f->text, f->len);
    cmark_node *doc = cb_parse__next(queue);
    if (!doc) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory parsing '%s'",
                         f->path);
      goto done;
    }
    err = cb_extract__chapter(&b, ch, (uint32_t)i, f, doc);
    cb_parse__release(doc);
    if (err < 0) {
      cb_ctx__fail(ctx, err, "out of memory extracting '%s'", f->path);
      goto done;
    }
    if (!ch->title) {
      const char *base = strrchr(ch->path, '/');
      base = base ? base + 1 : ch->path;
      ch->title = cb_arena_strndup(ctx->arena, base, strlen(base) - 3);
    }
  }
  if ((err = cb_extract__finish(&b, book)) < 0) {
    cb_ctx__fail(ctx, err, "out of memory");
    goto done;
  }
  if ((err = cb_resolve__book(ctx, book, paths, n_paths)) < 0)
    goto done;
  ctx->book_loaded = 1;
  *out = book;
done:
  cb_parse__stop(queue);
  cb_free(order);
  if (err < 0)
    cb_extract__finish(&b, book);
  cb_strmap_free(&slugs);
  return err;
}

int cb_book_load(const cb_book **out, cb_ctx *ctx, const char *dir) {
  cb_source *src = NULL;
  int err = cb_source__open_fs(&src, ctx, dir);
  *out = NULL;
  if (err == 0)
    err = load(out, ctx, src, dir);
  cb_source__free(src);
  return err;
}

int cb_book_load_files(const cb_book **out, cb_ctx *ctx,
                       const cb_source_file *files, size_t n) {
  cb_source *src = NULL;
  int err = cb_source__open_files(&src, ctx, files, n);
  *out = NULL;
  if (err == 0)
    err = load(out, ctx, src, NULL);
  cb_source__free(src);
  return err;
}
