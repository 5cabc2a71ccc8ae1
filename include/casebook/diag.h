/* SPDX-License-Identifier: MIT */
/*
 * casebook/diag.h: diagnostics, the problems found in a casebook.
 *
 * Every stage reports into the context's sink and goes on; the caller
 * reads them sorted (cb_ctx_diags) or prints them in one of the formats
 * (cb_diag_print).
 */
#ifndef CASEBOOK_DIAG_H
#define CASEBOOK_DIAG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "casebook/common.h"
#include "casebook/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cb_diag_level {
  CB_DIAG_NOTE = 0,
  CB_DIAG_WARNING = 1,
  CB_DIAG_ERROR = 2
} cb_diag_level;

typedef struct cb_diag {
  cb_diag_level level;
  const char *rule;       /* rule id, e.g. "unknown-option" */
  const char *message;
  const char *suggestion; /* replacement text for "did you mean", or NULL */
  const char *path;       /* file path as shown, or NULL (no position) */
  uint32_t file;          /* index in book files, UINT32_MAX if none */
  uint32_t line, col;     /* 1-based, 0 if unknown */
  const char *element;    /* id of the element concerned, or NULL */
  uint32_t end_line, end_col; /* the range's last byte, inclusive (cb_loc);
                                 end_line 0 when only the start is known */
  /* The reason a casebook-ignore gives for silencing this finding
   * (cb_book_apply_ignores), NULL when it is not silenced. A silenced
   * finding counts for nothing and is shown only by JSON and SARIF. */
  const char *suppressed;
} cb_diag;

/* Sorts the diagnostics (file, line, column, then order of report) and
 * returns them: an array of *n entries owned by ctx. */
CB_EXTERN const cb_diag *cb_ctx_diags(cb_ctx *ctx, size_t *n);

/* Counts of diagnostics per level, those silenced by a casebook-ignore
 * left out (cb_ctx_diag_suppressed counts them). */
CB_EXTERN void cb_ctx_diag_counts(const cb_ctx *ctx, size_t *errors,
                                  size_t *warnings, size_t *notes);
CB_EXTERN size_t cb_ctx_diag_suppressed(const cb_ctx *ctx);

/* Reports a diagnostic at loc (loc.line == 0 for "no line"). The strings
 * are copied. The manifest's rule settings apply: a rule turned "off" is
 * dropped, a configured severity replaces level. */
CB_EXTERN void cb_diag_report(cb_ctx *ctx, cb_diag_level level,
                              const char *rule, cb_loc loc,
                              const char *element, const char *suggestion,
                              const char *fmt, ...) CB_ATTR_PRINTF(7, 8);

/* Applies the fixes the diagnostics of ctx suggest (a "did you mean"
 * replacing the word it is about, as SARIF's fixes say) to the chapters
 * of book, each file whole or not at all, never through a symbolic link
 * nor outside the project; silenced findings are not fixed, a file that
 * changed on disk since it was read is left alone (a warning
 * [fix-skipped]). With diff not NULL nothing is written: a unified diff
 * of the fixes goes to diff instead. *n_fixed and *n_files say how many
 * fixes went into how many files. Returns 0, CB_ENOMEM or CB_EIO. */
CB_EXTERN int cb_book_fix(cb_ctx *ctx, const cb_book *book, FILE *diff,
                          size_t *n_fixed, size_t *n_files);

/* Formats of cb_diag_print. The CI formats (docs/ci.md) give paths
 * relative to the root of the git repository holding the project when
 * there is one, and columns in code points except rdjson (bytes). */
typedef enum cb_diag_format {
  CB_FMT_GCC = 0, /* path:line:col: level: message [rule], source, caret */
  CB_FMT_JSON,    /* {"diagnostics": [...], "summary": {...}} */
  CB_FMT_SARIF,   /* SARIF 2.1.0: one run, every rule with its help,
                     partialFingerprints from element ids, fixes */
  CB_FMT_GITHUB,  /* GitHub workflow commands (::error file=...::), at
                     most 10 per level; with $GITHUB_STEP_SUMMARY set, a
                     Markdown table of all is appended to that file */
  CB_FMT_JUNIT,   /* JUnit XML: a testsuite per chapter, a testcase per
                     case and per chapter, a failure per error; warnings
                     and notes in system-out */
  CB_FMT_RDJSON   /* reviewdog's rdjson (DiagnosticResult), suggestions
                     with the range they replace */
} cb_diag_format;

/* Prints the sorted diagnostics and, for gcc, a summary line. color: 0/1. */
CB_EXTERN int cb_diag_print(FILE *fp, cb_ctx *ctx, cb_diag_format fmt,
                            int color);

/* Prints text from a casebook or a repository (NULL: nothing) to fp as
 * the gcc format prints messages: control characters as their Control
 * Pictures (ESC as U+241B), bidirectional controls as "<U+202E>", the
 * '[' of "##[" as "<U+005B>", invalid UTF-8 as U+FFFD; so that it cannot
 * drive a terminal, reorder a line or be read as a CI workflow command
 * (docs/limits.md). */
CB_EXTERN void cb_print_text(FILE *fp, const char *s);

/* The closest candidate to word by edit distance, or NULL when none is
 * close enough to suggest (borrowed from candidates). */
CB_EXTERN const char *cb_suggest(const char *word,
                                 const char *const *candidates, size_t n);

#ifdef __cplusplus
}
#endif
#endif
