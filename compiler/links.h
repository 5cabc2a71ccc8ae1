/* SPDX-License-Identifier: MIT */
/*
 * links.h: the book's links as every output writes them: a link's site
 * URL, URL encoding, and the "cb-link:N" hrefs of pre-rendered HTML
 * rewritten (links.c).
 */
#ifndef CB_LINKS_H
#define CB_LINKS_H

#include <stddef.h>

#include "ctx.h"

/* The href link n of the book points to in the HTML site: cb_link.href,
 * or "#" when the link is out of range, unresolved or unsafe (kind
 * CB_LINK_UNSAFE, or a javascript:, vbscript:, file: or non-image data:
 * URL). Borrowed. */
const char *cb_links__href(const cb_book *book, size_t n);

/* Appends url with the ASCII characters a URL may not hold (space,
 * controls, " < > \\ ^ ` { | }) percent-encoded, as cmark-gfm writes
 * hrefs. Not escaped for HTML. */
void cb_links__url(cb_buf *out, const char *url);

/* Appends the pre-rendered HTML fragment html to out with every attribute
 * value "cb-link:N" replaced by cb_links__href(book, N), URL-encoded
 * (cb_links__url) and escaped for an attribute. */
void cb_links__html(cb_buf *out, const cb_book *book, const char *html);

/* Where link n of book points in a document other than the site (ud is
 * the caller's): an href (borrowed until the next call), or NULL when
 * the link has nowhere to go there. */
typedef const char *(*cb_links_href_fn)(void *ud, const cb_book *book,
                                        size_t n);

/* cb_links__html with the hrefs that href gives. A link it gives NULL
 * for is written as its content without the <a> around it, an image as
 * its alt text. */
void cb_links__html_by(cb_buf *out, const cb_book *book, const char *html,
                       cb_links_href_fn href, void *ud);

#endif
