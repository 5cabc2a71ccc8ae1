/* SPDX-License-Identifier: MIT */
/*
 * book.c: the compilation context and the front of the pipeline,
 * source -> parse -> extract -> resolve, that builds the model. It
 * chooses the source (the working tree, or the git revision of
 * cb_options.rev), stamps the book with its version, and keeps the source
 * open for the book's lifetime so the rules, templates and assets of the
 * project are read from the same place as its chapters.
 */
#include <fnmatch.h>
#include <stddef.h>
#include <jansson.h>
#include <libxml/xmlmemory.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "book.h"
#include "cache.h"
#include "ctx.h"
#include "extract.h"
#include "git.h"
#include "manifest.h"
#include "output.h"
#include "parse.h"
#include "resolve.h"
#include "source.h"
#include "strmap.h"
#include "utf8.h"

/* Routes libxml2's and jansson's allocations through cb_malloc, so that a
 * test that fails the N-th allocation reaches them too. Once per process,
 * before either library allocates. */
static void route_allocations_once(void) {
  xmlMemSetup(cb_free, cb_malloc, cb_realloc, cb_strdup);
  xmlInitParser(); /* before two threads of a build use libxml2 */
  json_set_alloc_funcs(cb_malloc, cb_free);
}

/* Once per process, whichever thread creates the first context. */
static void route_allocations(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, route_allocations_once);
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

/* Where the book's files come from: the source and, in git, the
 * repository and the commit that was read (or HEAD under a working
 * tree). */
typedef struct cb_project cb_project;
struct cb_project {
  cb_source *src;
  cb_git *git;
  git_oid commit; /* valid when has_commit */
  int has_commit;
};

static void project_free(cb_project *p) {
  if (!p)
    return;
  cb_source__free(p->src);
  cb_git__free(p->git);
  cb_free(p);
}

void cb_ctx_free(cb_ctx *ctx) {
  if (!ctx)
    return;
  project_free(ctx->project);
  cb_cache__free(ctx->cache);
  cb_output__end(ctx); /* the output directory's lock goes last */
  cb_free(ctx->diags);
  cb_free(ctx->rules);
  cb_arena_free(ctx->arena);
  cb_free(ctx);
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
 * other ASCII punctuation read as '-', as are invisible characters (the
 * extractor reports them: hidden-character), unique in the book. */
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
    uint32_t cp;
    size_t k = c >= 0x80 ? cb_utf8__decode((unsigned char *)p, strlen(p), &cp)
                         : 0;
    if (k && cp != CB_UTF8_INVALID && cb_utf8__hidden(cp)) {
      /* invisible (a bidirectional control): '-' too, the whole sequence */
      memmove(p + 1, p + k, strlen(p + k) + 1);
      *p = '-';
    }
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
  cb_loc loc = {file, 1, 1, 0, 0};
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
  /* the root first: the listing may report (a submodule in a revision) */
  book->root = dir ? cb_arena_strdup(ctx->arena, dir) : NULL;
  if ((err = cb_source__list(src, &paths, &n_paths)) < 0)
    goto done;
  book->files = cb_arena_calloc(ctx->arena, n_paths + 1, sizeof *book->files);
  chapter_paths = cb_arena_calloc(ctx->arena, n_paths + 1, sizeof *paths);
  if ((dir && !book->root) || !book->files || !chapter_paths) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  /* build cache (cache.h): nothing changed since the last build into the
   * same place, so its diagnostics are replayed and *out stays NULL */
  if ((err = cb_cache__replay(ctx->cache, src, paths, n_paths)) != 0) {
    err = err > 0 ? 0 : err;
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
  order = cb_calloc(n_chapters + 1, sizeof *order);
  if (!book->chapters || !order) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  /* Without a build cache every chapter is parsed, and parsing starts as
   * soon as the first one is read; a cache first needs every chapter
   * read to say which ones it holds. */
  int parse_early = ctx->cache == NULL;
  if (parse_early &&
      (err = cb_parse__start(&queue, book->files, order, n_chapters)) < 0) {
    cb_ctx__fail(ctx, err, "out of memory");
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
    if (parse_early) {
      order[i] = ch->file;
      cb_parse__avail(queue, i + 1);
    }
    cb_extract__prescan(&b, f.text, f.len);
  }
  book->n_chapters = n_chapters;
  if (n_chapters == 0) {
    cb_diag__report_path(ctx, CB_DIAG_WARNING, "empty-project",
                         dir ? "" : NULL, 0, 0,
                         "no chapters: the project has no *.md file other "
                         "than README.md");
  }

  /* chapters the build cache holds are not parsed */
  if ((err = cb_cache__plan(ctx->cache, &b, book)) < 0)
    goto done;
  if (!parse_early) {
    size_t n_parse = 0;
    for (size_t i = 0; i < n_chapters; i++)
      if (!cb_cache__planned(ctx->cache, i))
        order[n_parse++] = book->chapters[i].file;
    if ((err = cb_parse__start(&queue, book->files, order, n_parse)) < 0) {
      cb_ctx__fail(ctx, err, "out of memory");
      goto done;
    }
    cb_parse__avail(queue, n_parse);
  }
  for (size_t i = 0; i < n_chapters; i++) {
    cb_chapter *ch = &book->chapters[i];
    const cb_file *f = &book->files[ch->file];
    cb_parse__check_bytes(ctx, ch->file, f->text, f->len);
    err = cb_cache__load_chapter(ctx->cache, &b, ch, (uint32_t)i, f);
    if (err < 0)
      goto done;
    if (err == 0) {
      /* not in the cache after all (a planned one is parsed here) */
      cmark_node *doc = cb_cache__planned(ctx->cache, i)
                            ? cb_parse__document(f->text, f->len)
                            : cb_parse__next(queue);
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
      cb_cache__store_chapter(ctx->cache, &b, ch, (uint32_t)i, f);
    }
    err = 0;
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

/* Opens the source of dir into p: the revision ctx->opts.rev of its git
 * repository, or the working tree (then the repository, if any, only
 * gives the stamp). *commit receives the commit read or HEAD (NULL when
 * there is none), the caller's to free. */
static int open_project(cb_project *p, cb_ctx *ctx, const char *dir,
                        git_commit **commit) {
  const char *rev = ctx->opts.rev;
  int err;
  *commit = NULL;
  if (rev) {
    if ((err = cb_git__open(&p->git, ctx, dir, 0)) < 0)
      return err;
    if (!p->git)
      return cb_ctx__fail(ctx, CB_ENOTFOUND,
                          "cannot read revision '%s': '%s' is not in a git "
                          "repository",
                          rev, dir);
    return cb_source__open_git(&p->src, ctx, p->git, rev, commit);
  }
  if ((err = cb_source__open_fs(&p->src, ctx, dir)) < 0)
    return err;
  /* the output directory of this build, when it lies in the project, is
   * not part of it (found by device and inode, whatever its path) */
  dev_t out_dev;
  ino_t out_ino;
  if (cb_output__root_id(ctx, &out_dev, &out_ino) == 0 &&
      (err = cb_source__exclude_dir(p->src, out_dev, out_ino)) < 0)
    return err;
  if (cb_git__open(&p->git, ctx, dir, 1) < 0) {
    /* a repository that cannot be read: the build goes on unstamped */
    cb_diag__report_path(ctx, CB_DIAG_NOTE, "git-repository", "", 0, 0,
                         cb_ctx_error(ctx));
    ctx->error[0] = '\0';
    return 0;
  }
  if (!p->git || cb_git__is_bare(p->git))
    return 0;
  git_object *head = NULL;
  if (git_revparse_single(&head, cb_git__repo(p->git), "HEAD") == 0 &&
      git_object_peel((git_object **)commit, head, GIT_OBJECT_COMMIT) < 0)
    *commit = NULL;
  git_object_free(head);
  return 0;
}

int cb_book_load(const cb_book **out, cb_ctx *ctx, const char *dir) {
  git_commit *commit = NULL;
  int err;
  *out = NULL;
  project_free(ctx->project);
  if (!(ctx->project = cb_calloc(1, sizeof *ctx->project)))
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  cb_project *p = ctx->project;
  if ((err = open_project(p, ctx, dir, &commit)) < 0)
    goto done;
  if ((err = load(out, ctx, p->src, dir)) < 0)
    goto done;
  if (commit && *out) { /* *out is NULL when the build cache replayed */
    git_oid_cpy(&p->commit, git_commit_id(commit));
    p->has_commit = 1;
    cb_git__lock(p->git);
    cb_git__stamp(p->git, ctx, commit, ctx->opts.rev == NULL,
                  &ctx->book.stamp);
    cb_git__unlock(p->git);
  }
done:
  git_commit_free(commit);
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

int cb_book_load_overlay(const cb_book **out, cb_ctx *ctx, const char *dir,
                         const cb_source_file *files, size_t n) {
  int err;
  *out = NULL;
  project_free(ctx->project);
  if (!(ctx->project = cb_calloc(1, sizeof *ctx->project)))
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  cb_project *p = ctx->project;
  if ((err = cb_source__open_fs(&p->src, ctx, dir)) < 0 ||
      (err = cb_source__overlay(p->src, files, n)) < 0)
    return err;
  return load(out, ctx, p->src, dir);
}

/* ---- one chapter at a time (the history walk) --------------------------- */

int cb_book__load_chapter(const cb_book **out, cb_ctx *ctx,
                          const cb_manifest *manifest, const char *path,
                          const char *text, size_t len,
                          const char *const *question_ids, size_t n_ids) {
  cb_book *book = &ctx->book;
  cb_builder b;
  int err = 0, finished = 0;
  *out = NULL;
  cb_extract__init(&b, ctx, &book->manifest);
  book->files = cb_arena_calloc(ctx->arena, 2, sizeof *book->files);
  book->chapters = cb_arena_calloc(ctx->arena, 1, sizeof *book->chapters);
  if (!book->files || !book->chapters) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  book->manifest = *manifest;
  cb_file f = {path, text, len};
  cb_chapter *ch = &book->chapters[0];
  ch->file = (uint32_t)book->n_files;
  ch->path = path;
  ch->slug = "chapter";
  book->files[book->n_files++] = f;
  book->n_chapters = 1;
  cb_extract__prescan(&b, text, len);
  for (size_t i = 0; i < n_ids; i++)
    if (cb_strmap_put(&b.question_ids, question_ids[i], (size_t)-1, NULL) < 0) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      goto done;
    }
  cmark_node *doc = cb_parse__document(text, len);
  if (!doc) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory parsing '%s'", path);
    goto done;
  }
  err = cb_extract__chapter(&b, ch, 0, &book->files[ch->file], doc);
  cb_parse__release(doc);
  if (err < 0) {
    cb_ctx__fail(ctx, err, "out of memory extracting '%s'", path);
    goto done;
  }
  finished = 1;
  if ((err = cb_extract__finish(&b, book)) < 0) {
    cb_ctx__fail(ctx, err, "out of memory");
    goto done;
  }
  ctx->book_loaded = 1;
  *out = book;
done:
  if (!finished)
    cb_extract__finish(&b, book);
  return err;
}

int cb_book__is_chapter(const char *path) { return is_chapter_file(path); }

int cb_book__git(const cb_ctx *ctx, cb_git **git, git_oid *commit) {
  const cb_project *p = ctx->project;
  *git = NULL;
  if (!p || !p->git || !p->has_commit)
    return CB_ENOTFOUND;
  *git = p->git;
  git_oid_cpy(commit, &p->commit);
  return 0;
}

/* ---- the project's other files ----------------------------------------- */

/* The project of the context that loaded book: every book is the book of
 * its context (cb_book_load returns &ctx->book), so the context is found
 * from it, whichever thread and context reads. */
static const cb_project *project_of(const cb_book *book) {
  const cb_ctx *owner =
      (const cb_ctx *)(const void *)((const char *)book -
                                     offsetof(cb_ctx, book));
  return book->root ? owner->project : NULL;
}

/* A relative path that stays inside the project: no leading '/', no ".."
 * segment, not empty. */
static int inside_project(const char *path) {
  if (!*path || *path == '/')
    return 0;
  for (const char *p = path; p; p = strchr(p, '/'), p = p ? p + 1 : NULL)
    if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
      return 0;
  return 1;
}

int cb_book__project_file(cb_ctx *ctx, const cb_book *book,
                          const char *relpath, size_t max, const char **data,
                          size_t *len) {
  const cb_project *p = project_of(book);
  *data = NULL;
  *len = 0;
  if (!p || !p->src || !inside_project(relpath))
    return CB_ENOTFOUND;
  return cb_source__read_in(p->src, ctx, relpath, max, data, len);
}

int cb_book__project_dir(cb_ctx *ctx, const cb_book *book, const char *reldir,
                         const char ***names, size_t *n) {
  const cb_project *p = project_of(book);
  *names = NULL;
  *n = 0;
  if (!p || !p->src || !inside_project(reldir))
    return 0;
  return cb_source__list_dir_in(p->src, ctx, reldir, names, n);
}
