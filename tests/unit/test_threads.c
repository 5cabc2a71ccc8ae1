/* SPDX-License-Identifier: MIT */
/*
 * test_threads.c: what casebook.h promises of threads, used as a library
 * does: contexts of their own on several threads at once.
 *
 * Four threads each load, check and build the example project into an
 * output directory of their own, twice, at the same time, starting
 * together so that the process-wide set-up (libgit2, libxml2, the
 * Markdown extensions, the cache's compiler id) is raced for. Each run
 * must give what one thread alone gives: the same counts of chapters,
 * cases and diagnostics, and byte for byte the same rubric.json and
 * gold.jsonl. Under ASan/UBSan (make asan) a data race that corrupts
 * memory shows here too.
 */
#include "casebook/casebook.h"
#include "testlib.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_THREADS 4
#define N_ROUNDS 2

typedef struct run {
  int id;
  int rc;
  size_t chapters, cases, errors, warnings, notes;
  char *rubric, *gold; /* malloc'd file contents */
} run;

static const char *project = "casebooks/chat-safety";
static char tmp_root[] = "/tmp/casebook-threads-XXXXXX";
static pthread_barrier_t start;

static char *slurp(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return NULL;
  char *s = NULL;
  size_t cap = 0, len = 0, k;
  char chunk[8192];
  while ((k = fread(chunk, 1, sizeof chunk, fp)) > 0) {
    if (len + k + 1 > cap) {
      cap = (len + k + 1) * 2;
      char *t = realloc(s, cap);
      if (!t) {
        free(s);
        fclose(fp);
        return NULL;
      }
      s = t;
    }
    memcpy(s + len, chunk, k);
    len += k;
  }
  fclose(fp);
  if (!s)
    s = calloc(1, 1);
  else
    s[len] = '\0';
  return s;
}

/* One whole compilation in a context of its own. */
static void compile(run *r) {
  char out[256];
  snprintf(out, sizeof out, "%s/out-%d", tmp_root, r->id);
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  r->rc = cb_ctx_new(&ctx, NULL);
  if (r->rc == 0)
    r->rc = cb_book_load(&book, ctx, project);
  if (r->rc == 0 && book) {
    r->chapters = book->n_chapters;
    r->cases = book->n_cases;
    r->rc = cb_book_check_and_emit(ctx, book, out);
  }
  if (ctx)
    cb_ctx_diag_counts(ctx, &r->errors, &r->warnings, &r->notes);
  cb_ctx_free(ctx);
  char path[300];
  snprintf(path, sizeof path, "%s/rubric.json", out);
  r->rubric = slurp(path);
  snprintf(path, sizeof path, "%s/gold.jsonl", out);
  r->gold = slurp(path);
}

static void *thread_main(void *arg) {
  run *r = arg;
  pthread_barrier_wait(&start);
  compile(r);
  return NULL;
}

static void release(run *r) {
  free(r->rubric);
  free(r->gold);
  r->rubric = r->gold = NULL;
}

static int same(const run *a, const run *b) {
  return a->rc == b->rc && a->chapters == b->chapters &&
         a->cases == b->cases && a->errors == b->errors &&
         a->warnings == b->warnings && a->notes == b->notes && a->rubric &&
         b->rubric && strcmp(a->rubric, b->rubric) == 0 && a->gold &&
         b->gold && strcmp(a->gold, b->gold) == 0;
}

int main(void) {
  /* The project's own outputs must not depend on the cache of another
   * test run: every output directory is new. */
  if (!mkdtemp(tmp_root)) {
    perror("mkdtemp");
    return 1;
  }
  run alone = {.id = 0};
  compile(&alone);
  CHECK_INT(alone.rc, 0);
  CHECK(alone.chapters > 0);
  CHECK(alone.cases > 0);
  CHECK(alone.rubric != NULL && strlen(alone.rubric) > 100);
  CHECK(alone.gold != NULL && strlen(alone.gold) > 100);

  for (int round = 0; round < N_ROUNDS; round++) {
    run runs[N_THREADS];
    pthread_t threads[N_THREADS];
    pthread_barrier_init(&start, NULL, N_THREADS);
    for (int i = 0; i < N_THREADS; i++) {
      memset(&runs[i], 0, sizeof runs[i]);
      runs[i].id = 1 + round * N_THREADS + i;
      CHECK_INT(pthread_create(&threads[i], NULL, thread_main, &runs[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++)
      pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < N_THREADS; i++) {
      if (!same(&runs[i], &alone))
        fprintf(stderr, "round %d thread %d: rc %d, %zu chapters, %zu cases,"
                        " %zu/%zu/%zu diagnostics\n",
                round, i, runs[i].rc, runs[i].chapters, runs[i].cases,
                runs[i].errors, runs[i].warnings, runs[i].notes);
      CHECK(same(&runs[i], &alone));
      release(&runs[i]);
    }
  }
  release(&alone);

  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
  if (system(cmd) != 0)
    fprintf(stderr, "note: could not remove %s\n", tmp_root);
  return test_report("threads");
}
