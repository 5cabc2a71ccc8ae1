/*
 * parse.h: Markdown to a cmark-gfm tree, with the GFM extensions casebook
 * uses, and rendering of prose blocks to HTML. Also the byte-level checks
 * that come before parsing (invalid UTF-8, NUL bytes).
 */
#ifndef CB_PARSE_H
#define CB_PARSE_H

#include <cmark-gfm.h>

#include "ctx.h"

/* Parses a chapter. Returns the document node (free with
 * cmark_node_free) or NULL when out of memory. */
cmark_node *cb_parse__document(const char *text, size_t len);

/* Renders node and its subtree as HTML with casebook's options; raw HTML
 * is omitted unless unsafe_html (then filtered by the GFM tag filter).
 * Returns a malloc'd string (free with free()) or NULL. */
char *cb_parse__render_html(cmark_node *node, int unsafe_html);

/* Reports invalid UTF-8 sequences and NUL bytes of file as diagnostics
 * with their positions ("invalid-utf8", "nul-byte"). */
void cb_parse__check_bytes(cb_ctx *ctx, uint32_t file, const char *text,
                           size_t len);

/* The type name of an extension node ("table", "table_row", ...). */
int cb_parse__is(cmark_node *node, const char *type_name);

#endif
