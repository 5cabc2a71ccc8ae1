/* SPDX-License-Identifier: MIT */
/*
 * book.h: what book.c (the loader, cb_book_load in casebook.h) offers the
 * other internal modules beside the public API: extracting one chapter on
 * its own and the git commit a book was read from, for the history walk
 * (history.c), and the project's other files.
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

/* ---- the project's other files (book.c) ------------------------------
 * Files of the project that are not chapters (rules/ *.lua, templates/,
 * linked assets) come from the same place as the chapters: the working
 * tree, or the git revision of --rev (cb_options.rev). Never read them
 * from book->root on disk. Both functions may be called from any thread
 * (the rules run while the outputs are written): book is the one
 * cb_book_load returned (not a copy of it), ctx is the caller's own
 * context, whose arena receives the bytes and whose error is set. */

/* The bytes of relpath ('/'-separated, relative to the project root, e.g.
 * "templates/page.html"), NUL-terminated, in ctx's arena; max > 0 caps
 * the size (0: no cap). Returns 0; CB_ENOTFOUND when the project has no
 * such file, or no files at all (a book loaded from memory), with ctx's
 * error untouched; CB_EIO (unreadable, not a regular file, larger than
 * max) or CB_ENOMEM with ctx's error set. */
int cb_book__project_file(cb_ctx *ctx, const cb_book *book,
                          const char *relpath, size_t max, const char **data,
                          size_t *len);

/* The names of the files directly in the project directory reldir
 * ("rules", "templates"), without those starting with '.', in byte
 * order; the array and names in ctx's arena. No such directory (or a
 * book loaded from memory): 0 with *n = 0. Returns 0 or CB_ENOMEM/CB_EIO
 * with ctx's error set. */
int cb_book__project_dir(cb_ctx *ctx, const cb_book *book, const char *reldir,
                         const char ***names, size_t *n);

#endif
