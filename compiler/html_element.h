/* SPDX-License-Identifier: MIT */
/*
 * html_element.h: the rubric's elements on the annotator site: question
 * sections with their option tables, criterion sections, and the
 * back-links from each option and criterion to the cases that use it
 * (cb_html_index, built once per build). Case cards are in html_case.h.
 */
#ifndef CB_HTML_ELEMENT_H
#define CB_HTML_ELEMENT_H

#include <stddef.h>

#include "ctx.h"
#include "html_page.h"
#include "strmap.h"

/* Lookups and back-links, read-only once built. */
typedef struct cb_html_index {
  cb_strmap question_ids, criterion_ids; /* id -> index */
  /* The cases that use each option (the options of all questions
   * numbered one after the other from opt_first[q]) and cite each
   * criterion: [start[k], start[k+1]) in cases. */
  size_t *opt_first;
  size_t *opt_start, *opt_cases;
  size_t *crit_start, *crit_cases;
  /* The tags of the cases, in byte order, each with the base name of its
   * page and its cases ([tag_start[k], tag_start[k+1]) in tag_cases);
   * filled by cb_html_index__tags (html_index.h). */
  const char **tags, **tag_pages;
  size_t n_tags;
  size_t *tag_start, *tag_cases;
  cb_strmap tag_ids; /* tag -> k */
  /* The link to each question, then each option (numbered as above),
   * each criterion and each case, with its id as text, as the pages of
   * other chapters write it: [link_at[k], link_at[k + 1]) of links.
   * Written once, as most pages link to the same few. */
  cb_html links;
  size_t *link_at;
} cb_html_index;

/* Builds ix (zero-initialized) for book. Returns 0 or CB_ENOMEM with
 * ctx's error set; ix is then freed with cb_html_element__index_free in
 * either case. */
int cb_html_element__index(cb_html_index *ix, cb_ctx *ctx, const cb_book *book);
void cb_html_element__index_free(cb_html_index *ix);

/* The base name of the page of tag, or NULL. */
const char *cb_html_element__tag_page(const cb_html_index *ix, const char *tag);

/* The criterion with this id, or NULL. */
const cb_criterion *cb_html_element__criterion_by_id(const cb_html_index *ix,
                                                     const cb_book *book,
                                                     const char *id);

/* The option of q named id, or SIZE_MAX. */
size_t cb_html_element__option_index(const cb_question *q, const char *id);

/* The scale label of q for value n, or SIZE_MAX. */
size_t cb_html_element__label_index(const cb_question *q, long long n);

/* The heading element of a heading of the given level (h2 when NULL or
 * out of range). */
cb_tag cb_html_element__heading_tag(const cb_heading *h);

/* The heading of an element: <hN id=slug>Keyword <code>id</code> title,
 * prefix being the kind in its anchor ("case"). */
void cb_html_element__heading(cb_html_page *p, const cb_heading *h,
                              const char *keyword, const char *prefix,
                              const char *id, const char *title);

/* A "New since v1.2" / "Changed since v1.2" marker for an element whose
 * history says so (book->since_label, else book->since); nothing when it
 * is unchanged or not known. */
void cb_html_element__history(cb_html_page *p, const cb_history *h);

/* The range of scale question q as the site shows it ("scale 1-5" in
 * English). Borrowed from p's scratch buffer until its next use. */
const char *cb_html_element__scale(cb_html_page *p, const cb_question *q);

/* "Last changed DATE (label)" when the history knows it; else nothing. */
void cb_html_element__last_changed(cb_html_page *p, const cb_history *h);

/* Option k of q (SIZE_MAX: unknown) as shown text linked to its
 * definition. */
void cb_html_element__option_ref(cb_html_page *p, const cb_html_index *ix,
                                 const cb_question *q, size_t k,
                                 const char *shown);

/* Question q, with its id as text, linked to its section. */
void cb_html_element__question_ref(cb_html_page *p, const cb_html_index *ix,
                                   const cb_question *q);

/* Criterion c, with its id as text, linked to its section. */
void cb_html_element__criterion_ref(cb_html_page *p, const cb_html_index *ix,
                                    const cb_criterion *c);

/* The section of question qi, opened by heading h (may be NULL). */
void cb_html_element__question(cb_html_page *p, const cb_html_index *ix,
                               size_t qi, const cb_heading *h);

/* The section of criterion ci, opened by heading h (may be NULL). */
void cb_html_element__criterion(cb_html_page *p, const cb_html_index *ix,
                                size_t ci, const cb_heading *h);

#endif
