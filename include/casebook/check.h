/* SPDX-License-Identifier: MIT */
/*
 * casebook/check.h: the rules, run over a loaded book.
 *
 * The built-in rules and the project's rules/ *.lua read the model and
 * report diagnostics (casebook/diag.h) into the context.
 */
#ifndef CASEBOOK_CHECK_H
#define CASEBOOK_CHECK_H

#include <stddef.h>

#include "casebook/common.h"
#include "casebook/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs the built-in rules and the project's rules/ *.lua over the book.
 * Findings are added to ctx's diagnostics. Returns 0, or a negative code
 * when Lua itself cannot be started. */
CB_EXTERN int cb_book_check(cb_ctx *ctx, const cb_book *book);

/* Like cb_book_check, with previous (the book at the revision of
 * `check --against`, NULL for none) given to the rules as book.previous
 * and the changes previous -> book as book.changes. */
CB_EXTERN int cb_book_check_against(cb_ctx *ctx, const cb_book *book,
                                    const cb_book *previous);

/* Applies the casebook-ignore comments of the book's chapters to the
 * diagnostics of ctx: each finding one covers is marked with its reason
 * (cb_diag.suppressed); an ignore without a reason, one that silences
 * nothing and one naming no rule are reported. Call it once, after the
 * last diagnostics (the rules, and the exports of a build). Returns 0 or
 * CB_ENOMEM. */
CB_EXTERN int cb_book_apply_ignores(cb_ctx *ctx, const cb_book *book);

/* A rule as the registry knows it (for `casebook rules`). */
typedef struct cb_rule_info {
  const char *id;
  const char *severity; /* default: "error", "warning" or "note" */
  const char *summary;
  const char *rationale;
  const char *example; /* a small casebook excerpt that triggers it */
  const char *file;    /* "rules/NAME.lua" (built-in) or project path */
} cb_rule_info;

/* Lists the built-in rules, and the project's when book is not NULL.
 * *out is an array of *n entries owned by ctx. */
CB_EXTERN int cb_rules_list(const cb_rule_info **out, size_t *n, cb_ctx *ctx,
                            const cb_book *book);

#ifdef __cplusplus
}
#endif
#endif
