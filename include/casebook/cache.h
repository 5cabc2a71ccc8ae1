/* SPDX-License-Identifier: MIT */
/*
 * casebook/cache.h: the incremental build cache (docs/cache.md).
 */
#ifndef CASEBOOK_CACHE_H
#define CASEBOOK_CACHE_H

#include <stddef.h>

#include "casebook/common.h"
#include "casebook/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Makes the next cb_book_load of ctx use the cache of a build into outdir
 * (kept in outdir/.cache): chapters that did not change are not parsed
 * again; when nothing at all changed since the last build into outdir,
 * cb_book_load replays that build's diagnostics into ctx and gives a NULL
 * book (nothing is to be written then). options names, as text, every
 * other choice that changes the outputs (say "--since=v1.2"), NULL if
 * none. Returns 0 or CB_ENOMEM; a cache that cannot be read or written
 * only makes the build slower. */
CB_EXTERN int cb_build_cache_open(cb_ctx *ctx, const char *outdir,
                                  const char *options);

/* Records the build of book just written into the cache's outdir (call
 * it only when cb_book_check_and_emit succeeded). */
CB_EXTERN void cb_build_cache_save(cb_ctx *ctx, const cb_book *book);

/* What the cache gave the last cb_book_load of ctx: the book's chapters
 * and how many of them came from the cache (0 and 0 without a cache). */
CB_EXTERN void cb_build_cache_counts(const cb_ctx *ctx, size_t *chapters,
                                     size_t *cached);

#ifdef __cplusplus
}
#endif
#endif
