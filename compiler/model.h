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

#endif
