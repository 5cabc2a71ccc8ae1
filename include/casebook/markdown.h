/* SPDX-License-Identifier: MIT */
/*
 * casebook/markdown.h: Markdown rendered as casebook renders prose.
 */
#ifndef CASEBOOK_MARKDOWN_H
#define CASEBOOK_MARKDOWN_H

#include <stddef.h>

#include "casebook/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Renders GFM Markdown to HTML as casebook renders prose (tables,
 * strikethrough, autolinks, task lists, tag filter unless unsafe_html).
 * *out is malloc'd, the caller frees it with free(). Returns 0 or
 * CB_ENOMEM. Used by the spec tests. */
CB_EXTERN int cb_markdown_to_html(char **out, const char *md, size_t len,
                                  int unsafe_html);

#ifdef __cplusplus
}
#endif
#endif
