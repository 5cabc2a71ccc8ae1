/* SPDX-License-Identifier: MIT */
/*
 * casebook/history.h: what git says of a book's elements: the last
 * commit that changed each, the log of one element, and the changes since
 * a base revision (docs/versions.md).
 */
#ifndef CASEBOOK_HISTORY_H
#define CASEBOOK_HISTORY_H

#include <stddef.h>

#include "casebook/common.h"
#include "casebook/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fills history.last_commit, last_date and last_label of every question,
 * option, criterion and case of ctx's book: the last commit that changed
 * it, found by one first-parent walk from the commit the book was read
 * at. Nothing is done outside git. Returns 0 or a negative code with
 * cb_ctx_error() set when the repository cannot be read; a history cut
 * short (a shallow clone) ends the walk with a note. */
CB_EXTERN int cb_book_load_history(cb_ctx *ctx, const cb_book *book);

/* A field of an element that a commit changed. */
typedef struct cb_log_field {
  const char *name;   /* "gold quality", "type", "meaning", "title"... */
  const char *before; /* the old value, NULL when it is not shown (a long
                         text: only "changed" is said) or did not exist */
  const char *after;  /* the new value, likewise */
} cb_log_field;

/* A commit that changed an element. */
typedef struct cb_log_entry {
  const char *commit;   /* full id */
  const char *short_id; /* 7 hex digits */
  const char *date;     /* author date, ISO 8601 with offset */
  const char *author;   /* author name */
  const char *email;
  const char *subject;  /* first line of the message */
  const char *what;     /* "case", "question", "option", "criterion" */
  const char *id;       /* the element id (QUESTION.OPTION for options) */
  const char *change;   /* "added", "removed", "changed", or "renamed":
                           removed as id and added, the same, as
                           renamed_to; or added as id, renamed_from */
  cb_log_field *fields; /* for "changed": what changed */
  size_t n_fields;
  const char *renamed_to;   /* for "renamed": the other id, or NULL */
  const char *renamed_from; /* likewise */
} cb_log_entry;

/* The commits that changed the element id (a case, question, criterion,
 * or an option as QUESTION.OPTION), newest first, from the commit ctx's
 * book was read at, following first parents. *out is an array of *n
 * entries in ctx's arena. Returns 0; CB_ENOTFOUND when no element of
 * that id is in the book or its history (cb_ctx_error() says so, with a
 * "did you mean") or the book is not in git; another negative code when
 * the repository cannot be read. */
CB_EXTERN int cb_book_log(const cb_log_entry **out, size_t *n, cb_ctx *ctx,
                          const cb_book *book, const char *id);

/* Fills the history of ctx's book against base (the book at revision
 * since, shown as label): book->since, since_label, changes (the diff
 * base -> book) and each question's, option's, criterion's and case's
 * history.state (added, or changed other than cosmetically). Call after
 * cb_book_load and before emitting. Returns 0 or a negative code. */
CB_EXTERN int cb_book_set_base(cb_ctx *ctx, const cb_book *base,
                               const char *since, const char *label);

/* The most recent tag reachable from the first parent of rev (NULL: HEAD)
 * in the git repository holding dir: the default base of the changed
 * markers. *out is malloc'd (free()), NULL when there is none or dir is
 * not in a repository. Returns 0, or a negative code for a revision that
 * does not exist. */
CB_EXTERN int cb_project_previous_tag(char **out, cb_ctx *ctx,
                                      const char *dir, const char *rev);

#ifdef __cplusplus
}
#endif
#endif
