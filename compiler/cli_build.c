/* SPDX-License-Identifier: MIT */
/*
 * cli_build.c: `casebook build`, and the build it makes, which `casebook
 * serve` makes again after every change (cli_build_into). Uses only the
 * public API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cli_build_usage[] =
    "usage: casebook build [DIR] [-o OUT] [--since REV] [--fail-on error|warning]\n"
    "\n"
    "Compile the project in DIR (default: the current directory): check it,\n"
    "then write OUT (default DIR/_build):\n"
    "  html/         the annotator site (index.html and one page per chapter)\n"
    "  rubric.json   questions, options, criteria and chapters\n"
    "  gold.jsonl    one line per final case with its gold answers\n"
    "Every file is written atomically. Diagnostics go to standard error.\n"
    "\n"
    "  -o, --output OUT    output directory\n"
    "  --rev REV           compile the git revision REV (a branch, tag, commit,\n"
    "                      HEAD~3...) read from the repository, no checkout\n"
    "  --since REV         mark what changed since REV (default: the previous\n"
    "                      tag, when the project is in git)\n"
    "  --fail-on LEVEL     exit 1 on diagnostics at or above LEVEL\n"
    "                      (error, the default, or warning)\n"
    "  --no-cache          neither use nor update the build cache OUT/.cache\n"
    "                      (unchanged chapters are not parsed again; a build\n"
    "                      where nothing changed rewrites nothing)\n";

char *cli_build_out(const cli *c) {
  if (c->out)
    return strdup(c->out);
  size_t n = strlen(c->dir) + sizeof "/_build";
  char *out = malloc(n);
  if (out)
    snprintf(out, n, "%s/_build", c->dir);
  return out;
}

int cli_build_into(cb_ctx **ctx_out, const cb_book **book_out, const cli *c,
                   const char *out) {
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  int rc = -1;
  *book_out = NULL;
  size_t nv = c->since ? strlen(c->since) + sizeof "--since=" : 1;
  char *variant = malloc(nv);
  cb_options opts = cli_options(c);
  if (!variant || cb_ctx_new(&ctx, &opts) < 0) {
    free(variant);
    *ctx_out = NULL;
    fputs("casebook: out of memory\n", stderr);
    return EXIT_INTERNAL;
  }
  *ctx_out = ctx;
  snprintf(variant, nv, "%s%s", c->since ? "--since=" : "",
           c->since ? c->since : "");
  /* OUT is locked first: the cache's "nothing changed" check and the
   * writes of one build never interleave with another's */
  int err = cb_build_lock(ctx, c->dir, out);
  /* the build cache in OUT/.cache (docs/cache.md): unchanged chapters are
   * not parsed again, and when nothing changed the load gives no book */
  if (err == 0 && !c->no_cache)
    err = cb_build_cache_open(ctx, out, variant);
  if (err == 0)
    err = cb_book_load(&book, ctx, c->dir);
  if (err < 0) {
    rc = cli_env_error(ctx, err);
    goto done;
  }
  if (!book) {
    cb_diag_print(stderr, ctx, CB_FMT_GCC, cli_want_color(c, stderr));
    goto done;
  }
  if ((rc = cli_set_base(ctx, book, c)) >= 0)
    goto done;
  /* each element's last change, from git (nothing outside git) */
  if ((err = cb_book_load_history(ctx, book)) < 0) {
    rc = cli_env_error(ctx, err);
    goto done;
  }
  /* the rules run while the outputs are written */
  err = cb_book_check_and_emit(ctx, book, out);
  /* the casebook-ignore comments, over every finding (the record keeps
   * them silenced for a rebuild where nothing changed) */
  if (err == 0)
    err = cb_book_apply_ignores(ctx, book);
  if (err == 0)
    cb_build_cache_save(ctx, book);
  cb_diag_print(stderr, ctx, CB_FMT_GCC, cli_want_color(c, stderr));
  if (err < 0)
    rc = cli_env_error(ctx, err);
  else
    *book_out = book;
done:
  free(variant);
  return rc;
}

int cli_build(const cli *c) {
  cb_ctx *ctx = NULL;
  const cb_book *book = NULL;
  char *out = NULL;
  int rc = cli_max_args(c, 1);
  if (rc >= 0)
    return rc;
  if (!(out = cli_build_out(c))) {
    fputs("casebook: out of memory\n", stderr);
    return EXIT_INTERNAL;
  }
  if ((rc = cli_build_into(&ctx, &book, c, out)) >= 0)
    goto done;
  rc = cli_exit_for(ctx, c);
  if (!c->quiet)
    printf("%s/html/index.html\n", out);
  if (!book) {
    if (c->verbose)
      fprintf(stderr, "nothing changed since the last build into %s\n", out);
    goto done;
  }
  if (c->verbose) {
    size_t n_cached = 0, n_chapters = 0;
    cb_build_cache_counts(ctx, &n_chapters, &n_cached);
    fprintf(stderr, "built %zu chapters, %zu questions, %zu criteria, "
                    "%zu cases into %s\n",
            book->n_chapters, book->n_questions, book->n_criteria,
            book->n_cases, out);
    if (n_cached)
      fprintf(stderr, "%zu of %zu chapters from the build cache\n", n_cached,
              n_chapters);
  }
done:
  free(out);
  cb_ctx_free(ctx);
  return rc;
}
