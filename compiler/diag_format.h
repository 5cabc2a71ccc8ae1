/* SPDX-License-Identifier: MIT */
/*
 * diag_format.h: the diagnostics formats for CI: SARIF 2.1.0
 * (diag_sarif.c), GitHub workflow commands (diag_github.c), JUnit XML
 * (diag_junit.c) and reviewdog's rdjson (diag_rdjson.c), over what they
 * share (diag_format.c). cb_diag_print (diag_print.c) prints gcc and
 * JSON itself and hands these formats to cb_diag__print_ci (diag_ci.c).
 * The source lines and the workflow-command test are shared with the gcc
 * format and the diff's printer; the declarations after "shared by the
 * formats" are for the diag_*.c files alone.
 */
#ifndef CB_DIAG_FORMAT_H
#define CB_DIAG_FORMAT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ctx.h"
#include "utf8.h"

/* Where the last source line was found, so that looking up the lines of
 * sorted diagnostics is one pass over each file. Zero it before use. */
typedef struct cb_line_cursor {
  uint32_t file, line; /* line 0: nothing found yet */
  const char *at;      /* the start of that line */
} cb_line_cursor;

/* The text of line `line` (1-based) of book file `file` without its end,
 * or NULL when there is no such line. Starts from the cursor when it is
 * in the same file at or before the line, or a few lines after it (a
 * format that visits a case's errors before its warnings). The gcc
 * format's excerpts (diag_print.c) find their lines with it too. */
const char *cb_diag_format__line_at(const cb_book *book, cb_line_cursor *cur,
                                    uint32_t file, uint32_t line,
                                    size_t *len);

/* The offset of the "::" that line[0..len) starts with past white space
 * (Unicode's White_Space, as .NET trims it), or SIZE_MAX when it does not:
 * a GitHub runner reads such a line of a log as a workflow command, so
 * no line casebook prints may start so with text from a casebook (the
 * gcc format and the diff's text, too, ask it). */
size_t cb_diag_format__command_at(const char *line, size_t len);

/* Prints ctx's diagnostics, sorted, to fp in fmt, which is one of
 * CB_FMT_SARIF, CB_FMT_GITHUB, CB_FMT_JUNIT and CB_FMT_RDJSON. For
 * CB_FMT_GITHUB it also appends a Markdown table of every diagnostic to
 * the file named by $GITHUB_STEP_SUMMARY when that is set; a summary file
 * that cannot be written is said on stderr and is not an error. Returns
 * 0, CB_ENOMEM or CB_EIO. */
int cb_diag__print_ci(FILE *fp, cb_ctx *ctx, cb_diag_format fmt);

/* ---- shared by the formats (diag_format.c) ---------------------------- */

/* What every format needs: the sorted diagnostics, the model, where the
 * project sits in its repository, and a cursor over source lines (the
 * diagnostics come sorted by file and line, so lines are found walking
 * forward instead of from the top of the file each time). */
typedef struct cb_diag_run {
  cb_ctx *ctx;
  const cb_book *book; /* NULL when no book was loaded */
  const cb_diag *d;
  size_t n;
  const char *prefix; /* the project directory relative to the repository
                         root: "" or ending in '/'; NULL outside git */
  cb_line_cursor cur; /* the last source line looked up */
} cb_diag_run;

/* "error", "warning" or "note". */
const char *cb_diag_format__level_name(cb_diag_level l);

/* s made valid UTF-8 for mode and shown as cb_utf8__show shows text, in b
 * (reset first). Borrowed from b; "" for NULL or when memory ran out. */
const char *cb_diag_format__clean(cb_buf *b, const char *s, cb_text_mode mode);

/* g's path relative to the project directory ("" for the directory
 * itself), or NULL when it is not inside it. Borrowed. */
const char *cb_diag_format__project_path(const cb_diag_run *r,
                                         const cb_diag *g);

/* g's path relative to the repository root when the project is in one,
 * else as the other formats print it; NULL when it has none. */
const char *cb_diag_format__repo_path(const cb_diag_run *r, const cb_diag *g);

/* Where g is, for the formats that want a location on every finding: g's
 * path, or the project directory for a diagnostic without one; repo:
 * relative to the repository root (as cb_diag_format__repo_path). */
const char *cb_diag_format__located_path(const cb_diag_run *r, const cb_diag *g,
                                         int repo);

/* The text of line g->line of g's file without its end, or NULL. */
const char *cb_diag_format__source_line(cb_diag_run *r, const cb_diag *g,
                                        size_t *len);

/* The 1-based column in code points of the 1-based byte column col of
 * line[0..len). */
uint32_t cb_diag_format__code_point_col(const char *line, size_t len,
                                        uint32_t col);

/* g's column in code points (SARIF, GitHub), 0 when it has none. */
uint32_t cb_diag_format__char_col(cb_diag_run *r, const cb_diag *g);

/* The byte columns [*start, *end) of the text g's did-you-mean replaces;
 * 0 when there is no such text. */
int cb_diag_format__fix_span(cb_diag_run *r, const cb_diag *g, uint32_t *start,
                             uint32_t *end);

/* JSON (SARIF, rdjson): a JSON string of s made valid UTF-8 (NULL on
 * failure); o[key] = v and a[] += v, setting *oom on a failure; root and
 * a newline written to fp (0, CB_ENOMEM or CB_EIO). */
json_t *cb_diag_format__jtext(cb_buf *tmp, const char *s);
void cb_diag_format__put(json_t *o, const char *key, json_t *v, int *oom);
void cb_diag_format__push(json_t *a, json_t *v, int *oom);
int cb_diag_format__dump(json_t *root, FILE *fp);

/* Appends "path:line:col" of g for people (GitHub, JUnit). */
void cb_diag_format__place(cb_buf *out, cb_diag_run *r, const cb_diag *g);

/* The formats: each prints r's diagnostics to fp and returns 0, CB_ENOMEM
 * or CB_EIO (see cb_diag__print_ci). */
int cb_diag_format__sarif(FILE *fp, cb_diag_run *r);
int cb_diag_format__rdjson(FILE *fp, cb_diag_run *r);
int cb_diag_format__github(FILE *fp, cb_diag_run *r);
int cb_diag_format__junit(FILE *fp, cb_diag_run *r);

#endif
