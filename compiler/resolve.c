/* SPDX-License-Identifier: MIT */
/*
 * resolve.c: answers typed against their questions, links resolved to
 * site URLs. Lookups go through hash maps: the benchmark project has ten
 * thousand cases.
 */
#include "resolve.h"

#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strmap.h"

typedef struct resolver {
  cb_ctx *ctx;
  cb_book *book;
  cb_strmap questions, criteria, cases;
  cb_strmap *anchors; /* per chapter: heading slugs */
  cb_strmap chapters; /* path -> chapter */
  const char *const *files; /* every file of the project, sorted */
  size_t n_files;
  int failed;
} resolver;

static int cmp_path(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static char *dup(resolver *r, const char *s, size_t n) {
  char *d = cb_arena_strndup(r->ctx->arena, s, n);
  if (!d)
    r->failed = 1;
  return d;
}

static void trim(const char **s, size_t *n) {
  while (*n && isspace((unsigned char)**s)) {
    (*s)++;
    (*n)--;
  }
  while (*n && isspace((unsigned char)(*s)[*n - 1]))
    (*n)--;
}

/* Splits value on sep into trimmed items (arena). */
static size_t split(resolver *r, const char *v, char sep, const char ***out) {
  size_t n = 1;
  for (const char *p = v; *p; p++)
    n += *p == sep;
  const char **items = cb_arena_calloc(r->ctx->arena, n, sizeof *items);
  if (!items) {
    r->failed = 1;
    return 0;
  }
  size_t k = 0;
  for (const char *p = v;;) {
    const char *e = strchr(p, sep);
    size_t len = e ? (size_t)(e - p) : strlen(p);
    const char *s = p;
    trim(&s, &len);
    items[k++] = dup(r, s, len);
    if (!e)
      break;
    p = e + 1;
  }
  *out = items;
  return k;
}

static void type_rank(resolver *r, cb_answer *a) {
  /* "B > A = C": '>' separates places, '=' ties */
  size_t n = 1;
  for (const char *p = a->raw; *p; p++)
    n += *p == '>' || *p == '=';
  a->items = cb_arena_calloc(r->ctx->arena, n, sizeof *a->items);
  a->tied = cb_arena_calloc(r->ctx->arena, n, 1);
  if (!a->items || !a->tied) {
    r->failed = 1;
    return;
  }
  const char *p = a->raw;
  unsigned char tie_next = 0;
  while (1) {
    const char *e = p;
    while (*e && *e != '>' && *e != '=')
      e++;
    const char *s = p;
    size_t len = (size_t)(e - p);
    trim(&s, &len);
    if (!len) {
      a->error = "a rank answer lists response names separated by '>' "
                 "(ties with '='), e.g. 'B > A = C'";
      a->n_items = 0;
      return;
    }
    a->tied[a->n_items] = tie_next;
    a->items[a->n_items++] = dup(r, s, len);
    if (!*e)
      break;
    tie_next = *e == '=';
    p = e + 1;
  }
  a->kind = CB_V_RANK;
}

static void type_pairwise(resolver *r, cb_answer *a) {
  const char *v = a->raw;
  if (strcasecmp(v, "tie") == 0) {
    a->kind = CB_V_PAIRWISE;
    a->items = cb_arena_calloc(r->ctx->arena, 1, sizeof *a->items);
    if (!a->items) {
      r->failed = 1;
      return;
    }
    a->items[0] = "tie";
    a->n_items = 1;
    a->strength = 0;
    return;
  }
  const char *gt = strchr(v, '>');
  size_t len = gt ? (size_t)(gt - v) : strlen(v);
  const char *s = v;
  trim(&s, &len);
  int strength = 1;
  const char *other = NULL;
  size_t other_len = 0;
  if (gt) {
    const char *q = gt + 1;
    if (*q == '>') {
      strength = 2;
      q++;
    }
    other = q;
    other_len = strlen(q);
    trim(&other, &other_len);
    if (!other_len || memchr(other, '>', other_len) ||
        memchr(other, '<', other_len)) {
      a->error = "a pairwise answer is a response name, 'A>B', 'A>>B' or "
                 "'tie'";
      return;
    }
  }
  if (!len || memchr(s, ' ', len) || memchr(s, '<', len)) {
    a->error = "a pairwise answer is a response name, 'A>B', 'A>>B' or 'tie'";
    return;
  }
  a->items = cb_arena_calloc(r->ctx->arena, 2, sizeof *a->items);
  if (!a->items) {
    r->failed = 1;
    return;
  }
  a->items[0] = dup(r, s, len);
  a->n_items = 1;
  if (other)
    a->items[a->n_items++] = dup(r, other, other_len);
  a->strength = strength;
  a->kind = CB_V_PAIRWISE;
}

static void type_answer(resolver *r, cb_case *c, cb_answer *a) {
  size_t qi;
  if (!a->key || !cb_strmap_get(&r->questions, a->key, &qi))
    return;
  a->question = (int)qi;
  const cb_question *q = &r->book->questions[qi];
  /* A case with exactly one response may answer per-response questions
   * in its property list. */
  if (q->scope == CB_SCOPE_RESPONSE && !a->response) {
    const cb_input *only = NULL;
    size_t n_resp = 0;
    for (size_t i = 0; i < c->n_inputs; i++)
      if (c->inputs[i].kind == CB_IN_RESPONSE) {
        only = &c->inputs[i];
        n_resp++;
      }
    if (n_resp == 1)
      a->response = only->name;
  }
  switch (q->type) {
  case CB_Q_CHOICE:
    a->kind = CB_V_OPTION;
    a->items = cb_arena_calloc(r->ctx->arena, 1, sizeof *a->items);
    if (!a->items) {
      r->failed = 1;
      return;
    }
    a->items[0] = a->raw;
    a->n_items = 1;
    if (strchr(a->raw, ','))
      a->error = "a choice question takes one option; use a multi question "
                 "for several";
    break;
  case CB_Q_MULTI:
    a->kind = CB_V_OPTIONS;
    if (strcasecmp(a->raw, "none") == 0 || !*a->raw)
      a->n_items = 0;
    else
      a->n_items = split(r, a->raw, ',', &a->items);
    break;
  case CB_Q_SCALE: {
    char *end;
    const char *v = a->raw;
    long long n = strtoll(v, &end, 10);
    while (isspace((unsigned char)*end))
      end++;
    if (end == v || *end) {
      a->error = "a scale answer is a whole number";
      return;
    }
    a->kind = CB_V_NUMBER;
    a->number = n;
    break;
  }
  case CB_Q_RANK: type_rank(r, a); break;
  case CB_Q_PAIRWISE: type_pairwise(r, a); break;
  case CB_Q_TEXT: a->kind = CB_V_TEXT; break;
  }
}

/* ---- links ------------------------------------------------------------ */

/* The n strings of parts joined, in the arena: printf is slow, and a
 * book has a link or more per case. */
static char *concat(resolver *r, const char *const *parts, size_t n) {
  size_t lens[8], total = 0;
  assert(n <= sizeof lens / sizeof *lens);
  for (size_t i = 0; i < n; i++)
    total += lens[i] = strlen(parts[i]);
  char *s = cb_arena_alloc(r->ctx->arena, total + 1), *p = s;
  if (!s) {
    r->failed = 1;
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    memcpy(p, parts[i], lens[i]);
    p += lens[i];
  }
  *p = '\0';
  return s;
}

#define CONCAT(r, ...)                                                       \
  concat((r), (const char *const[]){__VA_ARGS__},                            \
         sizeof(const char *const[]){__VA_ARGS__} / sizeof(const char *))

/* The page of chapter, at the anchor prefix + anchor unless anchor is
 * NULL. */
static char *chapter_href(resolver *r, uint32_t chapter, const char *prefix,
                          const char *anchor) {
  const char *slug = r->book->chapters[chapter].slug;
  return anchor ? CONCAT(r, slug, ".html#", prefix, anchor)
                : CONCAT(r, slug, ".html");
}

/* Decodes %XX escapes of an anchor (GitHub anchors of non-ASCII headings
 * are often written percent-encoded). */
static char *percent_decode(resolver *r, const char *s) {
  size_t n = strlen(s);
  char *d = cb_arena_alloc(r->ctx->arena, n + 1);
  if (!d) {
    r->failed = 1;
    return NULL;
  }
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%' && isxdigit((unsigned char)s[i + 1]) &&
        isxdigit((unsigned char)s[i + 2])) {
      char hex[3] = {s[i + 1], s[i + 2], 0};
      d[o++] = (char)strtol(hex, NULL, 16);
      i += 2;
    } else {
      d[o++] = s[i];
    }
  }
  d[o] = '\0';
  return d;
}

/* Joins a relative path to the directory of base and normalizes it;
 * NULL when it climbs out of the project. */
static char *join_path(resolver *r, const char *base, const char *rel) {
  cb_buf b = {0};
  const char *slash = strrchr(base, '/');
  if (rel[0] != '/' && slash)
    cb_buf_append(&b, base, (size_t)(slash - base + 1));
  cb_buf_puts(&b, rel[0] == '/' ? rel + 1 : rel);
  if (b.failed) {
    cb_buf_free(&b);
    r->failed = 1;
    return NULL;
  }
  /* normalize . and .. */
  char *src = b.data ? b.data : (char *)"";
  char *out = cb_arena_alloc(r->ctx->arena, strlen(src) + 1);
  if (!out) {
    cb_buf_free(&b);
    r->failed = 1;
    return NULL;
  }
  size_t o = 0;
  int bad = 0;
  char *save = NULL;
  for (char *seg = strtok_r(src, "/", &save); seg;
       seg = strtok_r(NULL, "/", &save)) {
    if (strcmp(seg, ".") == 0)
      continue;
    if (strcmp(seg, "..") == 0) {
      if (o == 0) {
        bad = 1;
        break;
      }
      while (o > 0 && out[o - 1] != '/')
        o--;
      if (o > 0)
        o--;
      continue;
    }
    if (o)
      out[o++] = '/';
    size_t n = strlen(seg);
    memcpy(out + o, seg, n);
    o += n;
  }
  out[o] = '\0';
  cb_buf_free(&b);
  return bad ? NULL : out;
}

static int ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* The heading slugs of chapter, made on first use: few chapters are the
 * target of an anchor. */
static const cb_strmap *chapter_anchors(resolver *r, uint32_t chapter) {
  cb_strmap *slugs = &r->anchors[chapter];
  const cb_chapter *ch = &r->book->chapters[chapter];
  if (slugs->n || !ch->n_headings)
    return slugs;
  if (cb_strmap_reserve(slugs, ch->n_headings) < 0) {
    r->failed = 1;
    return slugs;
  }
  for (size_t h = 0; h < ch->n_headings; h++)
    cb_strmap_put(slugs, ch->headings[h].slug, h, NULL); /* room made */
  return slugs;
}

/* Is anchor a heading slug or an element anchor of chapter? */
static int anchor_exists(resolver *r, uint32_t chapter, const char *anchor) {
  if (cb_strmap_get(chapter_anchors(r, chapter), anchor, NULL))
    return 1;
  size_t i;
  const cb_book *bk = r->book;
  if (strncmp(anchor, "case-", 5) == 0 &&
      cb_strmap_get(&r->cases, anchor + 5, &i))
    return bk->cases[i].chapter == chapter;
  if (strncmp(anchor, "question-", 9) == 0 &&
      cb_strmap_get(&r->questions, anchor + 9, &i))
    return bk->questions[i].chapter == chapter;
  if (strncmp(anchor, "criterion-", 10) == 0 &&
      cb_strmap_get(&r->criteria, anchor + 10, &i))
    return bk->criteria[i].chapter == chapter;
  return 0;
}

static void resolve_link(resolver *r, cb_link *l) {
  const cb_book *bk = r->book;
  size_t i;
  switch (l->kind) {
  case CB_LINK_EXTERNAL: l->href = l->url; return;
  case CB_LINK_UNSAFE: l->href = NULL; return;
  case CB_LINK_CASE:
    if (cb_strmap_get(&r->cases, l->target, &i))
      l->href = chapter_href(r, bk->cases[i].chapter, "case-", l->target);
    return;
  case CB_LINK_QUESTION:
    if (cb_strmap_get(&r->questions, l->target, &i))
      l->href = chapter_href(r, bk->questions[i].chapter, "question-",
                             l->target);
    return;
  case CB_LINK_CRITERION:
    if (cb_strmap_get(&r->criteria, l->target, &i))
      l->href = chapter_href(r, bk->criteria[i].chapter, "criterion-",
                             l->target);
    return;
  case CB_LINK_OPTION: {
    const char *slash = strchr(l->target, '/');
    if (!slash)
      return;
    char *qid = dup(r, l->target, (size_t)(slash - l->target));
    if (!qid || !cb_strmap_get(&r->questions, qid, &i))
      return;
    const cb_question *q = &bk->questions[i];
    if (!cb_question_option(q, slash + 1))
      return;
    l->href = chapter_href(r, q->chapter, "option-",
                           CONCAT(r, qid, "-", slash + 1));
    return;
  }
  case CB_LINK_RELATIVE: break;
  }
  /* relative: "", "#a", "x.md", "x.md#a", "img/x.png" */
  const char *anchor = l->anchor ? percent_decode(r, l->anchor) : NULL;
  if (!*l->target) {
    if (!anchor || anchor_exists(r, l->chapter, anchor))
      l->href = chapter_href(r, l->chapter, "", anchor);
    return;
  }
  const char *from = bk->chapters[l->chapter].path;
  char *path = join_path(r, from, percent_decode(r, l->target));
  if (!ends_with(l->target, ".md")) {
    /* another file of the project: the site carries a copy of it */
    if (!path || !bsearch(&path, r->files, r->n_files, sizeof *r->files,
                          cmp_path))
      return;
    l->asset = path;
    l->href = CONCAT(r, "assets/", path, l->anchor ? "#" : "",
                     l->anchor ? l->anchor : "");
    return;
  }
  size_t ch;
  if (!path || !cb_strmap_get(&r->chapters, path, &ch))
    return;
  if (anchor && !anchor_exists(r, (uint32_t)ch, anchor))
    return;
  l->href = chapter_href(r, (uint32_t)ch, "", anchor);
}

static int build_maps(resolver *r) {
  cb_book *bk = r->book;
  if (cb_strmap_reserve(&r->questions, bk->n_questions) < 0 ||
      cb_strmap_reserve(&r->criteria, bk->n_criteria) < 0 ||
      cb_strmap_reserve(&r->cases, bk->n_cases) < 0 ||
      cb_strmap_reserve(&r->chapters, bk->n_chapters) < 0)
    return -1;
  for (size_t i = 0; i < bk->n_questions; i++)
    if (cb_strmap_put(&r->questions, bk->questions[i].id, i, NULL) < 0)
      return -1;
  for (size_t i = 0; i < bk->n_criteria; i++)
    if (cb_strmap_put(&r->criteria, bk->criteria[i].id, i, NULL) < 0)
      return -1;
  for (size_t i = 0; i < bk->n_cases; i++)
    if (cb_strmap_put(&r->cases, bk->cases[i].id, i, NULL) < 0)
      return -1;
  r->anchors = cb_calloc(bk->n_chapters + 1, sizeof *r->anchors);
  if (!r->anchors)
    return -1;
  for (size_t c = 0; c < bk->n_chapters; c++)
    if (cb_strmap_put(&r->chapters, bk->chapters[c].path, c, NULL) < 0)
      return -1;
  return 0;
}

int cb_resolve__book(cb_ctx *ctx, cb_book *book, const char *const *files,
                     size_t n_files) {
  resolver r = {0};
  r.ctx = ctx;
  r.book = book;
  r.files = files;
  r.n_files = n_files;
  int err = 0;
  if (build_maps(&r) < 0) {
    err = CB_ENOMEM;
    goto done;
  }
  for (size_t i = 0; i < book->n_cases; i++) {
    cb_case *c = &book->cases[i];
    for (size_t k = 0; k < c->n_answers; k++)
      type_answer(&r, c, &c->answers[k]);
  }
  for (size_t i = 0; i < book->n_links; i++)
    resolve_link(&r, &book->links[i]);
  if (r.failed)
    err = CB_ENOMEM;
done:
  cb_strmap_free(&r.questions);
  cb_strmap_free(&r.criteria);
  cb_strmap_free(&r.cases);
  cb_strmap_free(&r.chapters);
  if (r.anchors)
    for (size_t c = 0; c < book->n_chapters; c++)
      cb_strmap_free(&r.anchors[c]);
  cb_free(r.anchors);
  return err ? cb_ctx__fail(ctx, err, "out of memory") : 0;
}
