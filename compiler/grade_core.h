/* SPDX-License-Identifier: MIT */
/*
 * grade_core.h: what the readers of annotation files (grade_read.c) hand
 * to the grade (grade.c). A reader turns each task, record or line into
 * one annotation: an item, an annotator, a version, and answers in the
 * shape of a gold.jsonl answer (docs/outputs.md), whatever the tool wrote.
 * The grade keeps each answer as a small code per (item, response,
 * question, annotator) and computes every figure at the end.
 */
#ifndef CB_GRADE_CORE_H
#define CB_GRADE_CORE_H

#include <jansson.h>
#include <stdint.h>

#include "casebook/grade.h"
#include "ctx.h"
#include "export.h"

/* Where an annotation was read: the file (an index into the grade's
 * inputs), its line (1-based, 0 unknown) and, in a list of tasks or
 * records, the task's place in the list (1-based; 0 in a JSONL file,
 * whose line says it all). */
typedef struct cb_grade_pos {
  uint32_t input;
  uint32_t line;
  uint32_t task;
} cb_grade_pos;

/* Counts of one input file. */
typedef struct cb_grade_input {
  const char *path;   /* as given */
  const char *format; /* "labelstudio", "argilla", "jsonl" */
  size_t records;     /* tasks, records or lines */
  size_t annotations; /* annotations taken */
  size_t cancelled;   /* Label Studio: was_cancelled */
  size_t ground_truth; /* Label Studio: ground-truth annotations */
  size_t not_submitted; /* Argilla: draft or discarded responses */
  size_t invalid;     /* records or answers left out with a diagnostic */
} cb_grade_input;

/* Adds an input; returns its index, or -1 when out of memory. */
long cb_grade__input(cb_grade *g, const char *path, const char *format);
cb_grade_input *cb_grade__inputs(cb_grade *g, size_t *n);

/* The context and book of g. */
cb_ctx *cb_grade__ctx(const cb_grade *g);
const cb_book *cb_grade__book(const cb_grade *g);

/* The index of the question of that id in the book, -1 when none. */
long cb_grade__question(const cb_grade *g, const char *id);

/* The targets of the Label Studio or Argilla export of g's book (the
 * names their results carry), found by name; NULL when none. */
const cb_export_target *cb_grade__ls_target(cb_grade *g, const char *name);
const cb_export_target *cb_grade__argilla_target(cb_grade *g,
                                                 const char *name);
/* Every target name of the export, for a "did you mean". */
const char **cb_grade__target_names(cb_grade *g, int argilla, size_t *n);

/* Reports a problem of an input at pos (rule "grade-input"), counting
 * it in the input's `invalid` when count is set. */
void cb_grade__report(cb_grade *g, const cb_grade_pos *pos,
                      cb_diag_level level, int count, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Starts an annotation: item (a case id or the tool's task id),
 * annotator, version (NULL: the current book). Returns 0 or CB_ENOMEM. */
int cb_grade__begin(cb_grade *g, const char *item, const char *annotator,
                    const char *version, const cb_grade_pos *pos);

/* One answer of the current annotation: question qi, response (NULL for
 * a case-level question), value in the shape of a gold.jsonl answer. A
 * value that does not fit the question is reported. Returns 0 or
 * CB_ENOMEM. */
int cb_grade__answer(cb_grade *g, size_t qi, const char *response,
                     const json_t *value, const cb_grade_pos *pos);

/* Ends the current annotation: 1 when it had an answer (it counts as an
 * annotation), else 0. */
int cb_grade__end(cb_grade *g);

/* The readers (grade_read.c): one file, in format fmt (detected when
 * NULL). */
int cb_grade__read_file(cb_grade *g, const char *path, FILE *fp,
                        const char *fmt);

#endif
