/* SPDX-License-Identifier: MIT */
/*
 * cli.h: what the command-line files share. main.c parses the options
 * (getopt_long) into a cli and calls the command's function; each
 * command lives in main.c or in a compiler/cli_NAME.c of its own, and
 * the helpers below in cli.c, beneath them all (cli.c calls no command).
 * Like main.c, these files use only the public API.
 */
#ifndef CB_CLI_H
#define CB_CLI_H

#include <stdio.h>

#include "casebook/casebook.h"

enum { EXIT_CLEAN = 0, EXIT_DIAG = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

typedef struct cli {
  const char *cmd;
  const char **args; /* the positional arguments after the command */
  size_t n_args;
  const char *dir;     /* the project directory: args[0] or "." */
  const char *out;     /* -o, --output */
  const char *project; /* rules --project DIR */
  const char *rev;     /* --rev REV: read the project at a git revision */
  const char *since;   /* --since REV: base of the "changed" markers */
  const char *against; /* check --against REV */
  const char *format;  /* --format NAME, as given (NULL: the default) */
  cb_diag_level fail_on;
  int color; /* -1 auto */
  int quiet, verbose;
  int no_cache; /* build --no-cache */
  /* serve */
  const char *port; /* --port N, as given */
  const char *host; /* --host ADDR */
  int open;         /* --open */
  int fix, dry_run; /* check --fix [--dry-run] */
  /* grade */
  const char *input;   /* --input FORMAT */
  const char *partial; /* --partial FILE */
  const char *seed;    /* --seed N */
  int merge;           /* --merge: the files are partial grades */
  const char **gates;  /* "alpha=Q=X" or "accuracy=X" ..., in order */
  size_t n_gates;
} cli;

/* A command: its name, its --help text and the function that runs it. */
typedef struct cli_command {
  const char *name;
  const char *usage;
  int (*run)(const cli *c);
} cli_command;

/* Prints "casebook: MESSAGE (see 'casebook --help')"; returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* 1 when output to fp should be coloured (--color, NO_COLOR, a tty). */
int cli_want_color(const cli *c, FILE *fp);

/* EXIT_DIAG when ctx holds diagnostics at or above --fail-on. */
int cli_exit_for(cb_ctx *ctx, const cli *c);

/* Prints ctx's error and returns the exit status for err. */
int cli_env_error(cb_ctx *ctx, int err);

/* EXIT_USAGE with a message when c has more than max arguments after
 * the command, -1 otherwise. */
int cli_max_args(const cli *c, size_t max);

/* The cb_options for c (rev, quiet, verbose...). */
cb_options cli_options(const cli *c);

/* Creates a context reading c's project at rev (NULL: the working tree)
 * and loads the book; the diagnostics of the load are not shown (they
 * belong to `check`). Returns -1 to go on, or an exit status (after an
 * error message unless quiet). *ctx is the caller's to free, even on
 * failure. */
int cli_load_at(cb_ctx **ctx, const cb_book **book, const cli *c,
                const char *dir, const char *rev, int quiet);

/* Runs every rule `build` runs over book, the exports' included
 * (cb_book_check_all: nothing is written), with --against over the book
 * at that revision too (book.previous). Returns -1 to go on, or the exit
 * status. */
int cli_check_book(cb_ctx *ctx, const cb_book *book, const cli *c);

/* Creates a context and loads the book of c->dir; runs the rules when
 * check is set. Returns -1 to go on, or the exit status. *ctx_out is the
 * caller's to free, even on failure. */
int cli_load_book(cb_ctx **ctx_out, const cb_book **book, const cli *c,
                  int check);

/* casebook build (cli_build.c). */
extern const char cli_build_usage[];
int cli_build(const cli *c);

/* The output directory of a build of c: --output, else DIR/_build.
 * malloc'd; NULL when out of memory. */
char *cli_build_out(const cli *c);

/* Builds c->dir into out as `casebook build` does: the build cache
 * (unless --no-cache), the changed markers, the history, the rules and
 * the outputs, the casebook-ignore comments; the diagnostics printed to
 * stderr. Returns -1 when it ran (ctx holds its diagnostics; *book is
 * NULL when nothing changed since the last build into out, so nothing
 * was written), or the exit status of an error (said on stderr). *ctx is
 * the caller's to free, even on failure (NULL when out of memory); it
 * holds out's lock until then. */
int cli_build_into(cb_ctx **ctx, const cb_book **book, const cli *c,
                   const char *out);

/* casebook diff (cli_diff.c). */
extern const char cli_diff_usage[];
int cli_diff(const cli *c);

/* Fills the changed markers of ctx's book: since --since, else since the
 * previous tag when the project is in git (none: nothing to do). Returns
 * -1 to go on, or the exit status (cli_diff.c). */
int cli_set_base(cb_ctx *ctx, const cb_book *book, const cli *c);

/* casebook grade (cli_grade.c). */
extern const char cli_grade_usage[];
int cli_grade(const cli *c);

/* casebook serve (cli_serve.c). */
extern const char cli_serve_usage[];
int cli_serve(const cli *c);

/* casebook lsp (cli_lsp.c). */
extern const char cli_lsp_usage[];
int cli_lsp(const cli *c);

/* casebook log (cli_log.c). */
extern const char cli_log_usage[];
int cli_log(const cli *c);

#endif
