/* SPDX-License-Identifier: MIT */
/*
 * emit.h: helpers the emitters share (cb_book_emit itself is public, in
 * casebook.h): text that must be valid UTF-8 in every output, the
 * "cb-link:N" hrefs of pre-rendered HTML, and names used by every format.
 */
#ifndef CB_EMIT_H
#define CB_EMIT_H

#include <stddef.h>

#include "ctx.h"

/* How text is cleaned before it goes into an output. */
typedef enum cb_text_mode {
  /* JSON: invalid UTF-8 sequences become U+FFFD, everything else (NUL and
   * control characters included) is kept: JSON escapes it. */
  CB_TEXT_JSON = 0,
  /* HTML: as JSON, and the characters HTML does not allow in a document
   * are made visible instead: C0 controls other than whitespace (NUL
   * included) become their Control Pictures (U+2400 + c, DEL U+2421); C1
   * controls and noncharacters become U+FFFD. */
  CB_TEXT_HTML = 1
} cb_text_mode;

/* 1 when s[0..len) can go into an output of this mode as it is. */
int cb_emit__text_ok(const char *s, size_t len, cb_text_mode mode);

/* Appends s[0..len) to out, cleaned for mode. Invalid sequences are
 * replaced by one U+FFFD per maximal ill-formed subpart, as the WHATWG
 * decoder does. */
void cb_emit__text_fix(cb_buf *out, const char *s, size_t len,
                       cb_text_mode mode);

/* The href link n of the book points to in the HTML site: cb_link.href,
 * or "#" when the link is out of range, unresolved or unsafe (kind
 * CB_LINK_UNSAFE, or a javascript:, vbscript:, file: or non-image data:
 * URL). Borrowed. */
const char *cb_emit__href(const cb_book *book, size_t n);

/* Appends url with the ASCII characters a URL may not hold (space,
 * controls, " < > \\ ^ ` { | }) percent-encoded, as cmark-gfm writes
 * hrefs. Not escaped for HTML. */
void cb_emit__url(cb_buf *out, const char *url);

/* Appends the pre-rendered HTML fragment html to out with every attribute
 * value "cb-link:N" replaced by cb_emit__href(book, N), URL-encoded
 * (cb_emit__url) and escaped for an attribute. */
void cb_emit__links(cb_buf *out, const cb_book *book, const char *html);

/* The book's title: the manifest's, else the first chapter's, else
 * "Casebook". Borrowed. */
const char *cb_emit__title(const cb_book *book);

#endif
