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
 *
 * The other history of a build, its changed markers since a base
 * revision (cb_book_set_base: added or changed since the previous tag or
 * --since), is read from the semantic diff of the two books
 * (cb_diff__books, diff.h) rather than from the walk.
 *
 * All three are public (casebook.h); the module has no internal
 * functions to declare.
 */
#ifndef CB_HISTORY_H
#define CB_HISTORY_H

#include "ctx.h"

#endif
