/* SPDX-License-Identifier: MIT */
/*
 * alloc.h: the one allocation wrapper and the compilation arena.
 *
 * Every allocation of libcasebook goes through cb_malloc/cb_realloc so a
 * test can make the N-th one fail (cb_alloc_fail_after) and check that the
 * program reports it and exits cleanly. The arena holds the model: many
 * small objects freed together with the context.
 */
#ifndef CB_ALLOC_H
#define CB_ALLOC_H

#include <stddef.h>
#include <string.h>

/* malloc/realloc/free through the failure-injection counter. */
void *cb_malloc(size_t n);
void *cb_calloc(size_t count, size_t size);
void *cb_realloc(void *p, size_t n);
void cb_free(void *p);
char *cb_strdup(const char *s);

/* Makes the n-th allocation from now on fail (n >= 1); 0 turns it off.
 * The count is process-wide and atomic: with several threads
 * allocating, exactly one allocation fails, the n-th in whatever order
 * they came. */
void cb_alloc_fail_after(long n);
/* How many allocations have failed on this thread so far: jansson reports
 * a failed allocation while parsing as a syntax error, and a caller tells
 * the two apart by this count before and after. */
unsigned long cb_alloc_failures(void);

typedef struct cb_arena cb_arena;

/* Creates an arena; NULL when out of memory. Freed with cb_arena_free. */
cb_arena *cb_arena_new(void);
void cb_arena_free(cb_arena *a);

/* Memory from the arena, aligned for any type, zeroed for calloc. NULL
 * when out of memory. Freed only with the arena. */
void *cb_arena_alloc(cb_arena *a, size_t n);
void *cb_arena_calloc(cb_arena *a, size_t count, size_t size);
char *cb_arena_strndup(cb_arena *a, const char *s, size_t n);
char *cb_arena_strdup(cb_arena *a, const char *s);
/* printf into the arena. */
char *cb_arena_printf(cb_arena *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Bytes held by the arena (for the benchmark). */
size_t cb_arena_size(const cb_arena *a);

/* A growable byte buffer on cb_malloc, for building strings. */
typedef struct cb_buf {
  char *data;
  size_t len, cap;
  int failed; /* set once an allocation failed; later appends do nothing */
} cb_buf;

/* The slow path of cb_buf_append: grows the buffer first. */
void cb_buf__append_grow(cb_buf *b, const char *s, size_t n);

/* Appends s[0..n) and keeps data NUL-terminated. Inline: the emitters
 * append millions of short pieces, and most fit. */
static inline void cb_buf_append(cb_buf *b, const char *s, size_t n) {
  if (n < b->cap - b->len && !b->failed) { /* cap > len once allocated */
    if (n) /* s may be NULL then */
      memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
  } else {
    cb_buf__append_grow(b, s, n);
  }
}

static inline void cb_buf_puts(cb_buf *b, const char *s) {
  cb_buf_append(b, s, strlen(s));
}

static inline void cb_buf_putc(cb_buf *b, char c) {
  if (b->cap - b->len > 1 && !b->failed) {
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
  } else {
    cb_buf__append_grow(b, &c, 1);
  }
}
void cb_buf_printf(cb_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Ensures data is NUL-terminated (returns data, "" if empty). */
const char *cb_buf_cstr(cb_buf *b);
void cb_buf_reset(cb_buf *b);
void cb_buf_free(cb_buf *b);

/* A growable array on cb_malloc: CB_VEC_PUSH(arr, n, cap, value). Returns
 * 0 or -1 (out of memory, nothing changed). */
int cb_vec_grow(void **arr, size_t *cap, size_t need, size_t elem);
#define CB_VEC_PUSH(arr, n, cap, value)                                      \
  (cb_vec_grow((void **)&(arr), &(cap), (n) + 1, sizeof *(arr)) < 0          \
       ? -1                                                                  \
       : ((arr)[(n)++] = (value), 0))

#endif
