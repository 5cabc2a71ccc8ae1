/* SPDX-License-Identifier: MIT */
/*
 * blocks.h: the data blocks of an element (FORMAT.md): its property list,
 * the options table of a question, the Response table and the verbatim
 * inputs of a case, and how an element's properties become its fields.
 * The walk over sections and elements is extract.c's.
 */
#ifndef CB_BLOCKS_H
#define CB_BLOCKS_H

#include "node.h"

/* A bullet list in an element: the property list (returns 1, consumed),
 * or prose (returns 0), recorded as a suspect list when it looks like
 * properties (cb_list). */
int cb_blocks__list(chapter_state *s, cmark_node *list);

/* The text of the first header cell of a table, or NULL. */
const char *cb_blocks__first_header(chapter_state *s, cmark_node *table);

/* A question's options table; a case's Response table. */
void cb_blocks__option_table(chapter_state *s, cmark_node *table);
void cb_blocks__response_table(chapter_state *s, cmark_node *table);

/* A fenced block in a case: an input when its info string names an input
 * kind (returns 1), else 0 (code in the rationale). */
int cb_blocks__case_input(chapter_state *s, cmark_node *code);

/* Moves the element's collected data into the model and reads its
 * properties into fields (type, when, criteria, status ...). */
void cb_blocks__finish_question(chapter_state *s, cb_question *q, element *el);
void cb_blocks__finish_criterion(chapter_state *s, cb_criterion *c,
                                 element *el);
void cb_blocks__finish_case(chapter_state *s, cb_case *c, element *el);

#endif
