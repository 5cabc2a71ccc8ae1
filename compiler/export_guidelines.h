/* SPDX-License-Identifier: MIT */
/*
 * export_guidelines.h: the guidelines a tool shows beside its tasks, as
 * Markdown made from the chapters (export_guidelines.c), and a question's
 * `when` said in words.
 */
#ifndef CB_EXPORT_GUIDELINES_H
#define CB_EXPORT_GUIDELINES_H

#include "ctx.h"

/* Appends the guidelines of book to out: every chapter in reading order,
 * parsed and written back as CommonMark, so that they read as prose in a
 * tool that renders Markdown:
 *
 *   - a link to an element, a chapter, a heading or a file of the project
 *     points to its page on the published site (manifest site_url, plus
 *     the href the site gives it); without site_url, or when the link is
 *     unresolved or unsafe, it is its text (an image: its alt text);
 *   - the property list of a question becomes a sentence (required or
 *     optional, and its `when` in words), that of a criterion the
 *     questions it applies to, that of a case its answers under the
 *     questions' titles and the criteria it demonstrates;
 *   - HTML comments (casebook-ignore) are left out, and other raw HTML is
 *     text unless the manifest sets unsafe_html;
 *   - the section of case i (its heading up to the next heading of its
 *     level or higher) is left out when hide[i] is nonzero (hide: NULL,
 *     or one flag per case of the book), and a link to it is its text:
 *     cases an annotator must not see the answers of;
 *   - a chapter whose quotes, lists and items nest more than 16 deep is
 *     its text as written in a fenced code block (cb_export__fenced), or
 *     nothing when it holds a hidden case: written back, each of its
 *     lines would repeat every marker.
 *
 * Returns 0, or CB_ENOMEM with ctx's error set (out may hold part of the
 * text). */
int cb_export__guidelines(cb_buf *out, cb_ctx *ctx, const cb_book *book,
                          const unsigned char *hide);

/* Appends q's `when` in words, for one who answers: `the answer to
 * "Harm" is "borderline" or "harmful"` when it has that form
 * (cb_export__when), else `this holds: EXPR`. Nothing when q has no when.
 * Returns 0, or -1 when out of memory. */
int cb_export__when_words(cb_buf *out, cb_ctx *ctx, const cb_book *book,
                          const cb_question *q);

#endif
