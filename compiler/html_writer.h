/* SPDX-License-Identifier: MIT */
/*
 * html_writer.h: the streaming HTML writer of the annotator site.
 *
 * Pages are written front to back into one buffer through a small typed
 * API that makes unsafe output impossible to write by mistake:
 *
 *   - element names are an enum (cb_tag), never strings;
 *   - every attribute value and every text is cleaned (cb_utf8__text_fix,
 *     CB_TEXT_HTML) and escaped as it is written, whatever it holds;
 *   - hrefs are also URL-encoded as cmark-gfm writes them;
 *   - a text holding a bidirectional control (U+202E...) is isolated in a
 *     <bdi> of its own, so that it cannot reorder what stands around it;
 *     where markup cannot go (attribute values, <option>, the <title>)
 *     the controls are removed (docs/site.md);
 *   - pre-rendered cmark-gfm fragments go in only through
 *     cb_html__fragment, which resolves their "cb-link:N" hrefs;
 *   - elements are closed from a stack, so the output is well-formed.
 *
 * The writer follows the HTML5 serialization rules for what it writes (the
 * newline after <pre>) and puts a newline after the end tag of each block
 * element, so that pages are readable files.
 */
#ifndef CB_HTML_WRITER_H
#define CB_HTML_WRITER_H

#include <stddef.h>

#include "ctx.h"
#include "links.h"

/* The elements the site generates. */
typedef enum cb_tag {
  CB_TAG_A,
  CB_TAG_ARTICLE,
  CB_TAG_BDI,
  CB_TAG_CODE,
  CB_TAG_DD,
  CB_TAG_DETAILS,
  CB_TAG_DIV,
  CB_TAG_DL,
  CB_TAG_DT,
  CB_TAG_EM,
  CB_TAG_FORM,
  CB_TAG_H1,
  CB_TAG_H2,
  CB_TAG_H3,
  CB_TAG_H4,
  CB_TAG_H5,
  CB_TAG_H6,
  CB_TAG_HEADER,
  CB_TAG_LABEL,
  CB_TAG_LI,
  CB_TAG_NAV,
  CB_TAG_OL,
  CB_TAG_OPTGROUP,
  CB_TAG_OPTION,
  CB_TAG_P,
  CB_TAG_PRE,
  CB_TAG_SECTION,
  CB_TAG_SELECT,
  CB_TAG_SPAN,
  CB_TAG_STRONG,
  CB_TAG_SUMMARY,
  CB_TAG_TABLE,
  CB_TAG_TBODY,
  CB_TAG_TD,
  CB_TAG_TH,
  CB_TAG_THEAD,
  CB_TAG_TR,
  CB_TAG_UL,
  CB_N_TAGS
} cb_tag;

/* Deeper than any page nests. */
#define CB_HTML_DEPTH 32

/* A writer. Zero-initialize it; cb_html__free releases its buffer. The
 * fields are read-only outside html_writer.c. */
typedef struct cb_html {
  cb_buf buf;                        /* the bytes written */
  unsigned char open[CB_HTML_DEPTH]; /* the elements open (cb_tag) */
  size_t depth;
  int in_tag;    /* a start tag is not closed yet: attributes may follow */
  int pre_start; /* nothing written yet inside a <pre> */
} cb_html;

/* Empties h, keeping its memory (and clearing a failure). */
void cb_html__reset(cb_html *h);
void cb_html__free(cb_html *h);

/* 1 once an allocation failed: the bytes are incomplete. */
int cb_html__failed(const cb_html *h);

/* Opens element tag, with a class attribute when cls is not NULL. Its
 * start tag stays open for cb_html__attr until something is written in
 * it. */
void cb_html__open(cb_html *h, cb_tag tag, const char *cls);

/* Adds attribute name (a literal of ours: [a-z-]) to the element just
 * opened, with value cleaned and escaped, bidirectional controls
 * removed. */
void cb_html__attr(cb_html *h, const char *name, const char *value);

/* Adds attribute name with url[0..len) URL-encoded as cmark-gfm writes
 * hrefs (see cb_links__url), cleaned and escaped. */
void cb_html__attr_url(cb_html *h, const char *name, const char *url,
                       size_t len);

/* Writes text s[0..len) (any bytes), cleaned and escaped; inside a <bdi>
 * when it holds a bidirectional control, or without the controls inside
 * an <option>. */
void cb_html__text(cb_html *h, const char *s, size_t len);

/* Writes s (NULL: nothing) as text where no markup can go: the <title>
 * slot of a template. Cleaned and escaped, bidirectional controls
 * removed. */
void cb_html__plain(cb_html *h, const char *s);

/* The same for a string; NULL writes nothing. */
void cb_html__puts(cb_html *h, const char *s);

/* Closes the innermost open element. */
void cb_html__close(cb_html *h);

/* An element holding text s (NULL: empty): open, puts, close. */
void cb_html__leaf(cb_html *h, cb_tag tag, const char *cls, const char *s);

/* Opens an <a> with class cls (NULL: none) and href (cb_html__attr_url),
 * left open for more attributes and content. */
void cb_html__open_link(cb_html *h, const char *href, const char *cls);

/* A whole link: cb_html__open_link, the text s, close. */
void cb_html__link(cb_html *h, const char *href, const char *cls,
                   const char *s);

/* Inserts the pre-rendered HTML fragment html (cmark-gfm's output, which
 * the loader made safe) with its "cb-link:N" hrefs resolved against book
 * (cb_links__html) and invalid UTF-8 or control characters cleaned as in
 * text. NULL or "" writes nothing. */
void cb_html__fragment(cb_html *h, const cb_book *book, const char *html);

/* cb_html__fragment with the hrefs href gives (cb_links__html_by): for a
 * page read outside the site. */
void cb_html__fragment_by(cb_html *h, const cb_book *book, const char *html,
                          cb_links_href_fn href, void *ud);

/* The position of the next byte, outside any element: with
 * cb_html__splice, pieces written once can be copied into many pages. */
size_t cb_html__mark(const cb_html *h);

/* Appends bytes [start, end) of from, two of its marks. */
void cb_html__splice(cb_html *h, const cb_html *from, size_t start, size_t end);

/* Appends markup serialized from a template that libxml2 parsed (see
 * html_page.c), never text of the casebook. */
void cb_html__template(cb_html *h, const char *bytes, size_t len);

/* The next text is the first child of a <pre> that a template opened: see
 * the newline rule in cb_html__text. */
void cb_html__pre_start(cb_html *h);

#endif
