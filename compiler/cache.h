/* SPDX-License-Identifier: MIT */
/*
 * cache.h: the incremental build cache of `casebook build`
 * (docs/cache.md), kept in OUT/.cache/.
 *
 * Two levels:
 *   - chapters: the extraction result of each chapter (its elements,
 *     prose, links, headings and extraction diagnostics), keyed by the
 *     git blob id of the chapter's bytes, the compiler's identity and
 *     everything of the book that extraction reads (keywords, raw HTML
 *     switch, rule severities, the set of question ids). A chapter found
 *     there is neither parsed nor extracted; resolve, rules and emission
 *     still run over the whole book.
 *   - the whole build: when no input (every project file, compiler,
 *     options, git state) and no output changed since the last build
 *     into the same directory, the outputs are left as they are and the
 *     diagnostics of that build are replayed.
 *
 * Nothing in the cache is trusted: every file carries an HMAC-SHA256
 * under the user's own key (outside every project), a file or entry whose
 * MAC does not verify is noted and ignored, a file tracked by git is
 * noted and never read, the decoder checks every length even behind a
 * valid MAC, writes are atomic, and a cache that cannot be written (or no
 * key) simply turns caching off. Every function accepts a NULL cache and
 * then does nothing.
 */
#ifndef CB_CACHE_H
#define CB_CACHE_H

#include <stdint.h>

#include "ctx.h"
#include "extract.h"
#include "source.h"

typedef struct cb_cache cb_cache;

/* Opens the cache of a build into outdir; options is the caller's text
 * of the choices that change the outputs (part of the build's key). A
 * missing, unreadable or damaged cache is not an error: it is rebuilt.
 * *out is the caller's (cb_cache__free). Returns 0 or CB_ENOMEM. */
int cb_cache__open(cb_cache **out, cb_ctx *ctx, const char *outdir,
                   const char *options);
void cb_cache__free(cb_cache *c);

/* The whole-build fast path, called by the loader once the project's
 * files are listed (paths: every file of the project, as
 * cb_source__list gives them). Returns 1 when nothing changed since the
 * last build: the diagnostics of that build are then in ctx again and
 * book->files holds what they point at; 0 when the build must run (the
 * inputs seen are remembered for cb_cache__save); CB_ENOMEM. */
int cb_cache__replay(cb_cache *c, cb_source *src, const char *const *paths,
                     size_t n_paths);

/* 1 when the last cb_cache__replay replayed a build. */
int cb_cache__replayed(const cb_cache *c);

/* After the prescan of every chapter: computes each chapter's key and
 * finds which chapters the cache holds (those need not be parsed).
 * Returns 0 or CB_ENOMEM. */
int cb_cache__plan(cb_cache *c, cb_builder *b, const cb_book *book);

/* 1 when cb_cache__plan found chapter i in the cache. */
int cb_cache__planned(const cb_cache *c, size_t i);

/* In place of parsing and extracting chapter i (file f): loads it from
 * the cache into b and ch, replaying its extraction diagnostics. Returns
 * 1 when loaded, 0 when the chapter must be parsed and extracted (then
 * call cb_cache__store_chapter after cb_extract__chapter), CB_ENOMEM. */
int cb_cache__load_chapter(cb_cache *c, cb_builder *b, cb_chapter *ch,
                           uint32_t i, const cb_file *f);

/* Records the extraction result of chapter i, just extracted into b and
 * ch, for the next build. Out of memory only disables caching. */
void cb_cache__store_chapter(cb_cache *c, cb_builder *b, const cb_chapter *ch,
                             uint32_t i, const cb_file *f);

/* After a successful build of book: writes the chapters and the record
 * of the build (inputs, outputs, diagnostics in ctx) atomically. A cache
 * that cannot be written is left alone (nothing is reported). */
void cb_cache__save(cb_cache *c, const cb_book *book);

/* Counts for `build -v` and the tests: chapters of the book, chapters
 * loaded from the cache. */
void cb_cache__counts(const cb_cache *c, size_t *chapters, size_t *cached);

#endif
