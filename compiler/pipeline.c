/*
 * pipeline.c: the back of the pipeline, check and emit, run at once.
 *
 * The rules and the emitters only read the model, so `build` runs the
 * rules on a second thread while the outputs are written. The rules get a
 * context of their own (arena, diagnostics) that shares the book; their
 * diagnostics are merged into the caller's context at the end, so the
 * result is the same as running one after the other.
 */
#include <pthread.h>
#include <string.h>

#include "ctx.h"

typedef struct check_job {
  cb_ctx *sub;
  const cb_book *book;
  int err;
} check_job;

static void *check_main(void *arg) {
  check_job *job = arg;
  job->err = cb_book_check(job->sub, job->book);
  return NULL;
}

int cb_book_check_and_emit(cb_ctx *ctx, const cb_book *book,
                           const char *outdir) {
  check_job job = {NULL, book, 0};
  pthread_t thread;
  int threaded = 0, err;
  if (cb_ctx_new(&job.sub, &ctx->opts) == 0) {
    job.sub->book = ctx->book; /* shared, read-only: the arena stays ctx's */
    job.sub->book_loaded = ctx->book_loaded;
    threaded = pthread_create(&thread, NULL, check_main, &job) == 0;
  }
  if (!threaded) {
    /* no thread (or no memory for a context): one after the other */
    cb_ctx_free(job.sub);
    if ((err = cb_book_check(ctx, book)) < 0)
      return err;
    return cb_book_emit(ctx, book, outdir);
  }
  err = cb_book_emit(ctx, book, outdir);
  pthread_join(thread, NULL);
  int merged = cb_diag__merge(ctx, job.sub);
  if (err == 0 && job.err < 0)
    err = cb_ctx__fail(ctx, job.err, "%s", cb_ctx_error(job.sub));
  if (err == 0)
    err = merged;
  memset(&job.sub->book, 0, sizeof job.sub->book); /* not the sub's to free */
  cb_ctx_free(job.sub);
  return err;
}
