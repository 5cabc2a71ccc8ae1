/* SPDX-License-Identifier: MIT */
/*
 * cli_diff.c: `casebook diff OLD [NEW] [DIR]`, and `build --since REV`
 * (cli_set_base), built on the same diff. The third user of the diff,
 * `check --against REV`, is in cli.c (cli_check_book), since every
 * command that loads a book may check it. Uses only the public API.
 *
 * Exit status of diff: 0 when no change is breaking, 1 when one is (like
 * `buf breaking`), 2 usage or input error (an unknown revision), 3
 * internal error. The manifest's levels are not consulted: the gate that
 * honours them and the version bump is `check --against`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

const char cli_diff_usage[] =
    "usage: casebook diff OLD [NEW] [DIR] [--format text|markdown|json]\n"
    "\n"
    "Compile the project in DIR (default: the current directory) at the git\n"
    "revisions OLD and NEW (default: the working tree) and list what changed\n"
    "between the two models: questions, options, criteria and cases added,\n"
    "removed, probably renamed or changed, gold answers old -> new, scales,\n"
    "types, conditions, reworded definitions and prose sections. Each change\n"
    "has a kind and a category: breaking, gold, semantic, additive or\n"
    "cosmetic (docs/diff.md); trust lists what makes the build trust more\n"
    "code or markup (unsafe_html turned on, templates/ and rules/*.lua\n"
    "files added or changed).\n"
    "\n"
    "  --format FMT        text (default; coloured on a terminal), markdown\n"
    "                      (a pull-request comment) or json\n"
    "                      (schemas/diff.schema.json)\n"
    "\n"
    "Exit status: 0 no breaking change, 1 breaking changes, 2 usage error or\n"
    "unknown revision. 'casebook check --against OLD' is the gate that\n"
    "follows the manifest's levels and version.\n";

static int is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cli_diff(const cli *c) {
  cb_diff_format fmt = CB_DIFF_TEXT;
  if (!c->format || strcmp(c->format, "text") == 0)
    fmt = CB_DIFF_TEXT;
  else if (strcmp(c->format, "markdown") == 0 || strcmp(c->format, "md") == 0)
    fmt = CB_DIFF_MARKDOWN;
  else if (strcmp(c->format, "json") == 0)
    fmt = CB_DIFF_JSON;
  else
    return cli_usage_error("unknown format '%s' (text, markdown or json)",
                           c->format);
  if (c->n_args == 0)
    return cli_usage_error("diff needs the revision to compare with");
  int rc = cli_max_args(c, 3);
  if (rc >= 0)
    return rc;
  const char *old_rev = c->args[0], *new_rev = NULL, *dir = ".";
  if (c->n_args == 3) {
    new_rev = c->args[1];
    dir = c->args[2];
  } else if (c->n_args == 2) {
    /* diff OLD DIR or diff OLD NEW: a directory wins */
    if (is_dir(c->args[1]))
      dir = c->args[1];
    else
      new_rev = c->args[1];
  }
  cb_ctx *octx = NULL, *nctx = NULL;
  const cb_book *ob = NULL, *nb = NULL;
  if ((rc = cli_load_at(&octx, &ob, c, dir, old_rev, 0)) >= 0)
    goto done;
  if ((rc = cli_load_at(&nctx, &nb, c, dir, new_rev, 0)) >= 0)
    goto done;
  const cb_change *changes = NULL;
  size_t n = 0;
  int err = cb_book_diff(&changes, &n, nctx, ob, nb);
  if (err < 0) {
    rc = cli_env_error(nctx, err);
    goto done;
  }
  err = cb_diff_print(stdout, nctx, changes, n, ob, old_rev, nb,
                      new_rev ? new_rev : "working tree", fmt,
                      fmt == CB_DIFF_TEXT && cli_want_color(c, stdout));
  if (err < 0) {
    rc = cli_env_error(nctx, err);
    goto done;
  }
  rc = EXIT_CLEAN;
  for (size_t i = 0; i < n; i++)
    if (changes[i].category == CB_CHANGE_BREAKING)
      rc = EXIT_DIAG;
done:
  cb_ctx_free(octx);
  cb_ctx_free(nctx);
  return rc;
}

int cli_set_base(cb_ctx *ctx, const cb_book *book, const cli *c) {
  char *tag = NULL;
  const char *since = c->since;
  int err;
  if (!since) {
    /* by default the previous tag, when the project is in git */
    err = cb_project_previous_tag(&tag, ctx, c->dir, c->rev);
    if (err == CB_ENOMEM)
      return cli_env_error(ctx, err);
    if (err < 0 && c->verbose) /* a project not committed yet ... */
      fprintf(stderr, "casebook: no changed markers: %s\n",
              cb_ctx_error(ctx));
    if (!tag)
      return -1;
    since = tag;
  }
  cb_ctx *bctx = NULL;
  const cb_book *base = NULL;
  /* the default base may lack the project: then there are no markers */
  int rc = cli_load_at(&bctx, &base, c, c->dir, since, tag != NULL);
  if (rc >= 0 && tag) {
    if (c->verbose)
      fprintf(stderr, "casebook: no changed markers: %s cannot be read\n",
              tag);
    rc = -1;
  } else if (rc < 0) {
    const char *label = base->stamp.describe ? base->stamp.describe : since;
    if ((err = cb_book_set_base(ctx, base, since, label)) < 0)
      rc = cli_env_error(ctx, err);
    else if (c->verbose)
      fprintf(stderr, "%zu change%s since %s\n", book->n_changes,
              book->n_changes == 1 ? "" : "s", label);
  }
  cb_ctx_free(bctx);
  free(tag);
  return rc;
}
