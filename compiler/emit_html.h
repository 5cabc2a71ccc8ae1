/* SPDX-License-Identifier: MIT */
/*
 * emit_html.h: the annotator site of `casebook build`: index.html, one
 * page per chapter, the cases index, the tag pages, the changes page, the
 * print view, the search index, style.css and site.js, from the templates
 * (embedded, or the project's own templates/NAME). See docs/site.md.
 */
#ifndef CB_EMIT_HTML_H
#define CB_EMIT_HTML_H

#include "ctx.h"

/* Writes the site into directory dir (created if needed). Each file is
 * written atomically, and only when its bytes changed; pages (*.html) of
 * an earlier build that this one does not make are removed. Returns 0 or
 * a negative code with ctx's error set. */
int cb_emit_html__site(cb_ctx *ctx, const cb_book *book, const char *dir);

/* The same in steps, for writing the pages on two threads:
 *
 *   cb_emit_html__begin   templates, indexes, page names (one thread)
 *   cb_emit_html__work    writes pages (and the search index) until none
 *                         is left; worker 0 and
 *                         worker 1 may run at the same time, each with a
 *                         cb_ctx of its own for its errors
 *   cb_emit_html__finish  removes stale pages, writes the assets
 *   cb_emit_html__free    (NULL ok)
 *
 * Each returns 0 or a negative code with the given ctx's error set. A
 * worker that fails stops the other. */
typedef struct cb_site cb_site;

int cb_emit_html__begin(cb_site **out, cb_ctx *ctx, const cb_book *book,
                        const char *dir);
int cb_emit_html__work(cb_site *site, int worker, cb_ctx *ctx);
int cb_emit_html__finish(cb_site *site);
void cb_emit_html__free(cb_site *site);

#endif
