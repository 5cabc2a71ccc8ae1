/* SPDX-License-Identifier: MIT */
/*
 * ui_strings.h: the words of the annotator site (headings, labels, aria
 * labels, the search script's messages) in each built-in language, and
 * the table a build uses: the built-in one of the manifest's `language`
 * with the manifest's own `strings = {...}` over it (docs/site.md).
 *
 * A string may hold "{n}" (a number) or "{s}" (a text: a version, a
 * query), replaced by cb_ui__format. Strings are text: they are escaped
 * wherever they are written, like any text of a casebook.
 */
#ifndef CB_UI_STRINGS_H
#define CB_UI_STRINGS_H

#include <stddef.h>

#include "alloc.h"

/* The keys, in the order of the tables of ui_strings.c. */
typedef enum cb_ui {
  /* the frame (page.html) and the sidebar */
  CB_UI_SKIP_TO_CONTENT,
  CB_UI_TABLE_OF_CONTENTS,
  CB_UI_CONTENTS,
  CB_UI_SEARCH_LABEL,
  CB_UI_SEARCH_PLACEHOLDER,
  CB_UI_SEARCH_RESULTS,
  CB_UI_ALL_CASES,
  CB_UI_TAGS,
  CB_UI_CHANGES,
  CB_UI_PRINT_VIEW,
  CB_UI_ALL_CHAPTERS,
  CB_UI_VERSION,
  CB_UI_UNVERSIONED,
  CB_UI_UNCOMMITTED,
  CB_UI_PERMALINK,
  CB_UI_SCROLL_TABLE,
  /* the index and chapter pages */
  CB_UI_CHAPTERS,
  CB_UI_QUESTIONS,
  CB_UI_CRITERIA,
  CB_UI_CASES,
  CB_UI_ON_THIS_PAGE,
  CB_UI_TYPE,
  CB_UI_OPTIONS,
  CB_UI_N_QUESTION,
  CB_UI_N_QUESTIONS,
  CB_UI_N_CRITERION,
  CB_UI_N_CRITERIA,
  CB_UI_N_CASE,
  CB_UI_N_CASES,
  CB_UI_WHAT_CHANGED,
  CB_UI_PRINT_TOO_LARGE,
  /* elements */
  CB_UI_QUESTION,
  CB_UI_OPTION,
  CB_UI_SCORE,
  CB_UI_MEANING,
  CB_UI_CRITERION,
  CB_UI_CASE,
  CB_UI_SECTION,
  CB_UI_CHAPTER,
  CB_UI_REQUIRED,
  CB_UI_YES,
  CB_UI_NO,
  CB_UI_WHEN,
  CB_UI_SCOPE,
  CB_UI_EACH_RESPONSE,
  CB_UI_RESPONSES,
  CB_UI_HINT,
  CB_UI_SCALE,
  CB_UI_APPLIES_TO,
  CB_UI_SEVERITY,
  CB_UI_POINTS,
  CB_UI_DEMONSTRATED_BY,
  CB_UI_NO_CASE_YET,
  CB_UI_NEW,
  CB_UI_NEW_SINCE,
  CB_UI_CHANGED,
  CB_UI_CHANGED_SINCE,
  CB_UI_LAST_CHANGED,
  /* case cards */
  CB_UI_PROMPT,
  CB_UI_RESPONSE,
  CB_UI_SYSTEM,
  CB_UI_CONTEXT,
  CB_UI_USER,
  CB_UI_ASSISTANT,
  CB_UI_N_LINE,
  CB_UI_N_LINES,
  CB_UI_CONVERSATION,
  CB_UI_NONE,
  CB_UI_TIE,
  CB_UI_PREFERRED,
  CB_UI_STRONGLY_PREFERRED,
  CB_UI_GOLD_ANSWERS,
  CB_UI_SOURCE,
  /* the cases and tags pages */
  CB_UI_FILTER_CASES,
  CB_UI_TAG,
  CB_UI_GOLD_ANSWER,
  CB_UI_ANY,
  CB_UI_N_OF_CASES,
  CB_UI_NO_TAGS,
  CB_UI_ALL_TAGS,
  CB_UI_WITH_ANSWERS,
  CB_UI_TAG_TITLE,
  /* the changes page */
  CB_UI_CHANGES_SINCE,
  CB_UI_NO_BASE,
  CB_UI_NOTHING_CHANGED,
  CB_UI_BREAKING,
  CB_UI_BREAKING_NOTE,
  CB_UI_GOLD_CHANGES,
  CB_UI_GOLD_CHANGES_NOTE,
  CB_UI_SEMANTIC,
  CB_UI_SEMANTIC_NOTE,
  CB_UI_ADDITIVE,
  CB_UI_ADDITIVE_NOTE,
  CB_UI_COSMETIC,
  CB_UI_COSMETIC_NOTE,
  CB_UI_BEFORE,
  CB_UI_AFTER,
  /* the search script */
  CB_UI_RESULT,
  CB_UI_RESULTS,
  CB_UI_PARTIAL,
  CB_UI_MISSING,
  CB_UI_SPELLED_AS,
  CB_UI_FIRST_SHOWN,
  CB_UI_INDEX_MISSING,
  CB_UI_CLOSE_SEARCH,
  CB_UI_N
} cb_ui;

/* The name of each key as the manifest writes it (`strings = { search_label
 * = "..." }`), indexed by cb_ui. */
extern const char *const cb_ui__keys[CB_UI_N];

/* The key named name, or -1. */
int cb_ui__key(const char *name);

/* Fills out with the built-in strings of language (a BCP 47 tag; NULL
 * means English), chosen by its primary subtag ("zh-Hant" takes zh).
 * Returns 1 when the language has a table, 0 when it fell back to
 * English. The strings are static. */
int cb_ui__builtin(const char *out[CB_UI_N], const char *language);

/* Appends s to b with "{n}" replaced by n and "{s}" by text (NULL: ""). */
void cb_ui__format(cb_buf *b, const char *s, size_t n, const char *text);

/* Appends the words of ui that site.js shows (the kinds of search
 * results, its messages, the filter counts) as a JSON object, with every
 * '<' written \u003c so that it can stand inside a <script> element. */
void cb_ui__script_json(cb_buf *out, const char *const ui[CB_UI_N]);

#endif
