/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of cache.c: a chapter loaded from the build cache gives the
 * same model, field by field, as parsing and extracting it, on every
 * example casebook; with every allocation failing in turn, a load from
 * the cache fails cleanly (CB_ENOMEM, no leak under ASan) or gives that
 * same model; the link numbers of a chapter whose first link moved are
 * renumbered; damaged cache files are misses, not crashes; entries with
 * a valid MAC but a scrambled payload are read safely; files
 * authenticated by another user's key are noted and not used; the key is
 * made once, 0600 in a 0700 directory, and a key or directory that
 * someone else could have written turns the cache off.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache.h"
#include "codec.h"
#include "ctx.h"
#include "projtest.h"
#include "sha256.h"
#include "testlib.h"

/* The cache directory of the tests (XDG_CACHE_HOME), never the user's. */
static char xdg[64];

/* ---- comparing two models ------------------------------------------------ */

static char why[512]; /* the first difference found */

static int differ(const char *what) {
  if (!why[0])
    snprintf(why, sizeof why, "%s", what);
  return 0;
}

static int same_s(const char *a, const char *b, const char *what) {
  if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
    return differ(what);
  return 1;
}

static int same_n(long long a, long long b, const char *what) {
  return a == b ? 1 : differ(what);
}

static int same_loc(cb_loc a, cb_loc b, const char *what) {
  return same_n(a.file, b.file, what) && same_n(a.line, b.line, what) &&
         same_n(a.col, b.col, what) && same_n(a.end_line, b.end_line, what) &&
         same_n(a.end_col, b.end_col, what);
}

static int same_strlist(const cb_strlist *a, const cb_strlist *b,
                        const char *what) {
  if (!same_n(a->n, b->n, what) ||
      !same_n(a->locs != NULL, b->locs != NULL, what))
    return 0;
  for (size_t i = 0; i < a->n; i++)
    if (!same_s(a->items[i], b->items[i], what) ||
        (a->locs && !same_loc(a->locs[i], b->locs[i], what)))
      return 0;
  return 1;
}

static int same_history(const cb_history *a, const cb_history *b) {
  return same_n(a->state, b->state, "history") &&
         same_s(a->last_commit, b->last_commit, "history") &&
         same_s(a->last_date, b->last_date, "history") &&
         same_s(a->last_label, b->last_label, "history");
}

static int same_props(const cb_prop *a, size_t na, const cb_prop *b,
                      size_t nb) {
  if (!same_n(na, nb, "props"))
    return 0;
  for (size_t i = 0; i < na; i++)
    if (!same_s(a[i].key, b[i].key, "prop key") ||
        !same_s(a[i].raw_key, b[i].raw_key, "prop raw key") ||
        !same_s(a[i].value, b[i].value, "prop value") ||
        !same_loc(a[i].key_loc, b[i].key_loc, "prop key loc") ||
        !same_loc(a[i].value_loc, b[i].value_loc, "prop value loc"))
      return 0;
  return 1;
}

static int same_lists(const cb_list *a, size_t na, const cb_list *b,
                      size_t nb) {
  if (!same_n(na, nb, "lists"))
    return 0;
  for (size_t i = 0; i < na; i++) {
    if (!same_n(a[i].issue, b[i].issue, "list issue") ||
        !same_n(a[i].n_items, b[i].n_items, "list items") ||
        !same_loc(a[i].loc, b[i].loc, "list loc"))
      return 0;
    for (size_t k = 0; k < a[i].n_items; k++)
      if (!same_s(a[i].items[k].key, b[i].items[k].key, "list key") ||
          !same_s(a[i].items[k].text, b[i].items[k].text, "list text") ||
          !same_loc(a[i].items[k].loc, b[i].items[k].loc, "list item loc"))
        return 0;
  }
  return 1;
}

static int same_question(const cb_question *a, const cb_question *b) {
  if (!same_s(a->id, b->id, "question id") ||
      !same_s(a->title, b->title, "question title") ||
      !same_loc(a->loc, b->loc, "question loc") ||
      !same_n(a->chapter, b->chapter, "question chapter") ||
      !same_n(a->type, b->type, "question type") ||
      !same_s(a->type_raw, b->type_raw, "question type_raw") ||
      !same_n(a->scale_min, b->scale_min, "scale") ||
      !same_n(a->scale_max, b->scale_max, "scale") ||
      !same_n(a->required, b->required, "required") ||
      !same_s(a->when, b->when, "when") ||
      !same_loc(a->when_loc, b->when_loc, "when loc") ||
      !same_s(a->hint, b->hint, "hint") ||
      !same_strlist(&a->responses, &b->responses, "responses") ||
      !same_n(a->scope, b->scope, "scope") ||
      !same_n(a->n_options, b->n_options, "options") ||
      !same_loc(a->options_loc, b->options_loc, "options loc") ||
      !same_props(a->props, a->n_props, b->props, b->n_props) ||
      !same_s(a->guidance.html, b->guidance.html, "guidance html") ||
      !same_s(a->guidance.text, b->guidance.text, "guidance text") ||
      !same_lists(a->lists, a->n_lists, b->lists, b->n_lists) ||
      !same_history(&a->history, &b->history))
    return 0;
  for (size_t i = 0; i < a->n_options; i++) {
    const cb_option *x = &a->options[i], *y = &b->options[i];
    if (!same_s(x->id, y->id, "option id") ||
        !same_n(x->value, y->value, "option value") ||
        !same_s(x->meaning_html, y->meaning_html, "option html") ||
        !same_s(x->meaning_text, y->meaning_text, "option text") ||
        !same_n(x->n_attrs, y->n_attrs, "option attrs") ||
        !same_loc(x->loc, y->loc, "option loc") ||
        !same_history(&x->history, &y->history))
      return 0;
    for (size_t k = 0; k < x->n_attrs; k++)
      if (!same_s(x->attrs[k].key, y->attrs[k].key, "attr key") ||
          !same_s(x->attrs[k].value, y->attrs[k].value, "attr value"))
        return 0;
  }
  return 1;
}

static int same_criterion(const cb_criterion *a, const cb_criterion *b) {
  return same_s(a->id, b->id, "criterion id") &&
         same_s(a->title, b->title, "criterion title") &&
         same_loc(a->loc, b->loc, "criterion loc") &&
         same_n(a->chapter, b->chapter, "criterion chapter") &&
         same_strlist(&a->applies_to, &b->applies_to, "applies-to") &&
         same_s(a->severity, b->severity, "severity") &&
         same_s(a->points, b->points, "points") &&
         same_props(a->props, a->n_props, b->props, b->n_props) &&
         same_s(a->prose.html, b->prose.html, "criterion html") &&
         same_s(a->prose.text, b->prose.text, "criterion text") &&
         same_lists(a->lists, a->n_lists, b->lists, b->n_lists) &&
         same_history(&a->history, &b->history);
}

static int same_case(const cb_case *a, const cb_case *b) {
  if (!same_s(a->id, b->id, "case id") ||
      !same_s(a->title, b->title, "case title") ||
      !same_loc(a->loc, b->loc, "case loc") ||
      !same_n(a->chapter, b->chapter, "case chapter") ||
      !same_n(a->n_inputs, b->n_inputs, "inputs") ||
      !same_n(a->n_answers, b->n_answers, "answers") ||
      !same_strlist(&a->criteria, &b->criteria, "criteria") ||
      !same_strlist(&a->tags, &b->tags, "tags") ||
      !same_n(a->status, b->status, "status") ||
      !same_s(a->status_raw, b->status_raw, "status_raw") ||
      !same_s(a->source, b->source, "source") ||
      !same_props(a->props, a->n_props, b->props, b->n_props) ||
      !same_loc(a->responses_table_loc, b->responses_table_loc, "resp loc") ||
      !same_strlist(&a->table_rows, &b->table_rows, "table rows") ||
      !same_s(a->rationale.html, b->rationale.html, "rationale html") ||
      !same_s(a->rationale.text, b->rationale.text, "rationale text") ||
      !same_lists(a->lists, a->n_lists, b->lists, b->n_lists) ||
      !same_history(&a->history, &b->history))
    return 0;
  for (size_t i = 0; i < a->n_inputs; i++) {
    const cb_input *x = &a->inputs[i], *y = &b->inputs[i];
    if (!same_n(x->kind, y->kind, "input kind") ||
        !same_s(x->name, y->name, "input name") ||
        !same_s(x->info, y->info, "input info") ||
        !same_n(x->len, y->len, "input len") ||
        memcmp(x->text, y->text, x->len) != 0 ||
        !same_loc(x->loc, y->loc, "input loc"))
      return differ("input");
  }
  for (size_t i = 0; i < a->n_answers; i++) {
    const cb_answer *x = &a->answers[i], *y = &b->answers[i];
    if (!same_s(x->key, y->key, "answer key") ||
        !same_s(x->raw, y->raw, "answer raw") ||
        !same_s(x->response, y->response, "answer response") ||
        !same_n(x->question, y->question, "answer question") ||
        !same_n(x->kind, y->kind, "answer kind") ||
        !same_n(x->n_items, y->n_items, "answer items") ||
        !same_n(x->number, y->number, "answer number") ||
        !same_n(x->strength, y->strength, "answer strength") ||
        !same_s(x->error, y->error, "answer error") ||
        !same_loc(x->key_loc, y->key_loc, "answer key loc") ||
        !same_loc(x->value_loc, y->value_loc, "answer value loc") ||
        !same_n(x->tied != NULL, y->tied != NULL, "answer tied"))
      return 0;
    for (size_t k = 0; k < x->n_items; k++)
      if (!same_s(x->items[k], y->items[k], "answer item") ||
          (x->tied && !same_n(x->tied[k], y->tied[k], "answer tie")))
        return 0;
  }
  return 1;
}

static int same_book(const cb_book *a, const cb_book *b) {
  why[0] = '\0';
  if (!same_n(a->n_files, b->n_files, "files") ||
      !same_n(a->n_chapters, b->n_chapters, "chapters") ||
      !same_n(a->n_questions, b->n_questions, "questions") ||
      !same_n(a->n_criteria, b->n_criteria, "criteria") ||
      !same_n(a->n_cases, b->n_cases, "cases") ||
      !same_n(a->n_links, b->n_links, "links"))
    return 0;
  for (size_t i = 0; i < a->n_files; i++)
    if (!same_s(a->files[i].path, b->files[i].path, "file path") ||
        !same_n(a->files[i].len, b->files[i].len, "file len"))
      return 0;
  for (size_t i = 0; i < a->n_chapters; i++) {
    const cb_chapter *x = &a->chapters[i], *y = &b->chapters[i];
    if (!same_n(x->file, y->file, "chapter file") ||
        !same_s(x->path, y->path, "chapter path") ||
        !same_s(x->title, y->title, "chapter title") ||
        !same_s(x->slug, y->slug, "chapter slug") ||
        !same_n(x->n_headings, y->n_headings, "headings") ||
        !same_n(x->n_items, y->n_items, "items") ||
        !same_n(x->first_link, y->first_link, "first link") ||
        !same_n(x->n_links, y->n_links, "chapter links") ||
        !same_s(x->prose.html, y->prose.html, "chapter html") ||
        !same_s(x->prose.text, y->prose.text, "chapter text"))
      return 0;
    for (size_t k = 0; k < x->n_headings; k++)
      if (!same_n(x->headings[k].level, y->headings[k].level, "level") ||
          !same_s(x->headings[k].text, y->headings[k].text, "heading") ||
          !same_s(x->headings[k].slug, y->headings[k].slug, "slug") ||
          !same_loc(x->headings[k].loc, y->headings[k].loc, "heading loc"))
        return 0;
    for (size_t k = 0; k < x->n_items; k++)
      if (!same_n(x->items[k].kind, y->items[k].kind, "item kind") ||
          !same_n((long long)x->items[k].index, (long long)y->items[k].index,
                  "item index") ||
          !same_s(x->items[k].html, y->items[k].html, "item html"))
        return 0;
  }
  for (size_t i = 0; i < a->n_questions; i++)
    if (!same_question(&a->questions[i], &b->questions[i]))
      return 0;
  for (size_t i = 0; i < a->n_criteria; i++)
    if (!same_criterion(&a->criteria[i], &b->criteria[i]))
      return 0;
  for (size_t i = 0; i < a->n_cases; i++)
    if (!same_case(&a->cases[i], &b->cases[i]))
      return 0;
  for (size_t i = 0; i < a->n_links; i++) {
    const cb_link *x = &a->links[i], *y = &b->links[i];
    if (!same_n(x->kind, y->kind, "link kind") ||
        !same_s(x->url, y->url, "link url") ||
        !same_s(x->target, y->target, "link target") ||
        !same_s(x->anchor, y->anchor, "link anchor") ||
        !same_s(x->text, y->text, "link text") ||
        !same_n(x->is_image, y->is_image, "link image") ||
        !same_n(x->chapter, y->chapter, "link chapter") ||
        !same_loc(x->loc, y->loc, "link loc") ||
        !same_s(x->href, y->href, "link href") ||
        !same_s(x->asset, y->asset, "link asset"))
      return 0;
  }
  return 1;
}

/* The diagnostics of ctx as one string, sorted. */
static char *diag_text(cb_ctx *ctx) {
  size_t n;
  const cb_diag *d = cb_ctx_diags(ctx, &n);
  cb_buf b = {0};
  for (size_t i = 0; i < n; i++)
    cb_buf_printf(&b, "%d %s %s:%u:%u %s [%s] %s\n", (int)d[i].level, d[i].rule,
                  d[i].path ? d[i].path : "-", d[i].line, d[i].col,
                  d[i].message, d[i].element ? d[i].element : "-",
                  d[i].suggestion ? d[i].suggestion : "-");
  char *s = strdup(cb_buf_cstr(&b));
  cb_buf_free(&b);
  return s;
}

/* Is every line of got a line of want? Under failed allocations a
 * diagnostic may be dropped (diag.c) and a note says that the repository
 * could not be read; nothing else may differ. */
static int diags_within(const char *got, const char *want) {
  const char *p = got;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
    int found = strncmp(p, "0 git-repository ", 17) == 0;
    for (const char *q = want; !found && *q;) {
      const char *qn = strchr(q, '\n');
      size_t m = qn ? (size_t)(qn - q) + 1 : strlen(q);
      found = m == n && strncmp(p, q, n) == 0;
      q += m;
    }
    if (!found)
      return differ("diagnostics");
    p += n;
  }
  return 1;
}

/* ---- loading through the cache --------------------------------------------
 */

/* Loads dir through the chapter cache of out (the record of the whole
 * build is removed first, so that nothing is replayed). Returns the
 * load's status; *cached gets the chapters taken from the cache. */
static int load_cached(cb_ctx **ctx_out, const cb_book **book, const char *dir,
                       const char *out, size_t *cached) {
  char rec[600];
  snprintf(rec, sizeof rec, "%s/.cache/build.bin", out);
  unlink(rec);
  *book = NULL;
  *cached = 0;
  int err = cb_ctx_new(ctx_out, NULL);
  if (err < 0)
    return err;
  if ((err = cb_build_cache_open(*ctx_out, out, NULL)) < 0)
    return err;
  err = cb_book_load(book, *ctx_out, dir);
  size_t n;
  cb_build_cache_counts(*ctx_out, &n, cached);
  return err;
}

static void test_casebook(const char *dir, int oom) {
  cb_ctx *plain = NULL, *first = NULL, *ctx = NULL;
  const cb_book *a = NULL, *b = NULL, *c = NULL;
  const char *tmp = proj_new();
  char out[600];
  size_t cached = 0;
  snprintf(out, sizeof out, "%s/out", tmp);
  mkdir(out, 0777);

  CHECK_INT(cb_ctx_new(&plain, NULL), 0);
  int err = cb_book_load(&a, plain, dir);
  if (err < 0) { /* a project that cannot be loaded at all */
    cb_ctx_free(plain);
    proj_remove(tmp);
    return;
  }
  char *want = diag_text(plain);

  /* a cold cache: everything extracted, then stored */
  CHECK_INT(load_cached(&first, &b, dir, out, &cached), 0);
  CHECK_INT(cached, 0);
  CHECK(b != NULL && same_book(a, b));
  cb_build_cache_save(first, b);
  cb_ctx_free(first);

  /* a warm one: every chapter from the cache, the same model */
  CHECK_INT(load_cached(&ctx, &c, dir, out, &cached), 0);
  CHECK_INT(cached, a->n_chapters);
  int same = c != NULL && same_book(a, c);
  if (!same)
    fprintf(stderr, "%s: models differ: %s\n", dir, why);
  CHECK(same);
  char *got = diag_text(ctx);
  CHECK_STR(got, want);
  free(got);
  cb_ctx_free(ctx);

  /* every allocation fails in turn, until three loads in a row get past
   * the last one (the whole book from the cache, no trace of a failure) */
  if (oom) {
    int failures = 0, bad = 0, skipped = 0;
    long successes = 0;
    for (test_sweep s = test_sweep_start(1, 1); successes < 3;
         test_sweep_next(&s)) {
      long n = s.n;
      cb_alloc_fail_after(n);
      err = load_cached(&ctx, &c, dir, out, &cached);
      cb_alloc_fail_after(0);
      int whole = 0;
      if (err == 0 && c && c->n_files != a->n_files) {
        /* the source's listing lost files to the failure (source.c):
         * not the cache's to judge */
        skipped++;
      } else if (err == 0) {
        char *d = diag_text(ctx);
        if (!c || !same_book(a, c) || !diags_within(d, want)) {
          bad++;
          fprintf(stderr, "%s: after failure %ld: %s%s\n", dir, n,
                  c ? "" : "no book ", why);
        }
        whole = cached == a->n_chapters && strcmp(d, want) == 0;
        free(d);
      } else if (err != CB_ENOMEM) {
        bad++;
        fprintf(stderr, "%s: after failure %ld: error %d\n", dir, n, err);
      }
      cb_ctx_free(ctx);
      ctx = NULL;
      successes = whole ? successes + 1 : 0;
      failures += (int)s.weight * (err != 0);
    }
    CHECK(failures > 20);
    CHECK_INT(bad, 0);
    if (skipped)
      fprintf(stderr,
              "note: %s: %d loads lost files to a failed allocation "
              "in the source\n",
              dir, skipped);
  }
  free(want);
  cb_ctx_free(plain);
  proj_remove(tmp);
}

/* A chapter whose first link moves: its HTML's link numbers follow. */
static void test_renumbering(void) {
  const char *dir = proj_new();
  char out[200], proj[200];
  snprintf(out, sizeof out, "%s/out", dir);
  snprintf(proj, sizeof proj, "%s/p", dir);
  mkdir(out, 0777);
  mkdir(proj, 0777);
  proj_write(proj, "a.md", "# A\n\nSee [b](b.md).\n", -1);
  proj_write(proj, "b.md",
             "# B\n\n[one](a.md) and ![two](x.png).\n\n"
             "## Case c1: A case\n\n```prompt\nhi\n```\n\n"
             "Why: [three](https://example.com/).\n",
             -1);
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  size_t cached;
  CHECK_INT(load_cached(&ctx, &book, proj, out, &cached), 0);
  cb_build_cache_save(ctx, book);
  cb_ctx_free(ctx);
  /* two more links before b.md's */
  proj_write(proj, "a.md", "# A\n\nSee [b](b.md), [c](c.md), [d](d.md).\n", -1);
  CHECK_INT(load_cached(&ctx, &book, proj, out, &cached), 0);
  CHECK_INT(cached, 1);
  cb_ctx *plain = NULL;
  const cb_book *want = NULL;
  CHECK_INT(cb_ctx_new(&plain, NULL), 0);
  CHECK_INT(cb_book_load(&want, plain, proj), 0);
  int same = book && same_book(want, book);
  if (!same)
    fprintf(stderr, "renumbering: %s\n", why);
  CHECK(same);
  int renumbered = 0;
  for (size_t i = 0; book && i < book->chapters[1].n_items; i++) {
    const char *html = book->chapters[1].items[i].html;
    renumbered |= html && strstr(html, "\"cb-link:3\"") != NULL;
  }
  CHECK(renumbered);
  CHECK(book && book->n_links == 6 && book->chapters[1].first_link == 3);
  cb_ctx_free(plain);
  cb_ctx_free(ctx);
  proj_remove(dir);
}

/* A project loaded without the cache (want) and once through the cache
 * of a fresh output directory, with the chapter file that load saved
 * read back (pack, malloc'd): what the damage tests start from. */
typedef struct packed {
  const char *tmp, *proj;
  char out[200]; /* the output directory */
  cb_ctx *plain;
  const cb_book *want;
  unsigned char *pack;
  size_t size;
} packed;

/* Returns 0, or -1 (a failed check) when the chapter file is missing. */
static int packed_open(packed *p, const char *proj) {
  char path[300];
  memset(p, 0, sizeof *p);
  p->tmp = proj_new();
  p->proj = proj;
  snprintf(p->out, sizeof p->out, "%s/out", p->tmp);
  snprintf(path, sizeof path, "%s/.cache/chapters.bin", p->out);
  mkdir(p->out, 0777);
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  size_t cached;
  CHECK_INT(cb_ctx_new(&p->plain, NULL), 0);
  CHECK_INT(cb_book_load(&p->want, p->plain, proj), 0);
  CHECK_INT(load_cached(&ctx, &book, proj, p->out, &cached), 0);
  cb_build_cache_save(ctx, book);
  cb_ctx_free(ctx);
  p->pack = (unsigned char *)proj_read(path, &p->size);
  CHECK(p->pack != NULL);
  return p->pack ? 0 : -1;
}

static void packed_close(packed *p) {
  free(p->pack);
  cb_ctx_free(p->plain);
  proj_remove(p->tmp);
}

/* Writes len bytes as the chapter file and loads the project through the
 * cache: 1 when the load gives the plain model. */
static int load_damaged(packed *p, const unsigned char *bytes, size_t len,
                        size_t *cached) {
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  proj_write(p->out, ".cache/chapters.bin", (const char *)bytes, (long)len);
  int ok = load_cached(&ctx, &book, p->proj, p->out, cached) == 0 && book &&
           same_book(p->want, book);
  cb_ctx_free(ctx);
  return ok;
}

/* Damaged chapter files: never trusted, the model is the parsed one. */
static void test_damage(void) {
  packed p;
  if (packed_open(&p, "casebooks/chat-safety") == 0) {
    size_t size = p.size, cached;
    unsigned char *copy = malloc(size + 1);
    /* flip one byte at many places; truncate at many lengths */
    int bad = 0, hits = 0;
    for (size_t at = 0; at < size; at += size / 97 + 1) {
      memcpy(copy, p.pack, size);
      copy[at] ^= 0x5a;
      bad += !load_damaged(&p, copy, size, &cached);
      hits += cached > 0;
      bad += !load_damaged(&p, p.pack, at, &cached);
      hits += cached > 0;
    }
    CHECK_INT(bad, 0);
    CHECK(hits > 0); /* the entries before the damage are still used */
    free(copy);
  }
  packed_close(&p);
}

/* The layout of chapters.bin (docs/cache.md): a header, then entries of
 * key, length, MAC and payload. */
#define PACK_HEAD (8 + 20 + 8)
#define ENTRY_HEAD (20 + 8 + 32)

/* The user's key of the tests (32 bytes) into out: 0, or -1. */
static int test_secret(unsigned char *out) {
  char path[128];
  size_t n = 0;
  snprintf(path, sizeof path, "%s/casebook/key", xdg);
  char *k = proj_read(path, &n);
  int ok = k && n == 32;
  if (ok)
    memcpy(out, k, 32);
  free(k);
  return ok ? 0 : -1;
}

/* Recomputes, with secret, the MAC of the entry at e of the chapter file
 * pack (what only the user who holds the key can do). */
static void sign_entry(unsigned char *pack, unsigned char *e,
                       const unsigned char *secret) {
  cb_hmac m;
  uint64_t len = cb_codec__get_le64(e + 20);
  cb_hmac_init(&m, secret, 32);
  cb_hmac_update(&m, "CBCHAP02", 8);
  cb_hmac_update(&m, pack + 8, 20);
  cb_hmac_update(&m, e, 20 + 8);
  cb_hmac_update(&m, e + ENTRY_HEAD, (size_t)len);
  cb_hmac_final(&m, e + 28);
}

/* Entries whose MAC is right (made with the user's own key) but whose
 * payload is cut short or scrambled: the reader's own bounds checks must
 * hold (no crash, and a cut entry is a miss). */
static void test_forged(void) {
  packed p;
  unsigned char secret[32];
  if (packed_open(&p, "casebooks/tests/every-type") < 0 ||
      test_secret(secret) < 0) {
    CHECK(!"the chapter file and the key are there");
    packed_close(&p);
    return;
  }
  const unsigned char *orig = p.pack;
  size_t size = p.size, cached;
  CHECK(size > PACK_HEAD + ENTRY_HEAD);
  const size_t head = PACK_HEAD, first = head + ENTRY_HEAD;
  size_t len = size > first ? (size_t)cb_codec__get_le64(orig + head + 20) : 0;
  CHECK(first + len <= size);
  int bad = 0, crashes = 0;
  unsigned char *forged = malloc(size + 1);
  /* every length of the first entry, a sweep like the out-of-memory
   * ones (whole only when CASEBOOK_TEST_SWEEPS says so, testlib.h) */
  for (test_sweep s = test_sweep_start(0, 1);
       (size_t)s.n < len && first + len <= size; test_sweep_next(&s)) {
    size_t cut = (size_t)s.n;
    /* the first entry, cut to `cut` bytes, MAC recomputed */
    memcpy(forged, orig, first + cut);
    cb_codec__put_le64(forged + head + 20, cut);
    sign_entry(forged, forged + head, secret);
    memcpy(forged + first + cut, orig + first + len, size - first - len);
    bad += !load_damaged(&p, forged, size - (len - cut), &cached);
  }
  CHECK_INT(bad, 0);
  /* bytes of the payload replaced, MAC recomputed: anything may be read,
   * but safely */
  unsigned seed = 12345;
  for (int round = 0; round < 300 && first + len <= size; round++) {
    memcpy(forged, orig, size);
    for (int k = 0; k < 1 + round % 4; k++) {
      seed = seed * 1103515245u + 12345u;
      forged[first + (seed >> 8) % len] = (unsigned char)(seed >> 20);
    }
    sign_entry(forged, forged + head, secret);
    proj_write(p.out, ".cache/chapters.bin", (const char *)forged,
               (long)size);
    cb_ctx *ctx = NULL;
    const cb_book *book = NULL;
    int err = load_cached(&ctx, &book, p.proj, p.out, &cached);
    crashes += err != 0 || !book;
    cb_ctx_free(ctx);
  }
  CHECK_INT(crashes, 0);
  free(forged);
  packed_close(&p);
}

/* The diagnostics of ctx with rule id rule. */
static size_t count_rule(cb_ctx *ctx, const char *rule) {
  size_t n, k = 0;
  const cb_diag *d = cb_ctx_diags(ctx, &n);
  for (size_t i = 0; i < n; i++)
    k += d[i].rule && strcmp(d[i].rule, rule) == 0;
  return k;
}

/* Chapter entries whose payload was rewritten (an option's meaning made
 * a redirect) with the MAC recomputed under another user's key: never
 * decoded, one note, the model is the Markdown's. */
static void test_other_key(void) {
  packed p;
  if (packed_open(&p, "casebooks/chat-safety") < 0) {
    packed_close(&p);
    return;
  }
  unsigned char other[32];
  memset(other, 0x42, sizeof other);
  unsigned char *pack = (unsigned char *)p.pack;
  size_t n_entries = (size_t)cb_codec__get_le64(pack + 28);
  size_t at = PACK_HEAD, forged = 0;
  const char *needle = "Nothing in the reply coul";
  const char *evil = "<meta http-equiv=refresh>"; /* as long */
  for (size_t i = 0; i < n_entries && at + ENTRY_HEAD <= p.size; i++) {
    size_t len = (size_t)cb_codec__get_le64(pack + at + 20);
    unsigned char *data = pack + at + ENTRY_HEAD;
    /* the meaning of the option "safe" becomes a redirect */
    for (size_t k = 0; k + strlen(needle) <= len; k++)
      if (memcmp(data + k, needle, strlen(needle)) == 0) {
        memcpy(data + k, evil, strlen(evil));
        forged++;
      }
    sign_entry(pack, pack + at, other);
    at += ENTRY_HEAD + len;
  }
  CHECK(forged > 0);
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  size_t cached = 0;
  proj_write(p.out, ".cache/chapters.bin", (const char *)pack, (long)p.size);
  CHECK_INT(load_cached(&ctx, &book, p.proj, p.out, &cached), 0);
  CHECK_INT(cached, 0);
  CHECK(book && same_book(p.want, book));
  CHECK_INT(count_rule(ctx, "cache-untrusted"), 1);
  cb_ctx_free(ctx);
  packed_close(&p);
}

/* The key: made once, 0600 in a 0700 directory, kept; refused (no
 * cache, nothing written) when it or its directory is not safe. */
static void test_key(void) {
  char dir[128], key[200];
  struct stat st;
  unsigned char first[32], again[32];
  snprintf(dir, sizeof dir, "%s/casebook", xdg);
  snprintf(key, sizeof key, "%s/key", dir);
  CHECK(test_secret(first) == 0);
  CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
  CHECK(stat(key, &st) == 0 && (st.st_mode & 0777) == 0600 &&
        st.st_size == 32);
  const char *proj = "casebooks/tests/links";
  const char *tmp = proj_new();
  char out[200], pack[260];
  snprintf(out, sizeof out, "%s/out", tmp);
  snprintf(pack, sizeof pack, "%s/.cache/chapters.bin", out);
  mkdir(out, 0777);
  /* loads a project through the cache and saves what it can (whether
   * the chapter file is there after it says whether a key was used) */
#define SAVE_WROTE()                                                          do {                                                                          cb_ctx *ctx_ = NULL;                                                        const cb_book *book_ = NULL;                                                size_t c_;                                                                  unlink(pack);                                                               if (load_cached(&ctx_, &book_, proj, out, &c_) == 0)                          cb_build_cache_save(ctx_, book_);                                         cb_ctx_free(ctx_);                                                        } while (0)
  SAVE_WROTE();
  CHECK(access(pack, F_OK) == 0);
  CHECK(test_secret(again) == 0 && memcmp(first, again, 32) == 0);
  /* a key others may read: not used, not replaced */
  chmod(key, 0644);
  SAVE_WROTE();
  CHECK(access(pack, F_OK) != 0);
  chmod(key, 0600);
  CHECK(test_secret(again) == 0 && memcmp(first, again, 32) == 0);
  /* a directory others may write to */
  chmod(dir, 0777);
  SAVE_WROTE();
  CHECK(access(pack, F_OK) != 0);
  chmod(dir, 0700);
  /* a key that is a symbolic link (to a file of the right shape) */
  char real[200];
  snprintf(real, sizeof real, "%s/real-key", tmp);
  rename(key, real);
  CHECK(symlink(real, key) == 0);
  SAVE_WROTE();
  CHECK(access(pack, F_OK) != 0);
  unlink(key);
  rename(real, key);
  SAVE_WROTE();
  CHECK(access(pack, F_OK) == 0);
  /* no key can be had: the build still loads, without a cache */
  char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
  unsetenv("XDG_CACHE_HOME");
  unsetenv("HOME");
  SAVE_WROTE();
  CHECK(access(pack, F_OK) != 0);
  /* a relative XDG_CACHE_HOME is ignored (the spec says so) */
  setenv("XDG_CACHE_HOME", "relative/cache", 1);
  SAVE_WROTE();
  CHECK(access(pack, F_OK) != 0);
  CHECK(access("relative/cache", F_OK) != 0);
  if (saved_home)
    setenv("HOME", saved_home, 1);
  free(saved_home);
  setenv("XDG_CACHE_HOME", xdg, 1);
  /* a fresh cache directory: the key is made there */
  char fresh[100];
  snprintf(fresh, sizeof fresh, "%s/fresh", tmp);
  setenv("XDG_CACHE_HOME", fresh, 1);
  SAVE_WROTE();
  CHECK(access(pack, F_OK) == 0);
  snprintf(key, sizeof key, "%s/casebook/key", fresh);
  CHECK(stat(key, &st) == 0 && (st.st_mode & 0777) == 0600);
  setenv("XDG_CACHE_HOME", xdg, 1);
#undef SAVE_WROTE
  proj_remove(tmp);
}

int main(void) {
  /* the key of these tests lives in a directory of their own */
  snprintf(xdg, sizeof xdg, "%s", proj_new());
  setenv("XDG_CACHE_HOME", xdg, 1);
  test_casebook("casebooks/chat-safety", 1);
  test_casebook("casebooks/zh", 1);
  DIR *d = opendir("casebooks/tests");
  struct dirent *e;
  while (d && (e = readdir(d))) {
    char path[600];
    struct stat st;
    if (e->d_name[0] == '.')
      continue;
    snprintf(path, sizeof path, "casebooks/tests/%s", e->d_name);
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
      test_casebook(path, strcmp(e->d_name, "every-type") == 0 ||
                              strcmp(e->d_name, "links") == 0 ||
                              strcmp(e->d_name, "encoding") == 0);
  }
  if (d)
    closedir(d);
  test_renumbering();
  test_damage();
  test_forged();
  test_other_key();
  test_key();
  proj_remove(xdg);
  return test_report("cache");
}
