/* SPDX-License-Identifier: MIT */
/* Unit tests of alloc.c (arena, buffers, failure injection) and strmap.c. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "strmap.h"
#include "testlib.h"

static void test_arena(void) {
  cb_arena *a = cb_arena_new();
  CHECK(a != NULL);
  char *s = cb_arena_strdup(a, "hello");
  CHECK_STR(s, "hello");
  CHECK(((uintptr_t)cb_arena_alloc(a, 3) & 15) == 0);
  /* a large block does not close the current chunk */
  char *big = cb_arena_alloc(a, 1 << 20);
  CHECK(big != NULL);
  memset(big, 'x', 1 << 20);
  char *after = cb_arena_strdup(a, "after");
  CHECK_STR(after, "after");
  CHECK_STR(s, "hello");
  CHECK_STR(cb_arena_printf(a, "%d-%s", 42, "x"), "42-x");
  int *z = cb_arena_calloc(a, 100, sizeof *z);
  int zeros = 1;
  for (int i = 0; i < 100; i++)
    zeros &= z[i] == 0;
  CHECK(zeros);
  CHECK(cb_arena_calloc(a, SIZE_MAX / 2, 4) == NULL);
  CHECK(cb_arena_size(a) >= (1 << 20));
  cb_arena_free(a);
  cb_arena_free(NULL);
}

static void test_buf(void) {
  cb_buf b = {0};
  CHECK_STR(cb_buf_cstr(&b), "");
  cb_buf_puts(&b, "ab");
  cb_buf_putc(&b, 'c');
  cb_buf_printf(&b, "%05d", 7);
  CHECK_STR(cb_buf_cstr(&b), "abc00007");
  char long_text[1000];
  memset(long_text, 'y', sizeof long_text - 1);
  long_text[sizeof long_text - 1] = '\0';
  cb_buf_printf(&b, "%s", long_text);
  CHECK_INT(b.len, 8 + 999);
  cb_buf_reset(&b);
  CHECK_INT(b.len, 0);
  cb_buf_free(&b);
}

static void test_fail_injection(void) {
  cb_alloc_fail_after(1);
  CHECK(cb_malloc(10) == NULL);
  void *p = cb_malloc(10);
  CHECK(p != NULL);
  cb_free(p);
  /* a buffer remembers that it failed and stops growing */
  cb_buf b = {0};
  cb_alloc_fail_after(1);
  cb_buf_puts(&b, "x");
  CHECK(b.failed);
  cb_buf_puts(&b, "y");
  CHECK_INT(b.len, 0);
  cb_buf_free(&b);
  /* an arena whose chunk cannot be had returns NULL, then recovers */
  cb_arena *a = cb_arena_new();
  cb_alloc_fail_after(1);
  CHECK(cb_arena_alloc(a, 8) == NULL);
  CHECK(cb_arena_alloc(a, 8) != NULL);
  cb_arena_free(a);
  cb_alloc_fail_after(0);
}

/* Four threads allocate at once under one countdown: exactly one of
 * their allocations fails (the counter is shared and atomic), and none
 * after it. Under TSan or by luck a racy counter would fail none or two. */
#define RACE_THREADS 4
#define RACE_ALLOCS 20000

static void *race_main(void *arg) {
  long *failed = arg;
  for (int i = 0; i < RACE_ALLOCS; i++) {
    void *p = cb_malloc(16);
    if (p)
      cb_free(p);
    else
      (*failed)++;
  }
  return NULL;
}

static void test_fail_injection_threads(void) {
  for (int round = 0; round < 20; round++) {
    pthread_t threads[RACE_THREADS];
    long failed[RACE_THREADS] = {0};
    int started = 0;
    cb_alloc_fail_after(1 + round * (RACE_THREADS * RACE_ALLOCS / 20));
    for (int t = 0; t < RACE_THREADS; t++)
      started += pthread_create(&threads[t], NULL, race_main, &failed[t]) == 0;
    CHECK_INT(started, RACE_THREADS);
    long total = 0;
    for (int t = 0; t < started; t++) {
      pthread_join(threads[t], NULL);
      total += failed[t];
    }
    CHECK_INT(total, 1);
  }
  cb_alloc_fail_after(0);
}

static void test_vec(void) {
  int *v = NULL;
  size_t n = 0, cap = 0;
  for (int i = 0; i < 1000; i++)
    CHECK_INT(CB_VEC_PUSH(v, n, cap, i), 0);
  CHECK_INT(n, 1000);
  CHECK_INT(v[999], 999);
  cb_alloc_fail_after(1);
  size_t before = n;
  int rc = 0;
  while (n < cap) /* fill, so that the next push must grow */
    CB_VEC_PUSH(v, n, cap, 0);
  cb_alloc_fail_after(1);
  before = n;
  rc = CB_VEC_PUSH(v, n, cap, 1);
  CHECK_INT(rc, -1);
  CHECK_INT(n, before);
  cb_alloc_fail_after(0);
  cb_free(v);
}

static void test_strmap(void) {
  cb_strmap m = {0};
  size_t v = 0;
  CHECK(!cb_strmap_get(&m, "x", &v));
  char keys[2000][16];
  for (int i = 0; i < 2000; i++) {
    snprintf(keys[i], sizeof keys[i], "k%d", i);
    CHECK_INT(cb_strmap_put(&m, keys[i], (size_t)i, NULL), 1);
  }
  CHECK_INT(cb_strmap_put(&m, "k7", 99, &v), 0);
  CHECK_INT(v, 7);
  CHECK(cb_strmap_get(&m, "k1999", &v));
  CHECK_INT(v, 1999);
  CHECK(!cb_strmap_get(&m, "k2000", &v));
  CHECK_INT(m.n, 2000);
  cb_strmap_free(&m);
  CHECK(!cb_strmap_get(&m, "k1", &v));
}

int main(void) {
  test_arena();
  test_buf();
  test_fail_injection();
  test_fail_injection_threads();
  test_vec();
  test_strmap();
  return test_report("alloc");
}
