/* SPDX-License-Identifier: MIT */
/*
 * cli.c: what the command-line files share (cli.h): usage errors, colour,
 * exit statuses, and loading a book the way every command does, at a
 * revision or not, checked (with `check --against REV`) or not. Like
 * main.c, it uses only the public API.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"

int cli_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("casebook: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs(" (see 'casebook --help')\n", stderr);
  return EXIT_USAGE;
}

int cli_want_color(const cli *c, FILE *fp) {
  if (c->color >= 0)
    return c->color;
  const char *nc = getenv("NO_COLOR");
  if (nc && *nc)
    return 0;
  return isatty(fileno(fp));
}

int cli_exit_for(cb_ctx *ctx, const cli *c) {
  size_t e, w, n;
  cb_ctx_diag_counts(ctx, &e, &w, &n);
  if (e || (c->fail_on == CB_DIAG_WARNING && w))
    return EXIT_DIAG;
  return EXIT_CLEAN;
}

int cli_env_error(cb_ctx *ctx, int err) {
  /* the message may name a file of the project: shown as text is shown */
  fputs("casebook: ", stderr);
  cb_print_text(stderr, *cb_ctx_error(ctx) ? cb_ctx_error(ctx)
                                           : "out of memory");
  fputc('\n', stderr);
  return err == CB_ENOMEM || err == CB_ERROR ? EXIT_INTERNAL : EXIT_USAGE;
}

int cli_max_args(const cli *c, size_t max) {
  if (c->n_args > max)
    return cli_usage_error("too many arguments ('%s')", c->args[max]);
  return -1;
}

cb_options cli_options(const cli *c) {
  cb_options opts = {0};
  opts.rev = c->rev;
  opts.quiet = c->quiet;
  opts.verbose = c->verbose;
  return opts;
}

int cli_load_at(cb_ctx **ctx, const cb_book **book, const cli *c,
                const char *dir, const char *rev, int quiet) {
  cb_options opts = cli_options(c);
  opts.rev = rev;
  int err = cb_ctx_new(ctx, &opts);
  if (err < 0) {
    fputs("casebook: out of memory\n", stderr);
    return EXIT_INTERNAL;
  }
  if ((err = cb_book_load(book, *ctx, dir)) < 0)
    return quiet ? EXIT_USAGE : cli_env_error(*ctx, err);
  return -1;
}

int cli_check_book(cb_ctx *ctx, const cb_book *book, const cli *c) {
  int err;
  /* every rule `build` runs, the exports' included (writing nothing) */
  if (!c->against) {
    if ((err = cb_book_check_all(ctx, book, NULL)) < 0)
      return cli_env_error(ctx, err);
    return -1;
  }
  cb_ctx *pctx = NULL;
  const cb_book *prev = NULL;
  int rc = cli_load_at(&pctx, &prev, c, c->dir, c->against, 0);
  if (rc < 0) {
    if ((err = cb_book_check_all(ctx, book, prev)) < 0)
      rc = cli_env_error(ctx, err);
  }
  cb_ctx_free(pctx);
  return rc;
}

int cli_load_book(cb_ctx **ctx_out, const cb_book **book, const cli *c,
                  int check) {
  cb_options opts = cli_options(c);
  cb_ctx *ctx = NULL;
  int err = cb_ctx_new(&ctx, &opts);
  *ctx_out = ctx;
  if (err < 0) {
    fputs("casebook: out of memory\n", stderr);
    return EXIT_INTERNAL;
  }
  if ((err = cb_book_load(book, ctx, c->dir)) < 0)
    return cli_env_error(ctx, err);
  if (check)
    return cli_check_book(ctx, *book, c); /* with --against too */
  return -1; /* go on */
}
