/* SPDX-License-Identifier: MIT */
/*
 * export_argilla_impl.h: what the modules of the Argilla export share
 * (export_argilla.c, export_argilla_questions.c): the plan of the dataset
 * and the records a dataset directory holds.
 */
#ifndef CB_EXPORT_ARGILLA_IMPL_H
#define CB_EXPORT_ARGILLA_IMPL_H

#include "ctx.h"
#include "export_util.h"
#include "json_out.h"
#include "strmap.h"

/* One question of the dataset: a question of the book, or a per-response
 * question for one response field. */
typedef struct aq {
  const cb_question *q;
  size_t qi;
  const char *name;
  const cb_xfield *field;     /* per-response: the response field */
  const cb_xfield **compared; /* pairwise, rank */
  size_t n_compared;
} aq;

typedef struct ag {
  cb_ctx *ctx;
  const cb_book *book;
  cb_xlayout layout;
  const char **field_names; /* per layout field, NULL when left out */
  aq *questions;
  size_t n_questions;
  /* every name given so far -> index in owners (what it names), for
   * collisions */
  cb_strmap names;
  const char **owners; /* cb_malloc'd */
  size_t n_owners, cap_owners;
  cb_use use; /* the set being written */
} ag;

/* The records a dataset holds: its cases, all final. */
typedef struct aset {
  const cb_case *const *cases;
  size_t n;
} aset;

/* Argilla's required for entry e in a dataset of the records of s: the
 * question's own, where Argilla can hold it, that is when it has no
 * `when` and applies to every record (Argilla has no conditions). */
int cb_export_argilla__required(const ag *a, const aq *e, const aset *s);

/* Writes the description of entry e as a JSON value (a string, or null
 * when there is nothing to say): the question's hint, guidance, scale
 * labels, and when it is asked in words. Sets w's failure on out of
 * memory. */
void cb_export_argilla__description(ag *a, cb_json_writer *w, const aq *e,
                                    const aset *s);

#endif
