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

#include "ctx.h"
#include "strmap.h"

/* Collects the elements of every chapter. Arrays are cb_malloc'd and
 * moved into the arena by cb_extract__finish. */
typedef struct cb_builder {
  cb_ctx *ctx;
  const cb_manifest *manifest;
  cb_question *questions;
  size_t n_questions, cap_questions;
  cb_criterion *criteria;
  size_t n_criteria, cap_criteria;
  cb_case *cases;
  size_t n_cases, cap_cases;
  cb_link *links;
  size_t n_links, cap_links;
  /* Question ids seen by the prescan and the extraction: a bullet list is
   * a property list when it names one of them (or a reserved key). */
  cb_strmap question_ids;
  int failed; /* out of memory: stop */
} cb_builder;

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

/* Normalizes a property key: lower case, ' ' and '_' read as '-'. */
char *cb_extract__norm_key(cb_arena *a, const char *key, size_t len);

#endif
