/* SPDX-License-Identifier: MIT */
/*
 * diff.h: the semantic diff of two books (cb_book_diff in casebook.h),
 * for what is built on it: the changed markers of a build
 * (cb_book_set_base, history.c) and the change list the rules read under
 * `check --against` (check.c).
 *
 * The diff compares models, never text: elements are matched by id, a
 * removed id whose normalized content reappears under a new id is a
 * probable rename, and each difference becomes one cb_change with a
 * stable kind and a fixed category (the table in diff.c and docs/diff.md).
 */
#ifndef CB_DIFF_H
#define CB_DIFF_H

#include "ctx.h"

/* What a change is about in the new book, for the history markers: the
 * index of the question, option (within the question), criterion or case,
 * -1 when none (a removed element, a section). */
typedef struct cb_diff_target {
  int question, option, criterion, kase;
} cb_diff_target;

/* The diff of old_book -> new_book into ctx's arena: *out an array of *n
 * changes and, when targets is not NULL, *targets a parallel array of
 * what each change is about in new_book (arena too). Returns 0 or
 * CB_ENOMEM with ctx's error set. */
int cb_diff__books(const cb_change **out, const cb_diff_target **targets,
                   size_t *n, cb_ctx *ctx, const cb_book *old_book,
                   const cb_book *new_book);

/* The stable kind ids with their categories, in the order of docs/diff.md
 * (for `casebook diff --help`, the tests and the documentation). */
typedef struct cb_change_kind {
  const char *kind;
  cb_change_category category;
  const char *summary;
} cb_change_kind;

extern const cb_change_kind cb_change_kinds[];
extern const size_t cb_n_change_kinds;

#endif
