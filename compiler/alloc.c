/* SPDX-License-Identifier: MIT */
/*
 * alloc.c: allocation wrapper with failure injection, the arena, and the
 * small growable buffer and array helpers every module uses.
 */
#include "alloc.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The allocations left before the one that fails; 0: never fail. Atomic
 * because the emitter's threads, and libxml2's and jansson's allocations
 * on them, come through here: under a test's countdown exactly one
 * allocation fails, whichever thread makes it. Unarmed, the cost is one
 * relaxed load (a plain load on the usual machines). */
static atomic_long fail_countdown;

void cb_alloc_fail_after(long n) {
  atomic_store_explicit(&fail_countdown, n, memory_order_relaxed);
}

static int should_fail(void) {
  long left = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
  while (left > 0) {
    /* on failure left is reloaded: another thread took one meanwhile */
    if (atomic_compare_exchange_weak_explicit(&fail_countdown, &left,
                                              left - 1, memory_order_relaxed,
                                              memory_order_relaxed))
      return left == 1;
  }
  return 0;
}

/* The allocations that failed on this thread, for callers of a library
 * that cannot tell a failed allocation from bad input (cb_alloc_failures). */
static _Thread_local unsigned long failures;

static void *counted(void *p) {
  if (!p)
    failures++;
  return p;
}

unsigned long cb_alloc_failures(void) { return failures; }

void *cb_malloc(size_t n) {
  return counted(should_fail() ? NULL : malloc(n ? n : 1));
}

void *cb_calloc(size_t count, size_t size) {
  return counted(should_fail() ? NULL
                               : calloc(count ? count : 1, size ? size : 1));
}

void *cb_realloc(void *p, size_t n) {
  return counted(should_fail() ? NULL : realloc(p, n ? n : 1));
}

void cb_free(void *p) { free(p); }

char *cb_strdup(const char *s) {
  size_t n = strlen(s);
  char *d = cb_malloc(n + 1);
  if (d)
    memcpy(d, s, n + 1);
  return d;
}

/* ---- arena ----------------------------------------------------------- */

#define CHUNK_MIN (64 * 1024)
#define ALIGN 16

typedef struct chunk {
  struct chunk *prev;
  size_t used, cap;
  /* data follows, aligned */
} chunk;

struct cb_arena {
  chunk *head;
  size_t total;
};

#define CHUNK_HDR ((sizeof(chunk) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

cb_arena *cb_arena_new(void) { return cb_calloc(1, sizeof(cb_arena)); }

void cb_arena_free(cb_arena *a) {
  if (!a)
    return;
  chunk *c = a->head;
  while (c) {
    chunk *prev = c->prev;
    cb_free(c);
    c = prev;
  }
  cb_free(a);
}

void *cb_arena_alloc(cb_arena *a, size_t n) {
  n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
  if (n == 0)
    n = ALIGN;
  chunk *c = a->head;
  if (!c || c->cap - c->used < n) {
    size_t cap = n > CHUNK_MIN / 4 ? n : CHUNK_MIN;
    if (n > SIZE_MAX - CHUNK_HDR)
      return NULL;
    chunk *nc = cb_malloc(CHUNK_HDR + cap);
    if (!nc)
      return NULL;
    nc->used = 0;
    nc->cap = cap;
    a->total += CHUNK_HDR + cap;
    if (c && cap != CHUNK_MIN) {
      /* a large block: keep the current chunk open for small ones */
      nc->prev = c->prev;
      c->prev = nc;
      nc->used = n;
      return (char *)nc + CHUNK_HDR;
    }
    nc->prev = c;
    a->head = c = nc;
  }
  void *p = (char *)c + CHUNK_HDR + c->used;
  c->used += n;
  return p;
}

void *cb_arena_calloc(cb_arena *a, size_t count, size_t size) {
  if (size && count > SIZE_MAX / size)
    return NULL;
  void *p = cb_arena_alloc(a, count * size);
  if (p)
    memset(p, 0, count * size);
  return p;
}

char *cb_arena_strndup(cb_arena *a, const char *s, size_t n) {
  char *d = cb_arena_alloc(a, n + 1);
  if (!d)
    return NULL;
  if (n)
    memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *cb_arena_strdup(cb_arena *a, const char *s) {
  return cb_arena_strndup(a, s, strlen(s));
}

char *cb_arena_printf(cb_arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    return NULL;
  char *d = cb_arena_alloc(a, (size_t)n + 1);
  if (!d)
    return NULL;
  va_start(ap, fmt);
  vsnprintf(d, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return d;
}

size_t cb_arena_size(const cb_arena *a) { return a->total; }

/* ---- buffers and arrays ----------------------------------------------- */

int cb_vec_grow(void **arr, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap)
    return 0;
  size_t ncap = *cap ? *cap : 8;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2 / elem)
      return -1;
    ncap *= 2;
  }
  void *p = cb_realloc(*arr, ncap * elem);
  if (!p)
    return -1;
  *arr = p;
  *cap = ncap;
  return 0;
}

void cb_buf__append_grow(cb_buf *b, const char *s, size_t n) {
  if (b->failed)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < b->len + n + 1) {
      if (ncap > SIZE_MAX / 2) {
        b->failed = 1;
        return;
      }
      ncap *= 2;
    }
    char *p = cb_realloc(b->data, ncap);
    if (!p) {
      b->failed = 1;
      return;
    }
    b->data = p;
    b->cap = ncap;
  }
  if (n)
    memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void cb_buf_printf(cb_buf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) {
    b->failed = 1;
    return;
  }
  if ((size_t)n < sizeof small) {
    cb_buf_append(b, small, (size_t)n);
    return;
  }
  char *big = cb_malloc((size_t)n + 1);
  if (!big) {
    b->failed = 1;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  cb_buf_append(b, big, (size_t)n);
  cb_free(big);
}

const char *cb_buf_cstr(cb_buf *b) { return b->data ? b->data : ""; }

void cb_buf_reset(cb_buf *b) {
  b->len = 0;
  if (b->data)
    b->data[0] = '\0';
}

void cb_buf_free(cb_buf *b) {
  cb_free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->failed = 0;
}
