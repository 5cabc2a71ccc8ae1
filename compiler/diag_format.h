/*
 * diag_format.h: the diagnostics formats for CI (diag_format.c): SARIF
 * 2.1.0, GitHub workflow commands, JUnit XML and reviewdog's rdjson.
 * cb_diag_print (diag.c) hands these formats over; gcc and JSON stay in
 * diag.c.
 */
#ifndef CB_DIAG_FORMAT_H
#define CB_DIAG_FORMAT_H

#include <stddef.h>
#include <stdio.h>

#include "ctx.h"

/* Where the last source line was found, so that looking up the lines of
 * sorted diagnostics is one pass over each file. Zero it before use. */
typedef struct cb_line_cursor {
  uint32_t file, line; /* line 0: nothing found yet */
  const char *at;      /* the start of that line */
} cb_line_cursor;

/* The text of line `line` (1-based) of book file `file` without its end,
 * or NULL when there is no such line. Starts from the cursor when it is
 * in the same file at or before the line, or a few lines after it (a
 * format that visits a case's errors before its warnings). */
const char *cb_diag__source_line(const cb_book *book, cb_line_cursor *cur,
                                 uint32_t file, uint32_t line, size_t *len);

/* The edit distance (Levenshtein, ASCII letters case folded) from a (la
 * bytes) to b (lb bytes) when it is within what a did-you-mean allows
 * for a word of a's length (1 up to 3 bytes, 2 up to 6, else 3); SIZE_MAX
 * when it is not, or when either is longer than 64 bytes. cb_suggest
 * (diag.c) and the fix spans of the CI formats measure with it. */
size_t cb_diag__distance(const char *a, size_t la, const char *b, size_t lb);

/* The offset of the "::" that line[0..len) starts with past white space
 * (Unicode's White_Space, as .NET trims it), or SIZE_MAX when it does not:
 * a GitHub runner reads such a line of a log as a workflow command, so
 * no line casebook prints may start so with text from a casebook. */
size_t cb_diag__command_at(const char *line, size_t len);

/* Prints ctx's diagnostics, sorted, to fp in fmt, which is one of
 * CB_FMT_SARIF, CB_FMT_GITHUB, CB_FMT_JUNIT and CB_FMT_RDJSON. For
 * CB_FMT_GITHUB it also appends a Markdown table of every diagnostic to
 * the file named by $GITHUB_STEP_SUMMARY when that is set; a summary file
 * that cannot be written is said on stderr and is not an error. Returns
 * 0, CB_ENOMEM or CB_EIO. */
int cb_diag__print_ci(FILE *fp, cb_ctx *ctx, cb_diag_format fmt);

#endif
