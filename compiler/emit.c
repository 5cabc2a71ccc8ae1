/* SPDX-License-Identifier: MIT */
/*
 * emit.c: cb_book_emit, which writes every output of `casebook build`:
 * the order of the tasks (rubric.json, gold.jsonl, the exporters), the
 * two threads that share them and the site's pages, and the copy of the
 * assets the chapters link to; and cb_book_check_exports, which runs the
 * exporters writing nothing, for `check`.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "book.h"
#include "emit_html.h"
#include "emit_json.h"
#include "export.h"
#include "output.h"
#include "strmap.h"

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

/* The exporters are the outputs that report diagnostics (export.h): each
 * runs whole, as in a build, into a context of its own that writes
 * nothing (ctx.h, no_output), and their diagnostics are merged in the
 * order of the list, as cb_book_emit merges them. */
int cb_book_check_exports(cb_ctx *ctx, const cb_book *book) {
  int err = 0;
  for (size_t i = 0; cb_exporters[i].run && err == 0; i++) {
    cb_ctx sub;
    memset(&sub, 0, sizeof sub);
    sub.book = *book; /* as in cb_book_emit: the caller's */
    sub.book_loaded = 1;
    sub.opts = ctx->opts;
    sub.no_output = 1;
    if (!(sub.arena = cb_arena_new()))
      return cb_ctx__fail(ctx, CB_ENOMEM, "out of memory");
    /* the paths the exporter makes name nothing: no file is touched */
    if ((err = cb_exporters[i].run(&sub, book, ".")) < 0)
      err = cb_ctx__fail(ctx, err, "%s", sub.error);
    else
      err = cb_diag__merge(ctx, &sub);
    cb_free(sub.diags);
    cb_arena_free(sub.arena);
  }
  return err;
}
