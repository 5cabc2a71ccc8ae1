/* SPDX-License-Identifier: MIT */
/*
 * export.h: the exports `build` writes after its core outputs (html/,
 * rubric.json, gold.jsonl): one function per tool or format, each in a
 * compiler/export_NAME.c of its own, listed in cb_exporters (export.c).
 *
 * An exporter writes its files under outdir, each atomically
 * (cb_output__file). What the casebook cannot express in the tool (a name
 * the tool refuses, a question type it lacks) is a diagnostic naming the
 * element and the tool, reported in ctx, and the exporter writes what it
 * can; a negative return (ctx's error set) means the environment failed
 * (no memory, a file that cannot be written) and stops the build.
 */
#ifndef CB_EXPORT_H
#define CB_EXPORT_H

#include "ctx.h"

typedef struct cb_exporter {
  const char *name; /* as in messages: "Label Studio" */
  int (*run)(cb_ctx *ctx, const cb_book *book, const char *outdir);
} cb_exporter;

/* Every exporter, ended by {NULL, NULL}. Exporters share no state: the
 * build runs them as tasks of its two threads (emit.c), each with a
 * context of its own. */
extern const cb_exporter cb_exporters[];

/* The exporters of cb_exporters without a header of their own
 * (export_xml.h and export_schema.h declare theirs). */
int cb_export_judge__run(cb_ctx *ctx, const cb_book *book, const char *outdir);
int cb_export_labelstudio__run(cb_ctx *ctx, const cb_book *book,
                               const char *outdir);
int cb_export_argilla__run(cb_ctx *ctx, const cb_book *book,
                           const char *outdir);
int cb_export_evals__run(cb_ctx *ctx, const cb_book *book,
                         const char *outdir);

/* What an annotation result coming back from a tool names: a control of
 * the Label Studio config (from_name) or a question of the Argilla
 * dataset, and the question (and response) of the book it stands for.
 * `grade` reads the tools' annotations through these, so that they are
 * the very names the exports wrote. */
typedef struct cb_export_target {
  const char *name;     /* from_name, or the Argilla question's name */
  size_t qi;            /* index into book->questions */
  const char *response; /* per-response: the response name, else NULL */
  const char *compared[2]; /* pairwise: the two responses, left first */
  size_t n_compared;       /* pairwise, rank: responses compared */
  const char *strength;    /* Label Studio pairwise: the strength
                              Choices' from_name */
} cb_export_target;

/* The targets of each export, as its plan has them, into *out (n of
 * them, in ctx's arena). The plan's diagnostics are reported to ctx:
 * give a context of its own when they are not wanted. Return 0 or
 * CB_ENOMEM. */
int cb_export_labelstudio__targets(cb_export_target **out, size_t *n,
                                   cb_ctx *ctx, const cb_book *book);
int cb_export_argilla__targets(cb_export_target **out, size_t *n,
                               cb_ctx *ctx, const cb_book *book);

/* instructions.html of the Label Studio export, written to path
 * (export_labelstudio_html.c). Returns 0 or a negative code. */
int cb_export_labelstudio__instructions(cb_ctx *ctx, const cb_book *book,
                                        const char *path);

#endif
