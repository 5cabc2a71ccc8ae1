/* SPDX-License-Identifier: MIT */
/*
 * pipeline.c: the back of the pipeline, check and emit, run at once.
 *
 * The rules and the emitters only read the model, so `build` runs the
 * rules on a second thread while the outputs are written. The rules get a
 * context of their own (arena, diagnostics) that shares the book; their
 * diagnostics are merged into the caller's context at the end, so the
 * result is the same as running one after the other.
 *
 * `check` runs the same two sides (cb_book_check_all), with the exports
 * writing nothing (cb_book_check_exports): it reports what `build`
 * reports, in the same order.
 *
 * A build holds its output directory (output.h) from cb_build_lock, or
 * from the start of cb_book_emit, until its context is freed: two builds
 * into one directory run one after the other.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

#include "ctx.h"
#include "output.h"

int cb_build_lock(cb_ctx *ctx, const char *dir, const char *outdir) {
  /* a project that is not there is said as cb_book_load says it, before
   * OUT (by default inside it) is created */
  struct stat st;
  if (!ctx->opts.rev && dir && stat(dir, &st) < 0)
    return cb_ctx__fail(ctx, errno == ENOENT ? CB_ENOTFOUND : CB_EIO,
                        "cannot open project directory '%s': %s", dir,
                        strerror(errno));
  return cb_output__begin(ctx, outdir);
}

typedef struct check_job {
  cb_ctx *sub;
  const cb_book *book;
  const cb_book *previous;
  int err;
} check_job;

static void *check_main(void *arg) {
  check_job *job = arg;
  job->err = cb_book_check_against(job->sub, job->book, job->previous);
  return NULL;
}

/* The emit side: the outputs written under outdir, or with outdir NULL
 * the exports run for their diagnostics alone. */
static int emit_side(cb_ctx *ctx, const cb_book *book, const char *outdir) {
  return outdir ? cb_book_emit(ctx, book, outdir)
                : cb_book_check_exports(ctx, book);
}

/* The rules (with previous, as cb_book_check_against) on a second thread
 * into a context of their own, the emit side on this one into ctx; the
 * rules' diagnostics are merged after emit's, so that their order is
 * that of one run after the other: emit, then the rules. */
static int check_and(cb_ctx *ctx, const cb_book *book,
                     const cb_book *previous, const char *outdir) {
  check_job job = {NULL, book, previous, 0};
  pthread_t thread;
  int threaded = 0, err;
  if (cb_ctx_new(&job.sub, &ctx->opts) == 0) {
    job.sub->book = ctx->book; /* shared, read-only: the arena stays ctx's */
    job.sub->book_loaded = ctx->book_loaded;
    threaded = pthread_create(&thread, NULL, check_main, &job) == 0;
  }
  if (!threaded) {
    /* no thread (or no memory for a context): one after the other */
    if (job.sub)
      memset(&job.sub->book, 0, sizeof job.sub->book);
    cb_ctx_free(job.sub);
    if ((err = emit_side(ctx, book, outdir)) < 0)
      return err;
    return cb_book_check_against(ctx, book, previous);
  }
  err = emit_side(ctx, book, outdir);
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

int cb_book_check_and_emit(cb_ctx *ctx, const cb_book *book,
                           const char *outdir) {
  return check_and(ctx, book, NULL, outdir);
}

int cb_book_check_all(cb_ctx *ctx, const cb_book *book,
                      const cb_book *previous) {
  return check_and(ctx, book, previous, NULL);
}
