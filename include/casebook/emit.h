/* SPDX-License-Identifier: MIT */
/*
 * casebook/emit.h: writing a book's outputs (html/, rubric.json,
 * gold.jsonl) into an output directory.
 */
#ifndef CASEBOOK_EMIT_H
#define CASEBOOK_EMIT_H

#include "casebook/common.h"
#include "casebook/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes html/, rubric.json and gold.jsonl under outdir, each file
 * atomically (temporary file, then rename). Returns 0 or a negative code
 * with cb_ctx_error() set. */
CB_EXTERN int cb_book_emit(cb_ctx *ctx, const cb_book *book,
                           const char *outdir);

/* Runs the exports cb_book_emit writes (Label Studio, Argilla, the LLM
 * judge...) for their diagnostics alone, writing nothing: what a tool
 * cannot express, reported as cb_book_emit reports it (same rule,
 * position, message and level, in the same order). Returns 0 or a
 * negative code with cb_ctx_error() set. */
CB_EXTERN int cb_book_check_exports(cb_ctx *ctx, const cb_book *book);

/* Checks the book and writes its outputs: the same result as
 * cb_book_check then cb_book_emit, with the two running at once on two
 * threads (the rules only read the model). Diagnostics land in ctx as
 * with cb_book_check. Returns 0 or the first negative code (emit's
 * before check's). */
CB_EXTERN int cb_book_check_and_emit(cb_ctx *ctx, const cb_book *book,
                                     const char *outdir);

/* Every check cb_book_check_and_emit makes, writing nothing: the rules,
 * with previous as cb_book_check_against takes it (NULL for none), and
 * the exports' diagnostics (cb_book_check_exports), on two threads. ctx
 * gets the diagnostics cb_book_check_and_emit would leave in it, in the
 * same order. Returns 0 or the first negative
 * code (the exports' before the rules'). */
CB_EXTERN int cb_book_check_all(cb_ctx *ctx, const cb_book *book,
                                const cb_book *previous);

/* ---- The output directory ---------------------------------------------- */

/* Opens and locks outdir for a build of the project in dir (checked to
 * exist first, outside --rev) with ctx, until cb_ctx_free: created
 * when missing, refused when it is a symbolic link; a second build into
 * it waits (saying so once on stderr unless quiet) for the first to end.
 * Temporary files left by a killed build are removed, nothing below it is
 * ever written or removed through a symbolic link, and a project holding
 * it does not read it. Call it before cb_build_cache_open and
 * cb_book_load; cb_book_emit takes it itself when it was not taken.
 * Returns 0 or a negative code with cb_ctx_error() set. */
CB_EXTERN int cb_build_lock(cb_ctx *ctx, const char *dir, const char *outdir);

#ifdef __cplusplus
}
#endif
#endif
