/* SPDX-License-Identifier: MIT */
/*
 * codec.c: one chapter's extraction result as bytes and back (codec.h,
 * docs/cache.md), and the primitives the record of a build is written
 * with.
 *
 * Payloads use unsigned LEB128 numbers and length-prefixed strings (0 is
 * NULL, n + 1 a string of n bytes). Reading checks every length, count,
 * offset and index against the end of the buffer or what it refers to,
 * so even a payload with a valid MAC cannot make the reader go astray: a
 * malformed entry is a miss, never a crash.
 *
 * Positions inside a chapter entry are stored without their file (the
 * chapter's own, whatever its index in the next build); element indexes
 * are relative to the chapter's first element; link numbers in the HTML
 * ("cb-link:N") are renumbered when the chapter's first link moved.
 */
#include "codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Bounds the reader holds a payload to, as extraction does (blocks.c). */
#define SCALE_LIMIT 1000000
/* The fewest bytes a stored question, criterion, case and link take. */
#define MIN_QUESTION 20
#define MIN_CRITERION 12
#define MIN_CASE 20
#define MIN_LINK 9

/* ---- writing ----------------------------------------------------------- */

void cb_codec__put_u(cb_codec_wr *w, uint64_t v) {
  char t[10];
  size_t n = 0;
  do {
    unsigned char c = v & 0x7f;
    v >>= 7;
    t[n++] = (char)(c | (v ? 0x80 : 0));
  } while (v);
  cb_buf_append(w->b, t, n);
}

void cb_codec__put_i(cb_codec_wr *w, long long v) {
  cb_codec__put_u(w, ((uint64_t)v << 1) ^ (uint64_t)(v < 0 ? -1 : 0));
}

void cb_codec__put_bytes(cb_codec_wr *w, const char *s, size_t n) {
  cb_codec__put_u(w, (uint64_t)n + 1);
  cb_buf_append(w->b, s, n);
}

void cb_codec__put_s(cb_codec_wr *w, const char *s) {
  if (!s)
    cb_codec__put_u(w, 0);
  else
    cb_codec__put_bytes(w, s, strlen(s));
}

/* A string the model never leaves NULL (model.h); the reader refuses a
 * NULL there, so a chapter that has one anyway is not stored. */
static void put_req(cb_codec_wr *w, const char *s) {
  if (!s)
    w->doubt = 1;
  cb_codec__put_s(w, s);
}

/* A position: 0 for the zero position, else 1, line, column in the
 * chapter's own file, or 2, line, column, end line, end column for a
 * range. Any other file is something to doubt. */
static void put_loc(cb_codec_wr *w, cb_loc l) {
  if (l.file == 0 && l.line == 0 && l.col == 0 && l.end_line == 0) {
    cb_codec__put_u(w, 0);
    return;
  }
  if (l.file != w->file)
    w->doubt = 1;
  cb_codec__put_u(w, l.end_line ? 2 : 1);
  cb_codec__put_u(w, l.line);
  cb_codec__put_u(w, l.col);
  if (l.end_line) {
    cb_codec__put_u(w, l.end_line);
    cb_codec__put_u(w, l.end_col);
  }
}

/* An array's count: 0 for NULL, n + 1 otherwise. */
static void put_n(cb_codec_wr *w, const void *arr, size_t n) {
  cb_codec__put_u(w, arr ? (uint64_t)n + 1 : 0);
}

static void put_chapter_index(cb_codec_wr *w, uint32_t chapter) {
  if (chapter != w->chapter)
    w->doubt = 1;
}

static void put_history(cb_codec_wr *w, const cb_history *h) {
  cb_codec__put_u(w, (uint64_t)h->state);
  cb_codec__put_s(w, h->last_commit);
  cb_codec__put_s(w, h->last_date);
  cb_codec__put_s(w, h->last_label);
}

static void put_strlist(cb_codec_wr *w, const cb_strlist *l) {
  put_n(w, l->items, l->n);
  for (size_t i = 0; l->items && i < l->n; i++)
    put_req(w, l->items[i]);
  cb_codec__put_u(w, l->locs != NULL);
  for (size_t i = 0; l->locs && i < l->n; i++)
    put_loc(w, l->locs[i]);
}

static void put_props(cb_codec_wr *w, const cb_prop *p, size_t n) {
  put_n(w, p, n);
  for (size_t i = 0; p && i < n; i++) {
    put_req(w, p[i].key);
    put_req(w, p[i].raw_key);
    put_req(w, p[i].value);
    put_loc(w, p[i].key_loc);
    put_loc(w, p[i].value_loc);
  }
}

static void put_lists(cb_codec_wr *w, const cb_list *l, size_t n) {
  put_n(w, l, n);
  for (size_t i = 0; l && i < n; i++) {
    cb_codec__put_u(w, (uint64_t)l[i].issue);
    put_n(w, l[i].items, l[i].n_items);
    for (size_t k = 0; l[i].items && k < l[i].n_items; k++) {
      cb_codec__put_s(w, l[i].items[k].key);
      put_req(w, l[i].items[k].text);
      put_loc(w, l[i].items[k].loc);
    }
    put_loc(w, l[i].loc);
  }
}

static void put_prose(cb_codec_wr *w, const cb_prose *p) {
  cb_codec__put_s(w, p->html);
  cb_codec__put_s(w, p->text);
}

static void put_question(cb_codec_wr *w, const cb_question *q) {
  put_req(w, q->id);
  put_req(w, q->title);
  put_loc(w, q->loc);
  put_chapter_index(w, q->chapter);
  cb_codec__put_u(w, (uint64_t)q->type);
  cb_codec__put_s(w, q->type_raw);
  cb_codec__put_i(w, q->scale_min);
  cb_codec__put_i(w, q->scale_max);
  cb_codec__put_i(w, q->required);
  cb_codec__put_s(w, q->when);
  put_loc(w, q->when_loc);
  put_req(w, q->hint);
  put_strlist(w, &q->responses);
  cb_codec__put_u(w, (uint64_t)q->scope);
  cb_codec__put_i(w, q->min_replies);
  put_n(w, q->options, q->n_options);
  for (size_t i = 0; q->options && i < q->n_options; i++) {
    const cb_option *o = &q->options[i];
    put_req(w, o->id);
    cb_codec__put_i(w, o->value);
    cb_codec__put_s(w, o->meaning_html);
    cb_codec__put_s(w, o->meaning_text);
    put_n(w, o->attrs, o->n_attrs);
    for (size_t k = 0; o->attrs && k < o->n_attrs; k++) {
      put_req(w, o->attrs[k].key);
      cb_codec__put_s(w, o->attrs[k].value);
    }
    put_loc(w, o->loc);
    put_history(w, &o->history);
  }
  put_loc(w, q->options_loc);
  put_props(w, q->props, q->n_props);
  put_prose(w, &q->guidance);
  put_lists(w, q->lists, q->n_lists);
  put_history(w, &q->history);
}

static void put_criterion(cb_codec_wr *w, const cb_criterion *c) {
  put_req(w, c->id);
  put_req(w, c->title);
  put_loc(w, c->loc);
  put_chapter_index(w, c->chapter);
  put_strlist(w, &c->applies_to);
  cb_codec__put_s(w, c->severity);
  cb_codec__put_s(w, c->points);
  put_props(w, c->props, c->n_props);
  put_prose(w, &c->prose);
  put_lists(w, c->lists, c->n_lists);
  put_history(w, &c->history);
}

/* The first byte of each line of text, for finding inputs in the source. */
typedef struct lines {
  size_t *start;
  size_t n;
} lines;

/* An input's text: a slice of the chapter's source (0, offset, length)
 * when it is one, else its bytes (1, bytes). */
static void put_input_text(cb_codec_wr *w, const cb_input *in, const cb_file *f,
                           const lines *ls) {
  uint32_t line = in->loc.line;
  for (uint32_t l = line + 1; ls->start && l <= line + 1 && l < ls->n; l++) {
    size_t off = ls->start[l];
    if (off <= f->len && in->len <= f->len - off &&
        memcmp(f->text + off, in->text, in->len) == 0) {
      cb_codec__put_u(w, 0);
      cb_codec__put_u(w, off);
      cb_codec__put_u(w, in->len);
      return;
    }
  }
  cb_codec__put_u(w, 1);
  cb_codec__put_bytes(w, in->text, in->len);
}

static void put_case(cb_codec_wr *w, const cb_case *c, const cb_file *f,
                     const lines *ls) {
  put_req(w, c->id);
  put_req(w, c->title);
  put_loc(w, c->loc);
  put_chapter_index(w, c->chapter);
  put_n(w, c->inputs, c->n_inputs);
  for (size_t i = 0; c->inputs && i < c->n_inputs; i++) {
    const cb_input *in = &c->inputs[i];
    cb_codec__put_u(w, (uint64_t)in->kind);
    cb_codec__put_s(w, in->name);
    cb_codec__put_u(w, in->unnamed ? 1 : 0);
    cb_codec__put_s(w, in->info);
    cb_codec__put_u(w, in->fence == '~');
    put_input_text(w, in, f, ls);
    put_loc(w, in->loc);
  }
  put_n(w, c->answers, c->n_answers);
  for (size_t i = 0; c->answers && i < c->n_answers; i++) {
    const cb_answer *a = &c->answers[i];
    put_req(w, a->key);
    put_req(w, a->raw);
    cb_codec__put_s(w, a->response);
    if (a->question != -1)
      w->doubt = 1; /* typed already: not an extraction result */
    cb_codec__put_i(w, a->question);
    cb_codec__put_u(w, (uint64_t)a->kind);
    put_n(w, a->items, a->n_items);
    for (size_t k = 0; a->items && k < a->n_items; k++)
      put_req(w, a->items[k]);
    cb_codec__put_u(w, a->tied != NULL);
    for (size_t k = 0; a->tied && k < a->n_items; k++)
      cb_codec__put_u(w, a->tied[k]);
    cb_codec__put_i(w, a->number);
    cb_codec__put_i(w, a->strength);
    cb_codec__put_s(w, a->error);
    put_loc(w, a->key_loc);
    put_loc(w, a->value_loc);
  }
  put_strlist(w, &c->criteria);
  put_strlist(w, &c->tags);
  cb_codec__put_u(w, (uint64_t)c->status);
  cb_codec__put_s(w, c->status_raw);
  cb_codec__put_s(w, c->source);
  put_props(w, c->props, c->n_props);
  put_loc(w, c->responses_table_loc);
  put_strlist(w, &c->table_rows);
  put_prose(w, &c->rationale);
  put_lists(w, c->lists, c->n_lists);
  put_history(w, &c->history);
}

static void put_link(cb_codec_wr *w, const cb_link *l) {
  cb_codec__put_u(w, (uint64_t)l->kind);
  put_req(w, l->url);
  cb_codec__put_s(w, l->target);
  cb_codec__put_s(w, l->anchor);
  put_req(w, l->text);
  cb_codec__put_i(w, l->is_image);
  put_chapter_index(w, l->chapter);
  put_loc(w, l->loc);
  cb_codec__put_s(w, l->href);
  cb_codec__put_s(w, l->asset);
}

/* An item's index: relative to the chapter's first element of its kind
 * (headings and prose are the chapter's own already). */
static void put_item(cb_codec_wr *w, const cb_item *it, size_t n_headings) {
  size_t base = 0, n = 0;
  cb_codec__put_u(w, (uint64_t)it->kind);
  switch (it->kind) {
  case CB_ITEM_QUESTION:
    base = w->q0;
    n = w->nq;
    break;
  case CB_ITEM_CRITERION:
    base = w->c0;
    n = w->nc;
    break;
  case CB_ITEM_CASE:
    base = w->k0;
    n = w->nk;
    break;
  case CB_ITEM_HEADING:
    n = n_headings;
    break;
  case CB_ITEM_PROSE:
    n = 1; /* prose has no index of its own: always 0 */
    break;
  default:
    w->doubt = 1;
    break;
  }
  if (it->index < base || it->index - base >= n)
    w->doubt = 1;
  cb_codec__put_u(w, it->index - base);
  cb_codec__put_s(w, it->html);
}

/* ---- reading ----------------------------------------------------------- */

uint64_t cb_codec__get_u(cb_codec_rd *r) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    if (r->p >= r->end || shift > 63) {
      r->bad = 1;
      return 0;
    }
    unsigned char c = *r->p++;
    v |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80))
      return v;
  }
}

/* An enumeration's value, at most max. */
unsigned cb_codec__get_enum(cb_codec_rd *r, unsigned max) {
  uint64_t v = cb_codec__get_u(r);
  if (v > max) {
    r->bad = 1;
    return 0;
  }
  return (unsigned)v;
}

long long cb_codec__get_i(cb_codec_rd *r) {
  uint64_t u = cb_codec__get_u(r);
  return (long long)(u >> 1) ^ -(long long)(u & 1);
}

/* A count of elements that each take at least one byte. */
size_t cb_codec__get_count(cb_codec_rd *r, uint64_t v) {
  if (v > (uint64_t)(r->end - r->p) || v > SIZE_MAX / 256) {
    r->bad = 1;
    return 0;
  }
  return (size_t)v;
}

const char *cb_codec__get_bytes(cb_codec_rd *r, size_t *len) {
  uint64_t v = cb_codec__get_u(r);
  if (r->bad || v == 0) {
    *len = 0;
    return NULL;
  }
  size_t n = cb_codec__get_count(r, v - 1);
  if (r->bad)
    return NULL;
  const char *s = (const char *)r->p;
  r->p += n;
  *len = n;
  return s;
}

const char *cb_codec__get_s(cb_codec_rd *r) {
  size_t n;
  const char *s = cb_codec__get_bytes(r, &n);
  if (!s)
    return NULL;
  char *d = cb_arena_strndup(r->a, s, n);
  if (!d)
    r->oom = r->bad = 1;
  return d;
}

/* A string the model never leaves NULL (see put_req). */
static const char *get_req(cb_codec_rd *r) {
  const char *s = cb_codec__get_s(r);
  if (!s)
    r->bad = 1;
  return s;
}

/* HTML whose link numbers follow the chapter's first link. */
static const char *get_html(cb_codec_rd *r) {
  size_t n;
  const char *s = cb_codec__get_bytes(r, &n);
  if (!s)
    return NULL;
  if (r->old_first == r->new_first) {
    char *d = cb_arena_strndup(r->a, s, n);
    if (!d)
      r->oom = r->bad = 1;
    return d;
  }
  static const char pat[] = "\"cb-link:";
  const size_t pn = sizeof pat - 1;
  cb_buf_reset(&r->tmp);
  size_t i = 0;
  while (i < n) {
    const char *hit = NULL;
    for (size_t k = i; k + pn <= n; k++)
      if (s[k] == '"' && memcmp(s + k, pat, pn) == 0) {
        hit = s + k;
        break;
      }
    if (!hit) {
      cb_buf_append(&r->tmp, s + i, n - i);
      break;
    }
    size_t at = (size_t)(hit - s) + pn;
    cb_buf_append(&r->tmp, s + i, at - i);
    size_t num = 0, e = at;
    while (e < n && s[e] >= '0' && s[e] <= '9' && e - at < 18)
      num = num * 10 + (size_t)(s[e++] - '0');
    if (e == at || e >= n || s[e] != '"' || num < r->old_first ||
        num - r->old_first >= r->n_links) {
      r->bad = 1; /* not a link of this chapter: do not guess */
      return NULL;
    }
    cb_buf_printf(&r->tmp, "%zu", num - r->old_first + r->new_first);
    i = e;
  }
  if (r->tmp.failed) {
    r->oom = r->bad = 1;
    return NULL;
  }
  char *d = cb_arena_strndup(r->a, r->tmp.data ? r->tmp.data : "", r->tmp.len);
  if (!d)
    r->oom = r->bad = 1;
  return d;
}

static cb_loc get_loc(cb_codec_rd *r) {
  cb_loc l = {0, 0, 0, 0, 0};
  uint64_t tag = cb_codec__get_u(r);
  if (tag == 0)
    return l;
  if (tag != 1 && tag != 2) {
    r->bad = 1;
    return l;
  }
  l.file = r->file;
  l.line = (uint32_t)cb_codec__get_u(r);
  l.col = (uint32_t)cb_codec__get_u(r);
  if (tag == 2) {
    l.end_line = (uint32_t)cb_codec__get_u(r);
    l.end_col = (uint32_t)cb_codec__get_u(r);
  }
  return l;
}

/* An array of n elements of size elem (n from the stream): NULL when the
 * stream says NULL. */
static void *get_arr(cb_codec_rd *r, size_t *n, size_t elem) {
  uint64_t v = cb_codec__get_u(r);
  *n = 0;
  if (r->bad || v == 0)
    return NULL;
  size_t count = cb_codec__get_count(r, v - 1);
  if (r->bad)
    return NULL;
  void *a = cb_arena_calloc(r->a, count ? count : 1, elem);
  if (!a) {
    r->oom = r->bad = 1;
    return NULL;
  }
  *n = count;
  return a;
}

static void get_history(cb_codec_rd *r, cb_history *h) {
  h->state = (cb_change_state)cb_codec__get_enum(r, CB_CHANGED);
  h->last_commit = cb_codec__get_s(r);
  h->last_date = cb_codec__get_s(r);
  h->last_label = cb_codec__get_s(r);
}

static void get_strlist(cb_codec_rd *r, cb_strlist *l) {
  size_t n;
  l->items = get_arr(r, &n, sizeof *l->items);
  l->n = n;
  for (size_t i = 0; l->items && i < n && !r->bad; i++)
    l->items[i] = get_req(r);
  uint64_t has_locs = cb_codec__get_u(r);
  if (has_locs) {
    l->locs = cb_arena_calloc(r->a, n ? n : 1, sizeof *l->locs);
    if (!l->locs)
      r->oom = r->bad = 1;
    for (size_t i = 0; l->locs && i < n && !r->bad; i++)
      l->locs[i] = get_loc(r);
  }
}

static void get_props(cb_codec_rd *r, cb_prop **out, size_t *n) {
  cb_prop *p = get_arr(r, n, sizeof *p);
  for (size_t i = 0; p && i < *n && !r->bad; i++) {
    p[i].key = get_req(r);
    p[i].raw_key = get_req(r);
    p[i].value = get_req(r);
    p[i].key_loc = get_loc(r);
    p[i].value_loc = get_loc(r);
  }
  *out = p;
}

static void get_lists(cb_codec_rd *r, cb_list **out, size_t *n) {
  cb_list *l = get_arr(r, n, sizeof *l);
  for (size_t i = 0; l && i < *n && !r->bad; i++) {
    l[i].issue = (cb_list_issue)cb_codec__get_enum(r, CB_LIST_UNCLAIMED);
    l[i].items = get_arr(r, &l[i].n_items, sizeof *l[i].items);
    for (size_t k = 0; l[i].items && k < l[i].n_items && !r->bad; k++) {
      l[i].items[k].key = cb_codec__get_s(r);
      l[i].items[k].text = get_req(r);
      l[i].items[k].loc = get_loc(r);
    }
    l[i].loc = get_loc(r);
  }
  *out = l;
}

static void get_prose(cb_codec_rd *r, cb_prose *p) {
  p->html = get_html(r);
  p->text = cb_codec__get_s(r);
}

static void get_question(cb_codec_rd *r, cb_question *q) {
  q->id = get_req(r);
  q->title = get_req(r);
  q->loc = get_loc(r);
  q->chapter = r->chapter;
  q->type = (cb_qtype)cb_codec__get_enum(r, CB_Q_TEXT);
  q->type_raw = cb_codec__get_s(r);
  long long lo = cb_codec__get_i(r), hi = cb_codec__get_i(r);
  if (lo < -SCALE_LIMIT || hi > SCALE_LIMIT || lo > hi)
    r->bad = 1; /* a loop from min to max must stay short */
  else
    q->scale_min = (int)lo, q->scale_max = (int)hi;
  q->required = (int)cb_codec__get_i(r);
  q->when = cb_codec__get_s(r);
  q->when_loc = get_loc(r);
  q->hint = get_req(r);
  get_strlist(r, &q->responses);
  q->scope = (cb_scope)cb_codec__get_enum(r, CB_SCOPE_RESPONSE);
  q->min_replies = (int)cb_codec__get_i(r);
  if (q->min_replies < 0 || q->min_replies > 1000)
    r->bad = 1;
  q->options = get_arr(r, &q->n_options, sizeof *q->options);
  for (size_t i = 0; q->options && i < q->n_options && !r->bad; i++) {
    cb_option *o = &q->options[i];
    o->id = get_req(r);
    o->value = (int)cb_codec__get_i(r);
    o->meaning_html = get_html(r);
    o->meaning_text = cb_codec__get_s(r);
    o->attrs = get_arr(r, &o->n_attrs, sizeof *o->attrs);
    for (size_t k = 0; o->attrs && k < o->n_attrs && !r->bad; k++) {
      o->attrs[k].key = get_req(r);
      o->attrs[k].value = cb_codec__get_s(r);
    }
    o->loc = get_loc(r);
    get_history(r, &o->history);
  }
  q->options_loc = get_loc(r);
  get_props(r, &q->props, &q->n_props);
  get_prose(r, &q->guidance);
  get_lists(r, &q->lists, &q->n_lists);
  get_history(r, &q->history);
}

static void get_criterion(cb_codec_rd *r, cb_criterion *c) {
  c->id = get_req(r);
  c->title = get_req(r);
  c->loc = get_loc(r);
  c->chapter = r->chapter;
  get_strlist(r, &c->applies_to);
  c->severity = cb_codec__get_s(r);
  c->points = cb_codec__get_s(r);
  get_props(r, &c->props, &c->n_props);
  get_prose(r, &c->prose);
  get_lists(r, &c->lists, &c->n_lists);
  get_history(r, &c->history);
}

static void get_case(cb_codec_rd *r, cb_case *c) {
  c->id = get_req(r);
  c->title = get_req(r);
  c->loc = get_loc(r);
  c->chapter = r->chapter;
  c->inputs = get_arr(r, &c->n_inputs, sizeof *c->inputs);
  for (size_t i = 0; c->inputs && i < c->n_inputs && !r->bad; i++) {
    cb_input *in = &c->inputs[i];
    in->kind = (cb_input_kind)cb_codec__get_enum(r, CB_IN_ASSISTANT);
    in->name = cb_codec__get_s(r);
    in->unnamed = (int)cb_codec__get_enum(r, 1);
    in->info = cb_codec__get_s(r);
    in->fence = cb_codec__get_u(r) ? '~' : '`';
    uint64_t how = cb_codec__get_u(r);
    if (how == 0) {
      uint64_t off = cb_codec__get_u(r), len = cb_codec__get_u(r);
      if (off > r->f->len || len > r->f->len - off) {
        r->bad = 1;
      } else {
        in->text = r->f->text + off; /* a slice of the source */
        in->len = (size_t)len;
      }
    } else {
      /* bytes that may hold NUL: copied with their length */
      size_t n;
      const char *s = cb_codec__get_bytes(r, &n);
      char *d = s ? cb_arena_alloc(r->a, n + 1) : NULL;
      if (s && !d)
        r->oom = r->bad = 1;
      if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
      }
      in->text = d;
      in->len = n;
    }
    in->loc = get_loc(r);
  }
  c->answers = get_arr(r, &c->n_answers, sizeof *c->answers);
  for (size_t i = 0; c->answers && i < c->n_answers && !r->bad; i++) {
    cb_answer *a = &c->answers[i];
    a->key = get_req(r);
    a->raw = get_req(r);
    a->response = cb_codec__get_s(r);
    a->question = (int)cb_codec__get_i(r);
    if (a->question != -1)
      r->bad = 1; /* answers are typed by resolve, after extraction */
    a->kind = (cb_value_kind)cb_codec__get_enum(r, CB_V_TEXT);
    a->items = (const char **)get_arr(r, &a->n_items, sizeof *a->items);
    for (size_t k = 0; a->items && k < a->n_items && !r->bad; k++)
      a->items[k] = get_req(r);
    if (cb_codec__get_u(r)) {
      a->tied = cb_arena_calloc(r->a, a->n_items ? a->n_items : 1, 1);
      if (!a->tied)
        r->oom = r->bad = 1;
      for (size_t k = 0; a->tied && k < a->n_items && !r->bad; k++)
        a->tied[k] = (unsigned char)cb_codec__get_u(r);
    }
    a->number = cb_codec__get_i(r);
    a->strength = (int)cb_codec__get_i(r);
    a->error = cb_codec__get_s(r);
    a->key_loc = get_loc(r);
    a->value_loc = get_loc(r);
  }
  get_strlist(r, &c->criteria);
  get_strlist(r, &c->tags);
  c->status = (cb_status)cb_codec__get_enum(r, CB_STATUS_DISPUTED);
  c->status_raw = cb_codec__get_s(r);
  c->source = cb_codec__get_s(r);
  get_props(r, &c->props, &c->n_props);
  c->responses_table_loc = get_loc(r);
  get_strlist(r, &c->table_rows);
  get_prose(r, &c->rationale);
  get_lists(r, &c->lists, &c->n_lists);
  get_history(r, &c->history);
}

static void get_link(cb_codec_rd *r, cb_link *l) {
  l->kind = (cb_link_kind)cb_codec__get_enum(r, CB_LINK_UNSAFE);
  l->url = get_req(r);
  l->target = cb_codec__get_s(r);
  l->anchor = cb_codec__get_s(r);
  l->text = get_req(r);
  l->is_image = (int)cb_codec__get_i(r);
  l->chapter = r->chapter;
  l->loc = get_loc(r);
  l->href = cb_codec__get_s(r);
  l->asset = cb_codec__get_s(r);
}

static void get_item(cb_codec_rd *r, cb_item *it) {
  it->kind = (cb_item_kind)cb_codec__get_enum(r, CB_ITEM_CASE);
  size_t idx = (size_t)cb_codec__get_u(r), base = 0, n = r->n_headings;
  switch (it->kind) {
  case CB_ITEM_QUESTION:
    base = r->q0;
    n = r->nq;
    break;
  case CB_ITEM_CRITERION:
    base = r->c0;
    n = r->nc;
    break;
  case CB_ITEM_CASE:
    base = r->k0;
    n = r->nk;
    break;
  case CB_ITEM_HEADING:
    break;
  case CB_ITEM_PROSE:
    n = 1; /* always index 0 */
    break;
  default:
    r->bad = 1;
    break;
  }
  if (idx >= n)
    r->bad = 1;
  it->index = base + idx;
  it->html = get_html(r);
}

/* ---- a chapter ---------------------------------------------------------- */

/* Index of the first byte of each line of f (1-based), or none. */
static lines index_lines(const cb_file *f) {
  lines ls = {NULL, 0};
  size_t n = 2;
  for (size_t i = 0; i < f->len; i++)
    n += f->text[i] == '\n';
  if (!(ls.start = cb_malloc((n + 1) * sizeof *ls.start)))
    return ls;
  size_t k = 0;
  ls.start[k++] = 0;
  ls.start[k++] = 0;
  for (size_t i = 0; i < f->len; i++)
    if (f->text[i] == '\n')
      ls.start[k++] = i + 1;
  ls.n = k;
  return ls;
}

/* The payload: version 1, the counts and the first link, the chapter's
 * title, headings, items and prose, its questions, criteria, cases and
 * links, then its extraction diagnostics. */
int cb_codec__put_chapter(cb_buf *out, const cb_ctx *ctx, const cb_builder *b,
                          const cb_chapter *ch, uint32_t i, const cb_file *f,
                          const cb_codec_marks *m) {
  cb_codec_wr w = {out,
                   ch->file,
                   i,
                   m->q,
                   m->c,
                   m->k,
                   b->n_questions - m->q,
                   b->n_criteria - m->c,
                   b->n_cases - m->k,
                   0};
  lines ls = index_lines(f);
  cb_buf_reset(out);
  cb_codec__put_u(&w, 1);
  cb_codec__put_u(&w, w.nq);
  cb_codec__put_u(&w, w.nc);
  cb_codec__put_u(&w, w.nk);
  cb_codec__put_u(&w, b->n_links - m->l);
  cb_codec__put_u(&w, m->l);
  if (ch->first_link != m->l || ch->n_links != b->n_links - m->l)
    w.doubt = 1;
  cb_codec__put_s(&w, ch->title);
  cb_codec__put_s(&w, ch->use);
  put_n(&w, ch->headings, ch->n_headings);
  for (size_t k = 0; ch->headings && k < ch->n_headings; k++) {
    cb_codec__put_i(&w, ch->headings[k].level);
    put_req(&w, ch->headings[k].text);
    put_req(&w, ch->headings[k].slug);
    put_loc(&w, ch->headings[k].loc);
  }
  put_n(&w, ch->items, ch->n_items);
  for (size_t k = 0; ch->items && k < ch->n_items; k++)
    put_item(&w, &ch->items[k], ch->n_headings);
  cb_codec__put_s(&w, ch->prose.html);
  cb_codec__put_s(&w, ch->prose.text);
  for (size_t k = m->q; k < b->n_questions; k++)
    put_question(&w, &b->questions[k]);
  for (size_t k = m->c; k < b->n_criteria; k++)
    put_criterion(&w, &b->criteria[k]);
  for (size_t k = m->k; k < b->n_cases; k++)
    put_case(&w, &b->cases[k], f, &ls);
  for (size_t k = m->l; k < b->n_links; k++)
    put_link(&w, &b->links[k]);
  cb_codec__put_u(&w, ctx->n_diags - m->d);
  for (size_t k = m->d; k < ctx->n_diags; k++) {
    const cb_diag *d = &ctx->diags[k];
    cb_codec__put_u(&w, (uint64_t)d->level);
    cb_codec__put_s(&w, d->rule);
    cb_codec__put_s(&w, d->message);
    cb_codec__put_s(&w, d->element);
    cb_codec__put_s(&w, d->suggestion);
    if (d->file == ch->file) {
      cb_codec__put_u(&w, 1);
      cb_codec__put_u(&w, d->line);
      cb_codec__put_u(&w, d->col);
    } else {
      cb_codec__put_u(&w, 0);
      if (d->file != UINT32_MAX || d->path)
        w.doubt = 1;
    }
  }
  cb_free(ls.start);
  return !w.doubt && !out->failed;
}

/* Reads the whole payload first and only then commits it to b, ch and
 * ctx, so that a malformed one changes nothing. */
int cb_codec__get_chapter(cb_ctx *ctx, cb_builder *b, cb_chapter *ch,
                          uint32_t i, const cb_file *f,
                          const unsigned char *data, size_t len) {
  cb_codec_rd r = {0};
  r.p = data;
  r.end = data + len;
  r.a = ctx->arena;
  r.f = f;
  r.file = ch->file;
  r.chapter = i;
  r.q0 = b->n_questions;
  r.c0 = b->n_criteria;
  r.k0 = b->n_cases;
  r.new_first = b->n_links;
  if (cb_codec__get_u(&r) != 1)
    return 0;
  r.nq = (size_t)cb_codec__get_u(&r);
  r.nc = (size_t)cb_codec__get_u(&r);
  r.nk = (size_t)cb_codec__get_u(&r);
  r.n_links = (size_t)cb_codec__get_u(&r);
  r.old_first = (size_t)cb_codec__get_u(&r);
  len = (size_t)(r.end - r.p);
  /* each element takes at least this many bytes of the payload (one a
   * field): the arrays grown for them stay in proportion to it */
  if (r.bad || r.nq > len / MIN_QUESTION || r.nc > len / MIN_CRITERION ||
      r.nk > len / MIN_CASE || r.n_links > len / MIN_LINK)
    return 0;
  if (cb_vec_grow((void **)&b->questions, &b->cap_questions,
                  b->n_questions + r.nq, sizeof *b->questions) < 0 ||
      cb_vec_grow((void **)&b->criteria, &b->cap_criteria, b->n_criteria + r.nc,
                  sizeof *b->criteria) < 0 ||
      cb_vec_grow((void **)&b->cases, &b->cap_cases, b->n_cases + r.nk,
                  sizeof *b->cases) < 0 ||
      cb_vec_grow((void **)&b->links, &b->cap_links, b->n_links + r.n_links,
                  sizeof *b->links) < 0)
    return CB_ENOMEM;

  cb_chapter out = *ch;
  out.title = cb_codec__get_s(&r);
  out.use = cb_codec__get_s(&r);
  if (out.use && cb_use_parse(out.use) < 0)
    r.bad = 1;
  out.headings = get_arr(&r, &out.n_headings, sizeof *out.headings);
  for (size_t k = 0; out.headings && k < out.n_headings && !r.bad; k++) {
    out.headings[k].level = (int)cb_codec__get_i(&r);
    if (out.headings[k].level < 1 || out.headings[k].level > 6)
      r.bad = 1;
    out.headings[k].text = get_req(&r);
    out.headings[k].slug = get_req(&r);
    out.headings[k].loc = get_loc(&r);
  }
  r.n_headings = out.n_headings;
  out.items = get_arr(&r, &out.n_items, sizeof *out.items);
  for (size_t k = 0; out.items && k < out.n_items && !r.bad; k++)
    get_item(&r, &out.items[k]);
  out.prose.html = cb_codec__get_s(&r);
  out.prose.text = cb_codec__get_s(&r);
  for (size_t k = 0; k < r.nq && !r.bad; k++) {
    memset(&b->questions[r.q0 + k], 0, sizeof *b->questions);
    get_question(&r, &b->questions[r.q0 + k]);
  }
  for (size_t k = 0; k < r.nc && !r.bad; k++) {
    memset(&b->criteria[r.c0 + k], 0, sizeof *b->criteria);
    get_criterion(&r, &b->criteria[r.c0 + k]);
  }
  for (size_t k = 0; k < r.nk && !r.bad; k++) {
    memset(&b->cases[r.k0 + k], 0, sizeof *b->cases);
    get_case(&r, &b->cases[r.k0 + k]);
  }
  for (size_t k = 0; k < r.n_links && !r.bad; k++) {
    memset(&b->links[r.new_first + k], 0, sizeof *b->links);
    get_link(&r, &b->links[r.new_first + k]);
  }
  /* the extraction's diagnostics */
  size_t n_diags = (size_t)cb_codec__get_u(&r);
  const unsigned char *diags = r.p;
  for (size_t k = 0; k < n_diags && !r.bad; k++) {
    cb_codec__get_enum(&r, CB_DIAG_ERROR);
    for (int s = 0; s < 4; s++)
      cb_codec__get_bytes(&r, &len);
    if (cb_codec__get_u(&r)) {
      cb_codec__get_u(&r);
      cb_codec__get_u(&r);
    }
  }
  if (r.p != r.end)
    r.bad = 1;
  cb_buf_free(&r.tmp);
  if (r.oom)
    return CB_ENOMEM;
  if (r.bad)
    return 0;

  /* commit */
  for (size_t k = 0; k < r.nq; k++)
    if (cb_strmap_put(&b->question_ids, b->questions[r.q0 + k].id, r.q0 + k,
                      NULL) < 0)
      return CB_ENOMEM;
  b->n_questions += r.nq;
  b->n_criteria += r.nc;
  b->n_cases += r.nk;
  b->n_links += r.n_links;
  out.first_link = r.new_first;
  out.n_links = r.n_links;
  *ch = out;
  r.p = diags;
  for (size_t k = 0; k < n_diags; k++) {
    cb_diag_level level = (cb_diag_level)cb_codec__get_u(&r);
    const char *s[4];
    size_t sl[4];
    char *copy[4] = {NULL, NULL, NULL, NULL};
    for (int j = 0; j < 4; j++) {
      s[j] = cb_codec__get_bytes(&r, &sl[j]);
      if (s[j] && !(copy[j] = cb_arena_strndup(ctx->arena, s[j], sl[j])))
        return CB_ENOMEM;
    }
    cb_loc loc = {UINT32_MAX, 0, 0, 0, 0};
    if (cb_codec__get_u(&r)) {
      loc.file = ch->file;
      loc.line = (uint32_t)cb_codec__get_u(&r);
      loc.col = (uint32_t)cb_codec__get_u(&r);
    }
    cb_diag_report(ctx, level, copy[0], loc, copy[2], copy[3], "%s",
                   copy[1] ? copy[1] : "");
  }
  return 1;
}
