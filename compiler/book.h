/* SPDX-License-Identifier: MIT */
/*
 * book.h: what book.c (the loader, cb_book_load in casebook.h) offers the
 * other internal modules beside the public API: extracting one chapter on
 * its own and the git commit a book was read from, for the history walk
 * (history.c). The project's other files (cb_book__project_file, _dir)
 * are declared with the context (ctx.h).
 */
#ifndef CB_BOOK_H
#define CB_BOOK_H

#include "ctx.h"
#include "git.h"

/* Extracts one chapter on its own into ctx's book, for the history walk.
 * manifest is the project's manifest, already loaded (it must outlive
 * ctx's book); the ids question_ids are known as questions besides the
 * chapter's own, so that a case's answer list naming them is read as
 * answers. Nothing is resolved: answers keep their raw values.
 * Diagnostics land in ctx. Returns 0 or CB_ENOMEM. */
int cb_book__load_chapter(const cb_book **out, cb_ctx *ctx,
                          const cb_manifest *manifest, const char *path,
                          const char *text, size_t len,
                          const char *const *question_ids, size_t n_ids);

/* Is path a chapter by its name (*.md but README.md), as the loader
 * chooses them before the manifest's lists? */
int cb_book__is_chapter(const char *path);

/* The git repository and the commit the book of ctx was read from: 0
 * with both set, CB_ENOTFOUND when the book does not come from git
 * (outside a repository, a bare directory, no commit yet). */
int cb_book__git(const cb_ctx *ctx, cb_git **git, git_oid *commit);

#endif
