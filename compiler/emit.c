/* SPDX-License-Identifier: MIT */
/*
 * emit.c: cb_book_emit, which writes every output of `casebook build`,
 * and the helpers the emitters share: UTF-8 cleaning, the rewriting of
 * "cb-link:N" hrefs in pre-rendered HTML, the book's title.
 */
#include "emit.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

#include "emit_html.h"
#include "emit_json.h"
#include "export.h"
#include "output.h"
#include "strmap.h"
#include "utf8.h"

#define INVALID CB_UTF8_INVALID

/* 1 when code point cp may stand as it is in an output of this mode. */
static int cp_ok(uint32_t cp, cb_text_mode mode) {
  if (cp == INVALID)
    return 0;
  if (mode == CB_TEXT_JSON)
    return 1;
  if (cp < 0x20)
    return cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f';
  if (cp >= 0x7F && cp <= 0x9F)
    return 0;
  if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE)
    return 0;
  return 1;
}

/* 1 for printable ASCII and the newline: the bytes most text is made of,
 * which may stand as they are in any mode. */
static int plain(unsigned char c) {
  return (c >= 0x20 && c < 0x7F) || c == '\n';
}

#if defined(__SSE2__) && defined(__GNUC__)
/* Sixteen bytes at a time: the mask of the plain ones. Adding 0x60 maps
 * 0x20..0x7E, and only them, to the signed bytes below -33. */
static unsigned plain_mask(const unsigned char *p) {
  __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
  __m128i printable =
      _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8(0x60)), _mm_set1_epi8(-33));
  __m128i nl = _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'));
  return (unsigned)_mm_movemask_epi8(_mm_or_si128(printable, nl));
}
#else
/* Eight bytes at a time: 1 when each of the eight bytes is plain (exact
 * per byte: no carries cross bytes, as every sum is done on the low seven
 * bits). */
#define ONES UINT64_C(0x0101010101010101)
#define LOW7 UINT64_C(0x7F7F7F7F7F7F7F7F)
#define HIGHS UINT64_C(0x8080808080808080)

static int all_plain(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  uint64_t low = v & LOW7;
  uint64_t below_space = ~((low + ONES * (0x80 - 0x20)) | v) & HIGHS;
  uint64_t nl = v ^ (ONES * '\n');
  uint64_t is_nl = ~(((nl & LOW7) + LOW7) | nl) & HIGHS;
  uint64_t del = v ^ (ONES * 0x7F);
  uint64_t is_del = ~(((del & LOW7) + LOW7) | del) & HIGHS;
  return ((v & HIGHS) | (below_space & ~is_nl) | is_del) == 0;
}
#endif

/* The length of the run of plain bytes that p[0..len) starts with: most
 * text is one run, scanned many bytes at a time. */
static size_t plain_run(const unsigned char *p, size_t len) {
  size_t i = 0;
#if defined(__SSE2__) && defined(__GNUC__)
  for (; i + 32 <= len; i += 32)
    if ((plain_mask(p + i) & plain_mask(p + i + 16)) != 0xFFFF)
      break;
  for (; i + 16 <= len; i += 16) {
    unsigned other = ~plain_mask(p + i) & 0xFFFF;
    if (other)
      return i + (size_t)__builtin_ctz(other);
  }
#else
  while (i + 8 <= len && all_plain(p + i))
    i += 8;
#endif
  while (i < len && plain(p[i]))
    i++;
  return i;
}

int cb_emit__text_ok(const char *s, size_t len, cb_text_mode mode) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while ((i += plain_run(p + i, len - i)) < len) {
    if (p[i] == '\t' || p[i] == '\r') {
      i++;
      continue;
    }
    uint32_t cp;
    size_t k = cb_utf8__decode(p + i, len - i, &cp);
    if (!cp_ok(cp, mode))
      return 0;
    i += k;
  }
  return 1;
}

static void put_cp(cb_buf *out, uint32_t cp) {
  char u[4];
  if (cp < 0x80) {
    u[0] = (char)cp;
    cb_buf_append(out, u, 1);
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    cb_buf_append(out, u, 2);
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    cb_buf_append(out, u, 3);
  } else {
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    cb_buf_append(out, u, 4);
  }
}

void cb_emit__text_fix(cb_buf *out, const char *s, size_t len,
                       cb_text_mode mode) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, run = 0; /* run: start of the bytes kept as they are */
  while ((i += plain_run(p + i, len - i)) < len) {
    uint32_t cp;
    size_t k = cb_utf8__decode(p + i, len - i, &cp);
    if (cp_ok(cp, mode)) {
      i += k;
      continue;
    }
    cb_buf_append(out, s + run, i - run);
    if (cp != INVALID && cp < 0x20)
      put_cp(out, 0x2400 + cp); /* Control Pictures: NUL shows as ␀ */
    else if (cp == 0x7F)
      put_cp(out, 0x2421);
    else
      put_cp(out, 0xFFFD);
    i += k;
    run = i;
  }
  cb_buf_append(out, s + run, len - run);
}

/* 1 when s starts with prefix, ignoring ASCII case. */
static int starts_nocase(const char *s, const char *prefix) {
  for (; *prefix; s++, prefix++) {
    char c = *s;
    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    if (c != *prefix)
      return 0;
  }
  return 1;
}

/* The schemes a browser would run or that reach the reader's files, as
 * cmark-gfm's own check: the loader marks these links CB_LINK_UNSAFE, and
 * this is the second lock. Images may be data: PNG, GIF, JPEG, WebP. */
static int dangerous(const char *url) {
  while (*url == ' ' || (unsigned char)*url < 0x20)
    url++;
  if (starts_nocase(url, "data:"))
    return !(starts_nocase(url + 5, "image/png") ||
             starts_nocase(url + 5, "image/gif") ||
             starts_nocase(url + 5, "image/jpeg") ||
             starts_nocase(url + 5, "image/webp"));
  return starts_nocase(url, "javascript:") || starts_nocase(url, "vbscript:") ||
         starts_nocase(url, "file:");
}

const char *cb_emit__href(const cb_book *book, size_t n) {
  if (n >= book->n_links)
    return "#";
  const cb_link *l = &book->links[n];
  if (l->kind == CB_LINK_UNSAFE || !l->href || !*l->href || dangerous(l->href))
    return "#";
  return l->href;
}

/* 1 for the ASCII bytes a URL may hold as they are: RFC 3986 unreserved,
 * reserved and '%' ('&' is left to the caller). Non-ASCII bytes are kept
 * too (an IRI: browsers encode them). */
/* clang-format off */
static const unsigned char url_ascii_ok[128] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0,
};
/* clang-format on */

/* Appends url percent-encoded (see cb_emit__url); with in_html, '&' is
 * also written &amp; (the only character left that HTML would read in a
 * quoted attribute: the quote and angle brackets are percent-encoded). */
static void put_url(cb_buf *out, const char *url, int in_html) {
  static const char hex[] = "0123456789ABCDEF";
  const char *run = url, *p = url;
  for (; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c >= 0x80 || url_ascii_ok[c] || (c == '&' && !in_html))
      continue;
    cb_buf_append(out, run, (size_t)(p - run));
    if (c == '&') {
      cb_buf_puts(out, "&amp;");
    } else {
      char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
      cb_buf_append(out, enc, 3);
    }
    run = p + 1;
  }
  cb_buf_append(out, run, (size_t)(p - run));
}

void cb_emit__url(cb_buf *out, const char *url) { put_url(out, url, 0); }

void cb_emit__links(cb_buf *out, const cb_book *book, const char *html) {
  static const char marker[] = "=\"cb-link:";
  const size_t mlen = sizeof marker - 1;
  const char *p = html;
  const char *hit;
  /* Only inside an attribute value: a quote in text is always written as
   * &quot; by the renderer, so `="cb-link:` cannot occur in text. */
  while ((hit = strstr(p, marker)) != NULL) {
    const char *d = hit + mlen;
    size_t n = 0;
    const char *q = d;
    while (*q >= '0' && *q <= '9' && q - d < 18)
      n = n * 10 + (size_t)(*q++ - '0');
    if (q == d || *q != '"') {
      cb_buf_append(out, p, (size_t)(d - p));
      p = d;
      continue;
    }
    cb_buf_append(out, p, (size_t)(hit - p) + 2); /* up to and with =" */
    put_url(out, cb_emit__href(book, n), 1);
    p = q; /* the closing quote */
  }
  cb_buf_puts(out, p);
}

const char *cb_emit__title(const cb_book *book) {
  if (book->manifest.title && *book->manifest.title)
    return book->manifest.title;
  if (book->n_chapters && book->chapters[0].title && *book->chapters[0].title)
    return book->chapters[0].title;
  return "Casebook";
}

/* Books at least this large are written on two threads; smaller ones on
 * one, in the same order, which keeps the allocation-failure tests
 * deterministic. The machine the benchmark runs on has two cores. */
#define THREAD_MIN_BYTES (4 * 1024 * 1024)

static int write_rubric(cb_ctx *ctx, const cb_book *book, const char *outdir) {
  const char *path = cb_arena_printf(ctx->arena, "%s/rubric.json", outdir);
  if (!path)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  return cb_emit_json__rubric(ctx, book, path);
}

static int write_gold(cb_ctx *ctx, const cb_book *book, const char *outdir) {
  const char *path = cb_arena_printf(ctx->arena, "%s/gold.jsonl", outdir);
  if (!path)
    return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
  return cb_emit_json__gold(ctx, book, path);
}

/* Every output but the pages is a task: rubric.json and gold.jsonl, then
 * the exporters (export.c), largest first. The two threads take tasks in
 * this order from a shared counter, then pages (emit_html.c) the same way,
 * so that both finish at about the same time whatever the sizes. */
#define N_CORE_TASKS 2

static size_t n_tasks(void) {
  size_t n = N_CORE_TASKS;
  while (cb_exporters[n - N_CORE_TASKS].run)
    n++;
  return n;
}

static int run_task(size_t i, cb_ctx *ctx, const cb_book *book,
                    const char *outdir) {
  if (i == 0)
    return write_rubric(ctx, book, outdir);
  if (i == 1)
    return write_gold(ctx, book, outdir);
  return cb_exporters[i - N_CORE_TASKS].run(ctx, book, outdir);
}

/* The state both threads share. Each task reports into a context of its
 * own, as does the second thread's share of the pages; they are merged in
 * a fixed order at the end, so diagnostics and the error reported do not
 * depend on which thread ran what. */
typedef struct emitter {
  const cb_book *book;
  const char *outdir;
  cb_site *site;
  size_t n_tasks;
  cb_ctx *subs; /* n_tasks for the tasks, then the second thread's pages */
  int *errs;
  atomic_size_t next;
  atomic_int stop; /* a task failed: take no more */
} emitter;

/* One thread's work: tasks while there are some, then pages. */
static int work(emitter *e, int worker_id, cb_ctx *pages_ctx) {
  while (!atomic_load(&e->stop)) {
    size_t i = atomic_fetch_add(&e->next, 1);
    if (i >= e->n_tasks)
      break;
    if ((e->errs[i] = run_task(i, &e->subs[i], e->book, e->outdir)) < 0) {
      atomic_store(&e->stop, 1);
      return e->errs[i];
    }
  }
  if (atomic_load(&e->stop))
    return 0; /* the failing task's error is the one reported */
  return cb_emit_html__work(e->site, worker_id, pages_ctx);
}

typedef struct second {
  emitter *e;
  int err;
} second;

static void *second_main(void *data) {
  second *s = data;
  s->err = work(s->e, 1, &s->e->subs[s->e->n_tasks]);
  return NULL;
}

static size_t book_bytes(const cb_book *book) {
  size_t n = 0;
  for (size_t i = 0; i < book->n_files; i++)
    n += book->files[i].len;
  for (size_t i = 0; i < book->n_cases; i++)
    for (size_t k = 0; k < book->cases[i].n_inputs; k++)
      n += book->cases[i].inputs[k].len;
  return n;
}

/* Copies the project files that chapters link to (images, attachments)
 * to html/assets/, each once. A book loaded from memory has none. */
static int copy_assets(cb_ctx *ctx, const cb_book *book, const char *html_dir) {
  cb_strmap done = {0};
  int err = 0;
  if (!book->root)
    return 0;
  for (size_t i = 0; i < book->n_links && err == 0; i++) {
    const char *asset = book->links[i].asset;
    if (!asset)
      continue;
    int fresh = cb_strmap_put(&done, asset, i, NULL);
    if (fresh <= 0) {
      if (fresh < 0)
        err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      continue;
    }
    const char *to = cb_arena_printf(ctx->arena, "%s/assets/%s", html_dir,
                                     asset);
    char *dir = to ? cb_arena_strdup(ctx->arena, to) : NULL;
    if (!to || !dir) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      break;
    }
    *strrchr(dir, '/') = '\0';
    /* from the working tree or the revision being built (book.c) */
    const char *data = NULL;
    size_t len = 0;
    err = cb_book__project_file(ctx, book, asset, 0, &data, &len);
    if (err == CB_ENOTFOUND)
      err = cb_ctx__fail(ctx, CB_EIO, "cannot read '%s/%s': no such file",
                         book->root, asset);
    if (err == 0)
      err = cb_output__mkdirs(ctx, dir);
    if (err == 0)
      err = cb_output__file(ctx, to, data, len, 0);
  }
  cb_strmap_free(&done);
  return err;
}

int cb_book_emit(cb_ctx *ctx, const cb_book *book, const char *outdir) {
  int err = 0, threaded = 0;
  pthread_t thread;
  emitter e;
  second s = {&e, 0};
  memset(&e, 0, sizeof e);
  e.book = book;
  e.outdir = outdir;
  e.n_tasks = n_tasks();
  atomic_init(&e.next, 0);
  atomic_init(&e.stop, 0);

  const char *html_dir = cb_arena_printf(ctx->arena, "%s/html", outdir);
  e.subs = cb_calloc(e.n_tasks + 1, sizeof *e.subs);
  e.errs = cb_calloc(e.n_tasks, sizeof *e.errs);
  if (!html_dir || !e.subs || !e.errs) {
    err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    goto done;
  }
  /* the contexts see the book for the manifest's rule settings and the
   * paths of their diagnostics; the book stays the caller's */
  for (size_t i = 0; i <= e.n_tasks; i++) {
    e.subs[i].book = *book;
    e.subs[i].book_loaded = 1;
    e.subs[i].opts = ctx->opts;
    if (!(e.subs[i].arena = cb_arena_new())) {
      err = cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
      goto done;
    }
  }
  /* the output directory, locked and opened once (output.h), unless
   * cb_build_lock took it already */
  if ((err = cb_output__begin(ctx, outdir)) < 0)
    goto done;
  if ((err = cb_emit_html__begin(&e.site, ctx, book, html_dir)) < 0)
    goto done;

  if (book_bytes(book) >= THREAD_MIN_BYTES) {
    json_object_seed(0); /* jansson's lazy hash seed, set before sharing */
    threaded = pthread_create(&thread, NULL, second_main, &s) == 0;
  }
  err = work(&e, 0, ctx);
  if (threaded)
    pthread_join(thread, NULL);

  /* The first failed task in the order of the list, then the pages. */
  for (size_t i = 0; i < e.n_tasks; i++)
    if (e.errs[i] < 0) {
      err = cb_ctx__fail(ctx, e.errs[i], "%s", e.subs[i].error);
      goto done;
    }
  if (err == 0 && s.err < 0)
    err = cb_ctx__fail(ctx, s.err, "%s", e.subs[e.n_tasks].error);
  for (size_t i = 0; i <= e.n_tasks && err == 0; i++)
    err = cb_diag__merge(ctx, &e.subs[i]);
  if (err < 0)
    goto done;
  if ((err = cb_emit_html__finish(e.site)) < 0)
    goto done;
  err = copy_assets(ctx, book, html_dir);
done:
  cb_emit_html__free(e.site);
  for (size_t i = 0; e.subs && i <= e.n_tasks; i++) {
    cb_free(e.subs[i].diags);
    cb_arena_free(e.subs[i].arena);
  }
  cb_free(e.subs);
  cb_free(e.errs);
  return err;
}
