/* SPDX-License-Identifier: MIT */
/*
 * cache.c: the incremental build cache (cache.h, docs/cache.md).
 *
 * OUT/.cache/ holds two files, each written atomically:
 *
 *   chapters.bin  "CBCHAP02", the compiler id, then entries: a 20-byte
 *                 key, the payload length, the payload's MAC and the
 *                 payload (one chapter's extraction result).
 *   build.bin     "CBBUILD2", the MAC of the rest, then the record of the
 *                 last build: its key, every input file with its stat and
 *                 blob id, every output file with its stat, the files the
 *                 diagnostics point at, and the diagnostics.
 *
 * Whoever can commit can put any file into an output directory inside
 * the project, so nothing is read from these files unless it carries an
 * HMAC-SHA256 under the user's own key, kept outside every project
 * ($XDG_CACHE_HOME/casebook/key, made on first use); a file tracked by
 * git is not read at all. A MAC that does not verify makes a note and a
 * miss, and the payload is never decoded.
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
#include "cache.h"

#include <cmark-gfm.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <lua.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "beneath.h"
#include "embed.h"
#include "git.h"
#include "output.h"
#include "sha256.h"
#include "source.h"
#include "strmap.h"

#define KEY_LEN 20
#define CHAP_MAGIC "CBCHAP02"
#define BUILD_MAGIC "CBBUILD2"
#define MAGIC_LEN 8
#define MAC_LEN CB_SHA256_LEN
/* The user's secret: 32 random bytes in a file of its own. */
#define SECRET_LEN 32
/* The rule ids of the cache's own notes. They are about this build's
 * cache files, not the project: never recorded, never replayed. */
#define NOTE_UNTRUSTED "cache-untrusted"
#define NOTE_TRACKED "cache-tracked"
/* Bounds the reader holds a payload to, as extraction does (blocks.c). */
#define SCALE_LIMIT 1000000
/* The fewest bytes a stored question, criterion, case and link take. */
#define MIN_QUESTION 20
#define MIN_CRITERION 12
#define MIN_CASE 20
#define MIN_LINK 9
/* A file whose time stamps are this close to the start of the build (or
 * later) may have changed within one tick of the file system's clock:
 * its stat is not trusted next time, its bytes are hashed. */
#define RACY_NS 2000000000LL

/* ---- hashing ----------------------------------------------------------- */

static uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

/* A fast 64-bit checksum of the compiler's own bytes, for its identity
 * (not cryptographic; what authenticates the cache is the MAC). */
static uint64_t checksum(const void *data, size_t n) {
  const unsigned char *p = data;
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    h = rotl(h ^ (w * 0x87c37b91114253d5ULL), 29) * 0x4cf5ad432745937fULL;
    p += 8;
    n -= 8;
  }
  uint64_t t = 0;
  for (size_t i = 0; i < n; i++)
    t |= (uint64_t)p[i] << (8 * i);
  return mix(h ^ t ^ 0x52dce729ULL);
}

/* The git blob id of data (SHA-1 of "blob LEN\0" + data): also the hash
 * of the cache's keys. */
static void blob_id(unsigned char out[KEY_LEN], const void *data, size_t n) {
  git_oid oid;
  if (git_odb_hash(&oid, data, n, GIT_OBJECT_BLOB) < 0)
    memset(out, 0, KEY_LEN);
  else
    memcpy(out, oid.id, KEY_LEN);
}

/* ---- writing ----------------------------------------------------------- */

typedef struct wr {
  cb_buf *b;
  uint32_t file;     /* the chapter's file: positions there are stored bare */
  uint32_t chapter;  /* the chapter's index */
  size_t q0, c0, k0; /* its first question, criterion, case */
  size_t nq, nc, nk;
  int doubt; /* something the cache does not keep: do not store */
} wr;

static void put_u(wr *w, uint64_t v) {
  char t[10];
  size_t n = 0;
  do {
    unsigned char c = v & 0x7f;
    v >>= 7;
    t[n++] = (char)(c | (v ? 0x80 : 0));
  } while (v);
  cb_buf_append(w->b, t, n);
}

static void put_i(wr *w, long long v) {
  put_u(w, ((uint64_t)v << 1) ^ (uint64_t)(v < 0 ? -1 : 0));
}

static void put_bytes(wr *w, const char *s, size_t n) {
  put_u(w, (uint64_t)n + 1);
  cb_buf_append(w->b, s, n);
}

static void put_s(wr *w, const char *s) {
  if (!s)
    put_u(w, 0);
  else
    put_bytes(w, s, strlen(s));
}

/* A string the model never leaves NULL (model.h); the reader refuses a
 * NULL there, so a chapter that has one anyway is not stored. */
static void put_req(wr *w, const char *s) {
  if (!s)
    w->doubt = 1;
  put_s(w, s);
}

static void put_raw(cb_buf *b, const void *p, size_t n) {
  cb_buf_append(b, p, n);
}

static void put_u64le(cb_buf *b, uint64_t v) {
  unsigned char t[8];
  for (int i = 0; i < 8; i++)
    t[i] = (unsigned char)(v >> (8 * i));
  cb_buf_append(b, (const char *)t, 8);
}

/* A position: 0 for the zero position, else 1, line, column in the
 * chapter's own file. Any other file is something to doubt. */
static void put_loc(wr *w, cb_loc l) {
  if (l.file == 0 && l.line == 0 && l.col == 0) {
    put_u(w, 0);
    return;
  }
  if (l.file != w->file)
    w->doubt = 1;
  put_u(w, 1);
  put_u(w, l.line);
  put_u(w, l.col);
}

/* An array's count: 0 for NULL, n + 1 otherwise. */
static void put_n(wr *w, const void *arr, size_t n) {
  put_u(w, arr ? (uint64_t)n + 1 : 0);
}

static void put_chapter_index(wr *w, uint32_t chapter) {
  if (chapter != w->chapter)
    w->doubt = 1;
}

static void put_history(wr *w, const cb_history *h) {
  put_u(w, (uint64_t)h->state);
  put_s(w, h->last_commit);
  put_s(w, h->last_date);
  put_s(w, h->last_label);
}

static void put_strlist(wr *w, const cb_strlist *l) {
  put_n(w, l->items, l->n);
  for (size_t i = 0; l->items && i < l->n; i++)
    put_req(w, l->items[i]);
  put_u(w, l->locs != NULL);
  for (size_t i = 0; l->locs && i < l->n; i++)
    put_loc(w, l->locs[i]);
}

static void put_props(wr *w, const cb_prop *p, size_t n) {
  put_n(w, p, n);
  for (size_t i = 0; p && i < n; i++) {
    put_req(w, p[i].key);
    put_req(w, p[i].raw_key);
    put_req(w, p[i].value);
    put_loc(w, p[i].key_loc);
    put_loc(w, p[i].value_loc);
  }
}

static void put_lists(wr *w, const cb_list *l, size_t n) {
  put_n(w, l, n);
  for (size_t i = 0; l && i < n; i++) {
    put_u(w, (uint64_t)l[i].issue);
    put_n(w, l[i].items, l[i].n_items);
    for (size_t k = 0; l[i].items && k < l[i].n_items; k++) {
      put_s(w, l[i].items[k].key);
      put_req(w, l[i].items[k].text);
      put_loc(w, l[i].items[k].loc);
    }
    put_loc(w, l[i].loc);
  }
}

static void put_prose(wr *w, const cb_prose *p) {
  put_s(w, p->html);
  put_s(w, p->text);
}

static void put_question(wr *w, const cb_question *q) {
  put_req(w, q->id);
  put_req(w, q->title);
  put_loc(w, q->loc);
  put_chapter_index(w, q->chapter);
  put_u(w, (uint64_t)q->type);
  put_s(w, q->type_raw);
  put_i(w, q->scale_min);
  put_i(w, q->scale_max);
  put_i(w, q->required);
  put_s(w, q->when);
  put_loc(w, q->when_loc);
  put_req(w, q->hint);
  put_strlist(w, &q->responses);
  put_u(w, (uint64_t)q->scope);
  put_n(w, q->options, q->n_options);
  for (size_t i = 0; q->options && i < q->n_options; i++) {
    const cb_option *o = &q->options[i];
    put_req(w, o->id);
    put_i(w, o->value);
    put_s(w, o->meaning_html);
    put_s(w, o->meaning_text);
    put_n(w, o->attrs, o->n_attrs);
    for (size_t k = 0; o->attrs && k < o->n_attrs; k++) {
      put_req(w, o->attrs[k].key);
      put_s(w, o->attrs[k].value);
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

static void put_criterion(wr *w, const cb_criterion *c) {
  put_req(w, c->id);
  put_req(w, c->title);
  put_loc(w, c->loc);
  put_chapter_index(w, c->chapter);
  put_strlist(w, &c->applies_to);
  put_s(w, c->severity);
  put_s(w, c->points);
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
static void put_input_text(wr *w, const cb_input *in, const cb_file *f,
                           const lines *ls) {
  uint32_t line = in->loc.line;
  for (uint32_t l = line + 1; ls->start && l <= line + 1 && l < ls->n; l++) {
    size_t off = ls->start[l];
    if (off <= f->len && in->len <= f->len - off &&
        memcmp(f->text + off, in->text, in->len) == 0) {
      put_u(w, 0);
      put_u(w, off);
      put_u(w, in->len);
      return;
    }
  }
  put_u(w, 1);
  put_bytes(w, in->text, in->len);
}

static void put_case(wr *w, const cb_case *c, const cb_file *f,
                     const lines *ls) {
  put_req(w, c->id);
  put_req(w, c->title);
  put_loc(w, c->loc);
  put_chapter_index(w, c->chapter);
  put_n(w, c->inputs, c->n_inputs);
  for (size_t i = 0; c->inputs && i < c->n_inputs; i++) {
    const cb_input *in = &c->inputs[i];
    put_u(w, (uint64_t)in->kind);
    put_s(w, in->name);
    put_s(w, in->info);
    put_input_text(w, in, f, ls);
    put_loc(w, in->loc);
  }
  put_n(w, c->answers, c->n_answers);
  for (size_t i = 0; c->answers && i < c->n_answers; i++) {
    const cb_answer *a = &c->answers[i];
    put_req(w, a->key);
    put_req(w, a->raw);
    put_s(w, a->response);
    if (a->question != -1)
      w->doubt = 1; /* typed already: not an extraction result */
    put_i(w, a->question);
    put_u(w, (uint64_t)a->kind);
    put_n(w, a->items, a->n_items);
    for (size_t k = 0; a->items && k < a->n_items; k++)
      put_req(w, a->items[k]);
    put_u(w, a->tied != NULL);
    for (size_t k = 0; a->tied && k < a->n_items; k++)
      put_u(w, a->tied[k]);
    put_i(w, a->number);
    put_i(w, a->strength);
    put_s(w, a->error);
    put_loc(w, a->key_loc);
    put_loc(w, a->value_loc);
  }
  put_strlist(w, &c->criteria);
  put_strlist(w, &c->tags);
  put_u(w, (uint64_t)c->status);
  put_s(w, c->status_raw);
  put_s(w, c->source);
  put_props(w, c->props, c->n_props);
  put_loc(w, c->responses_table_loc);
  put_strlist(w, &c->table_rows);
  put_prose(w, &c->rationale);
  put_lists(w, c->lists, c->n_lists);
  put_history(w, &c->history);
}

static void put_link(wr *w, const cb_link *l) {
  put_u(w, (uint64_t)l->kind);
  put_req(w, l->url);
  put_s(w, l->target);
  put_s(w, l->anchor);
  put_req(w, l->text);
  put_i(w, l->is_image);
  put_chapter_index(w, l->chapter);
  put_loc(w, l->loc);
  put_s(w, l->href);
  put_s(w, l->asset);
}

/* An item's index: relative to the chapter's first element of its kind
 * (headings and prose are the chapter's own already). */
static void put_item(wr *w, const cb_item *it, size_t n_headings) {
  size_t base = 0, n = 0;
  put_u(w, (uint64_t)it->kind);
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
  put_u(w, it->index - base);
  put_s(w, it->html);
}

/* ---- reading ----------------------------------------------------------- */

typedef struct rd {
  const unsigned char *p, *end;
  cb_arena *a;
  const cb_file *f;
  uint32_t file, chapter;
  size_t q0, c0, k0, nq, nc, nk, n_headings;
  /* renumbering of "cb-link:N" in HTML: old first link, count, new first */
  size_t old_first, n_links, new_first;
  int bad; /* malformed: a miss */
  int oom;
  cb_buf tmp;
} rd;

static uint64_t get_u(rd *r) {
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
static unsigned get_enum(rd *r, unsigned max) {
  uint64_t v = get_u(r);
  if (v > max) {
    r->bad = 1;
    return 0;
  }
  return (unsigned)v;
}

static long long get_i(rd *r) {
  uint64_t u = get_u(r);
  return (long long)(u >> 1) ^ -(long long)(u & 1);
}

/* A count of elements that each take at least one byte. */
static size_t get_count(rd *r, uint64_t v) {
  if (v > (uint64_t)(r->end - r->p) || v > SIZE_MAX / 256) {
    r->bad = 1;
    return 0;
  }
  return (size_t)v;
}

static const char *get_bytes(rd *r, size_t *len) {
  uint64_t v = get_u(r);
  if (r->bad || v == 0) {
    *len = 0;
    return NULL;
  }
  size_t n = get_count(r, v - 1);
  if (r->bad)
    return NULL;
  const char *s = (const char *)r->p;
  r->p += n;
  *len = n;
  return s;
}

static const char *get_s(rd *r) {
  size_t n;
  const char *s = get_bytes(r, &n);
  if (!s)
    return NULL;
  char *d = cb_arena_strndup(r->a, s, n);
  if (!d)
    r->oom = r->bad = 1;
  return d;
}

/* A string the model never leaves NULL (see put_req). */
static const char *get_req(rd *r) {
  const char *s = get_s(r);
  if (!s)
    r->bad = 1;
  return s;
}

/* HTML whose link numbers follow the chapter's first link. */
static const char *get_html(rd *r) {
  size_t n;
  const char *s = get_bytes(r, &n);
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

static cb_loc get_loc(rd *r) {
  cb_loc l = {0, 0, 0};
  uint64_t tag = get_u(r);
  if (tag == 0)
    return l;
  if (tag != 1) {
    r->bad = 1;
    return l;
  }
  l.file = r->file;
  l.line = (uint32_t)get_u(r);
  l.col = (uint32_t)get_u(r);
  return l;
}

/* An array of n elements of size elem (n from the stream): NULL when the
 * stream says NULL. */
static void *get_arr(rd *r, size_t *n, size_t elem) {
  uint64_t v = get_u(r);
  *n = 0;
  if (r->bad || v == 0)
    return NULL;
  size_t count = get_count(r, v - 1);
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

static void get_history(rd *r, cb_history *h) {
  h->state = (cb_change_state)get_enum(r, CB_CHANGED);
  h->last_commit = get_s(r);
  h->last_date = get_s(r);
  h->last_label = get_s(r);
}

static void get_strlist(rd *r, cb_strlist *l) {
  size_t n;
  l->items = get_arr(r, &n, sizeof *l->items);
  l->n = n;
  for (size_t i = 0; l->items && i < n && !r->bad; i++)
    l->items[i] = get_req(r);
  uint64_t has_locs = get_u(r);
  if (has_locs) {
    l->locs = cb_arena_calloc(r->a, n ? n : 1, sizeof *l->locs);
    if (!l->locs)
      r->oom = r->bad = 1;
    for (size_t i = 0; l->locs && i < n && !r->bad; i++)
      l->locs[i] = get_loc(r);
  }
}

static void get_props(rd *r, cb_prop **out, size_t *n) {
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

static void get_lists(rd *r, cb_list **out, size_t *n) {
  cb_list *l = get_arr(r, n, sizeof *l);
  for (size_t i = 0; l && i < *n && !r->bad; i++) {
    l[i].issue = (cb_list_issue)get_enum(r, CB_LIST_UNCLAIMED);
    l[i].items = get_arr(r, &l[i].n_items, sizeof *l[i].items);
    for (size_t k = 0; l[i].items && k < l[i].n_items && !r->bad; k++) {
      l[i].items[k].key = get_s(r);
      l[i].items[k].text = get_req(r);
      l[i].items[k].loc = get_loc(r);
    }
    l[i].loc = get_loc(r);
  }
  *out = l;
}

static void get_prose(rd *r, cb_prose *p) {
  p->html = get_html(r);
  p->text = get_s(r);
}

static void get_question(rd *r, cb_question *q) {
  q->id = get_req(r);
  q->title = get_req(r);
  q->loc = get_loc(r);
  q->chapter = r->chapter;
  q->type = (cb_qtype)get_enum(r, CB_Q_TEXT);
  q->type_raw = get_s(r);
  long long lo = get_i(r), hi = get_i(r);
  if (lo < -SCALE_LIMIT || hi > SCALE_LIMIT || lo > hi)
    r->bad = 1; /* a loop from min to max must stay short */
  else
    q->scale_min = (int)lo, q->scale_max = (int)hi;
  q->required = (int)get_i(r);
  q->when = get_s(r);
  q->when_loc = get_loc(r);
  q->hint = get_req(r);
  get_strlist(r, &q->responses);
  q->scope = (cb_scope)get_enum(r, CB_SCOPE_RESPONSE);
  q->options = get_arr(r, &q->n_options, sizeof *q->options);
  for (size_t i = 0; q->options && i < q->n_options && !r->bad; i++) {
    cb_option *o = &q->options[i];
    o->id = get_req(r);
    o->value = (int)get_i(r);
    o->meaning_html = get_html(r);
    o->meaning_text = get_s(r);
    o->attrs = get_arr(r, &o->n_attrs, sizeof *o->attrs);
    for (size_t k = 0; o->attrs && k < o->n_attrs && !r->bad; k++) {
      o->attrs[k].key = get_req(r);
      o->attrs[k].value = get_s(r);
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

static void get_criterion(rd *r, cb_criterion *c) {
  c->id = get_req(r);
  c->title = get_req(r);
  c->loc = get_loc(r);
  c->chapter = r->chapter;
  get_strlist(r, &c->applies_to);
  c->severity = get_s(r);
  c->points = get_s(r);
  get_props(r, &c->props, &c->n_props);
  get_prose(r, &c->prose);
  get_lists(r, &c->lists, &c->n_lists);
  get_history(r, &c->history);
}

static void get_case(rd *r, cb_case *c) {
  c->id = get_req(r);
  c->title = get_req(r);
  c->loc = get_loc(r);
  c->chapter = r->chapter;
  c->inputs = get_arr(r, &c->n_inputs, sizeof *c->inputs);
  for (size_t i = 0; c->inputs && i < c->n_inputs && !r->bad; i++) {
    cb_input *in = &c->inputs[i];
    in->kind = (cb_input_kind)get_enum(r, CB_IN_ASSISTANT);
    in->name = get_s(r);
    in->info = get_s(r);
    uint64_t how = get_u(r);
    if (how == 0) {
      uint64_t off = get_u(r), len = get_u(r);
      if (off > r->f->len || len > r->f->len - off) {
        r->bad = 1;
      } else {
        in->text = r->f->text + off; /* a slice of the source */
        in->len = (size_t)len;
      }
    } else {
      /* bytes that may hold NUL: copied with their length */
      size_t n;
      const char *s = get_bytes(r, &n);
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
    a->response = get_s(r);
    a->question = (int)get_i(r);
    if (a->question != -1)
      r->bad = 1; /* answers are typed by resolve, after extraction */
    a->kind = (cb_value_kind)get_enum(r, CB_V_TEXT);
    a->items = (const char **)get_arr(r, &a->n_items, sizeof *a->items);
    for (size_t k = 0; a->items && k < a->n_items && !r->bad; k++)
      a->items[k] = get_req(r);
    if (get_u(r)) {
      a->tied = cb_arena_calloc(r->a, a->n_items ? a->n_items : 1, 1);
      if (!a->tied)
        r->oom = r->bad = 1;
      for (size_t k = 0; a->tied && k < a->n_items && !r->bad; k++)
        a->tied[k] = (unsigned char)get_u(r);
    }
    a->number = get_i(r);
    a->strength = (int)get_i(r);
    a->error = get_s(r);
    a->key_loc = get_loc(r);
    a->value_loc = get_loc(r);
  }
  get_strlist(r, &c->criteria);
  get_strlist(r, &c->tags);
  c->status = (cb_status)get_enum(r, CB_STATUS_DISPUTED);
  c->status_raw = get_s(r);
  c->source = get_s(r);
  get_props(r, &c->props, &c->n_props);
  c->responses_table_loc = get_loc(r);
  get_strlist(r, &c->table_rows);
  get_prose(r, &c->rationale);
  get_lists(r, &c->lists, &c->n_lists);
  get_history(r, &c->history);
}

static void get_link(rd *r, cb_link *l) {
  l->kind = (cb_link_kind)get_enum(r, CB_LINK_UNSAFE);
  l->url = get_req(r);
  l->target = get_s(r);
  l->anchor = get_s(r);
  l->text = get_req(r);
  l->is_image = (int)get_i(r);
  l->chapter = r->chapter;
  l->loc = get_loc(r);
  l->href = get_s(r);
  l->asset = get_s(r);
}

static void get_item(rd *r, cb_item *it) {
  it->kind = (cb_item_kind)get_enum(r, CB_ITEM_CASE);
  size_t idx = (size_t)get_u(r), base = 0, n = r->n_headings;
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

/* ---- the cache ----------------------------------------------------------- */

typedef struct entry {
  const unsigned char *key;
  const unsigned char *mac;  /* MAC_LEN bytes */
  const unsigned char *data; /* the payload */
  size_t len;
  int checked; /* 1 authentic, -1 not (or malformed), 0 not checked yet */
} entry;

typedef struct chap {
  unsigned char key[KEY_LEN];
  unsigned char blob[KEY_LEN];
  int planned;   /* the key was found by cb_cache__plan */
  entry *hit;    /* loaded from this entry */
  cb_buf stored; /* or extracted now: the payload to keep */
  int keep;
} chap;

/* A file as the record of a build keeps it. */
typedef struct filestat {
  const char *path;
  uint64_t size, ino, dev;
  int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
  unsigned char blob[KEY_LEN];
  int racy;  /* the stat is not to be trusted: hash the bytes */
  int known; /* blob is known */
} filestat;

struct cb_cache {
  cb_ctx *ctx;
  char *dir;        /* OUT/.cache */
  char *outdir;     /* OUT */
  const char *root; /* the project directory as given (the book's) */
  int root_fd;      /* root, opened by open_input; -1 until then */
  char *options;    /* the caller's other choices, as text */
  int off; /* caching disabled */
  int replayed;
  unsigned char secret[SECRET_LEN]; /* the user's key for the MACs */
  size_t n_untrusted;   /* entries of chapters.bin whose MAC failed */
  int untrusted_noted;  /* the note about them is made */
  struct timespec start;
  unsigned char compiler[KEY_LEN];
  unsigned char build_key[KEY_LEN];
  /* the chapters of the last build */
  unsigned char *pack;
  size_t pack_len;
  int pack_read;
  entry *entries;
  size_t n_entries;
  /* this build */
  chap *chaps;
  size_t n_chaps, n_cached;
  unsigned char context[KEY_LEN]; /* what extraction reads of the book */
  unsigned char qids[KEY_LEN];    /* the question ids known, hashed */
  size_t qids_n;
  size_t mark_q, mark_c, mark_k, mark_l, mark_d; /* before an extraction */
  /* inputs seen by cb_cache__replay, kept for the record */
  filestat *inputs;
  size_t n_inputs, n_hashed;
  int inputs_ok;
  /* the last record, while it is compared */
  unsigned char *record;
  size_t record_len;
};

static int is_fs(const cb_cache *c) { return c->ctx->opts.rev == NULL; }

/* Reads the whole regular file open at fd into a cb_malloc'd buffer
 * (with a NUL after it) and closes fd; a file larger than max is not
 * read. Returns 0, -1 when it cannot be read, -2 when out of memory. */
static int read_fd(int fd, unsigned char **out, size_t *len, uint64_t max) {
  *out = NULL;
  *len = 0;
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
      (uint64_t)st.st_size > SIZE_MAX / 2 || (uint64_t)st.st_size > max) {
    close(fd);
    return -1;
  }
  size_t n = (size_t)st.st_size, got = 0;
  unsigned char *buf = cb_malloc(n + 1);
  if (!buf) {
    close(fd);
    return -2;
  }
  while (got < n) {
    ssize_t k = read(fd, buf + got, n - got);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      break;
    got += (size_t)k;
  }
  close(fd);
  buf[got] = 0;
  *out = buf;
  *len = got;
  return 0;
}

/* A file of the system (the compiler's own executable). */
static int read_file(const char *path, unsigned char **out, size_t *len) {
  return read_fd(open(path, O_RDONLY | O_CLOEXEC), out, len, UINT64_MAX);
}

/* The cache's own files, in OUT/.cache: read below the output directory
 * without following any link (a contributor may have committed links
 * there), as output.c opens everything it writes. */
static int read_cache_file(cb_cache *c, const char *path, unsigned char **out,
                           size_t *len) {
  int fd = cb_output__read_fd(c->ctx, path);
  return read_fd(fd < 0 ? -1 : fd, out, len, UINT64_MAX);
}

/* Opens the project file rel (as the listing gives it) for reading, below
 * the project directory without following any link, as source.c reads
 * it: the inputs hashed for the record are project files too. Returns
 * the descriptor or -1. */
static int open_input(cb_cache *c, const char *rel) {
  if (c->root_fd < 0)
    c->root_fd = open(*c->root ? c->root : ".",
                      O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (c->root_fd < 0)
    return -1;
  return cb_beneath__open(c->root_fd, rel, O_RDONLY | O_NONBLOCK, NULL);
}

static char *join(const char *a, const char *b) {
  size_t na = strlen(a), nb = strlen(b);
  char *s = cb_malloc(na + nb + 2);
  if (!s)
    return NULL;
  memcpy(s, a, na);
  s[na] = '/';
  memcpy(s + na + 1, b, nb + 1);
  return s;
}

/* The compiler's identity: its version, the bytes of the running binary,
 * the embedded files, and the versions of the libraries it runs on (a
 * newer cmark-gfm may parse differently). Computed once. */
static int compiler_id(unsigned char out[KEY_LEN]) {
  static unsigned char id[KEY_LEN];
  static int state; /* 0 not yet, 1 done, -1 cannot be known */
  if (state == 0) {
    cb_buf m = {0};
    unsigned char *exe = NULL;
    size_t n = 0;
    int rc = read_file("/proc/self/exe", &exe, &n);
    if (rc == -1)
      state = -1;
    if (rc < 0)
      return -1; /* out of memory: no cache this time */
    cb_buf_printf(&m, "casebook %s format %d exe %zu %016llx\n", CB_VERSION,
                  CB_FORMAT_VERSION, n, (unsigned long long)checksum(exe, n));
    cb_free(exe);
    for (size_t i = 0; i < cb_n_embedded_files; i++)
      cb_buf_printf(&m, "%s %zu %016llx\n", cb_embedded_files[i].name,
                    cb_embedded_files[i].len,
                    (unsigned long long)checksum(cb_embedded_files[i].data,
                                                 cb_embedded_files[i].len));
    int maj = 0, min = 0, rev = 0;
    git_libgit2_version(&maj, &min, &rev);
    cb_buf_printf(&m, "cmark %s libxml2 %s jansson %s %s libgit2 %d.%d.%d\n",
                  cmark_version_string(), xmlParserVersion, JANSSON_VERSION,
                  LUA_RELEASE, maj, min, rev);
    if (!m.failed) {
      blob_id(id, m.data, m.len);
      state = 1;
    }
    cb_buf_free(&m);
  }
  if (state != 1)
    return -1;
  memcpy(out, id, KEY_LEN);
  return 0;
}

/* ---- the user's key ------------------------------------------------------
 *
 * $XDG_CACHE_HOME/casebook/key (else $HOME/.cache/casebook/key): 32 bytes
 * from getrandom(), in a directory of mode 0700, a file of mode 0600,
 * both the user's. Made once, race-free: written to a temporary file, then
 * linked to its name, which fails rather than replace a key another build
 * made meanwhile; whichever key is there then is the one used. A key that
 * is not a regular file of the user's with mode 0600 and 32 bytes is not
 * used (nor replaced): no cache then.
 */

/* 32 random bytes: 0, or -1. */
static int random_bytes(unsigned char *out, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t k = getrandom(out + got, n - got, 0);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return -1;
    got += (size_t)k;
  }
  return 0;
}

/* Reads the key from the open file fd, after checking what it is. */
static int read_secret(int fd, unsigned char *out, const char **why) {
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    *why = "the key is not a regular file";
    return -1;
  }
  if (st.st_uid != geteuid() || (st.st_mode & 07777) != 0600) {
    *why = "the key file is not the user's own with mode 0600";
    return -1;
  }
  if (st.st_size != SECRET_LEN) {
    *why = "the key file does not hold 32 bytes";
    return -1;
  }
  size_t got = 0;
  while (got < SECRET_LEN) {
    ssize_t k = read(fd, out + got, SECRET_LEN - got);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0) {
      *why = "the key file cannot be read";
      return -1;
    }
    got += (size_t)k;
  }
  return 0;
}

/* Makes a key in the directory dfd unless one is there: 0 when there is
 * one now (made here or by another build), -1 otherwise. */
static int make_secret(int dfd, const char **why) {
  unsigned char secret[SECRET_LEN], nonce[8];
  char tmp[64];
  int rc = -1;
  if (random_bytes(secret, sizeof secret) < 0 ||
      random_bytes(nonce, sizeof nonce) < 0) {
    *why = "no random bytes (getrandom failed)";
    return -1;
  }
  snprintf(tmp, sizeof tmp, "key.tmp-%ld-%02x%02x%02x%02x%02x%02x%02x%02x",
           (long)getpid(), nonce[0], nonce[1], nonce[2], nonce[3], nonce[4],
           nonce[5], nonce[6], nonce[7]);
  int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
  if (fd < 0) {
    *why = "the key cannot be written (the directory is not writable)";
    goto done;
  }
  int ok = fchmod(fd, 0600) == 0 &&
           write(fd, secret, sizeof secret) == (ssize_t)sizeof secret &&
           fsync(fd) == 0;
  if (close(fd) < 0)
    ok = 0;
  if (!ok) {
    *why = "the key cannot be written";
  } else if (linkat(dfd, tmp, dfd, "key", 0) == 0 || errno == EEXIST) {
    rc = 0; /* ours, or the one another build made first */
  } else {
    *why = "the key cannot be linked to its name";
  }
  unlinkat(dfd, tmp, 0);
done:
  memset(secret, 0, sizeof secret);
  return rc;
}

/* Makes path a directory (mode 0700) unless it is one: 0 or -1. */
static int make_dir(const char *path) {
  if (mkdir(path, 0700) == 0 || errno == EEXIST)
    return 0;
  return -1;
}

/* The user's key into out: 0, or -1 with *why saying what is missing. */
static int load_secret(unsigned char *out, const char **why) {
  const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  cb_buf base = {0};
  int dfd = -1, fd = -1, rc = -1;
  /* the XDG base directory spec: a relative path is to be ignored */
  if (xdg && xdg[0] == '/') {
    cb_buf_puts(&base, xdg);
  } else if (home && home[0] == '/') {
    cb_buf_puts(&base, home);
    cb_buf_puts(&base, "/.cache");
  } else {
    *why = "neither XDG_CACHE_HOME nor HOME is set to an absolute path";
    return -1;
  }
  if (base.failed || make_dir(cb_buf_cstr(&base)) < 0) {
    *why = "the user's cache directory cannot be made";
    goto done;
  }
  cb_buf_puts(&base, "/casebook");
  if (base.failed || make_dir(cb_buf_cstr(&base)) < 0) {
    *why = "the directory of the key cannot be made";
    goto done;
  }
  dfd = open(cb_buf_cstr(&base), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (dfd < 0 || fstat(dfd, &st) < 0) {
    *why = "the directory of the key cannot be opened";
    goto done;
  }
  if (st.st_uid != geteuid() || (st.st_mode & 0022)) {
    /* someone else could replace the key there */
    *why = "the directory of the key is not the user's own, or others may "
           "write to it";
    goto done;
  }
  fd = openat(dfd, "key", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0 && errno == ENOENT) {
    if (make_secret(dfd, why) < 0)
      goto done;
    fd = openat(dfd, "key", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  }
  if (fd < 0) {
    *why = "the key cannot be opened (or is a symbolic link)";
    goto done;
  }
  rc = read_secret(fd, out, why);
done:
  if (fd >= 0)
    close(fd);
  if (dfd >= 0)
    close(dfd);
  cb_buf_free(&base);
  return rc;
}

/* The MAC of one entry of chapters.bin: the file's magic, the compiler,
 * the entry's key and length, and its payload. */
static void entry_mac(const cb_cache *c, unsigned char out[MAC_LEN],
                      const unsigned char *key, const unsigned char *data,
                      size_t len) {
  unsigned char n[8];
  cb_hmac m;
  for (int i = 0; i < 8; i++)
    n[i] = (unsigned char)((uint64_t)len >> (8 * i));
  cb_hmac_init(&m, c->secret, sizeof c->secret);
  cb_hmac_update(&m, CHAP_MAGIC, MAGIC_LEN);
  cb_hmac_update(&m, c->compiler, KEY_LEN);
  cb_hmac_update(&m, key, KEY_LEN);
  cb_hmac_update(&m, n, sizeof n);
  cb_hmac_update(&m, data, len);
  cb_hmac_final(&m, out);
}

/* The MAC of build.bin: its magic and the record. */
static void record_mac(const cb_cache *c, unsigned char out[MAC_LEN],
                       const void *body, size_t len) {
  cb_hmac m;
  cb_hmac_init(&m, c->secret, sizeof c->secret);
  cb_hmac_update(&m, BUILD_MAGIC, MAGIC_LEN);
  cb_hmac_update(&m, body, len);
  cb_hmac_final(&m, out);
}

/* A note about a cache file of this build (never recorded, see
 * NOTE_UNTRUSTED). */
static void cache_note(cb_cache *c, const char *rule, const char *msg) {
  cb_diag__report_path(c->ctx, CB_DIAG_NOTE, rule, NULL, 0, 0, msg);
}

/* Is OUT/.cache/name in the index of a git repository? Then anyone who
 * can commit may have written it: noted, and not read. */
static int tracked(cb_cache *c, const char *name, const char *path) {
  char msg[1200];
  if (!cb_git__tracked(c->dir, name))
    return 0;
  snprintf(msg, sizeof msg,
           "%s is tracked by git, so anyone who can commit could have "
           "written it: it is not used (remove it from the repository with "
           "git rm --cached, and keep the output directory out of git)",
           path);
  cache_note(c, NOTE_TRACKED, msg);
  return 1;
}

int cb_cache__open(cb_cache **out, cb_ctx *ctx, const char *outdir,
                   const char *options) {
  *out = NULL;
  cb_cache *c = cb_calloc(1, sizeof *c);
  if (!c)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  c->ctx = ctx;
  c->root_fd = -1;
  clock_gettime(CLOCK_REALTIME, &c->start);
  c->dir = join(outdir, ".cache");
  c->outdir = cb_strdup(outdir);
  c->options = cb_strdup(options ? options : "");
  if (!c->dir || !c->outdir || !c->options) {
    cb_cache__free(c);
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  }
  cb_git__init();
  const char *why = NULL;
  struct stat st;
  if (lstat(c->dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
    /* a file, or a symbolic link someone committed: the cache would be
     * read from, and build.bin removed in, a directory elsewhere */
    c->off = 1;
    why = "OUT/.cache is not a directory";
  } else if (compiler_id(c->compiler) < 0) {
    c->off = 1; /* the compiler cannot be told apart: no cache */
    why = "the compiler's own bytes cannot be read";
  } else if (load_secret(c->secret, &why) < 0) {
    c->off = 1; /* nothing to authenticate the cache with */
  }
  if (c->off && ctx->opts.verbose)
    fprintf(stderr, "build cache off: %s\n", why);
  *out = c;
  return 0;
}

void cb_cache__free(cb_cache *c) {
  if (!c)
    return;
  for (size_t i = 0; i < c->n_chaps; i++)
    cb_buf_free(&c->chaps[i].stored);
  cb_free(c->chaps);
  cb_free(c->entries);
  cb_free(c->pack);
  cb_free(c->inputs);
  cb_free(c->record);
  cb_free(c->dir);
  cb_free(c->outdir);
  cb_free(c->options);
  if (c->root_fd >= 0)
    close(c->root_fd);
  memset(c->secret, 0, sizeof c->secret);
  cb_free(c);
}

int cb_cache__replayed(const cb_cache *c) { return c && c->replayed; }

void cb_cache__counts(const cb_cache *c, size_t *chapters, size_t *cached) {
  *chapters = c ? c->n_chaps : 0;
  *cached = c ? c->n_cached : 0;
}

/* ---- the chapters file -----------------------------------------------------
 */

static uint64_t get_u64le(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static int cmp_entry(const void *a, const void *b) {
  return memcmp(((const entry *)a)->key, ((const entry *)b)->key, KEY_LEN);
}

/* Reads chapters.bin once: its entries, sorted by key. A damaged or
 * foreign file gives no entries (or those before the damage). */
static int read_pack(cb_cache *c) {
  if (c->pack_read)
    return 0;
  c->pack_read = 1;
  char *path = join(c->dir, "chapters.bin");
  if (!path)
    return CB_ENOMEM;
  int rc = read_cache_file(c, path, &c->pack, &c->pack_len);
  if (rc == 0 && tracked(c, "chapters.bin", path)) {
    cb_free(c->pack);
    c->pack = NULL;
    c->pack_len = 0;
    rc = -1;
  }
  cb_free(path);
  if (rc == -2)
    return CB_ENOMEM;
  if (rc < 0 || c->pack_len < MAGIC_LEN + KEY_LEN + 8 ||
      memcmp(c->pack, CHAP_MAGIC, MAGIC_LEN) != 0 ||
      memcmp(c->pack + MAGIC_LEN, c->compiler, KEY_LEN) != 0)
    return 0;
  const unsigned char *p = c->pack, *end = c->pack + c->pack_len;
  p += MAGIC_LEN + KEY_LEN;
  uint64_t n = get_u64le(p);
  p += 8;
  if (n > c->pack_len / (KEY_LEN + 8 + MAC_LEN))
    return 0;
  if (!(c->entries = cb_calloc((size_t)n + 1, sizeof *c->entries)))
    return CB_ENOMEM;
  for (uint64_t i = 0; i < n; i++) {
    if ((size_t)(end - p) < KEY_LEN + 8 + MAC_LEN)
      break;
    entry e = {p, NULL, NULL, 0, 0};
    uint64_t len = get_u64le(p + KEY_LEN);
    e.mac = p + KEY_LEN + 8;
    p += KEY_LEN + 8 + MAC_LEN;
    if (len > (uint64_t)(end - p))
      break; /* truncated */
    e.data = p;
    e.len = (size_t)len;
    p += len;
    c->entries[c->n_entries++] = e;
  }
  if (c->n_entries > 1)
    qsort(c->entries, c->n_entries, sizeof *c->entries, cmp_entry);
  return 0;
}

static entry *find_entry(cb_cache *c, const unsigned char *key) {
  size_t lo = 0, hi = c->n_entries;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int r = memcmp(c->entries[mid].key, key, KEY_LEN);
    if (r == 0) {
      entry *e = &c->entries[mid];
      if (e->checked == 0) {
        /* not one byte of a payload is decoded before its MAC holds */
        unsigned char mac[MAC_LEN];
        entry_mac(c, mac, e->key, e->data, e->len);
        e->checked = cb_sha256_equal(mac, e->mac, MAC_LEN) ? 1 : -1;
        c->n_untrusted += e->checked < 0;
      }
      return e->checked > 0 ? e : NULL;
    }
    if (r < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

/* ---- chapter keys ----------------------------------------------------------
 */

static int cmp_cstr(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void put_strs(cb_buf *m, const cb_strlist *l) {
  cb_buf_printf(m, "%zu", l->n);
  for (size_t i = 0; i < l->n; i++) {
    cb_buf_printf(m, " %zu:", strlen(l->items[i]));
    cb_buf_puts(m, l->items[i]);
  }
  cb_buf_putc(m, '\n');
}

/* What extraction reads of the book besides the chapter: the keywords,
 * the raw HTML switch, and the rule settings (they decide the level of
 * the extraction's diagnostics, or drop them). */
static int context_key(cb_cache *c, const cb_builder *b) {
  cb_buf m = {0};
  const cb_manifest *mf = b->manifest;
  cb_buf_puts(&m, "casebook chapter context\n");
  put_strs(&m, &mf->kw_question);
  put_strs(&m, &mf->kw_criterion);
  put_strs(&m, &mf->kw_case);
  cb_buf_printf(&m, "unsafe-html %d\n", mf->unsafe_html);
  const cb_manifest *bm = &c->ctx->book.manifest;
  for (size_t i = 0; i < bm->n_rules; i++)
    cb_buf_printf(
        &m, "rule %zu:%s %d\n", bm->rules[i].id ? strlen(bm->rules[i].id) : 0,
        bm->rules[i].id ? bm->rules[i].id : "", (int)bm->rules[i].severity);
  if (m.failed) {
    cb_buf_free(&m);
    return CB_ENOMEM;
  }
  blob_id(c->context, m.data, m.len);
  cb_buf_free(&m);
  return 0;
}

/* The hash of the set of question ids known to b: a bullet list of a case
 * is a property list when it names one of them. */
static int qids_key(cb_cache *c, const cb_builder *b) {
  const cb_strmap *m = &b->question_ids;
  const char **ids = cb_malloc((m->n + 1) * sizeof *ids);
  cb_buf h = {0};
  size_t n = 0;
  if (!ids)
    return CB_ENOMEM;
  for (size_t i = 0; i < m->cap; i++)
    if (m->keys && m->keys[i])
      ids[n++] = m->keys[i];
  qsort(ids, n, sizeof *ids, cmp_cstr);
  cb_buf_puts(&h, "casebook question ids\n");
  for (size_t i = 0; i < n; i++) {
    cb_buf_puts(&h, ids[i]);
    cb_buf_putc(&h, '\n');
  }
  cb_free(ids);
  if (h.failed) {
    cb_buf_free(&h);
    return CB_ENOMEM;
  }
  blob_id(c->qids, h.data, h.len);
  c->qids_n = m->n;
  cb_buf_free(&h);
  return 0;
}

/* The key of a chapter: compiler, the chapter's blob id, the context, the
 * question ids. (With raw HTML allowed, chapters are not cached at all:
 * the author's HTML may hold what looks like a link number.) */
static void chapter_key(cb_cache *c, chap *ch) {
  unsigned char m[32 + 4 * KEY_LEN];
  size_t n = 0;
  memcpy(m, "casebook chapter cache 1\n", 25);
  n = 25;
  memcpy(m + n, c->compiler, KEY_LEN);
  n += KEY_LEN;
  memcpy(m + n, ch->blob, KEY_LEN);
  n += KEY_LEN;
  memcpy(m + n, c->context, KEY_LEN);
  n += KEY_LEN;
  memcpy(m + n, c->qids, KEY_LEN);
  n += KEY_LEN;
  blob_id(ch->key, m, n);
}

/* Chapters hashed on a second thread when they are this large together:
 * SHA-1 costs about 35 instructions a byte. */
#define HASH_THREAD_MIN_BYTES (1024 * 1024)

typedef struct hash_job {
  cb_cache *c;
  const cb_book *book;
  size_t from, to; /* chapters */
} hash_job;

static void *hash_chapters(void *data) {
  hash_job *j = data;
  for (size_t i = j->from; i < j->to; i++) {
    const cb_file *f = &j->book->files[j->book->chapters[i].file];
    blob_id(j->c->chaps[i].blob, f->text, f->len);
  }
  return NULL;
}

/* The blob id of every chapter into c->chaps, on two threads for a large
 * book (each file is hashed once, by one of them). */
static void chapter_blobs(cb_cache *c, const cb_book *book) {
  size_t bytes = 0, half = 0;
  for (size_t i = 0; i < book->n_chapters; i++)
    bytes += book->files[book->chapters[i].file].len;
  for (size_t acc = 0; half < book->n_chapters && acc < bytes / 2; half++)
    acc += book->files[book->chapters[half].file].len;
  hash_job first = {c, book, 0, half}, second = {c, book, half, book->n_chapters};
  pthread_t thread;
  if (bytes >= HASH_THREAD_MIN_BYTES &&
      pthread_create(&thread, NULL, hash_chapters, &second) == 0) {
    hash_chapters(&first);
    pthread_join(thread, NULL);
    return;
  }
  first.to = book->n_chapters;
  hash_chapters(&first);
}

int cb_cache__plan(cb_cache *c, cb_builder *b, const cb_book *book) {
  int err;
  if (!c || c->off)
    return 0;
  if ((err = read_pack(c)) < 0 || (err = context_key(c, b)) < 0 ||
      (err = qids_key(c, b)) < 0)
    goto fail;
  if (!(c->chaps = cb_calloc(book->n_chapters + 1, sizeof *c->chaps))) {
    err = CB_ENOMEM;
    goto fail;
  }
  c->n_chaps = book->n_chapters;
  chapter_blobs(c, book);
  for (size_t i = 0; i < book->n_chapters; i++) {
    chap *ch = &c->chaps[i];
    chapter_key(c, ch);
    ch->planned = !b->manifest->unsafe_html && find_entry(c, ch->key);
  }
  if (c->n_untrusted && !c->untrusted_noted) {
    char msg[1200];
    c->untrusted_noted = 1;
    snprintf(msg, sizeof msg,
             "%s/chapters.bin: %zu %s not authenticated by this user's cache "
             "key (written by someone else, or altered): not used",
             c->dir, c->n_untrusted,
             c->n_untrusted == 1 ? "entry is" : "entries are");
    cache_note(c, NOTE_UNTRUSTED, msg);
  }
  return 0;
fail:
  return cb_ctx__fail(c->ctx, err, "out of memory");
}

int cb_cache__planned(const cb_cache *c, size_t i) {
  return c && !c->off && i < c->n_chaps && c->chaps[i].planned;
}

/* Loads payload e into b and ch (nothing is changed in b unless the whole
 * entry reads well). Returns 1, 0 (malformed) or CB_ENOMEM. */
static int load_entry(cb_cache *c, cb_builder *b, cb_chapter *ch, uint32_t i,
                      const cb_file *f, const entry *e) {
  cb_ctx *ctx = c->ctx;
  rd r = {0};
  r.p = e->data;
  r.end = e->data + e->len;
  r.a = ctx->arena;
  r.f = f;
  r.file = ch->file;
  r.chapter = i;
  r.q0 = b->n_questions;
  r.c0 = b->n_criteria;
  r.k0 = b->n_cases;
  r.new_first = b->n_links;
  if (get_u(&r) != 1)
    return 0;
  r.nq = (size_t)get_u(&r);
  r.nc = (size_t)get_u(&r);
  r.nk = (size_t)get_u(&r);
  r.n_links = (size_t)get_u(&r);
  r.old_first = (size_t)get_u(&r);
  size_t len = (size_t)(r.end - r.p);
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
  out.title = get_s(&r);
  out.headings = get_arr(&r, &out.n_headings, sizeof *out.headings);
  for (size_t k = 0; out.headings && k < out.n_headings && !r.bad; k++) {
    out.headings[k].level = (int)get_i(&r);
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
  out.prose.html = get_s(&r);
  out.prose.text = get_s(&r);
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
  size_t n_diags = (size_t)get_u(&r);
  const unsigned char *diags = r.p;
  for (size_t k = 0; k < n_diags && !r.bad; k++) {
    get_enum(&r, CB_DIAG_ERROR);
    for (int s = 0; s < 4; s++)
      get_bytes(&r, &len);
    if (get_u(&r)) {
      get_u(&r);
      get_u(&r);
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
    cb_diag_level level = (cb_diag_level)get_u(&r);
    const char *s[4];
    size_t sl[4];
    char *copy[4] = {NULL, NULL, NULL, NULL};
    for (int j = 0; j < 4; j++) {
      s[j] = get_bytes(&r, &sl[j]);
      if (s[j] && !(copy[j] = cb_arena_strndup(ctx->arena, s[j], sl[j])))
        return CB_ENOMEM;
    }
    cb_loc loc = {UINT32_MAX, 0, 0};
    if (get_u(&r)) {
      loc.file = ch->file;
      loc.line = (uint32_t)get_u(&r);
      loc.col = (uint32_t)get_u(&r);
    }
    cb_diag_report(ctx, level, copy[0], loc, copy[2], copy[3], "%s",
                   copy[1] ? copy[1] : "");
  }
  return 1;
}

int cb_cache__load_chapter(cb_cache *c, cb_builder *b, cb_chapter *ch,
                           uint32_t i, const cb_file *f) {
  if (!c || c->off || i >= c->n_chaps)
    return 0;
  chap *cp = &c->chaps[i];
  /* marks for cb_cache__store_chapter */
  c->mark_q = b->n_questions;
  c->mark_c = b->n_criteria;
  c->mark_k = b->n_cases;
  c->mark_l = b->n_links;
  c->mark_d = c->ctx->n_diags;
  int changed = b->question_ids.n != c->qids_n;
  if (changed && qids_key(c, b) < 0)
    return cb_ctx__fail(c->ctx, CB_ENOMEM, "out of memory");
  if (changed)
    chapter_key(c, cp); /* the key to store under, too */
  /* only a planned chapter: the others are being parsed ahead */
  if (!cp->planned)
    return 0;
  entry *e = find_entry(c, cp->key);
  if (!e)
    return 0;
  int rc = load_entry(c, b, ch, i, f, e);
  if (rc < 0)
    return cb_ctx__fail(c->ctx, rc, "out of memory");
  if (rc == 0) {
    e->checked = -1; /* malformed: never again in this build */
    return 0;
  }
  cp->hit = e;
  c->n_cached++;
  return 1;
}

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

void cb_cache__store_chapter(cb_cache *c, cb_builder *b, const cb_chapter *ch,
                             uint32_t i, const cb_file *f) {
  if (!c || c->off || i >= c->n_chaps || c->chaps[i].hit ||
      b->manifest->unsafe_html)
    return;
  chap *cp = &c->chaps[i];
  cb_ctx *ctx = c->ctx;
  wr w = {&cp->stored,
          ch->file,
          i,
          c->mark_q,
          c->mark_c,
          c->mark_k,
          b->n_questions - c->mark_q,
          b->n_criteria - c->mark_c,
          b->n_cases - c->mark_k,
          0};
  lines ls = index_lines(f);
  cb_buf_reset(&cp->stored);
  put_u(&w, 1);
  put_u(&w, w.nq);
  put_u(&w, w.nc);
  put_u(&w, w.nk);
  put_u(&w, b->n_links - c->mark_l);
  put_u(&w, c->mark_l);
  if (ch->first_link != c->mark_l || ch->n_links != b->n_links - c->mark_l)
    w.doubt = 1;
  put_s(&w, ch->title);
  put_n(&w, ch->headings, ch->n_headings);
  for (size_t k = 0; ch->headings && k < ch->n_headings; k++) {
    put_i(&w, ch->headings[k].level);
    put_req(&w, ch->headings[k].text);
    put_req(&w, ch->headings[k].slug);
    put_loc(&w, ch->headings[k].loc);
  }
  put_n(&w, ch->items, ch->n_items);
  for (size_t k = 0; ch->items && k < ch->n_items; k++)
    put_item(&w, &ch->items[k], ch->n_headings);
  put_s(&w, ch->prose.html);
  put_s(&w, ch->prose.text);
  for (size_t k = c->mark_q; k < b->n_questions; k++)
    put_question(&w, &b->questions[k]);
  for (size_t k = c->mark_c; k < b->n_criteria; k++)
    put_criterion(&w, &b->criteria[k]);
  for (size_t k = c->mark_k; k < b->n_cases; k++)
    put_case(&w, &b->cases[k], f, &ls);
  for (size_t k = c->mark_l; k < b->n_links; k++)
    put_link(&w, &b->links[k]);
  put_u(&w, ctx->n_diags - c->mark_d);
  for (size_t k = c->mark_d; k < ctx->n_diags; k++) {
    const cb_diag *d = &ctx->diags[k];
    put_u(&w, (uint64_t)d->level);
    put_s(&w, d->rule);
    put_s(&w, d->message);
    put_s(&w, d->element);
    put_s(&w, d->suggestion);
    if (d->file == ch->file) {
      put_u(&w, 1);
      put_u(&w, d->line);
      put_u(&w, d->col);
    } else {
      put_u(&w, 0);
      if (d->file != UINT32_MAX || d->path)
        w.doubt = 1;
    }
  }
  cb_free(ls.start);
  cp->keep = !w.doubt && !cp->stored.failed;
  if (!cp->keep)
    cb_buf_free(&cp->stored);
}

/* ---- the record of a build -------------------------------------------------
 */

static int stat_equal(const filestat *a, const filestat *b) {
  return a->size == b->size && a->ino == b->ino && a->dev == b->dev &&
         a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns &&
         a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns;
}

static void fill_stat(filestat *fs, const struct stat *st) {
  fs->size = (uint64_t)st->st_size;
  fs->ino = (uint64_t)st->st_ino;
  fs->dev = (uint64_t)st->st_dev;
  fs->mtime_s = (int64_t)st->st_mtim.tv_sec;
  fs->mtime_ns = (int64_t)st->st_mtim.tv_nsec;
  fs->ctime_s = (int64_t)st->st_ctim.tv_sec;
  fs->ctime_ns = (int64_t)st->st_ctim.tv_nsec;
}

/* Was the file touched so close to the start of the build that the
 * file system's clock cannot tell a later change apart? */
static int is_racy(const cb_cache *c, const filestat *fs) {
  int64_t start = (int64_t)c->start.tv_sec * 1000000000LL + c->start.tv_nsec;
  int64_t m = fs->mtime_s * 1000000000LL + fs->mtime_ns;
  int64_t t = fs->ctime_s * 1000000000LL + fs->ctime_ns;
  return m >= start - RACY_NS || t >= start - RACY_NS;
}

static void put_stat(wr *w, const filestat *fs) {
  put_u(w, fs->size);
  put_u(w, fs->ino);
  put_u(w, fs->dev);
  put_i(w, fs->mtime_s);
  put_i(w, fs->mtime_ns);
  put_i(w, fs->ctime_s);
  put_i(w, fs->ctime_ns);
}

static void get_stat(rd *r, filestat *fs) {
  fs->size = get_u(r);
  fs->ino = get_u(r);
  fs->dev = get_u(r);
  fs->mtime_s = get_i(r);
  fs->mtime_ns = get_i(r);
  fs->ctime_s = get_i(r);
  fs->ctime_ns = get_i(r);
}

/* The output files below dir (relative to the output directory, the
 * cache left out), with their stats, in byte order of path. */
typedef struct outlist {
  filestat *items;
  size_t n, cap;
  cb_arena *a;
  int failed;
} outlist;

static void walk_outputs(outlist *ol, const char *full, const char *rel,
                         int depth) {
  DIR *d = opendir(full);
  if (!d) {
    ol->failed = 1;
    return;
  }
  struct dirent *e;
  while ((e = readdir(d)) && !ol->failed) {
    const char *name = e->d_name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
        (depth == 0 && strcmp(name, ".cache") == 0))
      continue;
    char *child = *rel ? cb_arena_printf(ol->a, "%s/%s", rel, name)
                       : cb_arena_strdup(ol->a, name);
    char *child_full = cb_arena_printf(ol->a, "%s/%s", full, name);
    struct stat st;
    if (!child || !child_full || lstat(child_full, &st) < 0) {
      ol->failed = 1;
      break;
    }
    if (S_ISDIR(st.st_mode)) {
      if (depth > 64)
        ol->failed = 1;
      else
        walk_outputs(ol, child_full, child, depth + 1);
      continue;
    }
    filestat fs = {0};
    fs.path = child;
    fill_stat(&fs, &st);
    if (CB_VEC_PUSH(ol->items, ol->n, ol->cap, fs) < 0)
      ol->failed = 1;
  }
  closedir(d);
}

static int cmp_filestat(const void *a, const void *b) {
  return strcmp(((const filestat *)a)->path, ((const filestat *)b)->path);
}

static int list_outputs(cb_cache *c, outlist *ol) {
  memset(ol, 0, sizeof *ol);
  ol->a = c->ctx->arena;
  walk_outputs(ol, c->outdir, "", 0);
  if (ol->failed) {
    cb_free(ol->items);
    memset(ol, 0, sizeof *ol);
    return -1;
  }
  if (ol->n > 1)
    qsort(ol->items, ol->n, sizeof *ol->items, cmp_filestat);
  return 0;
}

/* The state of the git repository around the project, as far as the
 * outputs depend on it (stamps, "changed since" markers): HEAD, every
 * reference and the entries of the index (a staged change makes the
 * build dirty). Nothing outside git. */
static void git_state(cb_cache *c, cb_buf *m) {
  git_repository *repo = NULL;
  git_reference_iterator *it = NULL;
  git_reference *ref;
  git_oid oid;
  char hex[GIT_OID_HEXSZ + 1];
  if (git_repository_open_ext(&repo, *c->root ? c->root : ".", 0, NULL) < 0) {
    cb_buf_puts(m, "no git\n");
    git_error_clear();
    return;
  }
  if (git_reference_name_to_id(&oid, repo, "HEAD") == 0)
    cb_buf_printf(m, "HEAD %s\n", git_oid_tostr(hex, sizeof hex, &oid));
  else
    cb_buf_puts(m, "HEAD unborn\n");
  if (git_reference_iterator_new(&it, repo) == 0) {
    while (git_reference_next(&ref, it) == 0) {
      const git_oid *t = git_reference_target(ref);
      const char *sym = git_reference_symbolic_target(ref);
      cb_buf_printf(m, "ref %s %s\n", git_reference_name(ref),
                    t     ? git_oid_tostr(hex, sizeof hex, t)
                    : sym ? sym
                          : "");
      git_reference_free(ref);
    }
    git_reference_iterator_free(it);
  }
  /* the index's entries, not its file: `git status` rewrites the file */
  git_index *index = NULL;
  if (git_repository_index(&index, repo) == 0) {
    size_t n = git_index_entrycount(index);
    cb_buf_printf(m, "index %zu\n", n);
    for (size_t i = 0; i < n; i++) {
      const git_index_entry *e = git_index_get_byindex(index, i);
      if (e)
        cb_buf_printf(m, "%s %o %d %s\n",
                      git_oid_tostr(hex, sizeof hex, &e->id), (unsigned)e->mode,
                      git_index_entry_stage(e), e->path);
    }
    git_index_free(index);
  }
  git_repository_free(repo);
  git_error_clear();
}

/* The key of the whole build: the compiler, where the project and the
 * outputs are as given, the options that change the outputs, git. */
static int build_key(cb_cache *c) {
  cb_buf m = {0};
  cb_buf_puts(&m, "casebook build cache 1\n");
  put_raw(&m, c->compiler, KEY_LEN);
  cb_buf_printf(&m, "\nroot %zu:%s\nout %zu:%s\n", strlen(c->root), c->root,
                strlen(c->outdir), c->outdir);
  const char *rev = c->ctx->opts.rev;
  cb_buf_printf(&m, "rev %d %zu:%s\noptions %zu:%s\n", rev != NULL,
                rev ? strlen(rev) : 0, rev ? rev : "", strlen(c->options),
                c->options);
  git_state(c, &m);
  if (m.failed) {
    cb_buf_free(&m);
    return CB_ENOMEM;
  }
  blob_id(c->build_key, m.data, m.len);
  cb_buf_free(&m);
  return 0;
}

static char *cache_path(const cb_cache *c, const char *name) {
  return join(c->dir, name);
}

/* Reads build.bin: 1 with c->record set when it is whole and ours. */
static int read_record(cb_cache *c, rd *r) {
  char *path = cache_path(c, "build.bin");
  if (!path)
    return CB_ENOMEM;
  int rc = read_cache_file(c, path, &c->record, &c->record_len);
  if (rc == 0 && tracked(c, "build.bin", path))
    rc = -1;
  if (rc < 0 || rc == -2 || c->record_len < MAGIC_LEN ||
      memcmp(c->record, BUILD_MAGIC, MAGIC_LEN) != 0) {
    cb_free(path);
    return rc == -2 ? CB_ENOMEM : 0; /* none, tracked, or foreign */
  }
  const unsigned char *p = c->record + MAGIC_LEN + MAC_LEN;
  unsigned char mac[MAC_LEN];
  size_t n = c->record_len >= MAGIC_LEN + MAC_LEN
                 ? c->record_len - MAGIC_LEN - MAC_LEN
                 : 0;
  if (n)
    record_mac(c, mac, p, n);
  if (!n || !cb_sha256_equal(mac, c->record + MAGIC_LEN, MAC_LEN)) {
    char msg[1200];
    snprintf(msg, sizeof msg,
             "%s is not authenticated by this user's cache key (written by "
             "someone else, or altered): not used",
             path);
    cache_note(c, NOTE_UNTRUSTED, msg);
    cb_free(path);
    return 0;
  }
  cb_free(path);
  memset(r, 0, sizeof *r);
  r->p = p;
  r->end = p + n;
  r->a = c->ctx->arena;
  if (get_u(r) != 1 || (size_t)(r->end - r->p) < KEY_LEN ||
      memcmp(r->p, c->build_key, KEY_LEN) != 0)
    return 0;
  r->p += KEY_LEN;
  return 1;
}

/* The blob id of an input read through the source. */
static int source_blob(cb_cache *c, cb_source *src, filestat *fs) {
  git_oid oid;
  if (!is_fs(c) && cb_source__blob_id(src, fs->path, &oid) == 0) {
    memcpy(fs->blob, oid.id, KEY_LEN);
    fs->known = 1;
    return 0;
  }
  const char *text;
  size_t len;
  int err = cb_source__read(src, fs->path, &text, &len);
  if (err == CB_ENOMEM)
    return err;
  if (err < 0)
    return 0; /* unknown: the build will say what is wrong */
  blob_id(fs->blob, text, len);
  fs->known = 1;
  return 0;
}

/* Compares the inputs with the record's; fills c->inputs. Returns 1 when
 * they are the same files with the same bytes, 0 if not, CB_ENOMEM. */
static int same_inputs(cb_cache *c, rd *r, cb_source *src) {
  uint64_t n = get_u(r);
  filestat *old = NULL;
  int same = !r->bad && n == c->n_inputs;
  if (same && !(old = cb_calloc(c->n_inputs + 1, sizeof *old)))
    return CB_ENOMEM;
  for (size_t i = 0; same && i < c->n_inputs; i++) {
    size_t len, blen;
    const char *path = get_bytes(r, &len);
    get_stat(r, &old[i]);
    old[i].racy = (int)get_u(r);
    old[i].known = (int)get_u(r);
    const char *blob = get_bytes(r, &blen);
    if (r->bad || !path || !blob || blen != KEY_LEN ||
        strlen(c->inputs[i].path) != len ||
        memcmp(c->inputs[i].path, path, len) != 0) {
      same = 0;
      break;
    }
    memcpy(old[i].blob, blob, KEY_LEN);
    filestat *now = &c->inputs[i];
    if (is_fs(c) && !old[i].racy && old[i].known && stat_equal(now, &old[i])) {
      memcpy(now->blob, old[i].blob, KEY_LEN);
      now->known = 1;
    } else if (!is_fs(c) && now->known &&
               (!old[i].known || memcmp(now->blob, old[i].blob, KEY_LEN))) {
      same = 0;
    }
  }
  /* then the bytes of those whose stat changed, until one differs */
  for (size_t i = 0; same && i < c->n_inputs; i++) {
    filestat *now = &c->inputs[i];
    if (now->known)
      continue;
    c->n_hashed++;
    int err = source_blob(c, src, now);
    if (err < 0) {
      cb_free(old);
      return err;
    }
    if (!now->known || !old[i].known ||
        memcmp(now->blob, old[i].blob, KEY_LEN) != 0)
      same = 0;
  }
  cb_free(old);
  return same;
}

static int same_outputs(cb_cache *c, rd *r) {
  outlist ol;
  uint64_t n = get_u(r);
  if (r->bad || list_outputs(c, &ol) < 0)
    return 0;
  int same = n == ol.n;
  for (size_t i = 0; same && i < ol.n; i++) {
    size_t len;
    const char *path = get_bytes(r, &len);
    filestat old = {0};
    get_stat(r, &old);
    if (r->bad || !path || len != strlen(ol.items[i].path) ||
        memcmp(path, ol.items[i].path, len) != 0 ||
        !stat_equal(&old, &ol.items[i]))
      same = 0;
  }
  cb_free(ol.items);
  return same;
}

/* Puts the recorded files and diagnostics of the last build into ctx. */
static int replay_diags(cb_cache *c, rd *r, cb_source *src) {
  cb_ctx *ctx = c->ctx;
  cb_book *book = &ctx->book;
  size_t n_files = get_count(r, get_u(r));
  cb_file *files = cb_arena_calloc(ctx->arena, n_files + 1, sizeof *files);
  if (!files)
    return CB_ENOMEM;
  for (size_t i = 0; i < n_files && !r->bad; i++) {
    files[i].path = get_s(r);
    files[i].text = "";
    files[i].len = 0;
    if (r->oom)
      return CB_ENOMEM;
  }
  size_t n = get_count(r, get_u(r));
  cb_diag *diags = cb_calloc(n + 1, sizeof *diags);
  unsigned char *used = cb_calloc(n_files + 1, 1);
  int err = 0;
  if (!diags || !used) {
    err = CB_ENOMEM;
    goto done;
  }
  for (size_t i = 0; i < n && !r->bad; i++) {
    cb_diag *d = &diags[i];
    d->level = (cb_diag_level)get_enum(r, CB_DIAG_ERROR);
    d->rule = get_s(r);
    d->message = get_s(r);
    d->suggestion = get_s(r);
    d->path = get_s(r);
    uint64_t file = get_u(r);
    d->file = file == 0 ? UINT32_MAX : (uint32_t)(file - 1);
    d->line = (uint32_t)get_u(r);
    d->col = (uint32_t)get_u(r);
    d->element = get_s(r);
    if (d->file != UINT32_MAX) {
      if (d->file >= n_files)
        r->bad = 1;
      else
        used[d->file] = 1;
    }
    if (!d->rule || !d->message)
      r->bad = 1;
  }
  if (r->oom) {
    err = CB_ENOMEM;
    goto done;
  }
  if (r->bad || r->p != r->end)
    goto done; /* not replayed */
  /* the files the diagnostics quote */
  for (size_t i = 0; i < n_files; i++) {
    if (!used[i] || !files[i].path)
      continue;
    const char *text;
    size_t len;
    int e = cb_source__read(src, files[i].path, &text, &len);
    if (e == CB_ENOMEM) {
      err = e;
      goto done;
    }
    if (e < 0)
      goto done;
    files[i].text = text;
    files[i].len = len;
  }
  cb_ctx from;
  memset(&from, 0, sizeof from);
  from.diags = diags;
  from.n_diags = n;
  /* the record holds every diagnostic of the build, those reported
   * before the files were listed too */
  ctx->n_diags = 0;
  if ((err = cb_diag__merge(ctx, &from)) < 0)
    goto done;
  book->files = files;
  book->n_files = n_files;
  c->replayed = 1;
done:
  cb_free(diags);
  cb_free(used);
  return err;
}

static void write_record(cb_cache *c, const cb_book *book);

int cb_cache__replay(cb_cache *c, cb_source *src, const char *const *paths,
                     size_t n_paths) {
  int err, touched = 0;
  rd r;
  if (!c || c->off)
    return 0;
  if (!(c->root = c->ctx->book.root)) {
    c->off = 1; /* files from memory: nothing to compare with */
    return 0;
  }
  if ((err = build_key(c)) < 0)
    goto fail;
  cb_free(c->inputs);
  c->n_inputs = 0;
  if (!(c->inputs = cb_calloc(n_paths + 1, sizeof *c->inputs))) {
    err = CB_ENOMEM;
    goto fail;
  }
  c->n_inputs = n_paths;
  for (size_t i = 0; i < n_paths; i++) {
    filestat *fs = &c->inputs[i];
    fs->path = paths[i];
    fs->racy = 1;
    if (!is_fs(c)) {
      git_oid oid; /* in git the tree has them: no stat, no hashing */
      if (cb_source__blob_id(src, paths[i], &oid) == 0) {
        memcpy(fs->blob, oid.id, KEY_LEN);
        fs->known = 1;
      }
      continue;
    }
    int fd = open_input(c, paths[i]);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0) {
      fill_stat(fs, &st);
      fs->racy = is_racy(c, fs);
    }
    if (fd >= 0)
      close(fd);
  }
  c->inputs_ok = 1;
  err = read_record(c, &r);
  if (err <= 0)
    goto miss;
  if ((err = same_inputs(c, &r, src)) <= 0)
    goto miss;
  /* files hashed because their stat changed: record the new stats */
  touched = is_fs(c) && c->n_hashed > 0;
  if ((err = same_outputs(c, &r)) <= 0)
    goto miss;
  if ((err = replay_diags(c, &r, src)) < 0)
    goto fail;
  if (!c->replayed)
    goto miss;
  if (touched) {
    /* same bytes, new stats: remember them, so that the next build
     * need not hash these files again */
    write_record(c, &c->ctx->book);
  }
  cb_free(c->record);
  c->record = NULL;
  return 1;
miss:
  cb_free(c->record);
  c->record = NULL;
  if (err < 0)
    goto fail;
  {
    /* a build runs: the old record must not outlive an interrupted one */
    char *path = cache_path(c, "build.bin");
    if (path)
      cb_output__remove(c->ctx, path);
    cb_free(path);
  }
  return 0;
fail:
  return cb_ctx__fail(c->ctx, err, "out of memory");
}

/* ---- saving ----------------------------------------------------------------
 */

/* Writes buf to OUT/.cache/name atomically; 0 or -1. */
static int write_cache_file(cb_cache *c, const char *name, const cb_buf *buf,
                            int flags) {
  char *path = cache_path(c, name);
  int rc = -1;
  if (path && !buf->failed &&
      cb_output__file(c->ctx, path, buf->data ? buf->data : "", buf->len,
                      flags) == 0)
    rc = 0;
  cb_free(path);
  return rc;
}

/* The blobs of the inputs the build read (chapters, manifest) are those
 * of the bytes it used, hashed by cb_cache__plan for the chapters; other
 * files are hashed now, unless they changed since the build started. */
static void input_blobs(cb_cache *c, const cb_book *book) {
  cb_strmap used = {0};
  /* file -> its chapter's blob, when planned (else hashed again) */
  const unsigned char **planned = cb_calloc(book->n_files + 1, sizeof *planned);
  for (size_t i = 0; planned && i < c->n_chaps && i < book->n_chapters; i++)
    if (book->chapters[i].file < book->n_files)
      planned[book->chapters[i].file] = c->chaps[i].blob;
  for (size_t i = 0; i < book->n_files; i++)
    if (cb_strmap_put(&used, book->files[i].path, i, NULL) < 0)
      goto done;
  for (size_t i = 0; i < c->n_inputs; i++) {
    filestat *fs = &c->inputs[i];
    size_t k;
    if (fs->known)
      continue;
    if (cb_strmap_get(&used, fs->path, &k)) {
      if (planned && planned[k])
        memcpy(fs->blob, planned[k], KEY_LEN);
      else
        blob_id(fs->blob, book->files[k].text, book->files[k].len);
      fs->known = 1;
      continue;
    }
    if (!is_fs(c))
      continue;
    int fd = open_input(c, fs->path);
    unsigned char *data = NULL;
    size_t len = 0;
    struct stat st;
    filestat after = *fs;
    if (fd >= 0 && fstat(fd, &st) == 0) {
      fill_stat(&after, &st);
      if (stat_equal(&after, fs)) {
        int rc = read_fd(fd, &data, &len, CB_SOURCE_FILE_MAX);
        fd = -1; /* read_fd closed it */
        if (rc == 0) {
          blob_id(fs->blob, data, len);
          fs->known = 1;
        }
      }
    }
    if (fd >= 0)
      close(fd);
    cb_free(data);
  }
done:
  cb_free(planned);
  cb_strmap_free(&used);
}

/* The cache's notes are about this build's cache files: not replayed. */
static int is_cache_note(const cb_diag *d) {
  return d->rule && (strcmp(d->rule, NOTE_UNTRUSTED) == 0 ||
                     strcmp(d->rule, NOTE_TRACKED) == 0);
}

static void write_record(cb_cache *c, const cb_book *book) {
  cb_ctx *ctx = c->ctx;
  cb_buf body = {0}, file = {0};
  outlist ol;
  wr w = {&body, UINT32_MAX, 0, 0, 0, 0, 0, 0, 0, 0};
  if (!c->inputs_ok || list_outputs(c, &ol) < 0)
    return;
  put_u(&w, 1);
  put_raw(&body, c->build_key, KEY_LEN);
  put_u(&w, c->n_inputs);
  for (size_t i = 0; i < c->n_inputs; i++) {
    const filestat *fs = &c->inputs[i];
    put_s(&w, fs->path);
    put_stat(&w, fs);
    put_u(&w, (uint64_t)fs->racy);
    put_u(&w, (uint64_t)fs->known);
    put_bytes(&w, (const char *)fs->blob, KEY_LEN);
  }
  put_u(&w, ol.n);
  for (size_t i = 0; i < ol.n; i++) {
    put_s(&w, ol.items[i].path);
    put_stat(&w, &ol.items[i]);
  }
  cb_free(ol.items);
  put_u(&w, book->n_files);
  for (size_t i = 0; i < book->n_files; i++)
    put_s(&w, book->files[i].path);
  size_t n_diags = 0;
  for (size_t i = 0; i < ctx->n_diags; i++)
    n_diags += !is_cache_note(&ctx->diags[i]);
  put_u(&w, n_diags);
  for (size_t i = 0; i < ctx->n_diags; i++) {
    const cb_diag *d = &ctx->diags[i];
    if (is_cache_note(d))
      continue;
    put_u(&w, (uint64_t)d->level);
    put_s(&w, d->rule);
    put_s(&w, d->message);
    put_s(&w, d->suggestion);
    put_s(&w, d->path);
    put_u(&w, d->file == UINT32_MAX ? 0 : (uint64_t)d->file + 1);
    put_u(&w, d->line);
    put_u(&w, d->col);
    put_s(&w, d->element);
  }
  if (!body.failed) {
    unsigned char mac[MAC_LEN];
    record_mac(c, mac, body.data, body.len);
    put_raw(&file, BUILD_MAGIC, MAGIC_LEN);
    put_raw(&file, mac, MAC_LEN);
    put_raw(&file, body.data, body.len);
    write_cache_file(c, "build.bin", &file, 0);
  }
  cb_buf_free(&body);
  cb_buf_free(&file);
}

/* chapters.bin: the entries of this build's chapters, the ones loaded
 * copied as they were. Streamed: it may be large. */
static int write_pack(cb_cache *c) {
  cb_buf head = {0};
  cb_output *out = NULL;
  size_t n = 0;
  int rc = -1;
  for (size_t i = 0; i < c->n_chaps; i++)
    n += c->chaps[i].hit || c->chaps[i].keep;
  char *path = cache_path(c, "chapters.bin");
  if (!path || cb_output__open(&out, c->ctx, path, CB_OUTPUT_KEEP_SAME) < 0)
    goto done;
  put_raw(&head, CHAP_MAGIC, MAGIC_LEN);
  put_raw(&head, c->compiler, KEY_LEN);
  put_u64le(&head, n);
  if (head.failed || cb_output__write(out, head.data, head.len) < 0)
    goto done;
  for (size_t i = 0; i < c->n_chaps; i++) {
    const chap *ch = &c->chaps[i];
    const unsigned char *data;
    size_t len;
    unsigned char mac[MAC_LEN];
    if (ch->hit) {
      data = ch->hit->data;
      len = ch->hit->len;
      memcpy(mac, ch->hit->mac, MAC_LEN); /* verified, same key */
    } else if (ch->keep) {
      data = (const unsigned char *)ch->stored.data;
      len = ch->stored.len;
      entry_mac(c, mac, ch->key, data ? data : (const unsigned char *)"",
                len);
    } else {
      continue;
    }
    cb_buf_reset(&head);
    put_raw(&head, ch->key, KEY_LEN);
    put_u64le(&head, len);
    put_raw(&head, mac, MAC_LEN);
    if (head.failed || cb_output__write(out, head.data, head.len) < 0 ||
        cb_output__write(out, data, len) < 0)
      goto done;
  }
  rc = cb_output__commit(out);
  out = NULL;
done:
  cb_output__discard(out);
  cb_buf_free(&head);
  cb_free(path);
  return rc;
}

void cb_cache__save(cb_cache *c, const cb_book *book) {
  if (!c || c->off || c->replayed || !book)
    return;
  cb_ctx *ctx = c->ctx;
  char saved[sizeof ctx->error];
  memcpy(saved, ctx->error, sizeof saved);
  /* a cache that cannot be written is no error of the build */
  if (cb_output__mkdirs(ctx, c->dir) == 0 && write_pack(c) == 0) {
    input_blobs(c, book);
    write_record(c, book);
  }
  memcpy(ctx->error, saved, sizeof saved);
}

/* ---- the public entry points
 * -------------------------------------------------- */

int cb_build_cache_open(cb_ctx *ctx, const char *outdir, const char *options) {
  cb_cache__free(ctx->cache);
  ctx->cache = NULL;
  return cb_cache__open(&ctx->cache, ctx, outdir, options);
}

void cb_build_cache_save(cb_ctx *ctx, const cb_book *book) {
  cb_cache__save(ctx->cache, book);
}

void cb_build_cache_counts(const cb_ctx *ctx, size_t *chapters,
                           size_t *cached) {
  cb_cache__counts(ctx->cache, chapters, cached);
}
