/* SPDX-License-Identifier: MIT */
/*
 * diff.c: compares two compiled books and lists what changed, element by
 * element (cb_book_diff, cb_diff__books). What is built on the list lives
 * with its users: the changed markers of a build in history.c
 * (cb_book_set_base), the rules' change list in check.c, the previous tag
 * that is the default base in git.c.
 *
 * Elements are matched by id: questions, criteria and cases across the
 * whole book, options within their question, prose sections by chapter
 * path and heading anchor. What is left over on both sides is paired by
 * normalized content (a probable rename); the rest is added or removed.
 * Every change gets a stable kind whose category never depends on the
 * book (the table below, docs/diff.md).
 *
 * Text is compared on its plain form with runs of white space collapsed:
 * a difference there is a change of wording (semantic); a difference
 * only in spacing or Markdown markup is cosmetic. Link numbers in the
 * rendered HTML ("cb-link:N") are not compared: they shift whenever a
 * link is added earlier in the book.
 *
 * Beside the model, the diff compares what the build trusts: the
 * manifest's unsafe_html, the project's templates/ and rules/ *.lua (their
 * bytes, read from each revision's source); those changes are of the
 * category "trust".
 *
 * The order of the list is deterministic: the manifest, what the build
 * trusts, chapters, then questions (each followed by its options),
 * criteria and cases in the new book's order with removals after them in
 * the old book's order, then prose sections.
 */
#include "book.h"
#include "diff.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "manifest.h"
#include "strmap.h"

#define B CB_CHANGE_BREAKING
#define G CB_CHANGE_GOLD
#define S CB_CHANGE_SEMANTIC
#define A CB_CHANGE_ADDITIVE
#define C CB_CHANGE_COSMETIC
#define T CB_CHANGE_TRUST

const cb_change_kind cb_change_kinds[] = {
    {"question-removed", B, "a question was removed"},
    {"question-renamed", B, "a question reappears under a new id"},
    {"question-type-changed", B, "a question's type changed"},
    {"scale-narrowed", B, "a scale lost values it had"},
    {"question-now-required", B, "an optional question became required"},
    {"question-when-changed", B, "the condition (when) of a question changed"},
    {"question-scope-changed", B, "a question moved between case and response scope"},
    {"question-responses-changed", B, "the responses a rank or pairwise question compares changed"},
    {"option-removed", B, "an option of a choice or multi question was removed"},
    {"option-renamed", B, "an option reappears under a new id"},
    {"gold-changed", G, "a final case's gold answer changed, appeared or disappeared"},
    {"case-removed", G, "a final case was removed"},
    {"case-renamed", G, "a final case reappears under a new id"},
    {"case-unfinalized", G, "a final case became a draft or disputed"},
    {"case-inputs-changed", G, "the inputs of a final case changed"},
    {"scale-widened", S, "a scale gained values"},
    {"question-title-changed", S, "a question's title was reworded"},
    {"question-hint-changed", S, "a question's hint was reworded"},
    {"question-guidance-changed", S, "a question's guidance was reworded"},
    {"option-meaning-changed", S, "an option's meaning was reworded"},
    {"scale-label-removed", S, "a scale value lost its label"},
    {"scale-label-changed", S, "a scale label was reworded"},
    {"criterion-removed", S, "a criterion was removed"},
    {"criterion-renamed", S, "a criterion reappears under a new id"},
    {"criterion-changed", S, "a criterion's text, title or properties changed"},
    {"case-rationale-changed", S, "a case's rationale was reworded"},
    {"case-criteria-changed", S, "the criteria a case cites changed"},
    {"chapter-removed", S, "a chapter was removed"},
    {"section-removed", S, "a prose section was removed"},
    {"section-changed", S, "a prose section was reworded"},
    {"question-added", A, "a question was added"},
    {"question-now-optional", A, "a required question became optional"},
    {"option-added", A, "an option was added"},
    {"scale-label-added", A, "a scale value got a label"},
    {"criterion-added", A, "a criterion was added"},
    {"case-added", A, "a case was added"},
    {"case-finalized", A, "a draft or disputed case became final"},
    {"chapter-added", A, "a chapter was added"},
    {"section-added", A, "a prose section was added"},
    {"version-changed", C, "the manifest's version changed"},
    {"question-reformatted", C, "a question's text changed only in spacing or markup"},
    {"option-reformatted", C, "an option's meaning changed only in spacing or markup"},
    {"option-attrs-changed", C, "an option's extra columns (hotkey, colour ...) changed"},
    {"options-reordered", C, "the options of a question are in another order"},
    {"criterion-reformatted", C, "a criterion's text changed only in spacing or markup"},
    {"case-reformatted", C, "a case's rationale changed only in spacing or markup"},
    {"case-tags-changed", C, "a case's tags changed"},
    {"case-title-changed", C, "a case's title changed"},
    {"draft-case-changed", C, "the inputs or answers of a draft case changed"},
    {"draft-case-removed", C, "a draft or disputed case was removed"},
    {"element-moved", C, "an element moved to another chapter"},
    {"section-reformatted", C, "a prose section changed only in spacing or markup"},
    {"unsafe-html-enabled", T, "the manifest turned unsafe_html on"},
    {"template-added", T, "a project template or site asset (templates/*) was added"},
    {"template-changed", T, "a project template or site asset (templates/*) changed"},
    {"rule-added", T, "a project rule file (rules/*.lua) was added"},
    {"rule-changed", T, "a project rule file (rules/*.lua) changed"},
};
const size_t cb_n_change_kinds = sizeof cb_change_kinds / sizeof *cb_change_kinds;

#undef B
#undef G
#undef S
#undef A
#undef C
#undef T

/* A gold answer that only follows an option's rename: the index of the
 * option-renamed change and the case, told with the rename. */
typedef struct follower {
  size_t rename;
  const char *case_id;
} follower;

typedef struct differ {
  cb_ctx *ctx;
  const cb_book *a, *b; /* old, new */
  cb_change *changes;
  cb_diff_target *targets;
  size_t n, cap_changes, cap_targets;
  int failed;
  cb_diff_target target; /* of the changes being added */
  cb_strmap chapter_file; /* new book: chapter path -> file index */
  follower *followers;    /* gold answers told with their option's rename */
  size_t n_followers, cap_followers;
} differ;

/* ---- text comparisons --------------------------------------------------- */

static int is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

static const char *nz(const char *s) { return s ? s : ""; }

static int str_eq(const char *x, const char *y) {
  return strcmp(nz(x), nz(y)) == 0;
}

/* Equal once runs of white space are read as one space and both ends are
 * trimmed. */
static int norm_eq(const char *x, const char *y) {
  const unsigned char *p = (const unsigned char *)nz(x);
  const unsigned char *q = (const unsigned char *)nz(y);
  while (is_space(*p))
    p++;
  while (is_space(*q))
    q++;
  for (;;) {
    int sp = is_space(*p), sq = is_space(*q);
    if (sp || sq) {
      while (is_space(*p))
        p++;
      while (is_space(*q))
        q++;
      /* white space at the end of one side only is trimmed away */
      if (!*p && !*q)
        return 1;
      if (!sp || !sq)
        return 0;
      continue;
    }
    if (*p != *q)
      return 0;
    if (!*p)
      return 1;
    p++, q++;
  }
}

/* Equal HTML, reading every "cb-link:N" as the same. */
static int html_eq(const char *x, const char *y) {
  static const char mark[] = "cb-link:";
  const char *p = nz(x), *q = nz(y);
  for (;;) {
    if (*p != *q)
      return 0;
    if (!*p)
      return 1;
    if (strncmp(p, mark, sizeof mark - 1) == 0 &&
        strncmp(q, mark, sizeof mark - 1) == 0) {
      p += sizeof mark - 1;
      q += sizeof mark - 1;
      while (*p >= '0' && *p <= '9')
        p++;
      while (*q >= '0' && *q <= '9')
        q++;
      continue;
    }
    p++, q++;
  }
}

/* How two texts differ: 0 not at all, 1 only in spacing or markup
 * (cosmetic), 2 in wording (semantic). html may be NULL. */
static int text_change(const char *text_a, const char *text_b,
                       const char *html_a, const char *html_b) {
  /* most texts did not change: strcmp says so fastest */
  if (str_eq(text_a, text_b))
    return (html_a || html_b) && !str_eq(html_a, html_b) &&
                   !html_eq(html_a, html_b)
               ? 1
               : 0;
  return norm_eq(text_a, text_b) ? 1 : 2;
}

/* 64-bit FNV-1a over normalized text (white space runs as one space),
 * continuing from h: the content signatures of rename detection. */
static uint64_t hash_norm(uint64_t h, const char *s) {
  const unsigned char *p = (const unsigned char *)nz(s);
  while (is_space(*p))
    p++;
  while (*p) {
    const unsigned char *word = p;
    while (*p && !is_space(*p))
      p++;
    h = cb_hash__fnv1a_more(h, word, (size_t)(p - word));
    while (is_space(*p))
      p++;
    if (*p)
      h = cb_hash__fnv1a_more(h, " ", 1);
  }
  return cb_hash__fnv1a_more(h, "\xff", 1); /* a separator between fields */
}

static uint64_t hash_bytes(uint64_t h, const char *s, size_t n) {
  h = cb_hash__fnv1a_more(h, s, n);
  return cb_hash__fnv1a_more(h, "\xff", 1);
}

/* ---- recording ----------------------------------------------------------- */

static char *vprint(cb_arena *arena, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    return NULL;
  char *s = cb_arena_alloc(arena, (size_t)n + 1);
  if (s)
    vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

/* Adds a change about d->target; before/after are copied. */
static void add(differ *d, const char *kind, const char *what,
                const char *element, cb_loc loc, const char *before,
                const char *after, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 8, 9)))
#endif
    ;

static void add(differ *d, const char *kind, const char *what,
                const char *element, cb_loc loc, const char *before,
                const char *after, const char *fmt, ...) {
  if (d->failed)
    return;
  cb_change c = {0};
  c.category = CB_CHANGE_COSMETIC;
  for (size_t i = 0; i < cb_n_change_kinds; i++)
    if (strcmp(cb_change_kinds[i].kind, kind) == 0) {
      c.category = cb_change_kinds[i].category;
      c.kind = cb_change_kinds[i].kind;
    }
  if (!c.kind) /* a kind missing from the table is a bug of this file */
    c.kind = kind;
  c.what = what;
  c.element = element ? cb_arena_strdup(d->ctx->arena, element) : NULL;
  c.before = before ? cb_arena_strdup(d->ctx->arena, before) : NULL;
  c.after = after ? cb_arena_strdup(d->ctx->arena, after) : NULL;
  c.loc = loc;
  va_list ap;
  va_start(ap, fmt);
  c.message = vprint(d->ctx->arena, fmt, ap);
  va_end(ap);
  if ((element && !c.element) || (before && !c.before) ||
      (after && !c.after) || !c.message ||
      CB_VEC_PUSH(d->changes, d->n, d->cap_changes, c) < 0) {
    d->failed = 1;
    return;
  }
  size_t nt = d->n - 1;
  if (CB_VEC_PUSH(d->targets, nt, d->cap_targets, d->target) < 0)
    d->failed = 1;
}

static void set_target(differ *d, int question, int option, int criterion,
                       int kase) {
  cb_diff_target t = {question, option, criterion, kase};
  d->target = t;
}

/* Where a removed element is placed: its chapter's file in the new book,
 * line 0; no file when the chapter is gone too. */
static cb_loc removed_loc(differ *d, uint32_t old_chapter) {
  cb_loc loc = {UINT32_MAX, 0, 0, 0, 0};
  size_t file;
  if (old_chapter < d->a->n_chapters &&
      cb_strmap_get(&d->chapter_file, d->a->chapters[old_chapter].path,
                    &file))
    loc.file = (uint32_t)file;
  return loc;
}

static const char *chapter_path(const cb_book *bk, uint32_t chapter) {
  return chapter < bk->n_chapters ? bk->chapters[chapter].path : "";
}

/* ---- small helpers ------------------------------------------------------- */

static char *arena_print(differ *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static char *arena_print(differ *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = vprint(d->ctx->arena, fmt, ap);
  va_end(ap);
  if (!s)
    d->failed = 1;
  return s;
}

static int cmp_cstr(const void *x, const void *y) {
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The items of a list joined with sep, sorted first when sort is set
 * (cb_malloc'd, NULL when out of memory). */
static char *join(const char *const *items, size_t n, const char *sep,
                  int sort) {
  const char **v = cb_malloc((n + 1) * sizeof *v);
  if (!v)
    return NULL;
  for (size_t i = 0; i < n; i++)
    v[i] = nz(items[i]);
  if (sort && n > 1)
    qsort(v, n, sizeof *v, cmp_cstr);
  cb_buf b = {0};
  cb_buf_puts(&b, "");
  for (size_t i = 0; i < n; i++) {
    if (i)
      cb_buf_puts(&b, sep);
    cb_buf_puts(&b, v[i]);
  }
  cb_free(v);
  char *s = b.failed ? NULL : cb_strdup(cb_buf_cstr(&b));
  cb_buf_free(&b);
  return s;
}

/* Do two string lists hold the same items (in order, or as sets)? */
static int list_eq(const cb_strlist *x, const cb_strlist *y, int as_set) {
  if (x->n != y->n)
    return 0;
  if (!as_set) {
    for (size_t i = 0; i < x->n; i++)
      if (!str_eq(x->items[i], y->items[i]))
        return 0;
    return 1;
  }
  char *p = join(x->items, x->n, "\x1f", 1), *q = join(y->items, y->n, "\x1f", 1);
  int eq = p && q && strcmp(p, q) == 0;
  cb_free(p);
  cb_free(q);
  return eq;
}

/* A list as "a, b, c" in the arena ("none" when empty). */
static const char *list_text(differ *d, const cb_strlist *l, int sort) {
  if (l->n == 0)
    return "none";
  char *s = join(l->items, l->n, ", ", sort);
  char *r = s ? cb_arena_strdup(d->ctx->arena, s) : NULL;
  cb_free(s);
  if (!r)
    d->failed = 1;
  return r ? r : "";
}

static const char *scale_text(differ *d, const cb_question *q) {
  return arena_print(d, "%d-%d", q->scale_min, q->scale_max);
}

/* ---- manifest and chapters ------------------------------------------------ */

static void diff_manifest(differ *d) {
  const cb_manifest *ma = &d->a->manifest, *mb = &d->b->manifest;
  set_target(d, -1, -1, -1, -1);
  if (str_eq(ma->version, mb->version))
    return;
  cb_loc loc = {UINT32_MAX, 0, 0, 0, 0};
  for (size_t i = 0; i < d->b->n_files; i++)
    if (d->b->files[i].path && strcmp(d->b->files[i].path, "casebook.lua") == 0) {
      const cb_file *f = &d->b->files[i];
      uint32_t col = 0;
      uint32_t line = cb_manifest__key_line(f->text, f->len, "version", 1, 1, &col);
      loc.file = (uint32_t)i;
      loc.line = line;
      loc.col = line ? col : 0;
    }
  add(d, "version-changed", "manifest", NULL, loc, ma->version, mb->version,
      "the manifest's version changed from %s to %s",
      ma->version ? ma->version : "(none)", mb->version ? mb->version : "(none)");
}

/* ---- what the build trusts ------------------------------------------------ */

/* The largest project file compared byte for byte; a larger one (which
 * the build refuses anyway) counts as changed. */
#define TRUSTED_FILE_MAX ((size_t)64 << 20)

/* 1 when the project file path is the same in both books, 0 when it
 * differs (or cannot be read on one side), -1 when out of memory. The
 * bytes are read into a context of their own, freed before returning, so
 * that large files do not stay in the arena of the diff. */
static int same_file(const differ *d, const char *path) {
  cb_ctx *tmp = NULL;
  if (cb_ctx_new(&tmp, &d->ctx->opts) < 0)
    return -1;
  const char *xa = NULL, *xb = NULL;
  size_t la = 0, lb = 0;
  int ea = cb_book__project_file(tmp, d->a, path, TRUSTED_FILE_MAX, &xa, &la);
  int eb = ea < 0 ? ea
                  : cb_book__project_file(tmp, d->b, path, TRUSTED_FILE_MAX,
                                          &xb, &lb);
  int same = ea == CB_ENOMEM || eb == CB_ENOMEM
                 ? -1
                 : ea == 0 && eb == 0 && la == lb && memcmp(xa, xb, la) == 0;
  cb_ctx_free(tmp);
  return same;
}

static int is_rule_file(const char *name) {
  size_t n = strlen(name);
  return n > 4 && strcmp(name + n - 4, ".lua") == 0 && name[0] != '.';
}

/* The files of dir ("templates", "rules") that are new or changed in the
 * new book: kind_added or kind_changed, what, the path as the element. */
static void diff_project_dir(differ *d, const char *dir, const char *what,
                             const char *noun, int rules_only) {
  const char **na = NULL, **nb = NULL;
  size_t n_a = 0, n_b = 0;
  if (cb_book__project_dir(d->ctx, d->a, dir, &na, &n_a) == CB_ENOMEM ||
      cb_book__project_dir(d->ctx, d->b, dir, &nb, &n_b) == CB_ENOMEM) {
    d->failed = 1;
    return;
  }
  cb_loc none = {UINT32_MAX, 0, 0, 0, 0};
  for (size_t j = 0; j < n_b && !d->failed; j++) {
    if (rules_only && !is_rule_file(nb[j]))
      continue;
    const char *path = arena_print(d, "%s/%s", dir, nb[j]);
    if (!path)
      return;
    size_t i = 0;
    while (i < n_a && strcmp(na[i], nb[j]) != 0)
      i++;
    if (i == n_a) {
      add(d, rules_only ? "rule-added" : "template-added", what, path, none,
          NULL, NULL, "%s '%s' was added", noun, path);
      continue;
    }
    int same = same_file(d, path);
    if (same < 0)
      d->failed = 1;
    else if (!same)
      add(d, rules_only ? "rule-changed" : "template-changed", what, path,
          none, NULL, NULL, "%s '%s' changed", noun, path);
  }
}

/* What changes the code or markup the build lets through: raw HTML
 * allowed by the manifest, the project's templates and site assets (they
 * replace the built-in ones in the site), the project's rules (Lua run by
 * every check). Removals return to the built-in behaviour and are not
 * listed. */
static void diff_trust(differ *d) {
  set_target(d, -1, -1, -1, -1);
  if (!d->a->manifest.unsafe_html && d->b->manifest.unsafe_html) {
    cb_loc loc = {UINT32_MAX, 0, 0, 0, 0};
    for (size_t i = 0; i < d->b->n_files; i++)
      if (d->b->files[i].path &&
          strcmp(d->b->files[i].path, "casebook.lua") == 0) {
        const cb_file *f = &d->b->files[i];
        uint32_t col = 0;
        uint32_t line =
            cb_manifest__key_line(f->text, f->len, "unsafe_html", 1, 1, &col);
        loc.file = (uint32_t)i;
        loc.line = line;
        loc.col = line ? col : 0;
      }
    add(d, "unsafe-html-enabled", "manifest", NULL, loc, "false", "true",
        "the manifest turned unsafe_html on: raw HTML in the chapters now "
        "reaches the site and the exports");
  }
  diff_project_dir(d, "templates", "template", "project template", 0);
  diff_project_dir(d, "rules", "rule", "project rule file", 1);
}

static int find_chapter(const cb_book *bk, const char *path) {
  for (size_t i = 0; i < bk->n_chapters; i++)
    if (strcmp(bk->chapters[i].path, path) == 0)
      return (int)i;
  return -1;
}

static void diff_chapters(differ *d) {
  set_target(d, -1, -1, -1, -1);
  for (size_t i = 0; i < d->b->n_chapters; i++) {
    const cb_chapter *ch = &d->b->chapters[i];
    if (find_chapter(d->a, ch->path) < 0) {
      cb_loc loc = {ch->file, 0, 0, 0, 0};
      add(d, "chapter-added", "chapter", ch->path, loc, NULL, ch->title,
          "chapter %s was added", ch->path);
    }
  }
  for (size_t i = 0; i < d->a->n_chapters; i++) {
    const cb_chapter *ch = &d->a->chapters[i];
    if (find_chapter(d->b, ch->path) < 0) {
      cb_loc loc = {UINT32_MAX, 0, 0, 0, 0};
      add(d, "chapter-removed", "chapter", ch->path, loc, ch->title, NULL,
          "chapter %s was removed", ch->path);
    }
  }
}

/* ---- matching by id and by content ----------------------------------------- */

/* The result of matching two lists of elements: for each new element the
 * old one with its id (-1 none), for each old one whether it was matched,
 * and renames: new element -> old element paired by content. */
typedef struct matching {
  long *old_of_new;  /* by id */
  long *renamed_from; /* by content, for new elements with no id match */
  unsigned char *matched_old;
  size_t n_old, n_new;
} matching;

static void matching_free(matching *m) {
  cb_free(m->old_of_new);
  cb_free(m->renamed_from);
  cb_free(m->matched_old);
}

/* Matches ids (ids_old[i], ids_new[j]); then pairs the unmatched by equal
 * signatures (sig_ok says an element may take part: some have no content
 * to compare). Returns 0 or -1 when out of memory. */
static int match(matching *m, const char *const *ids_old, size_t n_old,
                 const char *const *ids_new, size_t n_new,
                 const uint64_t *sig_old, const uint64_t *sig_new,
                 const unsigned char *sig_ok_old,
                 const unsigned char *sig_ok_new) {
  memset(m, 0, sizeof *m);
  m->n_old = n_old;
  m->n_new = n_new;
  m->old_of_new = cb_malloc((n_new + 1) * sizeof *m->old_of_new);
  m->renamed_from = cb_malloc((n_new + 1) * sizeof *m->renamed_from);
  m->matched_old = cb_calloc(n_old + 1, 1);
  cb_strmap map = {0};
  int err = 0;
  /* old elements of one id chained in order (duplicate ids are errors the
   * rules report, but a book compared with itself must still be equal) */
  long *next_same = cb_malloc((n_old + 1) * sizeof *next_same);
  long *tail = cb_malloc((n_old + 1) * sizeof *tail);
  long *cursor = cb_malloc((n_old + 1) * sizeof *cursor);
  if (!m->old_of_new || !m->renamed_from || !m->matched_old || !next_same ||
      !tail || !cursor)
    goto fail;
  for (size_t i = 0; i < n_old; i++) {
    size_t first;
    next_same[i] = -1;
    cursor[i] = tail[i] = (long)i;
    if (!ids_old[i])
      continue;
    int put = cb_strmap_put(&map, ids_old[i], i, &first);
    if (put < 0)
      goto fail;
    if (put == 0) {
      next_same[tail[first]] = (long)i;
      tail[first] = (long)i;
    }
  }
  for (size_t j = 0; j < n_new; j++) {
    size_t first;
    m->renamed_from[j] = -1;
    m->old_of_new[j] = -1;
    if (!ids_new[j] || !cb_strmap_get(&map, ids_new[j], &first))
      continue;
    long i = cursor[first];
    if (i < 0)
      continue;
    m->old_of_new[j] = i;
    m->matched_old[i] = 1;
    cursor[first] = next_same[i];
  }
  if (sig_old && sig_new) {
    /* removed x added: both are usually a handful */
    for (size_t i = 0; i < n_old; i++) {
      if (m->matched_old[i] || (sig_ok_old && !sig_ok_old[i]))
        continue;
      for (size_t j = 0; j < n_new; j++) {
        if (m->old_of_new[j] >= 0 || m->renamed_from[j] >= 0 ||
            (sig_ok_new && !sig_ok_new[j]) || sig_old[i] != sig_new[j])
          continue;
        m->renamed_from[j] = (long)i;
        m->matched_old[i] = 2;
        break;
      }
    }
  }
  cb_strmap_free(&map);
  cb_free(next_same);
  cb_free(tail);
  cb_free(cursor);
  return 0;
fail:
  err = -1;
  cb_strmap_free(&map);
  cb_free(next_same);
  cb_free(tail);
  cb_free(cursor);
  matching_free(m);
  return err;
}

/* ---- kinds of element ------------------------------------------------------ */

/* What the routines below read of one element, whatever its kind. */
typedef struct elem {
  const char *id, *title;
  cb_loc loc;
  uint32_t chapter; /* UINT32_MAX for an option */
  uint64_t sig;     /* of its content, for rename detection */
  int can_rename;   /* has it content enough to take part? */
} elem;

/* A kind of element (option, question, criterion, case): how to read
 * one (old: from the old book); for the kinds listed across the whole
 * book (all but options) also how to compare two of one id and how to
 * report one added, renamed or removed. */
typedef struct element_kind {
  const char *what; /* the changes' what and the messages' noun */
  size_t size;      /* of one element in its array */
  elem (*read)(const void *e, int old);
  /* the book-wide kinds only */
  const void *(*list)(const cb_book *bk, size_t *n);
  size_t target; /* offsetof the element's index in cb_diff_target */
  const char *added, *renamed, *removed; /* change kinds */
  const char *same; /* what a probable rename kept ("same inputs") */
  void (*diff)(differ *d, const void *old_e, const void *new_e, int i);
  void (*report_added)(differ *d, const void *e);   /* NULL: the usual */
  void (*report_removed)(differ *d, const void *e); /* NULL: the usual */
} element_kind;

static const void *element_at(const element_kind *k, const void *v,
                              size_t i) {
  return (const char *)v + i * k->size;
}

/* Matches the na old elements of kind k at va with the nb new ones at
 * vb: by id, then, when renames is set, the unmatched by content.
 * Returns 0, or -1 when out of memory with nothing in m to free. */
static int match_elements(matching *m, const element_kind *k, const void *va,
                          size_t na, const void *vb, size_t nb, int renames) {
  const char **ia = cb_malloc((na + 1) * sizeof *ia);
  const char **ib = cb_malloc((nb + 1) * sizeof *ib);
  uint64_t *sa = cb_malloc((na + 1) * sizeof *sa);
  uint64_t *sb = cb_malloc((nb + 1) * sizeof *sb);
  unsigned char *oka = cb_calloc(na + 1, 1), *okb = cb_calloc(nb + 1, 1);
  int err = -1;
  memset(m, 0, sizeof *m);
  if (ia && ib && sa && sb && oka && okb) {
    for (size_t i = 0; i < na; i++) {
      elem x = k->read(element_at(k, va, i), 1);
      ia[i] = x.id;
      sa[i] = x.sig;
      oka[i] = x.can_rename != 0;
    }
    for (size_t j = 0; j < nb; j++) {
      elem y = k->read(element_at(k, vb, j), 0);
      ib[j] = y.id;
      sb[j] = y.sig;
      okb[j] = y.can_rename != 0;
    }
    err = match(m, ia, na, ib, nb, renames ? sa : NULL, renames ? sb : NULL,
                oka, okb);
  }
  cb_free(ia);
  cb_free(ib);
  cb_free(sa);
  cb_free(sb);
  cb_free(oka);
  cb_free(okb);
  return err;
}

/* Compares the elements of a book-wide kind k: the pairs of one id
 * through k->diff, and the rest of the new book (renamed or added) in its
 * order, then the rest of the old book (removed) in its. */
static void diff_elements(differ *d, const element_kind *k) {
  size_t na = 0, nb = 0;
  const void *va = k->list(d->a, &na), *vb = k->list(d->b, &nb);
  matching m;
  if (match_elements(&m, k, va, na, vb, nb, 1) < 0) {
    d->failed = 1;
    return;
  }
  for (size_t j = 0; j < nb && !d->failed; j++) {
    const void *eb = element_at(k, vb, j);
    set_target(d, -1, -1, -1, -1); /* then this element's index in it */
    *(int *)((char *)&d->target + k->target) = (int)j;
    if (m.old_of_new[j] >= 0) {
      k->diff(d, element_at(k, va, (size_t)m.old_of_new[j]), eb, (int)j);
    } else if (m.renamed_from[j] >= 0) {
      elem x = k->read(element_at(k, va, (size_t)m.renamed_from[j]), 1);
      elem y = k->read(eb, 0);
      add(d, k->renamed, k->what, y.id, y.loc, x.id, y.id,
          "%s '%s' was probably renamed to '%s' (%s)", k->what, x.id, y.id,
          k->same);
    } else if (k->report_added) {
      k->report_added(d, eb);
    } else {
      elem y = k->read(eb, 0);
      add(d, k->added, k->what, y.id, y.loc, NULL, y.title,
          "%s '%s' was added", k->what, y.id);
    }
  }
  set_target(d, -1, -1, -1, -1);
  for (size_t i = 0; i < na; i++) {
    if (m.matched_old[i])
      continue;
    const void *ea = element_at(k, va, i);
    if (k->report_removed) {
      k->report_removed(d, ea);
    } else {
      elem x = k->read(ea, 1);
      add(d, k->removed, k->what, x.id, removed_loc(d, x.chapter), x.title,
          NULL, "%s '%s' was removed", k->what, x.id);
    }
  }
  matching_free(&m);
}

/* Reports an element found in another chapter than before. */
static void moved(differ *d, const char *what, const char *id, cb_loc loc,
                  uint32_t old_chapter, uint32_t new_chapter) {
  const char *pa = chapter_path(d->a, old_chapter);
  const char *pb = chapter_path(d->b, new_chapter);
  if (strcmp(pa, pb) != 0)
    add(d, "element-moved", what, id, loc, pa, pb,
        "%s '%s' moved from %s to %s", what, id, pa, pb);
}

/* ---- options ---------------------------------------------------------------- */

/* Only an option with a meaning can be renamed. */
static elem option_read(const void *e, int old) {
  const cb_option *o = e;
  elem v = {o->id, o->meaning_text, o->loc, UINT32_MAX,
            hash_norm(CB_FNV1A_START, o->meaning_text),
            o->meaning_text && *o->meaning_text};
  (void)old;
  return v;
}

/* Options are matched within their question (diff_options). */
static const element_kind option_kind = {
    .what = "option", .size = sizeof(cb_option), .read = option_read};

static int attrs_eq(const cb_option *x, const cb_option *y) {
  if (x->n_attrs != y->n_attrs)
    return 0;
  for (size_t i = 0; i < x->n_attrs; i++)
    if (!str_eq(x->attrs[i].key, y->attrs[i].key) ||
        !str_eq(x->attrs[i].value, y->attrs[i].value))
      return 0;
  return 1;
}

static void diff_options(differ *d, const cb_question *qa,
                         const cb_question *qb, int qi) {
  int scale = qb->type == CB_Q_SCALE;
  size_t na = qa->n_options, nb = qb->n_options;
  matching m;
  /* the values of a scale are its ids: a label is never renamed */
  if (match_elements(&m, &option_kind, qa->options, na, qb->options, nb,
                     !scale) < 0) {
    d->failed = 1;
    return;
  }
  long last = -1;
  int reordered = 0;
  for (size_t j = 0; j < nb; j++) {
    const cb_option *ob = &qb->options[j];
    set_target(d, qi, (int)j, -1, -1);
    if (m.old_of_new[j] < 0 && m.renamed_from[j] >= 0) {
      const cb_option *oa = &qa->options[m.renamed_from[j]];
      add(d, "option-renamed", "option",
          arena_print(d, "%s/%s", qb->id, ob->id), ob->loc, oa->id, ob->id,
          "option '%s' of question '%s' was probably renamed to '%s' (same "
          "meaning)",
          oa->id, qb->id, ob->id);
      continue;
    }
    if (m.old_of_new[j] < 0) {
      add(d, scale ? "scale-label-added" : "option-added", "option",
          arena_print(d, "%s/%s", qb->id, ob->id), ob->loc, NULL,
          ob->meaning_text,
          scale ? "value %s of scale question '%s' got a label"
                : "option '%s' was added to question '%s'",
          ob->id, qb->id);
      continue;
    }
    const cb_option *oa = &qa->options[m.old_of_new[j]];
    if (m.old_of_new[j] < last)
      reordered = 1;
    last = m.old_of_new[j];
    const char *element = arena_print(d, "%s/%s", qb->id, ob->id);
    switch (text_change(oa->meaning_text, ob->meaning_text, oa->meaning_html,
                        ob->meaning_html)) {
    case 2:
      add(d, scale ? "scale-label-changed" : "option-meaning-changed",
          "option", element, ob->loc, oa->meaning_text, ob->meaning_text,
          scale ? "the label of value %s of question '%s' was reworded"
                : "the meaning of option '%s' of question '%s' was reworded",
          ob->id, qb->id);
      break;
    case 1:
      add(d, "option-reformatted", "option", element, ob->loc,
          oa->meaning_text, ob->meaning_text,
          "the meaning of option '%s' of question '%s' changed only in "
          "spacing or markup",
          ob->id, qb->id);
      break;
    default:
      break;
    }
    if (!attrs_eq(oa, ob))
      add(d, "option-attrs-changed", "option", element, ob->loc, NULL, NULL,
          "the extra columns of option '%s' of question '%s' changed",
          ob->id, qb->id);
  }
  set_target(d, qi, -1, -1, -1);
  if (reordered)
    add(d, "options-reordered", "question", qb->id, qb->options_loc, NULL,
        NULL, "the options of question '%s' are in another order", qb->id);
  for (size_t i = 0; i < na; i++) {
    if (m.matched_old[i])
      continue;
    const cb_option *oa = &qa->options[i];
    add(d, scale ? "scale-label-removed" : "option-removed", "option",
        arena_print(d, "%s/%s", qa->id, oa->id),
        qb->options_loc.line ? qb->options_loc : qb->loc, oa->meaning_text,
        NULL,
        scale ? "value %s of scale question '%s' lost its label"
              : "option '%s' was removed from question '%s'",
        oa->id, qb->id);
  }
  matching_free(&m);
}

/* ---- questions -------------------------------------------------------------- */

static uint64_t question_sig(const cb_question *q) {
  uint64_t h = CB_FNV1A_START;
  char head[64];
  snprintf(head, sizeof head, "%d %d %d", (int)q->type,
           q->type == CB_Q_SCALE ? q->scale_min : 0,
           q->type == CB_Q_SCALE ? q->scale_max : 0);
  h = hash_norm(h, head);
  for (size_t i = 0; i < q->n_options; i++) {
    h = hash_norm(h, q->options[i].id);
    h = hash_norm(h, q->options[i].meaning_text);
  }
  return hash_norm(h, q->guidance.text);
}

static const char *when_text(const char *w) { return w ? w : "(always)"; }

static void diff_question(differ *d, const void *old_e, const void *new_e,
                          int qi) {
  const cb_question *qa = old_e, *qb = new_e;
  set_target(d, qi, -1, -1, -1);
  const char *id = qb->id;
  int reformatted = 0;
  if (qa->type != qb->type)
    add(d, "question-type-changed", "question", id, qb->loc,
        cb_qtype_name(qa->type), cb_qtype_name(qb->type),
        "question '%s' changed type from %s to %s", id,
        cb_qtype_name(qa->type), cb_qtype_name(qb->type));
  else if (qb->type == CB_Q_SCALE && (qa->scale_min != qb->scale_min ||
                                      qa->scale_max != qb->scale_max)) {
    int wider = qb->scale_min <= qa->scale_min && qb->scale_max >= qa->scale_max;
    const char *was = scale_text(d, qa), *now = scale_text(d, qb);
    add(d, wider ? "scale-widened" : "scale-narrowed", "question", id, qb->loc,
        was, now, "the scale of question '%s' %s from %s to %s", id,
        wider ? "widened" : "narrowed", nz(was), nz(now));
  }
  if (!qa->required && qb->required)
    add(d, "question-now-required", "question", id, qb->loc, "no", "yes",
        "question '%s' is now required", id);
  else if (qa->required && !qb->required)
    add(d, "question-now-optional", "question", id, qb->loc, "yes", "no",
        "question '%s' is now optional", id);
  if (!norm_eq(qa->when, qb->when) || (!qa->when) != (!qb->when))
    add(d, "question-when-changed", "question", id,
        qb->when ? qb->when_loc : qb->loc, when_text(qa->when),
        when_text(qb->when), "the condition of question '%s' changed from %s to %s",
        id, when_text(qa->when), when_text(qb->when));
  else if (!str_eq(qa->when, qb->when))
    reformatted = 1;
  if (qa->scope != qb->scope)
    add(d, "question-scope-changed", "question", id, qb->loc,
        qa->scope == CB_SCOPE_RESPONSE ? "response" : "case",
        qb->scope == CB_SCOPE_RESPONSE ? "response" : "case",
        "question '%s' is now answered once per %s", id,
        qb->scope == CB_SCOPE_RESPONSE ? "response" : "case");
  if (!list_eq(&qa->responses, &qb->responses, 0))
    add(d, "question-responses-changed", "question", id, qb->loc,
        list_text(d, &qa->responses, 0), list_text(d, &qb->responses, 0),
        "the responses question '%s' compares changed", id);
  int t = text_change(qa->title, qb->title, NULL, NULL);
  if (t == 2)
    add(d, "question-title-changed", "question", id, qb->loc, qa->title,
        qb->title, "the title of question '%s' was reworded", id);
  reformatted |= t == 1;
  /* a hint that defaults to the title changes with it */
  if (!(str_eq(qa->hint, qa->title) && str_eq(qb->hint, qb->title))) {
    t = text_change(qa->hint, qb->hint, NULL, NULL);
    if (t == 2)
      add(d, "question-hint-changed", "question", id, qb->loc, qa->hint,
          qb->hint, "the hint of question '%s' was reworded", id);
    reformatted |= t == 1;
  }
  t = text_change(qa->guidance.text, qb->guidance.text, qa->guidance.html,
                  qb->guidance.html);
  if (t == 2)
    add(d, "question-guidance-changed", "question", id, qb->loc,
        qa->guidance.text, qb->guidance.text,
        "the guidance of question '%s' was reworded", id);
  reformatted |= t == 1;
  if (reformatted)
    add(d, "question-reformatted", "question", id, qb->loc, NULL, NULL,
        "question '%s' changed only in spacing or markup", id);
  moved(d, "question", id, qb->loc, qa->chapter, qb->chapter);
  diff_options(d, qa, qb, qi);
}

/* A question takes part in rename detection only with options or
 * guidance: two bare questions of one type are not the same question. */
static elem question_read(const void *e, int old) {
  const cb_question *q = e;
  elem v = {q->id, q->title, q->loc, q->chapter, question_sig(q),
            q->n_options > 0 || !norm_eq(q->guidance.text, "")};
  (void)old;
  return v;
}

static void question_added(differ *d, const void *e) {
  const cb_question *q = e;
  add(d, "question-added", "question", q->id, q->loc, NULL, q->title,
      "question '%s' (%s) was added", q->id, cb_qtype_name(q->type));
}

static const void *book_questions(const cb_book *bk, size_t *n) {
  *n = bk->n_questions;
  return bk->questions;
}

static const element_kind question_kind = {
    .what = "question", .size = sizeof(cb_question), .read = question_read,
    .list = book_questions, .target = offsetof(cb_diff_target, question),
    .added = "question-added", .renamed = "question-renamed",
    .removed = "question-removed", .same = "same type, options and guidance",
    .diff = diff_question, .report_added = question_added};

/* ---- criteria --------------------------------------------------------------- */

/* Only a criterion with a title or text can be renamed. */
static elem criterion_read(const void *e, int old) {
  const cb_criterion *c = e;
  elem v = {c->id, c->title, c->loc, c->chapter,
            hash_norm(hash_norm(CB_FNV1A_START, c->title), c->prose.text),
            !norm_eq(c->title, "") || !norm_eq(c->prose.text, "")};
  (void)old;
  return v;
}

static void diff_criterion(differ *d, const void *old_e, const void *new_e,
                           int ci) {
  const cb_criterion *ca = old_e, *cb = new_e;
  set_target(d, -1, -1, ci, -1);
  const char *id = cb->id;
  int reformatted = 0;
  int t = text_change(ca->title, cb->title, NULL, NULL);
  if (t == 2)
    add(d, "criterion-changed", "criterion", id, cb->loc, ca->title,
        cb->title, "the title of criterion '%s' was reworded", id);
  reformatted |= t == 1;
  t = text_change(ca->prose.text, cb->prose.text, ca->prose.html,
                  cb->prose.html);
  if (t == 2)
    add(d, "criterion-changed", "criterion", id, cb->loc, ca->prose.text,
        cb->prose.text, "the text of criterion '%s' was reworded", id);
  reformatted |= t == 1;
  if (!list_eq(&ca->applies_to, &cb->applies_to, 1))
    add(d, "criterion-changed", "criterion", id, cb->loc,
        list_text(d, &ca->applies_to, 1), list_text(d, &cb->applies_to, 1),
        "the questions criterion '%s' applies to changed", id);
  if (!str_eq(ca->severity, cb->severity))
    add(d, "criterion-changed", "criterion", id, cb->loc, ca->severity,
        cb->severity, "the severity of criterion '%s' changed", id);
  if (!str_eq(ca->points, cb->points))
    add(d, "criterion-changed", "criterion", id, cb->loc, ca->points,
        cb->points, "the points of criterion '%s' changed", id);
  if (reformatted)
    add(d, "criterion-reformatted", "criterion", id, cb->loc, NULL, NULL,
        "criterion '%s' changed only in spacing or markup", id);
  moved(d, "criterion", id, cb->loc, ca->chapter, cb->chapter);
}

static const void *book_criteria(const cb_book *bk, size_t *n) {
  *n = bk->n_criteria;
  return bk->criteria;
}

static const element_kind criterion_kind = {
    .what = "criterion", .size = sizeof(cb_criterion), .read = criterion_read,
    .list = book_criteria, .target = offsetof(cb_diff_target, criterion),
    .added = "criterion-added", .renamed = "criterion-renamed",
    .removed = "criterion-removed", .same = "same title and text",
    .diff = diff_criterion};

/* ---- cases ------------------------------------------------------------------- */

static uint64_t case_sig(const cb_case *c) {
  uint64_t h = CB_FNV1A_START;
  for (size_t i = 0; i < c->n_inputs; i++) {
    const cb_input *in = &c->inputs[i];
    char kind[8];
    snprintf(kind, sizeof kind, "%d", (int)in->kind);
    h = hash_norm(h, kind);
    h = hash_norm(h, in->name);
    h = hash_bytes(h, in->text ? in->text : "", in->text ? in->len : 0);
  }
  return h;
}

static int inputs_eq(const cb_case *x, const cb_case *y) {
  if (x->n_inputs != y->n_inputs)
    return 0;
  for (size_t i = 0; i < x->n_inputs; i++) {
    const cb_input *p = &x->inputs[i], *q = &y->inputs[i];
    if (p->kind != q->kind || !str_eq(p->name, q->name) || p->len != q->len ||
        (p->len && memcmp(p->text, q->text, p->len) != 0))
      return 0;
  }
  return 1;
}

/* The value of an answer as compared and shown: option ids of a multi
 * answer sorted, a rank with its ties, a pairwise preference with its
 * strength (cb_malloc'd, NULL when out of memory). */
static char *answer_value(const cb_answer *a) {
  cb_buf b = {0};
  cb_buf_puts(&b, "");
  switch (a->kind) {
  case CB_V_OPTION:
    cb_buf_puts(&b, a->n_items ? nz(a->items[0]) : nz(a->raw));
    break;
  case CB_V_OPTIONS: {
    if (a->n_items == 0) {
      cb_buf_puts(&b, "none");
      break;
    }
    char *s = join(a->items, a->n_items, ", ", 1);
    if (!s)
      b.failed = 1;
    else
      cb_buf_puts(&b, s);
    cb_free(s);
    break;
  }
  case CB_V_NUMBER:
    cb_buf_printf(&b, "%lld", a->number);
    break;
  case CB_V_RANK:
    for (size_t i = 0; i < a->n_items; i++) {
      if (i)
        cb_buf_puts(&b, a->tied && a->tied[i] ? " = " : " > ");
      cb_buf_puts(&b, nz(a->items[i]));
    }
    break;
  case CB_V_PAIRWISE:
    if (a->strength == 0 || a->n_items == 0) {
      cb_buf_puts(&b, "tie");
    } else {
      cb_buf_puts(&b, nz(a->items[0]));
      if (a->n_items > 1) {
        cb_buf_puts(&b, a->strength >= 2 ? ">>" : ">");
        cb_buf_puts(&b, nz(a->items[1]));
      } else if (a->strength >= 2) {
        cb_buf_puts(&b, " (strongly)");
      }
    }
    break;
  default:
    cb_buf_puts(&b, nz(a->raw));
  }
  char *s = b.failed ? NULL : cb_strdup(cb_buf_cstr(&b));
  cb_buf_free(&b);
  return s;
}

/* The first answer of c to question key for response (NULL: the case),
 * or NULL. */
static const cb_answer *find_answer(const cb_case *c, const char *key,
                                    const char *response) {
  for (size_t i = 0; i < c->n_answers; i++)
    if (str_eq(c->answers[i].key, key) &&
        !response == !c->answers[i].response &&
        str_eq(c->answers[i].response, response))
      return &c->answers[i];
  return NULL;
}

/* Is this answer the first of its key and response in its case? */
static int first_answer(const cb_case *c, size_t k) {
  return find_answer(c, c->answers[k].key, c->answers[k].response) ==
         &c->answers[k];
}

/* Is the answer to a question both books have? */
static int shared_question(differ *d, const cb_answer *x) {
  return x->key && cb_book_question(d->a, x->key) &&
         cb_book_question(d->b, x->key);
}

/* The option-renamed change of question qid from option was to option
 * now, if this diff has one: its index, else -1. */
static long rename_of(const differ *d, const char *qid, const char *was,
                      const char *now) {
  size_t ql = strlen(qid);
  for (size_t i = 0; i < d->n; i++) {
    const cb_change *c = &d->changes[i];
    if (strcmp(c->kind, "option-renamed") == 0 && c->before && c->after &&
        strcmp(c->before, was) == 0 && strcmp(c->after, now) == 0 &&
        strncmp(c->element, qid, ql) == 0 && c->element[ql] == '/' &&
        strcmp(c->element + ql + 1, now) == 0)
      return (long)i;
  }
  return -1;
}

/* Tells each option rename which final cases' gold answers followed it
 * (their gold-changed findings were not made): "...; the gold answers of
 * cases 'c2' and 'c5' follow it". */
static void tell_followers(differ *d) {
  enum { SHOWN = 8 };
  for (size_t i = 0; i < d->n_followers && !d->failed; i++) {
    size_t r = d->followers[i].rename;
    int first = 1;
    for (size_t k = 0; k < i; k++)
      if (d->followers[k].rename == r)
        first = 0;
    if (!first)
      continue;
    cb_buf b = {0};
    size_t n = 0;
    for (size_t k = i; k < d->n_followers; k++)
      if (d->followers[k].rename == r)
        n++;
    cb_buf_printf(&b, "%s; the gold answer%s of %s ", d->changes[r].message,
                  n == 1 ? "" : "s", n == 1 ? "case" : "cases");
    size_t shown = 0;
    for (size_t k = i; k < d->n_followers && shown < SHOWN; k++) {
      if (d->followers[k].rename != r)
        continue;
      shown++;
      const char *sep = shown == 1 ? "" : shown == n ? " and " : ", ";
      cb_buf_printf(&b, "%s'%s'", sep, d->followers[k].case_id);
    }
    if (n > shown)
      cb_buf_printf(&b, " and %zu more", n - shown);
    cb_buf_puts(&b, n == 1 ? " follows it" : " follow it");
    char *msg =
        b.failed ? NULL : cb_arena_strdup(d->ctx->arena, cb_buf_cstr(&b));
    cb_buf_free(&b);
    if (!msg)
      d->failed = 1;
    else
      d->changes[r].message = msg;
  }
}

/* Reports the gold answers of a final case that changed (report set), or
 * only says whether any did. A gold answer that only follows the rename
 * of its option is told with the rename (tell_followers). */
static int diff_answers(differ *d, const cb_case *ca, const cb_case *cb,
                        int report) {
  int any = 0;
  for (size_t k = 0; k < cb->n_answers && !d->failed; k++) {
    const cb_answer *y = &cb->answers[k];
    if (!first_answer(cb, k) || !shared_question(d, y))
      continue;
    const cb_answer *x = find_answer(ca, y->key, y->response);
    char *vy = answer_value(y), *vx = x ? answer_value(x) : NULL;
    if (!vy || (x && !vx)) {
      d->failed = 1;
    } else if (!x || strcmp(vx, vy) != 0) {
      any = 1;
      long r = x ? rename_of(d, y->key, vx, vy) : -1;
      if (report && r >= 0) {
        /* once a case (the rows of a Response table are one case) */
        follower f = {(size_t)r, cb->id};
        size_t nf = d->n_followers;
        if ((!nf || d->followers[nf - 1].rename != f.rename ||
             strcmp(d->followers[nf - 1].case_id, f.case_id) != 0) &&
            CB_VEC_PUSH(d->followers, d->n_followers, d->cap_followers, f) < 0)
          d->failed = 1;
      } else if (report) {
        char *resp = y->response ? arena_print(d, " (response %s)", y->response)
                                 : NULL;
        cb_loc at = y->value_loc.line ? y->value_loc : y->key_loc;
        add(d, "gold-changed", "case", cb->id, at, vx, vy,
            "gold answer of case '%s' to '%s'%s changed from %s to %s",
            cb->id, y->key, resp ? resp : "", x ? vx : "(none)", vy);
      }
    }
    cb_free(vx);
    cb_free(vy);
  }
  for (size_t k = 0; k < ca->n_answers && !d->failed; k++) {
    const cb_answer *x = &ca->answers[k];
    if (!first_answer(ca, k) || !shared_question(d, x) ||
        find_answer(cb, x->key, x->response))
      continue;
    any = 1;
    if (report) {
      char *vx = answer_value(x);
      char *resp =
          x->response ? arena_print(d, " (response %s)", x->response) : NULL;
      if (!vx)
        d->failed = 1;
      else
        add(d, "gold-changed", "case", cb->id, cb->loc, vx, NULL,
            "gold answer of case '%s' to '%s'%s changed from %s to (none)",
            cb->id, x->key, resp ? resp : "", vx);
      cb_free(vx);
    }
  }
  return any;
}

static void diff_case(differ *d, const void *old_e, const void *new_e,
                      int ci) {
  const cb_case *ca = old_e, *cb = new_e;
  set_target(d, -1, -1, -1, ci);
  const char *id = cb->id;
  int final_a = ca->status == CB_STATUS_FINAL;
  int final_b = cb->status == CB_STATUS_FINAL;
  if (final_a && !final_b) {
    add(d, "case-unfinalized", "case", id, cb->loc, cb_status_name(ca->status),
        cb_status_name(cb->status),
        "case '%s' is now %s: its gold answers leave the gold set", id,
        cb_status_name(cb->status));
  } else if (!final_a && final_b) {
    add(d, "case-finalized", "case", id, cb->loc, cb_status_name(ca->status),
        cb_status_name(cb->status),
        "case '%s' is now final: its gold answers join the gold set", id);
  } else if (final_a && final_b) {
    if (!inputs_eq(ca, cb))
      add(d, "case-inputs-changed", "case", id, cb->loc, NULL, NULL,
          "the inputs of case '%s' changed", id);
    diff_answers(d, ca, cb, 1);
  } else if (!inputs_eq(ca, cb) || diff_answers(d, ca, cb, 0)) {
    add(d, "draft-case-changed", "case", id, cb->loc, NULL, NULL,
        "the inputs or answers of %s case '%s' changed",
        cb_status_name(cb->status), id);
  }
  int t = text_change(ca->rationale.text, cb->rationale.text,
                      ca->rationale.html, cb->rationale.html);
  if (t == 2)
    add(d, "case-rationale-changed", "case", id, cb->loc, ca->rationale.text,
        cb->rationale.text, "the rationale of case '%s' was reworded", id);
  else if (t == 1)
    add(d, "case-reformatted", "case", id, cb->loc, NULL, NULL,
        "the rationale of case '%s' changed only in spacing or markup", id);
  if (!list_eq(&ca->criteria, &cb->criteria, 1))
    add(d, "case-criteria-changed", "case", id, cb->loc,
        list_text(d, &ca->criteria, 1), list_text(d, &cb->criteria, 1),
        "the criteria case '%s' cites changed", id);
  if (!list_eq(&ca->tags, &cb->tags, 1))
    add(d, "case-tags-changed", "case", id, cb->loc, list_text(d, &ca->tags, 1),
        list_text(d, &cb->tags, 1), "the tags of case '%s' changed", id);
  if (!str_eq(ca->title, cb->title))
    add(d, "case-title-changed", "case", id, cb->loc, ca->title, cb->title,
        "the title of case '%s' changed", id);
  moved(d, "case", id, cb->loc, ca->chapter, cb->chapter);
}

/* Only a case with inputs can be renamed, and on the old side only a
 * final one: a draft leaves no gold to follow. */
static elem case_read(const void *e, int old) {
  const cb_case *c = e;
  elem v = {c->id, c->title, c->loc, c->chapter, case_sig(c),
            c->n_inputs > 0 && (!old || c->status == CB_STATUS_FINAL)};
  return v;
}

static void case_removed(differ *d, const void *e) {
  const cb_case *c = e;
  if (c->status == CB_STATUS_FINAL)
    add(d, "case-removed", "case", c->id, removed_loc(d, c->chapter),
        c->title, NULL, "final case '%s' was removed", c->id);
  else
    add(d, "draft-case-removed", "case", c->id, removed_loc(d, c->chapter),
        c->title, NULL, "%s case '%s' was removed", cb_status_name(c->status),
        c->id);
}

static const void *book_cases(const cb_book *bk, size_t *n) {
  *n = bk->n_cases;
  return bk->cases;
}

static const element_kind case_kind = {
    .what = "case", .size = sizeof(cb_case), .read = case_read,
    .list = book_cases, .target = offsetof(cb_diff_target, kase),
    .added = "case-added", .renamed = "case-renamed",
    .removed = "case-removed", .same = "same inputs", .diff = diff_case,
    .report_removed = case_removed};

/* ---- prose sections ----------------------------------------------------------- */

/* A run of prose outside elements, under one heading (or before the
 * first): its heading and its text with the HTML tags taken out. */
typedef struct section {
  const char *slug; /* "" before the first heading */
  const char *title;
  cb_loc loc;
  char *text; /* cb_malloc'd */
  char *html; /* cb_malloc'd */
} section;

/* Appends html to b with the tags removed and the five entities that
 * cmark writes decoded. */
static void strip_tags(cb_buf *b, const char *html) {
  static const struct {
    const char *ent, *ch;
  } ents[] = {{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""},
              {"&#39;", "'"}};
  for (const char *p = html; *p;) {
    size_t run = strcspn(p, "<&");
    if (run) {
      cb_buf_append(b, p, run);
      p += run;
      continue;
    }
    if (*p == '<') {
      const char *e = strchr(p, '>');
      if (!e)
        break;
      cb_buf_putc(b, ' ');
      p = e + 1;
      continue;
    }
    if (*p == '&') {
      int done = 0;
      for (size_t k = 0; k < sizeof ents / sizeof *ents && !done; k++) {
        size_t n = strlen(ents[k].ent);
        if (strncmp(p, ents[k].ent, n) == 0) {
          cb_buf_puts(b, ents[k].ch);
          p += n;
          done = 1;
        }
      }
      if (done)
        continue;
    }
    cb_buf_putc(b, *p++);
  }
}

static void free_sections(section *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    cb_free(s[i].text);
    cb_free(s[i].html);
  }
  cb_free(s);
}

/* The sections of a chapter; NULL with *n 0 when out of memory. */
static section *chapter_sections(const cb_chapter *ch, size_t *n) {
  section *v = NULL;
  size_t count = 0, cap = 0;
  cb_buf text = {0}, html = {0};
  section cur = {"", "", {ch->file, 1, 1, 0, 0}, NULL, NULL};
  int failed = 0;
  for (size_t i = 0; i <= ch->n_items && !failed; i++) {
    const cb_item *it = i < ch->n_items ? &ch->items[i] : NULL;
    if (it && it->kind == CB_ITEM_PROSE && it->html) {
      strip_tags(&text, it->html);
      cb_buf_puts(&html, it->html);
      continue;
    }
    if (it && it->kind != CB_ITEM_HEADING)
      continue;
    /* a heading or the end closes the current section */
    if (i > 0 || text.len) {
      cur.text = cb_strdup(cb_buf_cstr(&text));
      cur.html = cb_strdup(cb_buf_cstr(&html));
      if (text.failed || html.failed || !cur.text || !cur.html ||
          CB_VEC_PUSH(v, count, cap, cur) < 0) {
        cb_free(cur.text);
        cb_free(cur.html);
        failed = 1;
        break;
      }
    }
    cb_buf_reset(&text);
    cb_buf_reset(&html);
    if (it && it->index < ch->n_headings) {
      const cb_heading *h = &ch->headings[it->index];
      cur.slug = nz(h->slug);
      cur.title = nz(h->text);
      cur.loc = h->loc;
    }
  }
  cb_buf_free(&text);
  cb_buf_free(&html);
  if (failed) {
    free_sections(v, count);
    *n = 0;
    return NULL;
  }
  *n = count;
  return v;
}

static const char *section_name(differ *d, const section *s,
                                const char *path) {
  if (!*s->slug)
    return arena_print(d, "%s (before the first heading)", path);
  return arena_print(d, "%s#%s", path, s->slug);
}

static void diff_sections(differ *d) {
  set_target(d, -1, -1, -1, -1);
  for (size_t j = 0; j < d->b->n_chapters && !d->failed; j++) {
    const cb_chapter *cb = &d->b->chapters[j];
    int i = find_chapter(d->a, cb->path);
    if (i < 0)
      continue;
    const cb_chapter *ca = &d->a->chapters[i];
    const cb_file *fa = &d->a->files[ca->file], *fb = &d->b->files[cb->file];
    if (fa->len == fb->len && (fa->len == 0 || memcmp(fa->text, fb->text,
                                                      fa->len) == 0))
      continue; /* the same source: the same prose */
    size_t na = 0, nb = 0;
    section *sa = chapter_sections(ca, &na), *sb = chapter_sections(cb, &nb);
    if ((ca->n_items && !sa) || (cb->n_items && !sb)) {
      d->failed = 1;
    } else {
      unsigned char *seen = cb_calloc(na + 1, 1);
      if (!seen)
        d->failed = 1;
      for (size_t y = 0; y < nb && seen && !d->failed; y++) {
        const section *s = &sb[y];
        size_t x = 0;
        while (x < na && (seen[x] || strcmp(sa[x].slug, s->slug) != 0))
          x++;
        const char *name = section_name(d, s, cb->path);
        if (x == na) {
          if (*s->slug)
            add(d, "section-added", "section", name, s->loc, NULL, s->text,
                "section '%s' was added to %s", s->title, cb->path);
          else if (!norm_eq(s->text, ""))
            add(d, "section-added", "section", name, s->loc, NULL, s->text,
                "prose was added before the first heading of %s", cb->path);
          continue;
        }
        seen[x] = 1;
        int t = text_change(sa[x].text, s->text, sa[x].html, s->html);
        if (t)
          add(d, t == 2 ? "section-changed" : "section-reformatted",
              "section", name, s->loc, sa[x].text, s->text,
              t == 2 ? "%s '%s' was reworded"
                     : "%s '%s' changed only in spacing or markup",
              *s->slug ? "section" : "the prose before the first heading of",
              *s->slug ? s->title : cb->path);
      }
      for (size_t x = 0; x < na && seen && !d->failed; x++) {
        if (seen[x] || (!*sa[x].slug && norm_eq(sa[x].text, "")))
          continue;
        cb_loc loc = {cb->file, 0, 0, 0, 0};
        add(d, "section-removed", "section", section_name(d, &sa[x], cb->path),
            loc, sa[x].text, NULL, "section '%s' was removed from %s",
            *sa[x].slug ? sa[x].title : "(before the first heading)",
            cb->path);
      }
      cb_free(seen);
    }
    free_sections(sa, na);
    free_sections(sb, nb);
  }
}

/* ---- entry points --------------------------------------------------------------- */

int cb_diff__books(const cb_change **out, const cb_diff_target **targets,
                   size_t *n, cb_ctx *ctx, const cb_book *old_book,
                   const cb_book *new_book) {
  differ d = {0};
  d.ctx = ctx;
  d.a = old_book;
  d.b = new_book;
  *out = NULL;
  *n = 0;
  if (targets)
    *targets = NULL;
  for (size_t i = 0; i < new_book->n_chapters; i++)
    if (cb_strmap_put(&d.chapter_file, new_book->chapters[i].path,
                      new_book->chapters[i].file, NULL) < 0)
      d.failed = 1;
  if (!d.failed) {
    diff_manifest(&d);
    diff_trust(&d);
    diff_chapters(&d);
    diff_elements(&d, &question_kind);
    diff_elements(&d, &criterion_kind);
    diff_elements(&d, &case_kind);
    diff_sections(&d);
    tell_followers(&d);
  }
  int err = 0;
  if (!d.failed && d.n) {
    cb_change *changes = cb_arena_alloc(ctx->arena, d.n * sizeof *changes);
    cb_diff_target *t = targets ? cb_arena_alloc(ctx->arena,
                                                 d.n * sizeof *t)
                                : NULL;
    if (!changes || (targets && !t)) {
      d.failed = 1;
    } else {
      memcpy(changes, d.changes, d.n * sizeof *changes);
      if (t)
        memcpy(t, d.targets, d.n * sizeof *t);
      *out = changes;
      *n = d.n;
      if (targets)
        *targets = t;
    }
  }
  if (d.failed)
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory comparing the books");
  cb_free(d.changes);
  cb_free(d.followers);
  cb_free(d.targets);
  cb_strmap_free(&d.chapter_file);
  return err;
}

int cb_book_diff(const cb_change **out, size_t *n, cb_ctx *ctx,
                 const cb_book *old_book, const cb_book *new_book) {
  if (!old_book || !new_book) {
    *out = NULL;
    *n = 0;
    return cb_ctx__fail(ctx, CB_EUSAGE, "no book to compare");
  }
  return cb_diff__books(out, NULL, n, ctx, old_book, new_book);
}

const char *cb_change_category_name(cb_change_category c) {
  static const char *const names[] = {"breaking", "gold",     "semantic",
                                      "additive", "cosmetic", "trust"};
  return (unsigned)c < 6 ? names[c] : "cosmetic";
}
