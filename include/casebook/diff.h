/* SPDX-License-Identifier: MIT */
/*
 * casebook/diff.h: the changes between two books, model to model, and
 * their printers (docs/diff.md).
 */
#ifndef CASEBOOK_DIFF_H
#define CASEBOOK_DIFF_H

#include <stddef.h>
#include <stdio.h>

#include "casebook/common.h"
#include "casebook/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Compares two books (loaded by any contexts, e.g. two revisions) model
 * to model and sets *out to an array of *n changes from old_book to
 * new_book, in a deterministic order (docs/diff.md lists every kind and
 * its category). The array and its strings live in ctx's arena; each
 * change's loc is in new_book (line 0 for a removed element: the file of
 * its chapter when new_book still has it, else UINT32_MAX). Returns 0 or
 * CB_ENOMEM / CB_EUSAGE with cb_ctx_error() set. */
CB_EXTERN int cb_book_diff(const cb_change **out, size_t *n, cb_ctx *ctx,
                           const cb_book *old_book, const cb_book *new_book);

/* "breaking", "gold", "semantic", "additive", "cosmetic" or "trust"
 * (static). */
CB_EXTERN const char *cb_change_category_name(cb_change_category c);

typedef enum cb_diff_format {
  CB_DIFF_TEXT = 0, /* for a terminal; color adds ANSI colours */
  CB_DIFF_MARKDOWN, /* for a pull-request comment */
  CB_DIFF_JSON      /* schemas/diff.schema.json */
} cb_diff_format;

/* Prints n changes of old_book -> new_book (labels: how the two sides are
 * named, e.g. the revisions as given) to fp. Untrusted text is cleaned or
 * escaped for the format. Returns 0, or CB_ENOMEM / CB_EIO with ctx's
 * error set. */
CB_EXTERN int cb_diff_print(FILE *fp, cb_ctx *ctx, const cb_change *changes,
                            size_t n, const cb_book *old_book,
                            const char *old_label, const cb_book *new_book,
                            const char *new_label, cb_diff_format fmt,
                            int color);

#ifdef __cplusplus
}
#endif
#endif
