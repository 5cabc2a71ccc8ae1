/* SPDX-License-Identifier: MIT */
/*
 * html_index.h: the pages of the annotator site that index the book
 * rather than show a chapter: cases.html (every case, filterable by tag,
 * question and gold answer in the browser), tags.html and one page per
 * tag, and changes.html (what changed since the base revision).
 */
#ifndef CB_HTML_INDEX_H
#define CB_HTML_INDEX_H

#include <stddef.h>

#include "html_element.h"
#include "html_page.h"
#include "strmap.h"

/* A page name not yet in taken: base, else base-2, base-3 ...; recorded
 * in taken, the name in arena. NULL when out of memory. */
const char *cb_html_index__page_name(cb_strmap *taken, cb_arena *arena,
                                     const char *base);

/* Fills the tags of ix (html_element.h): the distinct tags of the book's
 * cases in byte order, the page of each ("tag-" and a file-name-safe form
 * of the tag, unique in taken), and the cases of each. Names go in arena.
 * Returns 0 or CB_ENOMEM with ctx's error set. */
int cb_html_index__tags(cb_html_index *ix, cb_ctx *ctx, const cb_book *book,
                        cb_strmap *taken, cb_arena *arena);

/* The content of cases.html, tags.html, the page of tag k, and
 * changes.html. */
void cb_html_index__cases(cb_html_page *p, const cb_html_index *ix);
void cb_html_index__tag_list(cb_html_page *p, const cb_html_index *ix);
void cb_html_index__tag(cb_html_page *p, const cb_html_index *ix, size_t k);
void cb_html_index__changes(cb_html_page *p, const cb_html_index *ix);

#endif
