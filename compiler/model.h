/* SPDX-License-Identifier: MIT */
/*
 * model.h: what the modules read from a loaded book without changing it,
 * beside the public lookups and names of casebook.h (cb_book_question,
 * cb_qtype_name, ...), which model.c defines too. Nothing here loads,
 * checks or writes: every layer above the model may call it.
 */
#ifndef CB_MODEL_H
#define CB_MODEL_H

#include "ctx.h"

/* The book's title: the manifest's, else the first chapter's, else
 * "Casebook". Borrowed. */
const char *cb_model__title(const cb_book *book);

/* The response a property-list answer of a per-response question belongs
 * to: the case's only response ("" when it is unnamed), or NULL when it
 * has none or several. Borrowed from the model. */
const char *cb_model__only_response(const cb_case *c);

/* The reserved keys of the property list of a question, a criterion and
 * a case, each NULL-terminated (docs/format.md lists them). The one list
 * the extractor claims a property list by and the rules check keys
 * against: a new key is one more string here. */
extern const char *const cb_model__question_keys[];
extern const char *const cb_model__criterion_keys[];
extern const char *const cb_model__case_keys[];

/* Was question q's type lost: written and not understood (an unknown
 * word, a reversed scale), or not written but a key of its property
 * list is one typo from "type" (tpye: scale 1-5)? The question then only
 * defaulted to choice: the checks and exports that would report what
 * follows from that (no options, answers that are no option, required
 * answers) keep quiet, and bad-property or misspelt-property reports the
 * one mistake. */
int cb_model__type_misread(const cb_question *q);

#endif
