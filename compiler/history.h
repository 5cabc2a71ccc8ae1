/* SPDX-License-Identifier: MIT */
/*
 * history.h: the history of the elements of a casebook, from git.
 *
 * One walk down the first-parent history from the commit the book was
 * read at (HEAD, or --rev). At each commit the project directory's tree
 * is compared with its parent's by object id: identical subtrees are not
 * entered, and only the chapters whose blob changed are extracted again
 * (each blob at most once: the elements extracted from a blob are kept
 * by blob id for the rest of the walk). The elements of the two versions
 * are compared field by field: a case's gold answers, a question's type
 * and options, an option's meaning, a criterion's text.
 *
 * The walk serves two users: cb_book_load_history (the last commit that
 * changed each element of the book, for the "last changed" of the site)
 * and cb_book_log (every commit that changed one element).
 */
#ifndef CB_HISTORY_H
#define CB_HISTORY_H

#include "ctx.h"
#include "git.h"

/* Extracts one chapter on its own into ctx's book, for the history walk
 * (book.c). manifest is the project's manifest, already loaded (it must
 * outlive ctx's book); the ids question_ids are known as questions
 * besides the chapter's own, so that a case's answer list naming them is
 * read as answers. Nothing is resolved: answers keep their raw values.
 * Diagnostics land in ctx. Returns 0 or CB_ENOMEM. */
int cb_book__load_chapter(const cb_book **out, cb_ctx *ctx,
                          const cb_manifest *manifest, const char *path,
                          const char *text, size_t len,
                          const char *const *question_ids, size_t n_ids);

/* Is path a chapter by its name (*.md but README.md), as the loader
 * chooses them before the manifest's lists (book.c)? */
int cb_book__is_chapter(const char *path);

/* The git repository and the commit the book of ctx was read from
 * (book.c): 0 with both set, CB_ENOTFOUND when the book does not come
 * from git (outside a repository, a bare directory, no commit yet). */
int cb_book__git(const cb_ctx *ctx, cb_git **git, git_oid *commit);

#endif
