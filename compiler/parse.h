/* SPDX-License-Identifier: MIT */
/*
 * parse.h: Markdown to a cmark-gfm tree, with the GFM extensions casebook
 * uses, and rendering of prose blocks to HTML. Also the byte-level checks
 * that come before parsing (invalid UTF-8, NUL bytes).
 */
#ifndef CB_PARSE_H
#define CB_PARSE_H

#include <cmark-gfm.h>

#include "ctx.h"

/* Parses a chapter. Returns the document node, released with
 * cb_parse__release, or NULL when out of memory. The tree's memory comes
 * from a per-chapter arena (cmark's), unless the text is very large or
 * the build runs under a sanitizer: nodes made for the tree (with
 * cb_parse__new_node) must be released before the document. */
cmark_node *cb_parse__document(const char *text, size_t len);

/* Parses n chapters ahead on a second thread, and on the caller's while
 * it waits for one: order[i] is the index in files of the i-th chapter.
 * The chapters are parsed as they are made available (cb_parse__avail),
 * so that parsing can start while later files are still being read.
 * Documents come back in order from cb_parse__next; each must be
 * released (cb_parse__release) before the next is taken. *out is freed
 * with cb_parse__stop, which also frees documents never taken. Returns 0
 * or CB_ENOMEM. */
typedef struct cb_parse_queue cb_parse_queue;
int cb_parse__start(cb_parse_queue **out, const cb_file *files,
                    const uint32_t *order, size_t n);

/* The first n_avail chapters can be parsed: their order entries are set
 * and their files' bytes will not change. n_avail only grows. */
void cb_parse__avail(cb_parse_queue *q, size_t n_avail);

/* The next chapter's document, NULL when out of memory (or past the end).
 * The chapter must have been made available. */
cmark_node *cb_parse__next(cb_parse_queue *q);
void cb_parse__stop(cb_parse_queue *q);

/* A new node using the same memory as doc. */
cmark_node *cb_parse__new_node(cmark_node *doc, cmark_node_type type);

/* Takes node (and its subtree) out of the tree of doc for good: freed
 * now, or with the document when it lives in an arena. */
void cb_parse__drop(cmark_node *doc, cmark_node *node);

/* Frees the document and everything allocated for it. */
void cb_parse__release(cmark_node *doc);

/* Renders node (of the tree of doc) and its subtree as HTML with
 * casebook's options; raw HTML is omitted unless unsafe_html (then
 * filtered by the GFM tag filter). Appends to out; returns 0 or -1 when
 * out of memory. */
int cb_parse__render_html(cb_buf *out, cmark_node *doc, cmark_node *node,
                          int unsafe_html);

/* Appends the tree of doc rendered back to CommonMark (GFM tables and
 * task lists included), without line wrapping: text is escaped so that it
 * reads as the same text, raw HTML nodes are written as they are. Returns
 * 0, or -1 when out of memory. */
int cb_parse__render_markdown(cb_buf *out, cmark_node *doc);

/* The GFM table node kinds. */
typedef enum cb_node_kind {
  CB_NK_OTHER = 0,
  CB_NK_TABLE,
  CB_NK_HEADER_ROW,
  CB_NK_ROW,
  CB_NK_CELL
} cb_node_kind;

cb_node_kind cb_parse__kind(cmark_node *node);

/* Reports invalid UTF-8 sequences and NUL bytes of file as diagnostics
 * with their positions ("invalid-utf8", "nul-byte"). */
void cb_parse__check_bytes(cb_ctx *ctx, uint32_t file, const char *text,
                           size_t len);

#endif
