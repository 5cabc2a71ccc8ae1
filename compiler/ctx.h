/* SPDX-License-Identifier: MIT */
/*
 * ctx.h: the compilation context shared by the internal modules.
 *
 * One cb_ctx per compilation: it owns the arena (and so the model), the
 * diagnostics sink and the last environment error. Internal modules reach
 * into it; the CLI and other users see only the opaque cb_ctx.
 */
#ifndef CB_CTX_H
#define CB_CTX_H

#include "alloc.h"
#include "casebook/casebook.h"

struct cb_ctx {
  cb_options opts;
  cb_arena *arena;
  cb_book book;   /* the model, valid after cb_book_load */
  int book_loaded;
  cb_diag *diags; /* cb_malloc'd array; strings in the arena */
  size_t n_diags, cap_diags;
  int diags_sorted;
  char error[512];
  /* The rule registry as data, strings in the arena: filled by the check
   * (cb_book_check) and by cb_rules_list; the SARIF printer lists it.
   * NULL until one of them ran. */
  cb_rule_info *rules;
  size_t n_rules;
  /* Where the book's files come from (book.c): the working tree or a git
   * revision, kept open for the book's lifetime; NULL for a book loaded
   * from memory. Read through cb_book__project_file. */
  struct cb_project *project;
  /* The incremental build cache (cache.h), NULL when not building. */
  struct cb_cache *cache;
  /* Set: the cb_output__ functions (output.h) write, create and remove
   * nothing and succeed, so that an exporter runs whole for its
   * diagnostics alone (cb_book_check_exports, for `check`). */
  int no_output;
};

/* Sets ctx's error message (printf-style) and returns code. */
int cb_ctx__fail(cb_ctx *ctx, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The manifest's configured severity for rule, CB_SEV_DEFAULT if none. */
cb_severity cb_ctx__rule_severity(const cb_ctx *ctx, const char *rule);

/* The rule that reports the changes of category trust under `check
 * --against` (rules/changes.lua). The revision it reviews cannot silence
 * it: the manifest's rules entry for it is ignored (cb_ctx__rule_severity)
 * and a project rule cannot replace it (check.c). */
#define CB_TRUST_RULE "trust-change"

/* Reports a diagnostic at a path that is not a book file (a rule file,
 * the project directory): path is relative to the project root ("" for
 * the root itself) and printed joined to the root as the user gave it.
 * msg is copied. Manifest rule settings apply. */
void cb_diag__report_path(cb_ctx *ctx, cb_diag_level level, const char *rule,
                          const char *path, uint32_t line, uint32_t col,
                          const char *msg);

/* The same at a file outside the project (an annotation file `grade`
 * reads): path is shown as given, not joined to the project root. */
void cb_diag__report_file(cb_ctx *ctx, cb_diag_level level, const char *rule,
                          const char *path, uint32_t line, uint32_t col,
                          const char *msg);

/* Appends the diagnostics of from to ctx (strings copied), as reported:
 * the manifest's settings were applied when they were reported. */
int cb_diag__merge(cb_ctx *ctx, const cb_ctx *from);

#endif
