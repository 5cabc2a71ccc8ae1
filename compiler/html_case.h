/* SPDX-License-Identifier: MIT */
/*
 * html_case.h: the case cards of the annotator site: inputs in verbatim
 * blocks (long ones collapsed), gold answers linked to the option
 * definitions, the per-response table, cited criteria, tags, rationale.
 */
#ifndef CB_HTML_CASE_H
#define CB_HTML_CASE_H

#include <stddef.h>

#include "html_element.h"
#include "html_page.h"

/* The card of case ci, opened by heading h (may be NULL). */
void cb_html_case__card(cb_html_page *p, const cb_html_index *ix, size_t ci,
                        const cb_heading *h);

#endif
