/* SPDX-License-Identifier: MIT */
/*
 * export_judge.h: what the LLM-judge export (export_judge.c) shares with
 * the evals export (export_evals.c), so that an eval asks a judge the very
 * prompt judge/prompts/QUESTION.md holds and compares its answer with the
 * very gold that prompt's examples show.
 */
#ifndef CB_EXPORT_JUDGE_H
#define CB_EXPORT_JUDGE_H

#include <jansson.h>
#include <stddef.h>

#include "ctx.h"

/* Appends to out the grader prompt of question qi of book, byte for byte
 * judge/prompts/QUESTION.md: it ends with the line "{{case}}", where the
 * caller puts the case to grade (cb_export_judge__case). Returns 0, or
 * CB_ENOMEM with ctx's error set (and out's failed flag). */
int cb_export_judge__prompt(cb_buf *out, cb_ctx *ctx, const cb_book *book,
                            size_t qi);

/* Appends the case to grade as a prompt's {{case}} expects it: each input
 * of c as "Input N, KIND [NAME]:" and a fenced block, whole and cleaned as
 * the examples' inputs are, with neither the case's id nor its title (they
 * can give the answer away). Out of memory shows in out's failed flag. */
void cb_export_judge__case(cb_buf *out, const cb_case *c);

/* The gold answer of case c to question qi in the shape the prompt asks
 * for: the value as gold.jsonl writes it, or for a per-response question
 * an object keyed by response name (the last answer given wins, as in
 * gold.jsonl). A new value the caller releases; NULL when c does not
 * answer qi, or when out of memory with *failed set. */
json_t *cb_export_judge__gold(const cb_book *book, const cb_case *c, size_t qi,
                              int *failed);

#endif
