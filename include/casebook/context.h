/* SPDX-License-Identifier: MIT */
/*
 * casebook/context.h: the compilation context.
 *
 * A compilation goes through one cb_ctx: it owns the arena that holds the
 * model, the diagnostics sink and the options.
 */
#ifndef CASEBOOK_CONTEXT_H
#define CASEBOOK_CONTEXT_H

#include "casebook/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cb_options {
  const char *rev; /* git revision to read, NULL for the working tree */
  int quiet;
  int verbose;
} cb_options;

/* Creates a compilation context. *out is the caller's, released with
 * cb_ctx_free. opts may be NULL. Returns 0 or CB_ENOMEM. */
CB_EXTERN int cb_ctx_new(cb_ctx **out, const cb_options *opts);

/* Frees the context, its arena, its model and its diagnostics. NULL ok. */
CB_EXTERN void cb_ctx_free(cb_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
