/* SPDX-License-Identifier: MIT */
/*
 * casebook/grade.h: grading annotations against a book (docs/grade.md).
 *
 * A grade reads the annotations that come back from the annotation tools
 * (a Label Studio JSON export, Argilla v2 records, casebook annotations
 * JSONL), one task or line at a time, scores every annotator against the
 * gold cases of the book, measures agreement on every question and
 * estimates a consensus. What it keeps grows with items x questions, not
 * with annotations. Problems in the annotation files are diagnostics of
 * the context (rule "grade-input"), positioned at the file and line or
 * task; the rest is still graded.
 *
 *   cb_grade *g;
 *   cb_grade_new(&g, ctx, book, &opts);
 *   cb_grade_read(g, "export.json", NULL);       (as many as needed)
 *   cb_grade_finish(g);                          (the figures)
 *   cb_grade_write(g, "_build/grade");           (grade.json, report...)
 *   cb_grade_free(g);
 *
 * A partial grade (cb_grade_write_partial) holds the sufficient
 * statistics of what was read so far; cb_grade_merge adds one to g, so
 * that annotations sharded by item are graded apart and merged.
 */
#ifndef CASEBOOK_GRADE_H
#define CASEBOOK_GRADE_H

#include <stddef.h>
#include <stdio.h>

#include "casebook/common.h"
#include "casebook/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cb_grade cb_grade;

/* A gate: a figure that must not fall below a threshold. question NULL:
 * every question (min-alpha: every question with an alpha; min-accuracy:
 * the overall accuracy). */
typedef enum cb_grade_gate_kind {
  CB_GATE_MIN_ALPHA = 0,
  CB_GATE_MIN_ACCURACY
} cb_grade_gate_kind;

typedef struct cb_grade_gate {
  cb_grade_gate_kind kind;
  const char *question; /* NULL: all */
  double threshold;
} cb_grade_gate;

typedef struct cb_grade_options {
  /* The books the annotations may have been made under, by version:
   * called with a version stamp's commit (or a JSONL `version`) that is
   * not the book's own; returns the book at that revision, or NULL when
   * it cannot be read (the answers are then graded against the current
   * book, with a warning). May be NULL: every answer is graded against
   * the current book. */
  const cb_book *(*load_version)(void *data, const char *version);
  void *load_data;
  /* The seed of the bootstrap intervals (0: the default, 1). */
  unsigned long long seed;
  size_t resamples; /* bootstrap resamples (0: the default, 1000) */
  const cb_grade_gate *gates;
  size_t n_gates;
  /* Where the site is, seen from the report: a prefix of the urls of
   * grade.json ("html/..."), e.g. "../" when the report is written to
   * _build/grade/ beside _build/html/. NULL: "../". */
  const char *site_prefix;
} cb_grade_options;

/* Creates a grade of annotations against book (loaded by ctx, which
 * collects the diagnostics). Returns 0, CB_ENOMEM or CB_EUSAGE. */
CB_EXTERN int cb_grade_new(cb_grade **out, cb_ctx *ctx, const cb_book *book,
                           const cb_grade_options *opts);
CB_EXTERN void cb_grade_free(cb_grade *g);

/* Reads one annotation file. format is "labelstudio", "argilla",
 * "jsonl" or NULL (detected from the content). fp NULL: path is opened.
 * Returns 0 (malformed content is a diagnostic), CB_EIO when the file
 * cannot be read, CB_ENOMEM or CB_EUSAGE (an unknown format). */
CB_EXTERN int cb_grade_read(cb_grade *g, const char *path, FILE *fp,
                            const char *format);

/* Adds a partial grade written by cb_grade_write_partial (of the same
 * book: questions and options are matched by id). */
CB_EXTERN int cb_grade_merge(cb_grade *g, const char *path);

/* Writes the sufficient statistics read so far to path (atomically). */
CB_EXTERN int cb_grade_write_partial(cb_grade *g, const char *path);

/* Computes the figures. Call once, after the last read or merge. */
CB_EXTERN int cb_grade_finish(cb_grade *g);

/* Writes grade.json, consensus.jsonl, summary.md, report.html and
 * annotators/NAME.html into outdir (created when missing), each file
 * atomically. After cb_grade_finish. */
CB_EXTERN int cb_grade_write(cb_grade *g, const char *outdir);

/* Prints grade.json (fp) or summary.md. */
CB_EXTERN int cb_grade_print_json(cb_grade *g, FILE *fp);
CB_EXTERN int cb_grade_print_summary(cb_grade *g, FILE *fp);

/* 1 when every gate passed (after cb_grade_finish); the failed gates are
 * diagnostics (rule "grade-gate", errors) of the context. */
CB_EXTERN int cb_grade_passed(const cb_grade *g);

#ifdef __cplusplus
}
#endif
#endif
