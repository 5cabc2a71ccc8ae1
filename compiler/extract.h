/* SPDX-License-Identifier: MIT */
/*
 * extract.h: the casebook dialect. Walks the cmark-gfm tree of a chapter
 * and extracts questions, criteria and cases (FORMAT.md), their property
 * lists, option and response tables, verbatim inputs, prose and links,
 * each with its source position. Answers are kept as written here; they
 * are typed against their questions once every chapter is extracted
 * (resolve.h), since a question may be declared in a later chapter.
 */
#ifndef CB_EXTRACT_H
#define CB_EXTRACT_H

#include <cmark-gfm.h>

#include "node.h"

void cb_extract__init(cb_builder *b, cb_ctx *ctx, const cb_manifest *m);

/* Adds the ids of the question headings in text (a line scan, before any
 * chapter is parsed). */
void cb_extract__prescan(cb_builder *b, const char *text, size_t len);

/* Extracts one parsed chapter into b and fills ch (items, headings, title,
 * prose). Problems become diagnostics. Returns 0 or CB_ENOMEM. */
int cb_extract__chapter(cb_builder *b, cb_chapter *ch, uint32_t chapter,
                        const cb_file *file, cmark_node *doc);

/* Moves the collected arrays into the book (in the arena) and frees b. */
int cb_extract__finish(cb_builder *b, cb_book *book);

/* GitHub's heading anchor of text (lower case, punctuation dropped,
 * spaces to '-'), in the arena. */
char *cb_extract__slug(cb_arena *a, const char *text);

#endif
