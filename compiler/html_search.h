/* SPDX-License-Identifier: MIT */
/*
 * html_search.h: the search index of the annotator site, built at compile
 * time into search-index.js, a script that sets the global
 * casebookSearchData (a script, not a JSON file: a page opened from
 * file:// may load scripts of its folder but not fetch() them). site.js
 * loads it when the reader first searches.
 *
 * What is indexed: every question (its id and title; its guidance, hint
 * and options), option (id; meaning), criterion (id and title; prose),
 * case (id and title; inputs, rationale, answers, tags, source), heading,
 * and the prose of each chapter. Titles are indexed apart from bodies, so
 * that a match in a title ranks first.
 *
 * How text becomes terms (site.js does the same to a query): runs of
 * letters and digits are words, lowered (ASCII, Latin-1, Latin
 * Extended-A, Greek, Cyrillic), at most CB_SEARCH_MAX_WORD bytes; runs of
 * Han, Kana and Hangul, which are written without spaces, give each
 * character and each pair of neighbours (unigrams and bigrams), so that
 * any word of two characters or more is found as the chain of its
 * bigrams. Everything else separates terms.
 *
 * The format (version 1):
 *
 *   casebookSearchData = {
 *     "v": 1,
 *     "chapters": [TITLE, ...],
 *     "docs": [[KIND, ID, TITLE, HREF, CHAPTER, SNIPPET], ...],
 *     "terms": {TERM: POSTINGS, ...}
 *   }
 *
 * KIND is "q" question, "o" option, "c" criterion, "k" case, "h" heading,
 * "p" chapter prose. POSTINGS lists the documents holding the term in
 * increasing order, each as n = (gap << 1) | in_title, gap the number of
 * the document less that of the previous one (the first: its number + 1,
 * as if the previous were -1), written as
 * base-64 digits (0-9 a-z A-Z _ -) of 5 bits each, low first, 32 added to
 * every digit but the last.
 */
#ifndef CB_HTML_SEARCH_H
#define CB_HTML_SEARCH_H

#include "ctx.h"

#define CB_SEARCH_MAX_WORD 64

/* Builds the index of book and writes it to path, atomically. Returns 0
 * or a negative code with ctx's error set. */
int cb_html_search__write(cb_ctx *ctx, const cb_book *book, const char *path);

/* The same into out (for the tests): the whole file. Returns 0 or
 * CB_ENOMEM. */
int cb_html_search__build(cb_buf *out, const cb_book *book);

#endif
