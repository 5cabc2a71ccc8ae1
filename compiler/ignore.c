/* SPDX-License-Identifier: MIT */
/*
 * ignore.c: suppressions written in the casebook (docs/rules.md,
 * "Silencing a finding"):
 *
 *   <!-- casebook-ignore RULE[, RULE...]: why -->
 *       on the line before an element's heading: that rule, in the whole
 *       element (up to the next heading of its level or above); before
 *       any other line: that rule on that line;
 *   <!-- casebook-ignore-file RULE[, RULE...]: why -->
 *       anywhere in a chapter: that rule in the whole chapter.
 *
 * The reason is required. A finding an ignore covers stays in the
 * diagnostics, marked with the reason (cb_diag.suppressed): the formats
 * for people and for CI annotations leave it out, JSON and SARIF show it
 * as suppressed, and it counts for no exit status. An ignore without a
 * reason is an error, one that silences nothing a warning, a rule id that
 * no rule has a warning with a "did you mean".
 */
#include <string.h>

#include "ctx.h"
#include "suggest.h"

#define RULE_NO_REASON "ignore-without-reason"
#define RULE_UNUSED "unused-ignore"
#define RULE_UNKNOWN "unknown-rule-in-ignore"
#define PREFIX "casebook-ignore"

typedef struct ignore {
  uint32_t file;
  uint32_t line;       /* of the comment */
  uint32_t from, to;   /* lines covered, inclusive; 0..UINT32_MAX: file */
  const char *rules;   /* ids, each followed by '\0', ended by "" */
  size_t n_rules;
  const char *reason;  /* NULL: none given */
  unsigned char *used; /* per rule */
} ignore;

static int is_blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
      return 0;
  return 1;
}

/* The level of an ATX heading line (1-6), 0 if it is none. */
static int heading_level(const char *s, size_t n) {
  size_t i = 0;
  while (i < n && i < 3 && s[i] == ' ')
    i++;
  int level = 0;
  while (i < n && s[i] == '#' && level < 7) {
    i++;
    level++;
  }
  if (level < 1 || level > 6)
    return 0;
  return i == n || s[i] == ' ' || s[i] == '\t' ? level : 0;
}

/* A fence line: its character and length, 0 when it is not one. */
static size_t fence(const char *s, size_t n, char *ch) {
  size_t i = 0;
  while (i < n && i < 3 && s[i] == ' ')
    i++;
  if (i >= n || (s[i] != '`' && s[i] != '~'))
    return 0;
  char c = s[i];
  size_t k = 0;
  while (i + k < n && s[i + k] == c)
    k++;
  if (k < 3)
    return 0;
  *ch = c;
  return k;
}

/* The lines of a file, as offsets: line l (1-based) is
 * text[starts[l - 1] .. starts[l] - 1). */
typedef struct lines {
  size_t *starts;
  size_t n;
} lines;

static int split(lines *ls, const cb_file *f) {
  size_t n = 1;
  for (size_t i = 0; i < f->len; i++)
    n += f->text[i] == '\n';
  ls->starts = cb_malloc((n + 1) * sizeof *ls->starts);
  if (!ls->starts)
    return -1;
  ls->n = 0;
  ls->starts[ls->n++] = 0;
  for (size_t i = 0; i < f->len; i++)
    if (f->text[i] == '\n')
      ls->starts[ls->n++] = i + 1;
  ls->starts[ls->n] = f->len + 1;
  return 0;
}

static const char *line_at(const cb_file *f, const lines *ls, size_t l,
                           size_t *len) {
  size_t a = ls->starts[l - 1], b = ls->starts[l] - 1;
  if (b > f->len)
    b = f->len;
  *len = b - a;
  return f->text + a;
}

/* Reads the ignore comment of line s (n bytes), if it is one, into ig:
 * 1 read, 0 not an ignore, -1 out of memory. */
static int parse(cb_ctx *ctx, const char *s, size_t n, ignore *ig,
                 int *file_wide) {
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
    n--;
  size_t i = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\t'))
    i++;
  if (n - i < 7 || memcmp(s + i, "<!--", 4) || memcmp(s + n - 3, "-->", 3))
    return 0;
  const char *p = s + i + 4, *end = s + n - 3;
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  size_t plen = sizeof PREFIX - 1;
  if ((size_t)(end - p) < plen || memcmp(p, PREFIX, plen))
    return 0;
  p += plen;
  *file_wide = 0;
  if (end - p >= 5 && !memcmp(p, "-file", 5)) {
    *file_wide = 1;
    p += 5;
  }
  if (p < end && *p != ' ' && *p != '\t')
    return 0; /* casebook-ignored, ... */
  if (p > end)
    return 0;
  const char *colon = memchr(p, ':', (size_t)(end - p));
  const char *ids_end = colon ? colon : end;
  cb_buf ids = {0};
  size_t count = 0;
  const char *q = p;
  while (q < ids_end) {
    while (q < ids_end && (*q == ' ' || *q == '\t' || *q == ','))
      q++;
    const char *start = q;
    while (q < ids_end && *q != ' ' && *q != '\t' && *q != ',')
      q++;
    if (q > start) {
      cb_buf_append(&ids, start, (size_t)(q - start));
      cb_buf_putc(&ids, '\0');
      count++;
    }
  }
  cb_buf_putc(&ids, '\0');
  char *copy = ids.failed ? NULL : cb_arena_alloc(ctx->arena, ids.len);
  if (copy)
    memcpy(copy, ids.data, ids.len);
  ig->rules = copy;
  cb_buf_free(&ids);
  ig->n_rules = count;
  ig->reason = NULL;
  if (colon) {
    const char *r = colon + 1, *re = end;
    while (r < re && (*r == ' ' || *r == '\t'))
      r++;
    while (re > r && (re[-1] == ' ' || re[-1] == '\t'))
      re--;
    if (re > r)
      ig->reason = cb_arena_strndup(ctx->arena, r, (size_t)(re - r));
    if (re > r && !ig->reason)
      return -1;
  }
  ig->used = cb_arena_calloc(ctx->arena, count + 1, 1);
  return ig->rules && ig->used ? 1 : -1;
}

/* Every ignore of chapter file fi into *v (n, cap). Returns 0 or -1. */
static int scan(cb_ctx *ctx, const cb_book *book, uint32_t fi, ignore **v,
                size_t *n, size_t *cap) {
  const cb_file *f = &book->files[fi];
  lines ls;
  if (split(&ls, f) < 0)
    return -1;
  char fch = 0;
  size_t flen = 0; /* inside a fenced block of flen fch's */
  size_t first_pending = *n; /* ignores waiting for their target line */
  int err = 0;
  for (size_t l = 1; l <= ls.n && !err; l++) {
    size_t len;
    const char *s = line_at(f, &ls, l, &len);
    char c;
    size_t k = fence(s, len, &c);
    if (flen) {
      if (k >= flen && c == fch)
        flen = 0;
      continue;
    }
    if (k) {
      fch = c;
      flen = k;
    }
    ignore ig;
    memset(&ig, 0, sizeof ig);
    int file_wide = 0;
    int r = k ? 0 : parse(ctx, s, len, &ig, &file_wide);
    if (r < 0) {
      err = -1;
      break;
    }
    if (r > 0) {
      ig.file = fi;
      ig.line = (uint32_t)l;
      if (file_wide) {
        ig.from = 0;
        ig.to = UINT32_MAX;
      }
      if (CB_VEC_PUSH(*v, *n, *cap, ig) < 0) {
        err = -1;
        break;
      }
      if (!file_wide)
        continue; /* its target is the next line that is not an ignore */
      /* keep it out of the pending ones */
      ignore tmp = (*v)[*n - 1];
      memmove(*v + first_pending + 1, *v + first_pending,
              (*n - 1 - first_pending) * sizeof **v);
      (*v)[first_pending++] = tmp;
      continue;
    }
    if (is_blank(s, len))
      continue;
    /* line l is the target of the pending ignores */
    uint32_t to = (uint32_t)l;
    int level = heading_level(s, len);
    if (level) {
      /* the element: up to the next heading of its level or above,
       * outside fences */
      char c2 = 0;
      size_t f2 = 0;
      to = (uint32_t)ls.n;
      for (size_t m = l + 1; m <= ls.n; m++) {
        size_t len2;
        const char *s2 = line_at(f, &ls, m, &len2);
        char c3;
        size_t k2 = fence(s2, len2, &c3);
        if (f2) {
          if (k2 >= f2 && c3 == c2)
            f2 = 0;
          continue;
        }
        if (k2) {
          c2 = c3;
          f2 = k2;
          continue;
        }
        int lv = heading_level(s2, len2);
        if (lv && lv <= level) {
          to = (uint32_t)(m - 1);
          break;
        }
      }
    }
    for (size_t i = first_pending; i < *n; i++) {
      (*v)[i].from = (uint32_t)l;
      (*v)[i].to = to;
    }
    first_pending = *n;
  }
  /* ignores at the end of the file have no target: they cover nothing */
  for (size_t i = first_pending; i < *n; i++)
    (*v)[i].from = (*v)[i].to = 0;
  cb_free(ls.starts);
  return err;
}

/* The index of rule in ig's list, or -1. */
static long rule_index(const ignore *ig, const char *rule) {
  const char *r = ig->rules;
  for (long i = 0; *r; i++, r += strlen(r) + 1)
    if (!strcmp(r, rule))
      return i;
  return -1;
}

/* Whether the file mentions the prefix at all (most do not). */
static int mentions(const cb_file *f) {
  size_t n = sizeof PREFIX - 1;
  for (const char *p = f->text, *end = f->text + f->len;
       (p = memchr(p, 'c', (size_t)(end - p))) && (size_t)(end - p) >= n;
       p++)
    if (!memcmp(p, PREFIX, n))
      return 1;
  return 0;
}

static int is_chapter(const cb_book *book, uint32_t fi) {
  for (size_t c = 0; c < book->n_chapters; c++)
    if (book->chapters[c].file == fi)
      return 1;
  return 0;
}

int cb_book_apply_ignores(cb_ctx *ctx, const cb_book *book) {
  ignore *v = NULL;
  size_t n = 0, cap = 0;
  int err = 0;
  for (uint32_t fi = 0; fi < book->n_files && !err; fi++)
    if (is_chapter(book, fi) && mentions(&book->files[fi]))
      err = scan(ctx, book, fi, &v, &n, &cap);
  if (err) {
    cb_free(v);
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  if (!n)
    return 0;
  /* the findings they cover */
  size_t n_diags = ctx->n_diags;
  for (size_t d = 0; d < n_diags; d++) {
    cb_diag *g = &ctx->diags[d];
    if (g->suppressed || !g->rule || g->file == UINT32_MAX)
      continue;
    for (size_t i = 0; i < n; i++) {
      ignore *ig = &v[i];
      long r;
      if (ig->file != g->file || !ig->reason || g->line < ig->from ||
          g->line > ig->to || (r = rule_index(ig, g->rule)) < 0)
        continue;
      g->suppressed = ig->reason;
      ig->used[r] = 1;
      break;
    }
  }
  /* the rule ids known, for unknown ones */
  const cb_rule_info *info = ctx->rules;
  size_t n_info = ctx->n_rules;
  if (!info && cb_rules_list(&info, &n_info, ctx, book) < 0)
    n_info = 0;
  const char **ids = cb_calloc(n_info + 1, sizeof *ids);
  for (size_t i = 0; ids && i < n_info; i++)
    ids[i] = info[i].id;
  for (size_t i = 0; i < n; i++) {
    const ignore *ig = &v[i];
    cb_loc at = {ig->file, ig->line, 1, 0, 0};
    if (!ig->n_rules) {
      cb_diag_report(ctx, CB_DIAG_ERROR, RULE_NO_REASON, at, NULL, NULL,
                     "this casebook-ignore names no rule: write "
                     "<!-- casebook-ignore RULE-ID: why -->");
      continue;
    }
    if (!ig->reason) {
      cb_diag_report(ctx, CB_DIAG_ERROR, RULE_NO_REASON, at, NULL, NULL,
                     "this casebook-ignore gives no reason, so it silences "
                     "nothing: add one after a colon "
                     "(<!-- casebook-ignore %s: why -->)",
                     ig->rules);
      continue;
    }
    const char *r = ig->rules;
    for (size_t k = 0; *r; k++, r += strlen(r) + 1) {
      if (ig->used[k])
        continue;
      int known = 0;
      for (size_t j = 0; j < n_info && !known; j++)
        known = !strcmp(info[j].id, r);
      if (!known) {
        const char *near = ids ? cb_suggest(r, ids, n_info) : NULL;
        cb_diag_report(ctx, CB_DIAG_WARNING, RULE_UNKNOWN, at, NULL, near,
                       "no rule is called '%s', so this casebook-ignore "
                       "silences nothing",
                       r);
      } else {
        cb_diag_report(ctx, CB_DIAG_WARNING, RULE_UNUSED, at, NULL, NULL,
                       ig->from ? "this casebook-ignore of '%s' silences "
                                  "nothing: no finding of that rule is "
                                  "where it points (remove it)"
                                : "this casebook-ignore of '%s' is followed "
                                  "by nothing it could apply to",
                       r);
      }
    }
  }
  cb_free(ids);
  cb_free(v);
  ctx->diags_sorted = 0;
  return 0;
}
